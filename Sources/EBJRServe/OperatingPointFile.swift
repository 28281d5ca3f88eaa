import Foundation
import EBJRDeferral
import EBJRRouting

/// Reads a routing rule out of the `report.json` that `ebjr evaluate` writes (schema version 1).
///
/// Only these fields are read, so later additions to the report do not matter:
/// `schemaVersion`, `deep.accuracy.validation`, `sideModels[].name`, `sideModels[].subsetRouting`,
/// `sideModels[].scores[].score`, and per operating point `criterion`, `rule`, and
/// `validation.{statistics.acceptance, measuredJointAccuracy, relativeCost}`.
///
/// The operating point is the side model's point for the criterion; among its scores, the one given, or else the
/// deployable (non-reference) score with the lowest validation relative cost, which is the "best score" column of
/// `ebjr evaluate`'s summary.
public enum OperatingPointFile {
    struct Report: Decodable {
        var schemaVersion: Int
        var deep: Deep
        var sideModels: [Side]
    }
    struct Deep: Decodable {
        var name: String
        var accuracy: Split
    }
    struct Split: Decodable { var validation: Double }
    struct Side: Decodable {
        var name: String
        var subsetRouting: SubsetRouting?
        var scores: [ScoreEntry]
    }
    struct ScoreEntry: Decodable {
        var score: Score
        var operatingPoints: [Point]
        /// A learned score's router (`ScoreEvaluation.learnedRouter`).
        var learnedRouter: DeferralRouterState?
    }
    struct Point: Decodable {
        var criterion: Criterion
        var rule: ThresholdRule
        var validation: PointFigures
    }
    struct PointFigures: Decodable {
        var statistics: Statistics
        var measuredJointAccuracy: Double
        var relativeCost: Double
    }
    struct Statistics: Decodable { var acceptance: Double }
    /// `{"kind": "target-acceptance", "value": 0.5}`, `{"kind": "guaranteed", "epsilon": …, "delta": …}`, …
    struct Criterion: Decodable {
        var kind: String
        var value: Double?
        var epsilon: Double?
        var delta: Double?

        /// `kind` alone, or `kind=value` / `kind=epsilon` for the criteria that have a number.
        var label: String {
            if let value { return "\(kind)=\(ServingRule.trimmed(value))" }
            if let epsilon { return "\(kind)=\(ServingRule.trimmed(epsilon))" }
            return kind
        }
    }

    /// The rule of `sideName` at `criterion` (`target-acceptance`, `accuracy-tolerance`, `guaranteed`,
    /// `selective-risk`, `fixed`, optionally `=value` when the report has several of that kind), with `score`
    /// (e.g. `energy` and a temperature) when given.
    ///
    /// - Throws: `ServeError.configuration`, one line naming the file and what is missing or ambiguous.
    public static func rule(file: String, sideName: String, criterion: String, score: Score? = nil) throws -> ServingRule {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ServeError.configuration("\(file): cannot read the evaluation report (\(error.localizedDescription))")
        }
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: data) } catch let error as DecodingError {
            throw ServeError.configuration("\(file): not an ebjr evaluation report: \(InferenceRequest.oneLine(error))")
        }
        guard report.schemaVersion == 1 else {
            throw ServeError.configuration("\(file): report schemaVersion \(report.schemaVersion); this ebjr reads version 1")
        }
        guard let side = report.sideModels.first(where: { $0.name == sideName }) else {
            throw ServeError.configuration("\(file): no side model '\(sideName)' (the report has \(report.sideModels.map(\.name).joined(separator: ", ")))")
        }
        let candidates = side.scores.filter { entry in
            if let score { return entry.score == score }
            return !entry.score.isReference
        }
        guard !candidates.isEmpty else {
            throw ServeError.configuration("\(file): side model '\(sideName)' has no score \(score.map { "\($0)" } ?? "that can be deployed") (it has \(side.scores.map { "\($0.score)" }.joined(separator: ", ")))")
        }
        var matches: [(Score, Point)] = []
        var learnedRouters: [Score: DeferralRouterState] = [:]
        for entry in candidates {
            for point in entry.operatingPoints where point.criterion.kind == criterion || point.criterion.label == criterion {
                matches.append((entry.score, point))
            }
            if let router = entry.learnedRouter { learnedRouters[entry.score] = router }
        }
        let labels = Set(matches.map { $0.1.criterion.label })
        guard !matches.isEmpty else {
            let known = Set(candidates.flatMap { $0.operatingPoints.map(\.criterion.label) }).sorted()
            throw ServeError.configuration("\(file): side model '\(sideName)' has no operating point for criterion '\(criterion)' (it has \(known.joined(separator: ", ")))")
        }
        guard labels.count == 1 else {
            throw ServeError.configuration("\(file): criterion '\(criterion)' is ambiguous: name one of \(labels.sorted().joined(separator: ", "))")
        }
        let (chosenScore, point) = matches.min { $0.1.validation.relativeCost < $1.1.validation.relativeCost }!
        let router = Router(score: chosenScore, rule: point.rule.canonical, subsetRouting: side.subsetRouting)
        var deferral: DeferralRouter?
        if case .learned = chosenScore {
            guard let state = learnedRouters[chosenScore] else {
                throw ServeError.configuration("\(file): side model '\(sideName)', score \(chosenScore): the report holds no trained router "
                    + "(written by an older ebjr evaluate: evaluate again to serve a learned score)")
            }
            guard state.subsetRouting == side.subsetRouting else {
                throw ServeError.configuration("\(file): side model '\(sideName)': the learned router's subset routing differs from the side model's")
            }
            do { deferral = try DeferralRouter(state: state) } catch { throw ServeError.configuration("\(file): side model '\(sideName)': \(error)") }
        }
        let figures = ServingRule.ValidationFigures(
            acceptance: point.validation.statistics.acceptance,
            accuracyLoss: report.deep.accuracy.validation - point.validation.measuredJointAccuracy,
            jointAccuracy: point.validation.measuredJointAccuracy, relativeCost: point.validation.relativeCost)
        return ServingRule(router: router, source: "\(file): side model \(sideName), criterion \(point.criterion.label)",
                           validation: figures, deferral: deferral)
    }
}

extension ServingRule {
    static func trimmed(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x) }
}
