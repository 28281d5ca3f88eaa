import EBJRRouting

/// The answer a report gives first (`report.md`'s headline, `report.json`'s `recommendation` block, the terminal
/// summary): per workload mix, one operating point to deploy.
///
/// One sign convention everywhere: the accuracy change is `Δ = A_joint − A_D` in percentage points, negative when
/// the joint model loses accuracy against the deep model alone; cost is relative, joint FLOPs / deep FLOPs
/// (`(C_S + (1 − q)·C_D) / C_D`, 1 = the deep model alone).
public struct RecommendationBlock: Hashable, Sendable, Codable {
    /// The sign convention, in words.
    public static let conventions = "Δ = A_joint − A_D in percentage points (negative = accuracy lost against the deep model); "
        + "cost = joint FLOPs / deep FLOPs (1 = deep model alone); thresholds: accept iff score ≤ τ (lower score = keep)."

    public var conventions: String
    /// The criterion every mix's recommendation is chosen by.
    public var criterion: SelectionCriterion
    /// The natural mix first, then the resampled ones.
    public var mixes: [MixRecommendation]

    public init(criterion: SelectionCriterion, mixes: [MixRecommendation]) {
        conventions = Self.conventions
        self.criterion = criterion
        self.mixes = mixes
    }

    /// The mix with this key (`natural`, or the in-subset share in percent such as `70`).
    public func mix(_ key: String) -> MixRecommendation? { mixes.first { $0.key == key } }
}

/// The recommendation for one workload mix.
public struct MixRecommendation: Hashable, Sendable, Codable {
    /// `natural`, or the in-subset share in percent (`70`).
    public var key: String
    /// In words: "natural mix", "70% in-subset".
    public var label: String
    /// The mix's report, relative to the top report folder (`report.md`, `mix-70/report.md`).
    public var report: String
    /// The operating point to deploy; nil when no deployable score was evaluated.
    public var point: RecommendedPoint?
    /// General vs specialized side models at this mix, one sentence.
    public var generalVsSpecialized: String?
    public var warnings: [ReportWarning]

    public init(key: String, label: String, report: String, point: RecommendedPoint?, generalVsSpecialized: String?,
                warnings: [ReportWarning]) {
        self.key = key
        self.label = label
        self.report = report
        self.point = point
        self.generalVsSpecialized = generalVsSpecialized
        self.warnings = warnings
    }
}

/// One operating point: the side model, score and threshold, what validation promised and what test realised.
public struct RecommendedPoint: Hashable, Sendable, Codable {
    public var criterion: SelectionCriterion
    public var sideModel: String
    /// `general`, or the subset design (`other-class`, `energy-margin`, `general-restricted`, …).
    public var design: String
    public var score: Score
    /// `τ` (accept iff score ≤ τ); nil when the criterion routes everything to the deep model.
    public var threshold: Double?
    /// Validation: the figures the threshold was chosen on.
    public var expected: PointFigures
    /// Test: the same threshold applied once.
    public var realised: PointFigures
    /// The criterion's finite-sample promise and whether test kept it.
    public var guarantee: GuaranteeOutcome?
}

/// An operating point's figures on one split.
public struct PointFigures: Hashable, Sendable, Codable {
    public var sampleCount: Int
    /// `q`, the fraction kept on the side model.
    public var acceptance: Double
    public var jointAccuracy: Double
    /// `Δ = A_joint − A_D`.
    public var accuracyChange: Double
    /// 95% normal interval of `Δ` from the paired per-sample differences: `Δ ± 1.96·√((h + b − Δ²)/n)` with
    /// `h`, `b` the harmful and helpful rates (samples where only the deep / only the side model is right among
    /// accepted ones).
    public var accuracyChangeInterval: [Double]
    public var relativeCost: Double

    public init(_ point: PointEvaluation) {
        let s = point.statistics
        sampleCount = s.sampleCount
        acceptance = s.acceptance
        jointAccuracy = point.measuredJointAccuracy
        accuracyChange = point.measuredJointAccuracy - s.deepAccuracy
        let variance = max(0, s.harmfulRate + s.helpfulRate - accuracyChange * accuracyChange)
        let halfWidth = 1.96 * (variance / Double(max(1, s.sampleCount))).squareRoot()
        accuracyChangeInterval = [accuracyChange - halfWidth, accuracyChange + halfWidth]
        relativeCost = point.relativeCost
    }
}

/// A guarantee's promise and its outcome on test.
public struct GuaranteeOutcome: Hashable, Sendable, Codable {
    /// `harmful-rate` or `selective-risk`.
    public var kind: String
    public var epsilon: Double
    public var delta: Double
    /// In words, in the report's sign convention.
    public var statement: String
    /// The realised value the promise is about (test `Δ`, or the side model's error on accepted samples).
    public var realisedValue: Double
    public var held: Bool
}

/// Something the reader must know before trusting the headline.
public struct ReportWarning: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A measured value lies outside its bound (a broken guarantee, or a pipeline bug for exact bounds).
        case boundViolation = "bound-violation"
        /// A score ranks the side model's errors backwards (AUROC < 0.5 on validation).
        case invertedScore = "inverted-score"
        /// The test split is too small to confirm the tolerance: the realised `Δ`'s interval contains it.
        case smallSample = "small-sample"
    }

    public var kind: Kind
    public var message: String
}
