import Foundation
import Testing
import EBJRNN
import EBJRTensor
import _EBJRTestSupport

/// Batch norm's running statistics and both modes against an independent NumPy implementation of torch's rules
/// (momentum 0.1, unbiased variance for `running_var`, ε = 1e-5), and the ResNet building blocks' shapes and names.
@Suite struct BatchNormTests {
    @Test(arguments: [[4, 3, 2, 2], [6, 3]])
    func runningStatisticsMatchNumPy(_ shape: [Int]) throws {
        let directory = try TemporaryDirectory("batchnorm")
        let norm = BatchNorm(features: 3, inputRank: shape.count)
        var generator = RandomGenerator(seed: 5)
        for i in 0..<3 { norm.weight.data[i] = 0.5 + Float(i); norm.bias.data[i] = Float(i) - 1 }
        // Three training batches with different offsets and scales, then one batch in evaluation mode.
        var batches: [Tensor] = []
        var trainOutputs: [Float] = []
        for step in 0..<3 {
            let x = Tensor.uniform(shape, low: -1 - Float(step), high: 2 + 2 * Float(step), generator: &generator)
            batches.append(x)
            trainOutputs += norm(x).scalars
        }
        norm.eval()
        let probe = Tensor.uniform(shape, low: -3, high: 3, generator: &generator)
        let evalOutput = norm(probe).scalars
        #expect(norm.batchesTracked.item == 3)

        let inputs = (batches + [probe]).flatMap(\.scalars)
        try Data(bytes: inputs, count: 4 * inputs.count).write(to: directory.file("x.bin"))
        let script = """
        import json, sys
        import numpy as np
        shape = \(shape)
        x = np.fromfile(sys.argv[1], dtype=np.float32).astype(np.float64).reshape([4] + shape)
        gamma = np.array([0.5, 1.5, 2.5]); beta = np.array([-1.0, 0.0, 1.0])
        axes = tuple(i for i in range(len(shape)) if i != 1)
        view = [1, 3] + [1] * (len(shape) - 2)
        mean, var = np.zeros(3), np.ones(3)
        outs = []
        for b in x[:3]:
            m = b.size // 3
            mu, v = b.mean(axis=axes), b.var(axis=axes)
            outs.append(gamma.reshape(view) * (b - mu.reshape(view)) / np.sqrt(v.reshape(view) + 1e-5) + beta.reshape(view))
            mean = 0.9 * mean + 0.1 * mu
            var = 0.9 * var + 0.1 * v * m / (m - 1)
        ev = gamma.reshape(view) * (x[3] - mean.reshape(view)) / np.sqrt(var.reshape(view) + 1e-5) + beta.reshape(view)
        print(json.dumps({"mean": mean.tolist(), "var": var.tolist(), "train": np.concatenate([o.ravel() for o in outs]).tolist(),
                          "eval": ev.ravel().tolist()}))
        """
        let result = try TestSupport.runPython(script: script, arguments: [directory.file("x.bin").path], in: directory.url)
        let reference = try JSONDecoder().decode([String: [Double]].self, from: Data(result.standardOutput.utf8))
        func close(_ ours: [Float], _ theirs: [Double]?, _ what: String) {
            guard let theirs, theirs.count == ours.count else { Issue.record("\(what): NumPy gave \(theirs?.count ?? 0) values"); return }
            let worst = zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 2e-5, "\(what): largest difference \(worst)")
        }
        close(norm.runningMean.scalars, reference["mean"], "running_mean")
        close(norm.runningVariance.scalars, reference["var"], "running_var")
        close(trainOutputs, reference["train"], "training-mode outputs")
        close(evalOutput, reference["eval"], "evaluation-mode output")
    }

    @Test func evaluationModeLeavesRunningStatisticsAlone() {
        let norm = BatchNorm(features: 2, inputRank: 2)
        norm.eval()
        _ = norm(Tensor([1, 2, 3, 4], shape: [2, 2]))
        #expect(norm.runningMean.scalars == [0, 0] && norm.runningVariance.scalars == [1, 1] && norm.batchesTracked.item == 0)
        norm.train()
        _ = norm(Tensor([1, 2, 3, 4], shape: [2, 2]))
        #expect(norm.runningMean.scalars != [0, 0] && norm.batchesTracked.item == 1)
    }

    /// ResNet-20's layer list, torch-like names (parameters and buffers in `state_dict` order) and shapes.
    @Test func resnet20HasTorchNamesAndShapes() throws {
        let config = ModelConfig.resnet(inputShape: [1, 28, 28], classes: 10)
        try config.validate()
        #expect(try config.outputShapes().last == [10])
        #expect(try config.outputShapes()[11] == [64, 7, 7])
        var generator = RandomGenerator(seed: 0)
        let model = try config.makeModel(generator: &generator)
        let state = model.namedState().map(\.name)
        #expect(state.prefix(7) == ["layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.1.running_mean",
                                    "layers.1.running_var", "layers.1.num_batches_tracked", "layers.3.conv1.weight"])
        #expect(state.contains("layers.6.shortcut.0.weight") && state.contains("layers.6.shortcut.1.running_var"))
        #expect(!state.contains("layers.4.shortcut.0.weight"), "an identity shortcut has no weights")
        // Trainable parameters of the torch ResNet-20 with 1×1 projection shortcuts and a 1-channel input.
        #expect(model.parameterCount == 272_186)
        #expect(model.namedParameters().allSatisfy { !$0.name.contains("running") && !$0.name.contains("num_batches") })
        let y = model(Tensor(zeros: [2, 1, 28, 28]))
        #expect(y.shape == [2, 10])
    }
}
