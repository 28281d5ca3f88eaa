// Fuzzes the checkpoint loader: `Checkpoint.load` (weights, best weights, optimizer state, training state,
// metadata, model config), building the model and applying the weights (`makeModel`, `G2PCheckpoint.load`), and
// `ebjr inspect` / `inspect --verify` on the same bytes.
import EBJRCheckpoint
import EBJRData
import EBJRHDF5
import EBJRLang
import EBJRNN
import EBJROptimizers
import EBJRRouting
import EBJRTensor
import EBJRWorkflow
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutableRawPointer?) -> Int32 {
    Fuzz.initialize(writingSeeds: CheckpointSeeds.write)
    return 0
}

@_cdecl("fuzz_checkpoint_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    Fuzz.main(argc, argv) { data, size in fuzzTestOneInput(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = Fuzz.file(data, size, name: "checkpoint.h5")
    Fuzz.expectLocatedError(naming: url.path) {
        let checkpoint = try Checkpoint.load(from: url)
        if checkpoint.modelKind == G2PCheckpoint.modelKind {
            _ = try G2PCheckpoint.load(from: url.path)
        } else if checkpoint.modelConfig != nil {
            _ = try checkpoint.makeModel()
        }
    }
    Fuzz.expectLocatedError(naming: url.path) { _ = try inspect(url) }
    Fuzz.expectLocatedError(naming: url.path) { _ = try verifyFile(url) }
    Fuzz.expectNoOpenObjects(in: url)
    return 0
}

/// Small valid checkpoints written by the toolkit: a layer stack with every optional part, a convolutional one,
/// and a G2P model.
enum CheckpointSeeds {
    static func write(to folder: URL) throws {
        var generator = RandomGenerator(seed: 1)
        let mlp = ModelConfig.mlp([6, 4, 3])
        let model = try mlp.makeModel(generator: &generator)
        let state = Checkpoint.modelState(of: model)
        let adam = OptimizerSnapshot(
            name: "adam", stepCount: 4, hyperparameters: ["learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999],
            state: Dictionary(uniqueKeysWithValues: state.map { item in
                (item.name, ["m": Tensor(repeating: 0.01, shape: item.tensor.shape),
                             "v": Tensor(repeating: 0.001, shape: item.tensor.shape)])
            }))
        var training = TrainingState(epoch: 2, globalStep: 4, batchIndex: 0)
        training.randomStates = ["data_order": [1, 2, 3, 4]]
        training.integers = ["seed": 7, "best_epoch": 1]
        training.reals = ["lowest_loss": 0.5, "best_metric": 0.75]
        var full = Checkpoint(modelConfig: mlp, modelState: state, optimizer: adam, trainingState: training,
                              recipe: "model: {preset: mlp, sizes: [6, 4, 3]}\n", classNames: ["a", "b", "c"],
                              classSubset: [0, 2], subsetDesign: .otherClass, metadata: ["name": "seed"])
        full.bestModelState = state
        try full.save(to: folder.appendingPathComponent("mlp-full.h5"))

        let cnn = ModelConfig(inputShape: [1, 4, 4], layers: [
            .conv2d(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 1, padding: 1, bias: true), .relu,
            .maxPool2d(kernelSize: 2, stride: 2), .flatten, .dropout(probability: 0.25),
            .linear(inputFeatures: 8, outputFeatures: 2, bias: true), .tanh])
        let cnnModel = try cnn.makeModel(generator: &generator)
        try Checkpoint(modelConfig: cnn, modelState: Checkpoint.modelState(of: cnnModel), classNames: ["x", "y"])
            .save(to: folder.appendingPathComponent("cnn.h5"))

        let g2p = G2PModel(config: G2PModelConfig(embeddingSize: 2, hiddenSize: 2), seed: 3)
        try G2PCheckpoint.save(g2p, to: folder.appendingPathComponent("g2p.h5").path, recipeText: "g2p")
    }
}
