import Foundation
import EBJROptimizers
import EBJRTensor

/// The optimizer of a run, with its hyperparameters (the `training.optimizer` of a recipe).
public enum OptimizerChoice: Equatable, Sendable {
    /// Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.
    case sgd(momentum: Float, nesterov: Bool, weightDecay: Float)
    /// Adam (`decoupled`: AdamW's decoupled weight decay).
    case adam(beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool)

    /// Adam with the usual defaults (`β₁ = 0.9, β₂ = 0.999, ε = 1e-8`, no weight decay).
    public static let adamDefaults = OptimizerChoice.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false)

    /// The optimizer over `parameters` (keyed by name, so that its state is saved by name).
    public func make(parameters: [(name: String, tensor: Tensor)], learningRate: Float) -> Optimizer {
        switch self {
        case let .sgd(momentum, nesterov, weightDecay):
            SGD(parameters: parameters, learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case let .adam(beta1, beta2, epsilon, weightDecay, decoupled):
            Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                 weightDecay: weightDecay, decoupled: decoupled)
        }
    }

    /// The recipe name: `sgd`, `adam` or `adamw`.
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case let .adam(_, _, _, _, decoupled): decoupled ? "adamw" : "adam"
        }
    }
}

/// How the learning rate changes over a run (the `training.schedule` of a recipe), in epochs; turned into a
/// step-based `LearningRateSchedule` once the number of batches per epoch is known.
public enum ScheduleChoice: Equatable, Sendable {
    /// `η = η₀`.
    case constant
    /// `η = η₀ · γ^⌊epoch / stepEpochs⌋` (applied per step: `⌊t / (stepEpochs · batches)⌋`).
    case step(stepEpochs: Int, gamma: Float)
    /// Cosine decay from `η₀` to `minimum` over the whole run.
    case cosine(minimum: Float)
    /// `η = η₀ · γ^max(0, e − startEpoch + 1)` in (1-based) epoch `e`: constant before `startEpoch`, then one
    /// factor `γ` per epoch.
    case exponential(gamma: Float, startEpoch: Int)

    /// The schedule for a run of `epochs` epochs of `batchesPerEpoch` optimizer steps.
    public func schedule(epochs: Int, batchesPerEpoch: Int) -> LearningRateSchedule {
        switch self {
        case .constant: .constant
        case let .step(stepEpochs, gamma): .step(stepSize: stepEpochs * batchesPerEpoch, gamma: gamma)
        case let .cosine(minimum): .cosine(totalSteps: epochs * batchesPerEpoch, minimum: minimum)
        case let .exponential(gamma, startEpoch): .exponentialPerEpoch(stepsPerEpoch: batchesPerEpoch, gamma: gamma, startEpoch: startEpoch)
        }
    }

    /// The recipe name: `constant`, `step`, `cosine` or `exponential`.
    public var name: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .cosine: "cosine"
        case .exponential: "exponential"
        }
    }
}

/// Which weights a finished run keeps.
public enum KeptWeights: String, Equatable, Sendable, CaseIterable {
    /// The weights after the last epoch.
    case last
    /// The weights after the epoch with the best validation metric (model selection on validation only; the test
    /// split is never looked at). Ties keep the earlier epoch.
    case bestValidation = "best_validation"
}

/// Everything the `Trainer` needs to know about a run that does not depend on the task: the `training` section of a
/// recipe, typed.
public struct TrainingSettings: Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var optimizer: OptimizerChoice
    public var schedule: ScheduleChoice
    /// Maximum joint L2 norm of the gradients (nil: no clipping).
    public var clipNorm: Float?
    /// Save a checkpoint every this many epochs (and always at the end); 0 = only at the end.
    public var checkpointEvery: Int
    public var keep: KeptWeights
    /// A checkpoint whose weights start the run (fine-tuning: new optimizer, epoch 1 of the schedule).
    public var initFrom: String?
    /// Stop when an epoch's mean loss exceeds this factor times the lowest loss seen so far (the first batch's loss
    /// or an earlier epoch's mean, counted as at least 0.05); 0 disables the check. Non-finite losses always stop the run.
    public var divergenceFactor: Double
    /// The seed of everything random in the run: initial weights, data order, per-step noise.
    public var seed: UInt64
    /// Stop when the validation metric has not improved for a while (nil: run every epoch).
    public var earlyStopping: EarlyStopping?

    public init(epochs: Int = 10, batchSize: Int = 128, learningRate: Float = 1e-3, optimizer: OptimizerChoice = .adamDefaults,
                schedule: ScheduleChoice = .constant, clipNorm: Float? = nil, checkpointEvery: Int = 1, keep: KeptWeights = .last,
                initFrom: String? = nil, divergenceFactor: Double = 100, seed: UInt64 = 0, earlyStopping: EarlyStopping? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.checkpointEvery = checkpointEvery
        self.keep = keep
        self.initFrom = initFrom
        self.divergenceFactor = divergenceFactor
        self.seed = seed
        self.earlyStopping = earlyStopping
    }

    /// The generator of step `step`'s noise (dropout masks, augmentation): a function of the seed and the step only,
    /// so that a resumed run draws exactly what an uninterrupted one would.
    public func noiseGenerator(step: Int) -> RandomGenerator {
        RandomGenerator(seed: (seed &+ 0x5EED) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step))
    }
}
