import Foundation
import EBJRData
import EBJRFiles

extension DataChoice {
    /// The files the data set is read from, in a fixed order (hashed into run manifests): Fashion-MNIST's four IDX
    /// files, the HDF5 file, or the CMU lexicon.
    public var dataFiles: [String] {
        switch self {
        case let .fashionMNIST(directory):
            let folder = directory ?? FashionMNIST.defaultDirectory
            return [DataSplit.train, .test].flatMap { split in
                let files = FashionMNIST.files(of: split, directory: folder)
                return [files.images, files.labels]
            }
        case let .cmudict(lexicon, _): return [lexicon]
        case let .hdf5(path, _, _, _, _): return [path]
        }
    }
}

extension RunManifest {
    /// The manifest of a run of the recipe at `file` on `data`: the recipe's text (or only its hash, when the text is
    /// stored elsewhere, as in checkpoints) and the SHA-256 of every data file. Callers add the checkpoints and logits
    /// files they read with `addInput(role:path:)`.
    /// - Throws: `FileReadError` naming a data file that cannot be read.
    static func forRecipe(file: String, text: String, includeText: Bool, data: DataChoice?) throws -> RunManifest {
        var manifest = RunManifest(recipe: Recipe(file: file, text: text, includeText: includeText))
        for path in data?.dataFiles ?? [] { try manifest.addInput(role: "data", path: path) }
        return manifest
    }
}
