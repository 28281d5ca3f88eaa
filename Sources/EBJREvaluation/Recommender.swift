import EBJRRouting
import Foundation

/// One side model's best deployable score at one criterion (a row of the report's compact table).
public struct ChosenPoint: Sendable {
    public var side: SideModelEvaluation
    public var score: ScoreEvaluation
    public var point: OperatingPointEvaluation

    public init(side: SideModelEvaluation, score: ScoreEvaluation, point: OperatingPointEvaluation) {
        self.side = side
        self.score = score
        self.point = point
    }

    /// The threshold, or nil when the point routes everything.
    public var threshold: Double? {
        point.rule.tau == ThresholdSweep.acceptNothingThreshold ? nil : point.rule.tau
    }
}

/// Picks the report's answers from an `EvaluationResult`: per side model and criterion the best deployable score
/// (chosen on validation only), and across side models the recommended operating point with its warnings.
public enum Recommender {
    /// The criterion the headline uses: the first finite-sample guarantee on the joint model's loss
    /// (`guaranteed`), else the first accuracy tolerance, else the first criterion.
    public static func headlineCriterion(_ settings: EvaluationSettings) -> SelectionCriterion? {
        settings.criteria.first { if case .guaranteed = $0 { return true } else { return false } }
            ?? settings.criteria.first { if case .accuracyTolerance = $0 { return true } else { return false } }
            ?? settings.criteria.first
    }

    /// The best deployable (non-reference) score of `side` at `criterion`, judged on validation: the highest
    /// accuracy for criteria that fix the acceptance or the threshold, otherwise the lowest relative cost (then
    /// the highest accuracy). Nil when no deployable score has a point at that criterion.
    public static func chosen(_ side: SideModelEvaluation, criterion: SelectionCriterion) -> ChosenPoint? {
        let candidates = side.scores.filter { !$0.score.isReference }.compactMap { s in
            s.operatingPoints.first { $0.criterion == criterion }.map { ChosenPoint(side: side, score: s, point: $0) }
        }
        return candidates.min { better($0.point.validation, than: $1.point.validation, criterion: criterion) }
    }

    /// Every side model's chosen point at `criterion`, in side model order.
    public static func chosenPoints(_ result: EvaluationResult, criterion: SelectionCriterion) -> [ChosenPoint] {
        result.sideModels.compactMap { chosen($0, criterion: criterion) }
    }

    /// The recommendation for one report: the cheapest chosen point at the headline criterion, the general vs
    /// specialized sentence, and the warnings.
    public static func recommend(_ result: EvaluationResult, key: String, label: String, report: String) -> MixRecommendation {
        guard let criterion = headlineCriterion(result.settings) else {
            return MixRecommendation(key: key, label: label, report: report, point: nil, generalVsSpecialized: nil,
                                     warnings: warnings(result, recommended: nil))
        }
        let points = chosenPoints(result, criterion: criterion)
        let best = points.min { better($0.point.validation, than: $1.point.validation, criterion: criterion) }
        let recommended = best.map(recommendedPoint)
        return MixRecommendation(key: key, label: label, report: report, point: recommended,
                                 generalVsSpecialized: comparison(points, criterion: criterion),
                                 warnings: warnings(result, recommended: best))
    }

    /// A chosen point as the headline shows it.
    public static func recommendedPoint(_ c: ChosenPoint) -> RecommendedPoint {
        RecommendedPoint(criterion: c.point.criterion, sideModel: c.side.name, design: c.side.kind, score: c.score.score,
                         threshold: c.threshold, expected: PointFigures(c.point.validation), realised: PointFigures(c.point.test),
                         guarantee: guaranteeOutcome(c.point))
    }

    /// The promise of the criterion that chose `p` (nil without one) and whether test kept it.
    public static func guaranteeOutcome(_ p: OperatingPointEvaluation) -> GuaranteeOutcome? {
        guard let g = p.selection else { return nil }
        let confidence = Format.percent(1 - g.delta, digits: 0)
        switch g.kind {
        case .harmfulRate:
            let change = p.test.measuredJointAccuracy - p.test.statistics.deepAccuracy
            return GuaranteeOutcome(kind: g.kind.rawValue, epsilon: g.epsilon, delta: g.delta,
                                    statement: "with probability ≥ \(confidence), Δ ≥ −\(Format.pp(g.epsilon)) on new data from the same mix",
                                    realisedValue: change, held: change >= -g.epsilon - 1e-12)
        case .selectiveRisk:
            let error = p.test.statistics.sideAccuracyAccepted.map { 1 - $0 } ?? 0
            return GuaranteeOutcome(kind: g.kind.rawValue, epsilon: g.epsilon, delta: g.delta,
                                    statement: "with probability ≥ \(confidence), the side model's error on accepted samples ≤ "
                                        + "\(Format.percent(g.epsilon, digits: 1)) (a weaker promise: it does not bound Δ)",
                                    realisedValue: error, held: error <= g.epsilon + 1e-12)
        }
    }

    /// The tolerance a criterion promises on `Δ` (as a positive loss), if any.
    static func tolerance(_ criterion: SelectionCriterion) -> Double? {
        switch criterion {
        case let .guaranteed(epsilon, _): return epsilon
        case let .accuracyTolerance(d): return d
        default: return nil
        }
    }

    /// True when `a` is the better validation point under `criterion`.
    static func better(_ a: PointEvaluation, than b: PointEvaluation, criterion: SelectionCriterion) -> Bool {
        switch criterion {
        case .targetAcceptance, .fixed:
            return a.measuredJointAccuracy != b.measuredJointAccuracy ? a.measuredJointAccuracy > b.measuredJointAccuracy
                : a.relativeCost < b.relativeCost
        default:
            return a.relativeCost != b.relativeCost ? a.relativeCost < b.relativeCost
                : a.measuredJointAccuracy > b.measuredJointAccuracy
        }
    }

