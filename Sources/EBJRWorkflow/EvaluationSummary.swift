import Foundation
import EBJRRouting
import EBJREvaluation

/// The terminal summary of an evaluation, in the report's sign convention: the headline (the recommended point per
/// workload mix, with its guarantee and warnings), then per side model the point it would use at each criterion.
public enum EvaluationSummary {
    /// - Parameter headline: print the recommendation block (the top report has every mix; mix reports repeat it).
    public static func render(_ result: EvaluationResult, headline: Bool = true) throws -> String {
        var lines = [String(format: "%@ — deep %@: validation %.2f%%, test %.2f%%", result.title, result.deep.name,
                            result.deep.accuracy.validation * 100, result.deep.accuracy.test * 100)]
        if headline, let block = result.recommendation {
            lines.append(block.conventions)
            lines.append("Recommendation (\(block.criterion)):")
            for mix in block.mixes {
                guard let p = mix.point else {
                    lines.append("  \(mix.label): no deployable score")
                    continue
                }
                let parts: [String] = [
                    "  \(mix.label): \(p.sideModel) (\(p.design)), \(p.score), τ = \(Format.threshold(p.threshold)); ",
                    "cost \(Format.fixed(p.expected.relativeCost, 3)) → \(Format.fixed(p.realised.relativeCost, 3)), ",
                    "Δ \(Format.signedPP(p.expected.accuracyChange)) → \(Format.signedPP(p.realised.accuracyChange)) (expected → realised)",
                ]
                var line = parts.joined()
                if let g = p.guarantee { line += "; guarantee \(g.held ? "held" : "NOT held") on test" }
                lines.append(line)
                for w in mix.warnings { lines.append("    warning (\(w.kind.rawValue)): \(w.message)") }
            }
        }
        lines.append("side model | criterion | chosen score | τ | Δ val | Δ test | test cost | test kept | flags")
        for side in result.sideModels {
            for criterion in result.settings.criteria {
                guard let c = Recommender.chosen(side, criterion: criterion) else { continue }
                let v = c.point.validation, t = c.point.test
                let cells: [String] = [
                    side.name, "\(criterion)", "\(c.score.score)", Format.threshold(c.threshold),
                    Format.signedPP(v.measuredJointAccuracy - v.statistics.deepAccuracy),
                    Format.signedPP(t.measuredJointAccuracy - t.statistics.deepAccuracy), Format.fixed(t.relativeCost, 3),
                    Format.percent(t.statistics.acceptance, digits: 1), "\(v.flags.count + t.flags.count)",
                ]
                lines.append(cells.joined(separator: " | "))
            }
        }
        lines += CascadeSummary.lines(result)
        return lines.joined(separator: "\n")
    }
}
