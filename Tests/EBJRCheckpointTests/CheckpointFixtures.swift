import EBJRCheckpoint
import EBJRNN
import EBJROptimizers
import EBJRTensor

/// A model, its configuration and an Adam optimizer that has taken two steps (so it has state), built from a seed.
struct TrainedModel {
    let config: ModelConfig
    let model: Sequential
    let optimizer: Adam

    init(_ config: ModelConfig, seed: UInt64 = 1) throws {
        var generator = RandomGenerator(seed: seed)
        self.config = config
        model = try config.makeModel(generator: &generator)
        optimizer = Adam(parameters: model.namedParameters(), learningRate: 1e-3)
        for _ in 0..<2 {
            for parameter in model.parameters {
                parameter.grad = Tensor.normal(parameter.shape, std: 0.1, generator: &generator)
            }
            optimizer.step()
        }
    }

    /// A checkpoint of everything, with strings, subset and training state filled in.
    func checkpoint() -> Checkpoint {
        Checkpoint(
            modelConfig: config, modelState: Checkpoint.modelState(of: model), optimizer: OptimizerSnapshot(optimizer),
            trainingState: TrainingState(epoch: 3, globalStep: 1234, batchIndex: 17,
                                         randomStates: ["data": RandomGenerator(seed: 9).stateWords,
                                                        "dropout": [1, 2, 3, UInt64.max]],
                                         integers: ["best_epoch": 2], reals: ["best_validation_accuracy": 0.8875]),
            recipe: "model:\n  kind: mlp\n  sizes: [784, 32, 10]\ntraining:\n  epochs: 5\n",
            classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot"],
            classSubset: [0, 3, 7], subsetDesign: .otherClass,
            metadata: ["git_revision": "abc123", "note": "ünïcødé ✓"])
    }

    /// `count` inputs of the model's input shape, batch first.
    func inputs(count: Int, seed: UInt64 = 7) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.uniform([count] + config.inputShape, low: 0, high: 1, generator: &generator)
    }
}

/// The bit patterns of a tensor's values (bit-identical comparison, NaN-safe).
func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars.map(\.bitPattern) }