    /// "general vs specialized" in one sentence, from the chosen points at the headline criterion.
    static func comparison(_ points: [ChosenPoint], criterion: SelectionCriterion) -> String? {
        func isSpecialized(_ c: ChosenPoint) -> Bool {
            guard let r = c.side.subsetRouting else { return false }
            if case .generalRestricted = r.design { return false }
            return true
        }
        func best(_ list: [ChosenPoint]) -> ChosenPoint? {
            list.min { better($0.point.validation, than: $1.point.validation, criterion: criterion) }
        }
        guard let general = best(points.filter { !isSpecialized($0) }), let special = best(points.filter(isSpecialized)) else {
            return nil
        }
        func describe(_ c: ChosenPoint) -> String {
            "`\(c.side.name)` (\(c.score.score), test cost \(Format.fixed(c.point.test.relativeCost, 3)), "
                + "Δ \(Format.signedPP(c.point.test.measuredJointAccuracy - c.point.test.statistics.deepAccuracy)))"
        }
        let specialWins = better(special.point.validation, than: general.point.validation, criterion: criterion)
        let (winner, loser) = specialWins ? (special, general) : (general, special)
        return "At this mix the best \(specialWins ? "specialized" : "general") side model \(describe(winner)) beats the best "
            + "\(specialWins ? "general" : "specialized") one \(describe(loser)) on validation."
    }

    /// Bound violations, inverted scores, and a test split too small to confirm the recommended tolerance.
    static func warnings(_ result: EvaluationResult, recommended: ChosenPoint?) -> [ReportWarning] {
        var out: [ReportWarning] = []
        var violations: [String] = []
        for side in result.sideModels {
            for s in side.scores {
                for p in s.operatingPoints {
                    for (split, point) in [("validation", p.validation), ("test", p.test)] where !point.flags.isEmpty {
                        let what = point.flags.map(\.check).joined(separator: "; ")
                        violations.append("`\(side.name)`, \(s.score), \(p.criterion), \(split): \(what)")
                    }
                }
            }
        }
        let shown = 4
        for line in violations.prefix(shown) { out.append(ReportWarning(kind: .boundViolation, message: line)) }
        if violations.count > shown {
            out.append(ReportWarning(kind: .boundViolation,
                                     message: "\(violations.count - shown) more measured values outside their bounds (appendix.md, Flags)"))
        }
        for side in result.sideModels {
            let inverted = side.scores.filter { s in !s.score.isReference && (s.aurocSideWrong.validation ?? 1) < 0.5 }
            guard !inverted.isEmpty else { continue }
            let aurocs = inverted.compactMap { $0.aurocSideWrong.validation }
            let range = aurocs.count == 1 ? Format.fixed(aurocs[0], 3)
                : "\(Format.fixed(aurocs.min()!, 3))–\(Format.fixed(aurocs.max()!, 3))"
            let deployable = side.scores.filter { !$0.score.isReference }.count
            out.append(ReportWarning(kind: .invertedScore, message:
                "`\(side.name)`: \(inverted.count) of \(deployable) scores are inverted (validation AUROC for \"side model wrong\" "
                + "\(range) < 0.5: a low score marks a likely error), e.g. \(inverted[0].score); do not route by them"))
        }
        if let r = recommended, let tolerance = tolerance(r.point.criterion) {
            let f = PointFigures(r.point.test)
            if f.accuracyChangeInterval[0] <= -tolerance && -tolerance <= f.accuracyChangeInterval[1] {
                out.append(ReportWarning(kind: .smallSample, message:
                    "test (n = \(f.sampleCount)) cannot confirm the \(Format.pp(tolerance)) tolerance: realised Δ "
                    + "\(Format.signedPP(f.accuracyChange)), 95% interval [\(Format.signedPP(f.accuracyChangeInterval[0])), "
                    + "\(Format.signedPP(f.accuracyChangeInterval[1]))] contains −\(Format.pp(tolerance))"))
            }
        }
        return out
    }
}

/// Number formats shared by the report, the summary and the recommendation texts.
public enum Format {
    /// `0.1234` → `12.34%`.
    public static func percent(_ x: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f%%", 100 * x) }
    /// A difference in percentage points without sign: `0.005` → `0.50 pp`.
    public static func pp(_ x: Double) -> String { String(format: "%.2f pp", 100 * x) }
    /// A signed difference in percentage points: `-0.0046` → `−0.46 pp`, `0` → `±0.00 pp`.
    public static func signedPP(_ x: Double) -> String {
        let v = 100 * x
        if abs(v) < 0.005 { return "±0.00 pp" }
        return (v < 0 ? "−" : "+") + String(format: "%.2f pp", abs(v))
    }
    public static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// A threshold with as many digits as it needs: 4 significant digits, except near a whole number, where the
    /// distance to it is shown (`−1 + 2.18e−12` for a max-softmax threshold that keeps only near-certain answers),
    /// because rounding there would move the threshold past many samples. `report.json` keeps every digit.
    public static func threshold(_ tau: Double?) -> String {
        guard let tau else { return "none (route all)" }
        let whole = tau.rounded()
        let distance = tau - whole
        if whole != 0, distance != 0, abs(distance) < 1e-4 {
            let wholeText = whole < 0 ? "−\(Int(-whole))" : "\(Int(whole))"
            return "\(wholeText) \(distance < 0 ? "−" : "+") \(String(format: "%.3g", abs(distance)))"
        }
        if tau == whole && abs(tau) < 1e9 { return tau < 0 ? "−\(Int(-tau))" : "\(Int(tau))" }
        let text = String(format: "%.4g", tau)
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }
}
