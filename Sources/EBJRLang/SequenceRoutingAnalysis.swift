import Foundation
import EBJRRouting
import EBJREvaluation

/// One split as sequence routing sees it: the small model's token statistics, which outputs are right (small and
/// large model), and per-sequence costs (FLOPs or seconds) of each model.
public struct SequenceRoutingSplit: Sendable {
    public var statistics: [TokenStatistics]
    public var swiftCorrect: [Bool]
    public var superCorrect: [Bool]
    public var swiftCost: [Double]
    public var superCost: [Double]

    public init(statistics: [TokenStatistics], swiftCorrect: [Bool], superCorrect: [Bool], swiftCost: [Double], superCost: [Double]) {
        precondition([swiftCorrect.count, superCorrect.count, swiftCost.count, superCost.count].allSatisfy { $0 == statistics.count },
                     "SequenceRoutingSplit: arrays of different lengths")
        (self.statistics, self.swiftCorrect, self.superCorrect, self.swiftCost, self.superCost) =
            (statistics, swiftCorrect, superCorrect, swiftCost, superCost)
    }

    /// The router's view of every sequence under `score` (optionally with other costs, e.g. measured seconds).
    public func words(_ score: SequenceScore, costs: ([Double], [Double])? = nil) -> [RoutedWord] {
        let (small, large) = costs ?? (swiftCost, superCost)
        return statistics.indices.map {
            RoutedWord(score: score.score(statistics[$0]), swiftCorrect: swiftCorrect[$0], superCorrect: superCorrect[$0],
                       swiftCost: small[$0], superCost: large[$0])
        }
    }
}

/// E-LANG threshold selection and reporting for any sequence model pair — the toolkit's G2P models
/// (`G2PExperiment`) and imported logits (`ImportedLogits`) share it: for each `SequenceScore`, τ is chosen on
/// validation as the cheapest threshold with joint WER ≤ Super WER + `tolerance` (or given), applied unchanged on
/// test, and measured there with the docs/method.md §8 bounds in sequence form (accuracy = 1 − WER).
public enum SequenceRoutingAnalysis {
    /// Per-score results; `testRelativeWall` is NaN without wall-time costs.
    public static func summaries(validation: SequenceRoutingSplit?, test: SequenceRoutingSplit, tolerance: Double,
                                 fixedThreshold: Double? = nil, scores: [SequenceScore] = SequenceScore.allCases,
                                 testWallCosts: ([Double], [Double])? = nil) throws -> [G2PReport.ScoreSummary] {
        try scores.map { kind in
            let testWords = test.words(kind)
            let valWords = validation?.words(kind)
            let tau = fixedThreshold ?? valWords.map { SequenceRouter.threshold($0, tolerance: tolerance) } ?? -.infinity
            let accepted = testWords.map { $0.score <= tau }
            let statistics = try OperatingPointStatistics(sideCorrect: test.swiftCorrect, deepCorrect: test.superCorrect, accepted: accepted)
            return G2PReport.ScoreSummary(
                score: kind, validationAUROC: valWords.map(SequenceRouter.auroc) ?? .nan, testAUROC: SequenceRouter.auroc(testWords),
                validation: valWords.map { SequenceRouter.evaluate($0, threshold: tau) }
                    ?? OperatingPoint(threshold: tau, routedFraction: .nan, jointWER: .nan, relativeCost: .nan),
                test: SequenceRouter.evaluate(testWords, threshold: tau),
                testRelativeWallSingle: testWallCosts.map { SequenceRouter.evaluate(test.words(kind, costs: $0), threshold: tau).relativeCost } ?? .nan,
                testRelativeWallBatched: nil, testBounds: SequenceBounds(statistics))
        }
    }

    /// `score,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single` for every distinct test
    /// operating point (thinned to steps of 0.2% routed).
    public static func curveCSV(test: SequenceRoutingSplit, scores: [SequenceScore] = SequenceScore.allCases,
                                testWallCosts: ([Double], [Double])? = nil) -> String {
        var csv = "score,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single\n"
        for kind in scores {
            let wallWords = testWallCosts.map { test.words(kind, costs: $0) }
            var lastRouted = 2.0
            for point in SequenceRouter.curve(test.words(kind)) where abs(point.routedFraction - lastRouted) >= 0.002 || point.routedFraction == 0 {
                lastRouted = point.routedFraction
                let wall = wallWords.map { SequenceRouter.evaluate($0, threshold: point.threshold).relativeCost } ?? .nan
                csv += "\(kind.rawValue),\(point.threshold),\(point.routedFraction),\(point.jointWER),\(point.relativeCost),\(wall)\n"
            }
        }
        return csv
    }

