/// `router.json`: everything a server needs to run an exported joint model (written by `ebjr export router`,
/// read by `ebjr serve`), beside `side.onnx` and `deep.onnx`.
///
/// The rule: run the side model; it outputs `prediction` (a global label, or −1 for "other"), `score` and
/// `accept`, where
///
///     accept = argmax(side logits) ∈ eligibleOutputs  ∧  score(side logits[scoreColumns]) ≤ threshold
///
/// (lower score = keep; `score` is one of energy `−T·log Σ exp(z/T)`, max-softmax `−max softmax(z/T)`, entropy
/// `H(softmax(z/T))`, margin `−(z₍₁₎ − z₍₂₎)`, computed in float64 from the float32 logits). Accepted samples
/// take the side model's `prediction`; the others are sent to `deep.onnx`, whose `prediction` is the answer.
/// A `threshold` of nil means "route everything" (no real threshold met the criterion).
public struct RouterManifest: Hashable, Sendable, Codable {
    /// The `format` value of every router manifest.
    public static let formatName = "ebjr-router"
    /// The version this code writes; readers refuse other versions.
    public static let currentFormatVersion = 1

    /// One exported model.
    public struct Model: Hashable, Sendable, Codable {
        /// The ONNX file, relative to the manifest.
        public var file: String
        public var name: String
        /// Cost of one forward pass.
        public var flops: Double
        /// Input shape per sample (the graph input `input` is `[batch] + inputShape`, float32).
        public var inputShape: [Int]
        /// One name per logit column.
        public var outputNames: [String]
        /// The global label of each logit column; nil for "other".
        public var outputLabels: [Int?]
        /// The checkpoint the weights came from.
        public var checkpoint: String?

        public init(file: String, name: String, flops: Double, inputShape: [Int], outputNames: [String],
                    outputLabels: [Int?], checkpoint: String?) {
            self.file = file
            self.name = name
            self.flops = flops
            self.inputShape = inputShape
            self.outputNames = outputNames
            self.outputLabels = outputLabels
            self.checkpoint = checkpoint
        }
    }

    /// What the operating point did on one split of the evaluation (accuracy change `Δ = A_joint − A_D`,
    /// negative = accuracy lost; relative cost = joint FLOPs / deep FLOPs).
    public struct Figures: Hashable, Sendable, Codable {
        public var sampleCount: Int
        public var acceptance: Double
        public var routedFraction: Double
        public var jointAccuracy: Double
        public var deepAccuracy: Double
        public var accuracyChange: Double
        public var relativeCost: Double

        public init(sampleCount: Int, acceptance: Double, jointAccuracy: Double, deepAccuracy: Double, relativeCost: Double) {
            self.sampleCount = sampleCount
            self.acceptance = acceptance
            routedFraction = 1 - acceptance
            self.jointAccuracy = jointAccuracy
            self.deepAccuracy = deepAccuracy
            accuracyChange = jointAccuracy - deepAccuracy
            self.relativeCost = relativeCost
        }
    }

    /// The finite-sample promise of the criterion that chose the threshold, if it has one.
    public struct Guarantee: Hashable, Sendable, Codable {
        /// `harmful-rate` (the joint model's loss) or `selective-risk` (the side model's error on accepted samples).
        public var kind: String
        public var epsilon: Double
        public var delta: Double
        /// The promise in words.
        public var statement: String
        /// Whether the test split kept it.
        public var heldOnTest: Bool

        public init(kind: String, epsilon: Double, delta: Double, statement: String, heldOnTest: Bool) {
            self.kind = kind
            self.epsilon = epsilon
            self.delta = delta
            self.statement = statement
            self.heldOnTest = heldOnTest
        }
    }

    /// Graph output names of `side.onnx` (`deep.onnx` has `logits` and `prediction`).
    public struct Outputs: Hashable, Sendable, Codable {
        public var logits = "logits"
        public var prediction = "prediction"
        public var score = "score"
        public var accept = "accept"
        public init() {}
    }

    public var format: String
    public var formatVersion: Int
    public var toolkitVersion: String
    /// The report folder the operating point was read from, and the workload mix (`natural`, or the in-subset
    /// share in percent, e.g. `70`).
    public var report: String
    public var mix: String
    /// The selection criterion, in words (e.g. "guaranteed loss ≤ 1.00 pp (δ = 0.05)").
    public var criterion: String
    /// The data set's class names; labels index them.
    public var labels: [String]
    public var side: Model
    public var deep: Model
    /// The side model's design (`general`, `other-class`, `energy-margin`, …).
    public var design: String
    public var score: Score
    /// Logit columns `[start, end)` the score is taken over.
    public var scoreColumns: [Int]
    /// Side outputs whose argmax may be kept (other outputs always go to the deep model).
    public var eligibleOutputs: [Int]
    /// `τ`: accept iff score ≤ τ; nil routes everything.
    public var threshold: Double?
    public var outputs: Outputs
    public var validation: Figures
    public var test: Figures
    public var guarantee: Guarantee?

    public init(toolkitVersion: String, report: String, mix: String, criterion: String, labels: [String], side: Model,
                deep: Model, design: String, score: Score, scoreColumns: Range<Int>, eligibleOutputs: [Int],
                threshold: Double?, validation: Figures, test: Figures, guarantee: Guarantee?) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        self.toolkitVersion = toolkitVersion
        self.report = report
        self.mix = mix
        self.criterion = criterion
        self.labels = labels
        self.side = side
        self.deep = deep
        self.design = design
        self.score = score
        self.scoreColumns = [scoreColumns.lowerBound, scoreColumns.upperBound]
        self.eligibleOutputs = eligibleOutputs
        self.threshold = threshold
        outputs = Outputs()
        self.validation = validation
        self.test = test
        self.guarantee = guarantee
    }

    /// Checks what a reader relies on: the format and version, a deployable score, columns within the side
    /// model's outputs, eligible outputs and labels in range.
    /// - Throws: `RoutingError.invalidManifest` naming the key.
    public func validate() throws {
        func fail(_ key: String, _ reason: String) -> RoutingError { .invalidManifest(key: key, reason: reason) }
        guard format == Self.formatName else { throw fail("format", "is '\(format)', expected '\(Self.formatName)'") }
        guard formatVersion == Self.currentFormatVersion else {
            throw fail("formatVersion", "is \(formatVersion), this toolkit reads \(Self.currentFormatVersion)")
        }
        guard !score.isReference else { throw fail("score", "\(score) is a reference, not a router") }
        let outputs = side.outputNames.count
        guard side.outputLabels.count == outputs else {
            throw fail("side.outputLabels", "has \(side.outputLabels.count) entries for \(outputs) outputs")
        }
        guard scoreColumns.count == 2, scoreColumns[0] >= 0, scoreColumns[0] < scoreColumns[1], scoreColumns[1] <= outputs else {
            throw fail("scoreColumns", "\(scoreColumns) is not a range [start, end) within 0...\(outputs)")
        }
        if let bad = eligibleOutputs.first(where: { !(0..<outputs).contains($0) }) {
            throw fail("eligibleOutputs", "output \(bad) is outside 0..<\(outputs)")
        }
        for (key, model) in [("side", side), ("deep", deep)] {
            if let bad = model.outputLabels.compactMap({ $0 }).first(where: { !labels.indices.contains($0) }) {
                throw fail("\(key).outputLabels", "label \(bad) is outside the \(labels.count) labels")
            }
        }
        if let threshold, !threshold.isFinite { throw fail("threshold", "must be finite or null") }
    }
}
