import Foundation
import EBJRRouting
import EBJREvaluation

/// A short terminal table of an evaluation: for each side model, the cheapest score at each criterion chosen
/// on validation, with its realised test figures.
public enum EvaluationSummary {
    public static func render(_ result: EvaluationResult) throws -> String {
        var lines = [String(format: "%@ — deep %@: validation %.2f%%, test %.2f%%", result.title, result.deep.name,
                            result.deep.accuracy.validation * 100, result.deep.accuracy.test * 100)]
        lines.append("side model | criterion | best score | val loss | test loss | test relative cost | test answered by side | bound check")
        for side in result.sideModels {
            var byCriterion: [String: (Score, OperatingPointEvaluation)] = [:]
            var order: [String] = []
            for s in side.scores where !s.score.isReference {
                for p in s.operatingPoints {
                    let key = "\(p.criterion)"
                    if byCriterion[key] == nil { order.append(key) }
                    if byCriterion[key] == nil || p.validation.relativeCost < byCriterion[key]!.1.validation.relativeCost {
                        byCriterion[key] = (s.score, p)
                    }
                }
            }
            for key in order {
                guard let (score, p) = byCriterion[key] else { continue }
                let valLoss = result.deep.accuracy.validation - p.validation.measuredJointAccuracy
                let testLoss = result.deep.accuracy.test - p.test.measuredJointAccuracy
                lines.append(String(format: "%@ | %@ | %@ | %+.2f pp | %+.2f pp | %.3f | %.1f%% | %@", side.name, key, "\(score)",
                                    valLoss * 100, testLoss * 100, p.test.relativeCost, p.test.statistics.acceptance * 100,
                                    p.test.flags.isEmpty ? "ok" : "\(p.test.flags.count) flagged"))
            }
        }
        lines += CascadeSummary.lines(result)
        return lines.joined(separator: "\n")
    }
}
