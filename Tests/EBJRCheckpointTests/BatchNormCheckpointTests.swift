import _EBJRTestSupport
import EBJRCheckpoint
import EBJRNN
import EBJRTensor
import Foundation
import Testing

/// Batch-norm buffers in checkpoints: saved beside the weights with torch's names (`num_batches_tracked` as int64),
/// read back bit-identically, shown by `inspect`, and laid out for h5py as docs/checkpoint-format.md says.
@Suite struct BatchNormCheckpointTests {
    /// A small ResNet (identity and projection shortcuts) whose running statistics moved away from their start.
    static func trainedResNet() throws -> (ModelConfig, Sequential) {
        let config = ModelConfig.resnet(inputShape: [1, 8, 8], classes: 3, width: 2, blocksPerStage: 2)
        var generator = RandomGenerator(seed: 21)
        let model = try config.makeModel(generator: &generator)
        for _ in 0..<3 { _ = model(Tensor.uniform([4, 1, 8, 8], low: -1, high: 2, generator: &generator)) }
        return (config, model)
    }

    @Test func buffersSurviveSaveAndLoadBitIdentically() throws {
        let directory = try TemporaryDirectory("bn-checkpoint")
        let (config, model) = try Self.trainedResNet()
        let url = directory.file("resnet.h5")
        try Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: model), classNames: ["a", "b", "c"]).save(to: url)
        let loaded = try Checkpoint.load(from: url)
        let original = model.namedState()
        #expect(loaded.modelState.map(\.name) == original.map(\.name))
        for ((name, stored), (_, tensor)) in zip(loaded.modelState, original) {
            #expect(stored.shape == tensor.shape, "\(name)")
            #expect(stored.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "\(name) differs after loading")
        }
        let rebuilt = try loaded.makeModel()
        #expect(!rebuilt.isTraining, "a model read from a checkpoint is in evaluation mode")
        let bn = try #require(rebuilt.layers[1] as? BatchNorm)
        #expect(bn.batchesTracked.item == 3)
        #expect(bn.runningMean.scalars == (model.layers[1] as! BatchNorm).runningMean.scalars)
        model.eval()
        let x = Tensor((0..<128).map { Float($0 % 7) / 7 }, shape: [2, 1, 8, 8])
        #expect(rebuilt(x).scalars == model(x).scalars)

        let text = try inspect(url)
        #expect(text.contains("num_batches_tracked [] int64"), "\(text)")
        #expect(text.contains("running_mean [2]"))
        #expect(text.contains("buffer values"))
    }

    @Test func h5pyReadsTheBuffersWithTorchNamesAndTypes() throws {
        let directory = try TemporaryDirectory("bn-h5py")
        let (config, model) = try Self.trainedResNet()
        let url = directory.file("resnet.h5")
        try Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: model)).save(to: url)
        let block = try #require(model.layers[5] as? ResidualBlock)
        let projection = try #require(block.projection)
        let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], "r") as f:
            w = f["model_weights"]
            assert "layers.1" in list(w.attrs["layer_names"])
            assert list(w["layers.1"].attrs["weight_names"]) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
            n = w["layers.1/num_batches_tracked"]
            assert n.dtype == np.int64 and n.shape == () and int(n[()]) == 3, (n.dtype, n.shape, n[()])
            assert w["layers.1/running_var"].dtype == np.float32
            bn = w["layers.5.shortcut.1"]
            print(" ".join(repr(float(v)) for v in bn["running_mean"][()]))
            print(" ".join(repr(float(v)) for v in bn["running_var"][()]))
            assert w["layers.5.shortcut.0/weight"].shape == (4, 2, 1, 1)
            assert "layers.4.shortcut.0" not in w
        """
        let result = try TestSupport.runPython(script: script, arguments: [url.path], in: directory.url)
        let lines = result.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map { Float(String($0))! } }
        #expect(lines.count == 2)
        #expect(lines.first == projection.bn.runningMean.scalars)
        #expect(lines.last == projection.bn.runningVariance.scalars)
    }

    @Test func aCounterStoredAsFloatIsALocatedError() throws {
        let directory = try TemporaryDirectory("bn-dtype")
        let url = directory.file("bad.h5")
        let config = ModelConfig(inputShape: [2], layers: [.batchNorm1d(features: 2)])
        var generator = RandomGenerator(seed: 0)
        try Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: try config.makeModel(generator: &generator))).save(to: url)
        let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], "r+") as f:
            g = f["model_weights/layers.0"]
            del g["num_batches_tracked"]
            g.create_dataset("num_batches_tracked", data=np.float32(1))
        """
        try TestSupport.runPython(script: script, arguments: [url.path], in: directory.url)
        #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(from: url) }
        do { _ = try Checkpoint.load(from: url) } catch {
            #expect("\(error)".contains("layers.0.num_batches_tracked") && !"\(error)".contains("\n"), "\(error)")
        }
    }
}

