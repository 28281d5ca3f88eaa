import Foundation

/// Renders a `CoverageResult` as `coverage.md`: per side model and operating point, how often the realised test
/// loss exceeded `ε` over the re-partitions, and the cost of the guarantee against the plain validation point.
public enum CoverageReport {
    public static func render(_ result: CoverageResult) -> String {
        let r = result.settings.repartitions
        var md = "# Guarantee coverage\n\n"
        md += "The \(result.pooledCount) held-out samples (validation + test) were split \(r) times at random (seeds "
            + "\(result.settings.seed)…\(result.settings.seed + UInt64(r) - 1)) into \(result.validationCount) validation and "
            + "\(result.pooledCount - result.validationCount) test samples. Each time, every operating point below was chosen on the "
            + "validation half as the cheapest of the m = \(result.familySize) deployable scores (learned routers refitted), and "
            + "realised once on the test half. An *exceedance* is a re-partition whose test loss A_D − A_joint is above "
            + "ε = \(String(format: "%.2f", 100 * result.epsilon)) pp. The promise \"with probability ≥ 1 − δ\" (δ = \(result.delta)) is "
            + "kept when the exceedance rate is ≤ δ + one binomial standard error √(δ(1 − δ)/R) = "
            + "\(String(format: "%.3f", result.delta + result.standardError)).\n\n"
        md += "| side model | operating point | exceedances | rate | promise kept | mean test loss (pp) | max test loss (pp) | mean relative cost | cost vs plain |\n"
        md += "|---|---|---|---|---|---|---|---|---|\n"
        for side in result.sideModels {
            let plainCost = side.meanCost(.plain)
            for variant in CoverageVariant.allCases {
                let k = side.exceedances(variant, epsilon: result.epsilon)
                let loss = side.loss(variant)
                let promise: String
                switch variant {
                case .plain: promise = "no promise"
                case .guaranteed, .uncorrected: promise = result.keepsPromise(exceedances: k, trials: side.trials.count) ? "yes" : "**no**"
                }
                md += "| \(cell(side.name)) | \(variant.label) | \(k) / \(side.trials.count) | "
                    + String(format: "%.3f", Double(k) / Double(max(1, side.trials.count))) + " | \(promise) | "
                    + String(format: "%+.2f | %+.2f | %.3f | %+.3f", 100 * loss.mean, 100 * loss.max, side.meanCost(variant),
                             side.meanCost(variant) - plainCost) + " |\n"
            }
        }
        md += "\nScores picked (guaranteed, Bonferroni), by side model: "
        md += result.sideModels.map { side in
            let counts = Dictionary(grouping: side.trials.map { $0.guaranteed.score.description }, by: { $0 }).mapValues(\.count)
            return "`\(cell(side.name))`: " + counts.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        }.joined(separator: "; ") + ".\n"
        return md
    }

    private static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
