import Foundation
import EBJR

extension TestSupport {
    /// Whether Debian's `dataset-fashion-mnist` is installed.
    public static var hasFashionMNIST: Bool {
        FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/train-images-idx3-ubyte.gz")
    }

    /// Writes a copy of Fashion-MNIST as an HDF5 data set (docs/datasets.md) at `file`: the splits are read with
    /// `FashionMNIST.load` (the IDX path), written out as raw arrays, and stored by h5py as groups `train` (the first
    /// `train` samples of the train split), `validation` and `test` (the first `validation`/`test` samples of those
    /// splits; nil = all), images `[N, 28, 28]` as `uint8` (the exact bytes, `round(x·255)`) or as the toolkit's
    /// `float32` features, labels `int64`, and the root attribute `class_names`.
    public static func writeFashionMNISTHDF5(to file: URL, train: Int, validation: Int?, test: Int?, float32: Bool = false) throws {
        let dir = try temporaryDirectory("fmnist-h5")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counts: [(DataSplit, Int?)] = [(.train, train), (.validation, validation), (.test, test)]
        for (split, limit) in counts {
            var data = try FashionMNIST.load(split)
            if let limit, limit < data.count { data = data.subset(Array(0..<limit)) }
            let images = dir.appendingPathComponent("\(split.rawValue).images"), labels = dir.appendingPathComponent("\(split.rawValue).labels")
            if float32 {
                try data.features.withUnsafeBytes { try Data($0).write(to: images) }
            } else {
                try Data(data.features.map { UInt8(($0 * 255).rounded()) }).write(to: images)
            }
            try data.labels.map(Int64.init).withUnsafeBytes { try Data($0).write(to: labels) }
        }
        let names = FashionMNIST.classNames.map { "'\($0)'" }.joined(separator: ", ")
        try runPython(script: """
            import sys, h5py, numpy as np
            folder, out, dtype = sys.argv[1], sys.argv[2], sys.argv[3]
            with h5py.File(out, 'w') as f:
                f.attrs['class_names'] = [\(names)]
                for split in ['train', 'validation', 'test']:
                    images = np.fromfile(f'{folder}/{split}.images', dtype=dtype).reshape(-1, 28, 28)
                    labels = np.fromfile(f'{folder}/{split}.labels', dtype='<i8')
                    g = f.create_group(split)
                    g['images'] = images
                    g['labels'] = labels
            """, arguments: [dir.path, file.path, float32 ? "<f4" : "u1"], in: dir)
    }
}
