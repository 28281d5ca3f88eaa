import EBJRRouting

/// How thresholds are chosen on validation (docs/method.md §7), or a threshold given outright.
public enum SelectionCriterion: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `τ` = the `q`-quantile of validation scores.
    case targetAcceptance(Double)
    /// Largest acceptance with validation `A_D − A_joint ≤ δ_acc`.
    case accuracyTolerance(Double)
    /// Learn-Then-Test on the harmful rate: with probability ≥ 1 − δ, `A_D − A_joint ≤ ε`.
    case guaranteed(epsilon: Double, delta: Double)
    /// Selective risk of the side model on accepted samples ≤ ε (the weaker promise).
    case selectiveRisk(epsilon: Double, delta: Double)
    /// An energy threshold given outright, in either convention (e.g. the paper's published negative-energy
    /// threshold `t`). Applied to the energy scores only: a threshold means nothing on another score's scale.
    case fixed(ThresholdRule)

    public var description: String {
        switch self {
        case let .targetAcceptance(q): return "target acceptance \(percent(q))"
        case let .accuracyTolerance(d): return "within \(points(d)) pp of deep"
        case let .guaranteed(e, d): return "guaranteed loss ≤ \(points(e)) pp (δ = \(d))"
        case let .selectiveRisk(e, d): return "selective risk ≤ \(percent(e)) (δ = \(d), weaker)"
        case let .fixed(rule): return "fixed energy threshold \(rule)"
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, value, epsilon, delta, rule }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "target-acceptance": self = .targetAcceptance(try c.decode(Double.self, forKey: .value))
        case "accuracy-tolerance": self = .accuracyTolerance(try c.decode(Double.self, forKey: .value))
        case "guaranteed":
            self = .guaranteed(epsilon: try c.decode(Double.self, forKey: .epsilon), delta: try c.decode(Double.self, forKey: .delta))
        case "selective-risk":
            self = .selectiveRisk(epsilon: try c.decode(Double.self, forKey: .epsilon), delta: try c.decode(Double.self, forKey: .delta))
        case "fixed": self = .fixed(try c.decode(ThresholdRule.self, forKey: .rule))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown selection criterion '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .targetAcceptance(q):
            try c.encode("target-acceptance", forKey: .kind)
            try c.encode(q, forKey: .value)
        case let .accuracyTolerance(d):
            try c.encode("accuracy-tolerance", forKey: .kind)
            try c.encode(d, forKey: .value)
        case let .guaranteed(e, d):
            try c.encode("guaranteed", forKey: .kind)
            try c.encode(e, forKey: .epsilon)
            try c.encode(d, forKey: .delta)
        case let .selectiveRisk(e, d):
            try c.encode("selective-risk", forKey: .kind)
            try c.encode(e, forKey: .epsilon)
            try c.encode(d, forKey: .delta)
        case let .fixed(rule):
            try c.encode("fixed", forKey: .kind)
            try c.encode(rule, forKey: .rule)
        }
    }
}

/// How the finite-sample criteria (guaranteed, selective risk) account for picking the cheapest of several
/// scores (docs/method.md §7, "the family of scores").
public enum FamilyCorrection: String, Hashable, Sendable, Codable {
    /// Each of the `m` deployable (non-reference) scores is scanned at level `δ/m`; by the union bound all `m`
    /// promises hold together with probability ≥ `1 − δ`, so the one picked afterwards (the cheapest on
    /// validation) holds too.
    case bonferroni
    /// Each score is scanned at level `δ`: the promise holds for a score fixed in advance, not for the cheapest of
    /// several (kept to measure what the correction costs).
    case none

    /// The level of each scan for a family of `m` scores.
    public func level(delta: Double, familySize m: Int) -> Double {
        self == .bonferroni ? delta / Double(max(1, m)) : delta
    }
}

/// What to evaluate: the scores, the operating points, and the size of curves and histograms.
public struct EvaluationSettings: Hashable, Sendable, Codable {
    /// Scores (with temperatures) to evaluate for every side model.
    public var scores: [Score]
    /// Operating points chosen on validation, in report order (`fixed` ones apply to energy scores only).
    public var criteria: [SelectionCriterion]
    /// Points kept per trade-off curve (for plots and CSV).
    public var curvePoints: Int
    /// Bins per score histogram.
    public var histogramBins: Int
    /// How guaranteed and selective-risk scans share `δ` across the deployable scores.
    public var familyCorrection: FamilyCorrection

    public init(scores: [Score] = EvaluationSettings.defaultScores,
                criteria: [SelectionCriterion] = EvaluationSettings.defaultCriteria,
                curvePoints: Int = 101, histogramBins: Int = 30, familyCorrection: FamilyCorrection = .bonferroni) {
        self.scores = scores
        self.criteria = criteria
        self.curvePoints = curvePoints
        self.histogramBins = histogramBins
        self.familyCorrection = familyCorrection
    }

    /// `m`: the deployable scores the cheapest finite-sample point is picked from (the references are excluded).
    public var familySize: Int { max(1, scores.filter { !$0.isReference }.count) }

    private enum CodingKeys: String, CodingKey { case scores, criteria, curvePoints, histogramBins, familyCorrection }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scores = try c.decode([Score].self, forKey: .scores)
        criteria = try c.decode([SelectionCriterion].self, forKey: .criteria)
        curvePoints = try c.decode(Int.self, forKey: .curvePoints)
        histogramBins = try c.decode(Int.self, forKey: .histogramBins)
        // Reports written before the correction existed scanned every score at δ.
        familyCorrection = try c.decodeIfPresent(FamilyCorrection.self, forKey: .familyCorrection) ?? .none
    }

    /// Energy, max-softmax and entropy at T = 1, margin, and the random and oracle references.
    public static let defaultScores: [Score] = [.energy(temperature: 1), .maxSoftmax(temperature: 1),
                                                .entropy(temperature: 1), .margin, .random(seed: 0), .oracle]
    /// 50% acceptance, within 0.5 pp of deep, guaranteed 0.5 pp at δ = 0.05, selective risk 2% at δ = 0.05.
    public static let defaultCriteria: [SelectionCriterion] = [
        .targetAcceptance(0.5), .accuracyTolerance(0.005), .guaranteed(epsilon: 0.005, delta: 0.05),
        .selectiveRisk(epsilon: 0.02, delta: 0.05),
    ]

    func validate() throws {
        guard !scores.isEmpty else { throw EvaluationError.empty(what: "settings.scores") }
        guard curvePoints >= 2 else {
            throw EvaluationError.invalidSetting(name: "curvePoints", value: "\(curvePoints)", requirement: "≥ 2")
        }
        guard histogramBins >= 1 else {
            throw EvaluationError.invalidSetting(name: "histogramBins", value: "\(histogramBins)", requirement: "≥ 1")
        }
    }
}

func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
func points(_ x: Double) -> String { String(format: "%.2f", 100 * x) }
