import EBJRTensor
import EBJRNN
import EBJRCheckpoint

/// The loss of one batch as a task computes it: the tensor to differentiate, and the sum and count its reported
/// running mean is made of (samples for classification, target tokens for sequences).
public struct BatchLoss {
    /// The scalar that is back-propagated.
    public var loss: Tensor
    /// Sum of the per-item losses of the batch, for the reported mean.
    public var sum: Double
    /// Number of items `sum` is over.
    public var count: Int

    public init(loss: Tensor, sum: Double, count: Int) {
        self.loss = loss
        self.sum = sum
        self.count = count
    }
}

/// The validation metric a task reports after each epoch, and which way is better.
public struct ValidationMetric: Equatable, Sendable {
    /// Short key used in checkpoints and logs (`accuracy`, `wer`).
    public var key: String
    /// How it reads in messages (`accuracy`, `WER`).
    public var label: String
    public var higherIsBetter: Bool

    public init(key: String, label: String, higherIsBetter: Bool) {
        self.key = key
        self.label = label
        self.higherIsBetter = higherIsBetter
    }

    public static let accuracy = ValidationMetric(key: "accuracy", label: "accuracy", higherIsBetter: true)
    public static let wordErrorRate = ValidationMetric(key: "wer", label: "WER", higherIsBetter: false)

    /// Whether `candidate` is strictly better than `incumbent` (ties keep the incumbent, i.e. the earlier epoch).
    public func isBetter(_ candidate: Double, than incumbent: Double?) -> Bool {
        guard let incumbent else { return true }
        return higherIsBetter ? candidate > incumbent : candidate < incumbent
    }
}

/// What differs between kinds of training (classification, sequence-to-sequence): the `Trainer` owns the loop,
/// the schedule, clipping, checkpoints, keep-best and resuming; a task supplies the model, the batches of an epoch,
/// the loss of a batch, the validation metric and the checkpoint layout of its model family.
public protocol TrainingTask: AnyObject {
    /// The model being trained.
    var model: Module { get }
    /// Samples (or words) in the training set, for messages.
    var trainingCount: Int { get }
    /// Optimizer steps in one epoch (every epoch has the same number).
    var batchesPerEpoch: Int { get }
    var metric: ValidationMetric { get }
    /// What one item of `trainingCount` is called in messages (`samples`, `words`).
    var itemName: String { get }

    /// The batches of epoch `epoch` (0-based), as training-set indices. Called once per epoch, in order; a task
    /// whose order depends on a generator that advances across epochs exposes it in `randomStates`.
    func batches(epoch: Int) -> [[Int]]
    /// The loss of one batch. `noise` is this step's generator (dropout masks, augmentation), a function of the
    /// run's seed and the step only.
    func loss(batch: [Int], noise: RandomGenerator) throws -> BatchLoss
    /// The validation metric of the current weights.
    func validate() throws -> Double
    /// Metrics of the finished model reported beside the validation metric (e.g. test accuracy).
    func finalMetrics() throws -> [String: Double]

    /// Generators the task keeps across epochs, by role, saved in `training_state/` for an exact `--resume`.
    var randomStates: [String: [UInt64]] { get set }
    /// Copies `checkpoint`'s weights into the model, strictly (same architecture, every name and shape).
    func loadWeights(from checkpoint: Checkpoint, path: String) throws
    /// A checkpoint of this model family holding `weights` and the given state.
    func makeCheckpoint(weights: [(name: String, tensor: Tensor)], optimizer: OptimizerSnapshot?, state: TrainingState,
                        metadata: [String: String]) throws -> Checkpoint
}

extension TrainingTask {
    public var itemName: String { "samples" }
    public func finalMetrics() throws -> [String: Double] { [:] }
    public var randomStates: [String: [UInt64]] {
        get { [:] }
        set {}
    }
}
