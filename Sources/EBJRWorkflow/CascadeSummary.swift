import Foundation
import EBJREvaluation

/// Terminal lines for the cascades and the side-model sweep of an evaluation (the report has the full tables).
enum CascadeSummary {
    static func lines(_ result: EvaluationResult) -> [String] {
        var lines: [String] = []
        if let (_, rows) = SideSweepReport.rows(result), let (cheapest, accurate) = SideSweepReport.winners(rows) {
            lines.append(String(format: "side sweep: cheapest %@ (%@) validation cost %.3f, test %.3f; most accurate %@ test cost %.3f",
                                cheapest.variant.name, "\(cheapest.score)", cheapest.point.validation.relativeCost,
                                cheapest.point.test.relativeCost, accurate.variant.name, accurate.point.test.relativeCost))
        }
        for cascade in result.cascades ?? [] {
            let order = cascade.configurations.indices.sorted {
                cascade.configurations[$0].validation.relativeCost < cascade.configurations[$1].validation.relativeCost
            }
            lines.append("cascade \(cascade.spec.name) | configuration | val cost | val Δ | test cost | test Δ")
            for i in order {
                let c = cascade.configurations[i]
                lines.append(String(format: "  %@%@ | %.3f | %+.2f pp | %.3f | %+.2f pp", c.label(deep: cascade.deepName),
                                    i == cascade.winnerIndex ? " (chosen)" : "", c.validation.relativeCost,
                                    c.validation.deltaVersusDeep * 100, c.test.relativeCost, c.test.deltaVersusDeep * 100))
            }
        }
        return lines
    }
}
