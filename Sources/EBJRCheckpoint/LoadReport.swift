/// What `Checkpoint.apply(to:architecture:strict:)` did: the parameters it copied and the ones it skipped.
public struct LoadReport: Equatable, Sendable {
    /// A parameter present in both checkpoint and model with different shapes.
    public struct ShapeMismatch: Equatable, Sendable {
        public var key: String
        public var checkpoint: [Int]
        public var model: [Int]
    }

    /// Parameters copied from the checkpoint, in model order.
    public var loaded: [String] = []
    /// Model parameters the checkpoint lacks (left as they were).
    public var missing: [String] = []
    /// Checkpoint entries the model has no parameter for (ignored).
    public var unexpected: [String] = []
    /// Parameters skipped because their shapes differ.
    public var mismatched: [ShapeMismatch] = []

    /// Whether every model parameter was loaded and every checkpoint entry used.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }
}
