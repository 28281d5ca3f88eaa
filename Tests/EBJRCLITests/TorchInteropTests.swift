import Testing
import Foundation
import EBJR
import _EBJRTestSupport

/// `python/ebjr_torch.py`: a CNN checkpoint loads into PyTorch with a strict `load_state_dict` and gives the logits
/// `ebjr logits` writes, within 1e-5. Opt-in: runs when a Python with torch is found (`TestSupport.torchPython`,
/// `scripts/torch-env.sh`).
@Suite(.serialized, .enabled(if: TestSupport.torchPython != nil)) struct TorchInteropTests {
    static let helper = TestSupport.packageRoot.appendingPathComponent("python/ebjr_torch.py").path

    /// Runs a Python script with the torch interpreter; throws with its output when it fails.
    func torch(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        let result = try TestSupport.run(TestSupport.torchPython!, arguments)
        guard result.status == 0 else { throw TestSupport.Failure("\(arguments): \(result.standardError)\n\(result.standardOutput)") }
        return result
    }

    /// A Fashion-MNIST-shaped HDF5 data set of random images (with a mean/std normalisation) and a CNN checkpoint with
    /// seeded random weights (the `cnn` preset's architecture).
    func fixture(_ dir: URL) throws -> (data: String, checkpoint: String) {
        let data = dir.appendingPathComponent("data.h5").path
        _ = try TestSupport.runPython(script: """
            import sys, h5py, numpy as np
            r = np.random.default_rng(7)
            with h5py.File(sys.argv[1], "w") as f:
                f.attrs["class_names"] = [f"c{i}" for i in range(10)]
                f.attrs["mean"], f.attrs["std"] = [0.29], [0.35]
                for split, n in [("train", 4), ("test", 6)]:
                    g = f.create_group(split)
                    g["images"] = r.integers(0, 256, (n, 28, 28), dtype=np.uint8)
                    g["labels"] = np.arange(n) % 10
            """, arguments: [data], in: dir)
        var generator = RandomGenerator(seed: 11)
        let config = ModelConfig.fashionCNN(classes: 10)
        let model = try config.makeModel(generator: &generator)
        let checkpoint = dir.appendingPathComponent("cnn.h5").path
        try Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: model), classNames: (0..<10).map { "c\($0)" })
            .save(to: URL(fileURLWithPath: checkpoint))
        return (data, checkpoint)
    }

    @Test func cnnLogitsInPyTorchEqualEbjrLogits() throws {
        let dir = try TestSupport.temporaryDirectory("torch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, checkpoint) = try fixture(dir)
        let recipe = dir.appendingPathComponent("data.yaml")
        try Data("data: {dataset: hdf5, path: \(data)}\n".utf8).write(to: recipe)
        let logits = dir.appendingPathComponent("logits.h5").path
        let written = try TestSupport.ebjr(["logits", "--checkpoint", checkpoint, "--split", "test", "--data-recipe", recipe.path,
                                            "--output", logits])
        #expect(written.status == 0, "\(written.standardError)")

        let compared = try torch([Self.helper, checkpoint, "--hdf5", data, "--split", "test", "--compare", logits])
        let line = try #require(compared.standardOutput.split(separator: "\n").first { $0.hasPrefix("max |torch - ebjr| = ") })
        let difference = try #require(Double(line.dropFirst("max |torch - ebjr| = ".count).prefix { $0 != ";" }))
        #expect(difference <= 1e-5, "\(compared.standardOutput)")
        #expect(compared.standardOutput.contains("strict load_state_dict of 8 tensors (1199882 parameters)"))
    }

    /// The state dict's keys, order and shapes are torch's for the same architecture, and `strict=True` is real: a
    /// missing, an extra or a reshaped tensor is refused.
    @Test func stateDictIsTorchsAndLoadingIsStrict() throws {
        let dir = try TestSupport.temporaryDirectory("torch-strict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, checkpoint) = try fixture(dir)
        let script = dir.appendingPathComponent("strict.py")
        try Data("""
            import sys, torch
            sys.path.insert(0, sys.argv[1])
            import ebjr_torch
            from torch import nn
            path = sys.argv[2]
            reference = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                      nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
            expected = [(f"layers.{k}", tuple(v.shape)) for k, v in reference.state_dict().items()]
            stored = ebjr_torch.read_state_dict(path)
            assert [(k, tuple(v.shape)) for k, v in stored.items()] == expected, list(stored)
            model = ebjr_torch.load_checkpoint(path)
            assert not model.training
            for k, v in model.state_dict().items():
                assert torch.equal(v, stored[k]), k
            refused = 0
            for damage in ["missing", "extra", "shape"]:
                state = dict(stored)
                if damage == "missing": del state["layers.6.bias"]
                if damage == "extra": state["layers.9.weight"] = torch.zeros(1)
                if damage == "shape": state["layers.8.weight"] = state["layers.8.weight"][:5]
                try:
                    ebjr_torch.EBJRClassifier(ebjr_torch.read_config(path)).load_state_dict(state, strict=True)
                except RuntimeError:
                    refused += 1
            assert refused == 3, refused
            print("strict")
            """.utf8).write(to: script)
        let result = try torch([script.path, TestSupport.packageRoot.appendingPathComponent("python").path, checkpoint])
        #expect(result.standardOutput.contains("strict"))
    }
}
