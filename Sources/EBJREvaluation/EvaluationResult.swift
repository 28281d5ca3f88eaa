import EBJRDeferral
import EBJRRouting
import EBJRFiles

/// The whole evaluation: every side model, every score, every operating point, chosen on validation and
/// realised on test, with bounds and flags. Written as `report.json`; `schemaVersion` changes whenever a field
/// changes meaning or is removed.
public struct EvaluationResult: Hashable, Sendable, Codable {
    /// The schema this code writes.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var title: String
    public var deep: DeepModelSummary
    public var sideModels: [SideModelEvaluation]
    public var settings: EvaluationSettings
    /// Free-form notes for the report (data, seeds, caveats).
    public var notes: [String]
    /// Cascades of side models before the deep model (recipe section `cascades`); nil when none were asked for.
    public var cascades: [CascadeEvaluation]?
    /// The side-model sweep (recipe section `side_sweep`); nil when none was asked for.
    public var sideSweep: SideSweepSummary?
    /// The headline: per workload mix, the operating point to deploy (`Recommender`); nil until the runner adds
    /// it (and in files written before it existed).
    public var recommendation: RecommendationBlock?
    /// Where the result came from: toolkit version, git commit, recipe, SHA-256 of every checkpoint and data file read
    /// (nil for results computed in memory).
    public var manifest: RunManifest?

    public init(title: String, deep: DeepModelSummary, sideModels: [SideModelEvaluation], settings: EvaluationSettings,
                notes: [String] = []) {
        schemaVersion = Self.currentSchemaVersion
        self.title = title
        self.deep = deep
        self.sideModels = sideModels
        self.settings = settings
        self.notes = notes
    }
}

/// A value measured on the validation and on the test split.
public struct SplitValues<Value> {
    public var validation: Value
    public var test: Value

    public init(validation: Value, test: Value) {
        self.validation = validation
        self.test = test
    }
}

extension SplitValues: Equatable where Value: Equatable {}
extension SplitValues: Hashable where Value: Hashable {}
extension SplitValues: Sendable where Value: Sendable {}
extension SplitValues: Codable where Value: Codable {}

/// The deep model alone.
public struct DeepModelSummary: Hashable, Sendable, Codable {
    public var name: String
    /// The checkpoint the logits came from (as the recipe resolved it), when there is one.
    public var checkpoint: String?
    public var flops: Double
    public var accuracy: SplitValues<Double>
    public var sampleCount: SplitValues<Int>
    /// `√(A_D(1 − A_D)/n)` on test: the sampling error of `A_D` itself, which every bound against it inherits.
    public var testAccuracyStandardError: Double
}

/// One side model (general or specialized) with all its scores.
public struct SideModelEvaluation: Hashable, Sendable, Codable {
    public var name: String
    /// The checkpoint the logits came from (as the recipe resolved it), when there is one.
    public var checkpoint: String?
    public var flops: Double
    /// nil for a general side model.
    public var subsetRouting: SubsetRouting?
    /// The side model alone, over all samples ("other" counts as wrong).
    public var accuracy: SplitValues<Double>
    /// Specialized only: `π = P(y ∈ C)`.
    public var inSubsetShare: SplitValues<Double>?
    /// Specialized only: accuracy on in-subset samples, choosing among the subset's classes only.
    public var inSubsetAccuracy: SplitValues<Double?>?
    public var scores: [ScoreEvaluation]

    /// "general", or the subset design name.
    public var kind: String { subsetRouting?.designName ?? "general" }
}

/// One score (with its temperature) of one side model.
public struct ScoreEvaluation: Hashable, Sendable, Codable {
    public var score: Score
    /// AUROC of the score for "side model wrong" (nil if the side model is always right or always wrong).
    public var aurocSideWrong: SplitValues<Double?>
    /// Specialized only: AUROC of the score for "out of subset".
    public var aurocOutOfSubset: SplitValues<Double?>?
    /// One per criterion of the settings, in that order (`fixed` criteria for energy scores only).
    public var operatingPoints: [OperatingPointEvaluation]
    /// Accuracy vs acceptance / relative cost over the threshold sweep, thinned.
    public var curves: SplitValues<TradeoffCurve>
    /// Test score distributions: correct vs wrong, and (specialized) in vs out of subset.
    public var histograms: [ScoreHistogram]
    /// A learned score's trained router (what `ebjr serve` applies to the side model's logits); nil otherwise.
    public var learnedRouter: DeferralRouterState? = nil
}

/// One operating point: the threshold chosen on validation and what it does on both splits.
public struct OperatingPointEvaluation: Hashable, Sendable, Codable {
    public var criterion: SelectionCriterion
    /// The chosen threshold in our convention (accept iff score ≤ τ).
    public var rule: ThresholdRule
    /// The same rule in the paper's convention, `−score ≥ t` with `t = −τ`.
    public var paperRule: ThresholdRule
    /// For guaranteed / selective-risk criteria: the validation scan and its bound.
    public var selection: GuaranteedSelection?
    public var validation: PointEvaluation
    public var test: PointEvaluation
}

/// An operating point on one split.
public struct PointEvaluation: Hashable, Sendable, Codable {
    public var statistics: OperatingPointStatistics
    public var bounds: OperatingPointBounds
    /// `A_joint` measured from the merged joint predictions against the labels.
    public var measuredJointAccuracy: Double
    /// `(C_S + (1 − q)·C_D) / C_D`.
    public var relativeCost: Double
    /// Measured values outside their bounds.
    public var flags: [BoundFlag]
}
