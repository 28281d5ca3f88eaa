/// Where a training run stands, so that a resumed run continues exactly: epoch, step, position in the epoch's
/// data order, random generator states, and any further scalars the trainer wants back.
public struct TrainingState: Equatable, Sendable {
    /// Completed epochs (the epoch to resume is `epoch` if `batchIndex > 0`, else the next one; the trainer decides).
    public var epoch: Int
    /// Optimizer steps taken since the start of the run.
    public var globalStep: Int
    /// Index of the next batch within the current epoch's data order.
    public var batchIndex: Int
    /// Random generator states by role (`data`, `dropout`, …): `RandomGenerator.stateWords`.
    public var randomStates: [String: [UInt64]]
    /// Further integer scalars (e.g. `best_epoch`).
    public var integers: [String: Int64]
    /// Further real scalars (e.g. `best_validation_accuracy`).
    public var reals: [String: Double]

    public init(epoch: Int, globalStep: Int, batchIndex: Int = 0, randomStates: [String: [UInt64]] = [:],
                integers: [String: Int64] = [:], reals: [String: Double] = [:]) {
        self.epoch = epoch
        self.globalStep = globalStep
        self.batchIndex = batchIndex
        self.randomStates = randomStates
        self.integers = integers
        self.reals = reals
    }
}
