import Testing
import Foundation
import _EBJRTestSupport

/// `data.dataset: hdf5` end to end through `ebjr train`: a Fashion-MNIST copy in HDF5 trains exactly as the IDX
/// files do, and a recipe naming a missing file fails with one located line.
@Suite(.serialized) struct HDF5DataCLITests {
    func write(_ text: String, to dir: URL, _ name: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The accuracies `ebjr train` prints: each epoch's validation accuracy (standard error) and the summary's
    /// validation and test figures (standard output), without the throughput, which differs between runs.
    func accuracies(_ result: TestSupport.ProcessResult) -> [String] {
        let epochs = result.standardError.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("epoch "), let range = line.range(of: "validation accuracy ") else { return nil }
            return String(line[range.upperBound...])
        }
        let summary = result.standardOutput.split(separator: "\n").last.map { line in
            line.split(separator: ",").filter { $0.contains("validation") || $0.contains("accuracy") }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        } ?? []
        return epochs + summary.map { $0.replacingOccurrences(of: #"^[^:]*: "#, with: "", options: .regularExpression) }
    }

    /// One epoch of a tiny MLP on the first 2,000 training images, evaluated on the full validation (10,000) and
    /// test (10,000) splits: the HDF5 copy and the IDX files give the same printed accuracies.
    @Test func hdf5CopyTrainsLikeTheIDXFiles() throws {
        guard TestSupport.hasFashionMNIST else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("hdf5-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestSupport.writeFashionMNISTHDF5(to: dir.appendingPathComponent("fmnist.h5"), train: 2000, validation: nil, test: nil)
        let body = """
            seed: 3
            model: {preset: mlp, sizes: [784, 16, 10]}
            training: {epochs: 1, batch_size: 64, learning_rate: 0.01}
            """
        let idx = try write("name: same\n\(body)\ndata: {train_limit: 2000}\n", to: dir, "idx.yaml")
        // The data path is relative to the working directory (the run's current directory is `dir`).
        let hdf5 = try write("name: same\n\(body)\ndata: {dataset: hdf5, path: fmnist.h5, normalization: none, train_limit: 2000}\n", to: dir, "hdf5.yaml")
        let idxRun = try TestSupport.ebjr(["train", idx, "--quiet", "--output", dir.appendingPathComponent("idx.ckpt.h5").path],
                                          currentDirectory: dir)
        let hdf5Run = try TestSupport.ebjr(["train", hdf5, "--quiet", "--output", dir.appendingPathComponent("hdf5.ckpt.h5").path],
                                           currentDirectory: dir)
        #expect(idxRun.status == 0, "\(idxRun.standardError)")
        #expect(hdf5Run.status == 0, "\(hdf5Run.standardError)")
        let expected = accuracies(idxRun)
        #expect(expected.count == 3, "\(idxRun.standardError)\n\(idxRun.standardOutput)")
        #expect(expected.contains { $0.hasPrefix("test accuracy ") }, "\(idxRun.standardOutput)")
        #expect(accuracies(hdf5Run) == expected, "IDX:\n\(idxRun.standardOutput)\nHDF5:\n\(hdf5Run.standardOutput)")
    }

    @Test func missingHDF5FileIsOneLocatedLine() throws {
        let dir = try TestSupport.temporaryDirectory("hdf5-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = try write("""
            model: {preset: mlp, sizes: [784, 10]}
            data:
              dataset: hdf5
              path: nowhere.h5
            """, to: dir, "recipe.yaml")
        let result = try TestSupport.ebjr(["train", recipe], currentDirectory: dir)
        #expect(result.status == 1)
        // (A debug build adds its warning about the native-CPU flags; the error itself is one line.)
        let lines = result.standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ebjr was built without") }
        #expect(lines.count == 1, "\(result.standardError)")
        // Resolved against the working directory, and said so.
        #expect(result.standardError.contains(dir.appendingPathComponent("nowhere.h5").path), "\(result.standardError)")
        #expect(result.standardError.contains("\(recipe):4"), "\(result.standardError)")
        #expect(result.standardError.contains("nowhere.h5: no such file"), "\(result.standardError)")
    }
}
