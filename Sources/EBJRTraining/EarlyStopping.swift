/// Stop a run when the validation metric stops improving (`training.early_stopping` of a recipe).
///
/// After each epoch the metric `v` is compared with the best so far `b`: it improves when `v > b + minDelta`
/// (metrics where higher is better, e.g. accuracy) or `v < b − minDelta` (lower is better, e.g. WER). An improvement
/// makes `v` the new best and resets the count of epochs without one; otherwise the count grows, and the run stops
/// when it reaches `patience`. The first epoch always sets the best.
public struct EarlyStopping: Equatable, Sendable {
    /// Epochs without improvement after which the run stops (≥ 1).
    public var patience: Int
    /// The smallest change of the metric (a fraction, like the metric: 0.001 = 0.1 percentage points) that counts as
    /// an improvement (≥ 0).
    public var minDelta: Double

    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }

    /// Where a run stands with respect to early stopping; saved in `training_state/extras` (`early_stopping_best`,
    /// `early_stopping_wait`) so that a resumed run stops at the same epoch as an uninterrupted one.
    public struct State: Equatable, Sendable {
        /// The best validation metric so far (nil before the first epoch).
        public var best: Double?
        /// Epochs since the last improvement.
        public var wait: Int

        public init(best: Double? = nil, wait: Int = 0) {
            self.best = best
            self.wait = wait
        }
    }

    /// Records epoch metric `value` in `state`; returns true when the run should stop.
    public func observe(_ value: Double, metric: ValidationMetric, state: inout State) -> Bool {
        let improved: Bool
        if let best = state.best {
            improved = metric.higherIsBetter ? value > best + minDelta : value < best - minDelta
        } else {
            improved = true
        }
        if improved {
            state.best = value
            state.wait = 0
        } else {
            state.wait += 1
        }
        return state.wait >= patience
    }
}
