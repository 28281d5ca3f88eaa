@testable import EBJRCheckpoint
import _EBJRTestSupport
import EBJRHDF5
import EBJRNN
import EBJRTensor
import Foundation
import Testing

@Suite struct CheckpointLoadingErrorTests {
    @Test func missingKeyIsNamed() throws {
        let trained = try TrainedModel(.mlp([784, 32, 10]))
        var checkpoint = trained.checkpoint()
        checkpoint.modelState.removeAll { $0.name == "layers.2.bias" }
        let target = try TrainedModel(.mlp([784, 32, 10]), seed: 2).model
        let before = bits(target.parameters[0])
        #expect(throws: CheckpointError.missingKeys(file: nil, keys: ["layers.2.bias"])) {
            try checkpoint.apply(to: target)
        }
        #expect(bits(target.parameters[0]) == before, "a failed strict load must not change the model")
        let error = CheckpointError.missingKeys(file: nil, keys: ["layers.2.bias"])
        #expect(error.description.contains("'layers.2.bias'"))
    }

    @Test func unexpectedKeyIsNamed() throws {
        let trained = try TrainedModel(.mlp([784, 32, 10]))
        var checkpoint = trained.checkpoint()
        checkpoint.modelState.append((name: "layers.4.weight", tensor: Tensor(zeros: [2, 2])))
        #expect(throws: CheckpointError.unexpectedKeys(file: nil, keys: ["layers.4.weight"])) {
            try checkpoint.apply(to: try TrainedModel(.mlp([784, 32, 10]), seed: 2).model)
        }
    }

    @Test func shapeMismatchNamesKeyAndBothShapes() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("mlp32.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let checkpoint = try Checkpoint.load(from: url)
        let wider = try TrainedModel(.mlp([784, 64, 10])).model
        let expected = CheckpointError.shapeMismatch(file: url.path, key: "layers.0.weight", checkpoint: [32, 784],
                                                     model: [64, 784])
        #expect(throws: expected) { try checkpoint.apply(to: wider) }
        #expect(expected.description
            == "\(url.path): parameter 'layers.0.weight' has shape [32, 784] in the checkpoint but [64, 784] in the model")
    }

    @Test func otherArchitectureFailsClearly() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("cnn.h5")
        try TrainedModel(.fashionCNN()).checkpoint().save(to: url)
        let checkpoint = try Checkpoint.load(from: url)
        let mlpConfig = ModelConfig.mlp([784, 32, 10])
        let mlp = try TrainedModel(mlpConfig).model
        do {
            try checkpoint.apply(to: mlp, architecture: mlpConfig)
            Issue.record("applying a CNN checkpoint to an MLP must fail")
        } catch let error as CheckpointError {
            guard case let .architectureMismatch(file, stored, model) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(file == url.path)
            #expect(stored.contains("conv2d(1→32, 3×3)") && model.contains("linear(784→32)"))
        }
        // Without the architecture, the first differing parameter is named.
        #expect(throws: CheckpointError.shapeMismatch(file: url.path, key: "layers.0.weight", checkpoint: [32, 1, 3, 3],
                                                      model: [32, 784])) {
            try checkpoint.apply(to: mlp)
        }
    }

    @Test func nonStrictLoadReportsWhatWasSkipped() throws {
        let trained = try TrainedModel(.mlp([784, 32, 10]))
        var checkpoint = trained.checkpoint()
        checkpoint.modelState.removeAll { $0.name == "layers.2.bias" }
        checkpoint.modelState.append((name: "extra.weight", tensor: Tensor(zeros: [1])))
        let target = try TrainedModel(.mlp([784, 32, 20])).model
        let report = try checkpoint.apply(to: target, strict: false)
        #expect(report.loaded == ["layers.0.weight", "layers.0.bias"])
        #expect(report.missing == ["layers.2.bias"])
        #expect(report.unexpected == ["extra.weight"])
        #expect(report.mismatched == [.init(key: "layers.2.weight", checkpoint: [10, 32], model: [20, 32])])
        #expect(!report.isComplete)
        #expect(bits(target.parameters[0]) == bits(trained.model.parameters[0]))
        let complete = try trained.checkpoint().apply(to: try TrainedModel(.mlp([784, 32, 10]), seed: 5).model)
        #expect(complete.isComplete && complete.loaded.count == 4)
    }

    @Test func wrongDtypeIsNamed() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("float64.h5")
        try TrainedModel(.mlp([4, 3, 2])).checkpoint().save(to: url)
        do {
            let layer = try HDF5File.open(url, mode: .readWrite).group("model_weights/layers.0")
            try layer.removeChild("bias")
            try layer.createDataset("bias", shape: [3], values: [0.0, 1.0, 2.0])
        }
        #expect(throws: CheckpointError.dtypeMismatch(file: url.path, key: "layers.0.bias", expected: "float32",
                                                      actual: "float64")) {
            try Checkpoint.load(from: url)
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func truncatedFileIsAnHDF5ErrorNamingTheFile() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("truncated.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        do {
            _ = try Checkpoint.load(from: url)
            Issue.record("loading a truncated checkpoint must fail")
        } catch let error as HDF5Error {
            guard case .corrupt = error else { Issue.record("expected .corrupt, got \(error)"); return }
            #expect(error.description.hasPrefix("\(url.path): truncated or corrupt"))
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func nonHDF5AndNonCheckpointFiles() throws {
        let folder = try TemporaryDirectory()
        let text = folder.file("notes.h5")
        try Data("model_weights: definitely not HDF5\n".utf8).write(to: text)
        #expect(throws: HDF5Error.notHDF5File(file: text.path)) { try Checkpoint.load(from: text) }
        let missing = folder.file("absent.h5")
        #expect(throws: HDF5Error.fileNotFound(file: missing.path)) { try Checkpoint.load(from: missing) }

        let other = folder.file("other.h5")
        try HDF5File.writeAtomically(to: other) { try $0.createDataset("x", shape: [1], values: [Float(1)]) }
        #expect(throws: CheckpointError.notACheckpoint(file: other.path, format: nil)) { try Checkpoint.load(from: other) }
        try HDF5File.writeAtomically(to: other) { file in
            try file.setAttribute("format", .string("ebjr-checkpoint"))
            try file.setAttribute("format_version", .int64(2))
            try file.setAttribute("weight_layout", .string("torch"))
        }
        #expect(throws: CheckpointError.unsupportedVersion(file: other.path, version: 2)) {
            try Checkpoint.load(from: other)
        }
        #expect(HDF5.openObjectCount(inFile: other) == 0)
    }

    @Test func missingDatasetNamesItsPath() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("missing-weight.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        try HDF5File.open(url, mode: .readWrite).group("model_weights/layers.2").removeChild("weight")
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/model_weights/layers.2/weight")) {
            try Checkpoint.load(from: url)
        }
        try HDF5File.open(url, mode: .readWrite).removeChild("recipe")
        #expect(throws: HDF5Error.self) { try Checkpoint.load(from: url) }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func failedSaveLeavesPreviousCheckpointUntouched() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("model.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let before = try Data(contentsOf: url)
        let newer = try TrainedModel(.mlp([784, 32, 10]), seed: 3).checkpoint()
        struct DiskFull: Error {}
        #expect(throws: DiskFull.self) {
            try HDF5File.writeAtomically(to: url) { file in
                try newer.write(into: file)
                throw DiskFull()
            }
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try folder.contents() == ["model.h5"])
        // A successful save replaces it, leaving no temporary file either.
        try newer.save(to: url)
        #expect(try Data(contentsOf: url) != before)
        #expect(try folder.contents() == ["model.h5"])
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }
}