    /// `score,split,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single,relative_wall_batched,auroc`
    /// (wall times on test only; `nan` where not measured).
    public static func operatingPointsCSV(_ summaries: [G2PReport.ScoreSummary]) -> String {
        var csv = "score,split,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single,relative_wall_batched,auroc\n"
        for s in summaries {
            for (split, p, wall, batched, auroc) in [("validation", s.validation, Double.nan, Double.nan, s.validationAUROC),
                                                     ("test", s.test, s.testRelativeWallSingle, s.testRelativeWallBatched ?? .nan, s.testAUROC)] {
                csv += "\(s.score.rawValue),\(split),\(p.threshold),\(p.routedFraction),\(p.jointWER),\(p.relativeCost),\(wall),\(batched),\(auroc)\n"
            }
        }
        return csv
    }

    /// An SVG of joint WER against relative cost on test, one line per score, with the chosen points' level marked
    /// by the two single models' WERs.
    public static func chart(test: SequenceRoutingSplit, scores: [SequenceScore] = SequenceScore.allCases, title: String,
                             costLabel: String = "relative FLOPs (Super alone = 1)") -> String {
        let n = Double(Swift.max(test.statistics.count, 1))
        let series = scores.map { kind in
            var lastRouted = 2.0
            let points = SequenceRouter.curve(test.words(kind)).filter { point in
                guard abs(point.routedFraction - lastRouted) >= 0.005 || point.routedFraction == 0 else { return false }
                lastRouted = point.routedFraction
                return true
            }
            return LineChart.Series(name: kind.rawValue, points: points.map { (x: $0.relativeCost, y: 100 * $0.jointWER) })
        }
        let swiftWER = 100 * Double(test.swiftCorrect.filter { !$0 }.count) / n
        let superWER = 100 * Double(test.superCorrect.filter { !$0 }.count) / n
        return LineChart(title: title, xLabel: costLabel, yLabel: "joint WER (%)", series: series,
                         horizontalLines: [("Swift alone", swiftWER), ("Super alone", superWER)]).svg()
    }
}

/// docs/method.md §8's identities and bounds for one sequence-routing operating point, in WER form (a word is "correct"
/// when its whole output sequence matches a reference).
public struct SequenceBounds: Codable, Equatable, Sendable {
    /// Fraction of sequences kept on the small model (`q`).
    public var acceptance: Double
    /// Small-model WER on the kept sequences.
    public var swiftWERAccepted: Double?
    /// Large-model WER on the routed sequences.
    public var superWERRouted: Double?
    /// Joint WER from the identity `1 − [q·a_S + (1 − q)·a_D^routed]` (equals the measured joint WER).
    public var jointWERIdentity: Double
    /// Joint WER bounds knowing only `q`, `a_S` and the large model's overall accuracy.
    public var jointWERLower: Double
    public var jointWERUpper: Double
    /// Loss against the large model alone, `q·(a_D^acc − a_S)`, and its bound `q·(1 − a_S)`, in WER points.
    public var lossIdentity: Double
    public var lossUpper: Double
    /// The best joint WER any router could reach routing the same fraction (oracle), and with unlimited routing.
    public var oracleWERAtRoutingBudget: Double
    public var oracleWER: Double

    public init(_ s: OperatingPointStatistics) {
        let b = OperatingPointBounds(s)
        acceptance = s.acceptance
        swiftWERAccepted = s.sideAccuracyAccepted.map { 1 - $0 }
        superWERRouted = s.deepAccuracyRouted.map { 1 - $0 }
        jointWERIdentity = 1 - b.jointAccuracyIdentity
        jointWERLower = 1 - b.jointAccuracyUpper
        jointWERUpper = 1 - b.jointAccuracyLower
        lossIdentity = b.lossIdentity
        lossUpper = b.lossUpper
        oracleWERAtRoutingBudget = 1 - b.oracleAtRoutingBudget
        oracleWER = 1 - b.oracleCeiling
    }
}
