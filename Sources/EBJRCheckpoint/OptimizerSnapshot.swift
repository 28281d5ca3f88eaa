import EBJROptimizers
import EBJRTensor

/// An optimizer's resumable state: its name, step count, hyperparameters and per-parameter state tensors
/// (Adam `exp_avg` / `exp_avg_sq`, SGD `momentum_buffer`), keyed by parameter name.
public struct OptimizerSnapshot {
    /// `adam`, `adamw`, `sgd`, … (`Optimizer.name`).
    public var name: String
    /// Completed optimizer steps (`Optimizer.stepCount`).
    public var stepCount: Int
    /// Hyperparameters at save time (informational: the recipe, not the checkpoint, configures an optimizer).
    public var hyperparameters: [String: Double]
    /// State tensors by parameter name, then slot name.
    public var state: [String: [String: Tensor]]

    public init(name: String, stepCount: Int, hyperparameters: [String: Double], state: [String: [String: Tensor]]) {
        self.name = name
        self.stepCount = stepCount
        self.hyperparameters = hyperparameters
        self.state = state
    }

    /// A snapshot of `optimizer` that shares no storage with it (later steps do not change the snapshot).
    public init(_ optimizer: Optimizer) {
        self.init(name: optimizer.name, stepCount: optimizer.stepCount, hyperparameters: optimizer.hyperparameters,
                  state: optimizer.state.mapValues { $0.mapValues { $0.copy() } })
    }

    /// Restores step count and state into `optimizer` (copies, so the snapshot stays unchanged).
    /// Throws `CheckpointError.optimizerMismatch` if the snapshot came from another kind of optimizer, and
    /// `OptimizerError` if the state names a parameter the optimizer lacks or has the wrong shape.
    public func restore(into optimizer: Optimizer, file: String? = nil) throws {
        guard optimizer.name == name else {
            throw CheckpointError.optimizerMismatch(file: file, checkpoint: name, optimizer: optimizer.name)
        }
        try optimizer.loadState(state.mapValues { $0.mapValues { $0.copy() } }, stepCount: stepCount)
    }
}
