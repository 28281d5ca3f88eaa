import _EBJRTestSupport
import EBJRCheckpoint
import EBJRHDF5
import EBJRNN
import EBJROptimizers
import EBJRTensor
import Foundation
import Testing

@Suite struct CheckpointRoundTripTests {
    @Test(arguments: [ModelConfig.mlp([784, 32, 10]), ModelConfig.fashionCNN()])
    func everythingRoundTripsBitIdentically(config: ModelConfig) throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("model.h5")
        let trained = try TrainedModel(config)
        let original = trained.checkpoint()
        try original.save(to: url)
        #expect(try folder.contents() == ["model.h5"])

        let loaded = try Checkpoint.load(from: url)
        #expect(loaded.source == url)
        #expect(loaded.modelConfig == config)
        #expect(loaded.modelState.map(\.name) == original.modelState.map(\.name))
        for (saved, read) in zip(original.modelState, loaded.modelState) {
            #expect(read.tensor.shape == saved.tensor.shape, "\(saved.name)")
            #expect(bits(read.tensor) == bits(saved.tensor), "\(saved.name)")
        }
        let optimizer = try #require(loaded.optimizer)
        #expect(optimizer.name == "adam" && optimizer.stepCount == 2)
        #expect(optimizer.hyperparameters == trained.optimizer.hyperparameters)
        #expect(Set(optimizer.state.keys) == Set(trained.optimizer.state.keys))
        for (parameter, slots) in trained.optimizer.state {
            #expect(Set(optimizer.state[parameter]?.keys.map { $0 } ?? []) == ["exp_avg", "exp_avg_sq"])
            for (slot, tensor) in slots {
                #expect(bits(try #require(optimizer.state[parameter]?[slot])) == bits(tensor), "\(parameter)/\(slot)")
            }
        }
        #expect(loaded.trainingState == original.trainingState)
        #expect(loaded.recipe == original.recipe)
        #expect(loaded.classNames == original.classNames)
        #expect(loaded.classSubset == [0, 3, 7])
        #expect(loaded.subsetDesign == original.subsetDesign)
        #expect(loaded.metadata == original.metadata)
        #expect(loaded.toolkitVersion == CheckpointFormat.toolkitVersion)
        #expect(loaded.parameterCount == trained.model.parameterCount)

        // The rebuilt model computes exactly what the original does.
        let rebuilt = try loaded.makeModel()
        let x = trained.inputs(count: 2)
        #expect(bits(rebuilt(x)) == bits(trained.model(x)))

        // Optimizer state restores into a fresh optimizer over the rebuilt model.
        let resumed = Adam(parameters: rebuilt.namedParameters(), learningRate: 1e-3)
        try optimizer.restore(into: resumed)
        #expect(resumed.stepCount == 2)
        #expect(bits(try #require(resumed.state["layers.0.weight"]?["exp_avg"]))
            == bits(try #require(trained.optimizer.state["layers.0.weight"]?["exp_avg"])))
        #expect(throws: CheckpointError.optimizerMismatch(file: nil, checkpoint: "adam", optimizer: "sgd")) {
            try optimizer.restore(into: SGD(parameters: rebuilt.namedParameters(), learningRate: 0.1, momentum: 0.9))
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func minimalCheckpointAndModelConfigOnly() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("minimal.h5")
        let trained = try TrainedModel(.mlp([4, 3, 2]))
        try Checkpoint(modelConfig: trained.config, modelState: Checkpoint.modelState(of: trained.model)).save(to: url)
        let loaded = try Checkpoint.load(from: url)
        #expect(loaded.optimizer == nil && loaded.trainingState == nil && loaded.classSubset == nil)
        #expect(loaded.subsetDesign == nil && loaded.metadata.isEmpty && loaded.recipe.isEmpty && loaded.classNames.isEmpty)
        #expect(try Checkpoint.readModelConfig(from: url) == trained.config)

        let noConfig = folder.file("no-config.h5")
        try Checkpoint(modelConfig: nil, modelState: Checkpoint.modelState(of: trained.model)).save(to: noConfig)
        #expect(throws: CheckpointError.missingModelConfig(file: noConfig.path)) {
            try Checkpoint.readModelConfig(from: noConfig)
        }
        #expect(throws: CheckpointError.missingModelConfig(file: noConfig.path)) { try Checkpoint.load(from: noConfig).makeModel() }
        #expect(HDF5.openObjectCount(inFile: url) == 0 && HDF5.openObjectCount(inFile: noConfig) == 0)
    }

    @Test func bestModelWeightsRoundTripAndMustMatchTheModel() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("best.h5")
        let trained = try TrainedModel(.mlp([5, 4, 3]))
        let best = Checkpoint.modelState(of: trained.model).map { (name: $0.name, tensor: $0.tensor.mapValues { $0 * 2 + 1 }) }
        var checkpoint = Checkpoint(modelConfig: trained.config, modelState: Checkpoint.modelState(of: trained.model))
        try checkpoint.save(to: url)
        #expect(try Checkpoint.load(from: url).bestModelState == nil)
        checkpoint.bestModelState = best
        try checkpoint.save(to: url)
        let loaded = try #require(try Checkpoint.load(from: url).bestModelState)
        #expect(loaded.map(\.name) == best.map(\.name))
        for (read, saved) in zip(loaded, best) { #expect(bits(read.tensor) == bits(saved.tensor), "\(saved.name)") }

        checkpoint.bestModelState = Array(best.dropLast())
        let before = try Data(contentsOf: url)
        #expect(throws: CheckpointError.self) { try checkpoint.save(to: url) }
        #expect(try Data(contentsOf: url) == before)
    }

    @Test func savedStateIsASnapshot() throws {
        let trained = try TrainedModel(.mlp([4, 3, 2]))
        let checkpoint = trained.checkpoint()
        let before = bits(checkpoint.modelState[0].tensor)
        trained.model.parameters[0].data[0] += 1
        trained.optimizer.state["layers.0.weight"]?["exp_avg"]?.data[0] += 1
        #expect(bits(checkpoint.modelState[0].tensor) == before)
        #expect(checkpoint.optimizer?.state["layers.0.weight"]?["exp_avg"]?.data[0]
            != trained.optimizer.state["layers.0.weight"]?["exp_avg"]?.data[0])
    }

    @Test func invalidNamesAreRejectedBeforeWriting() throws {
        let folder = try TemporaryDirectory()
        let trained = try TrainedModel(.mlp([4, 3, 2]))
        var checkpoint = trained.checkpoint()
        checkpoint.metadata["a/b"] = "x"
        #expect(throws: CheckpointError.self) { try checkpoint.save(to: folder.file("bad.h5")) }
        #expect(try folder.contents() == [])
    }
}
