import EBJRRouting
import Foundation

/// Which side models of an evaluation came from a side-model sweep (recipe section `side_sweep`), and with
/// which settings. The figures themselves are the side models' ordinary evaluations.
public struct SideSweepSummary: Hashable, Sendable, Codable {
    public struct Variant: Hashable, Sendable, Codable {
        /// The side model's name in the evaluation.
        public var name: String
        /// Hidden layer widths (e.g. `[64]` for 784-64-10).
        public var hidden: [Int]
        /// Distillation temperature and weight; nil when trained on labels only.
        public var temperature: Double?
        public var alpha: Double?
        public init(name: String, hidden: [Int], temperature: Double?, alpha: Double?) {
            self.name = name
            self.hidden = hidden
            self.temperature = temperature
            self.alpha = alpha
        }
    }

    /// The training recipe the variants were derived from.
    public var baseRecipe: String
    public var variants: [Variant]
    public init(baseRecipe: String, variants: [Variant]) {
        self.baseRecipe = baseRecipe
        self.variants = variants
    }
}

/// One sweep variant at the accuracy-tolerance criterion: its cheapest (on validation) deployable score.
public struct SideSweepRow: Sendable {
    public var variant: SideSweepSummary.Variant
    public var side: SideModelEvaluation
    public var score: Score
    public var point: OperatingPointEvaluation
}

/// The sweep's ranking: total cost (side FLOPs included) at "within δ_acc of deep", chosen on validation.
public enum SideSweepReport {
    /// One row per variant found in the result (the first accuracy-tolerance criterion; nil without one).
    public static func rows(_ result: EvaluationResult) -> (tolerance: Double, rows: [SideSweepRow])? {
        guard let sweep = result.sideSweep else { return nil }
        guard let criterion = result.settings.criteria.first(where: { if case .accuracyTolerance = $0 { true } else { false } }),
              case let .accuracyTolerance(tolerance) = criterion else { return nil }
        let rows = sweep.variants.compactMap { variant -> SideSweepRow? in
            guard let side = result.sideModels.first(where: { $0.name == variant.name }) else { return nil }
            var best: SideSweepRow?
            for s in side.scores where !s.score.isReference {
                guard let p = s.operatingPoints.first(where: { $0.criterion == criterion }) else { continue }
                if best == nil || p.validation.relativeCost < best!.point.validation.relativeCost {
                    best = SideSweepRow(variant: variant, side: side, score: s.score, point: p)
                }
            }
            return best
        }
        return (tolerance, rows)
    }

    /// The row minimising validation total cost (ties: fewer FLOPs), and the most accurate side model (validation).
    public static func winners(_ rows: [SideSweepRow]) -> (cheapest: SideSweepRow, mostAccurate: SideSweepRow)? {
        guard let cheapest = rows.min(by: {
            $0.point.validation.relativeCost < $1.point.validation.relativeCost
                || ($0.point.validation.relativeCost == $1.point.validation.relativeCost && $0.side.flops < $1.side.flops)
        }), let accurate = rows.max(by: { $0.side.accuracy.validation < $1.side.accuracy.validation }) else { return nil }
        return (cheapest, accurate)
    }

    /// The Markdown section, or "" without a sweep.
    public static func markdown(_ result: EvaluationResult) -> String {
        guard let (tolerance, rows) = rows(result), let (cheapest, accurate) = winners(rows) else { return "" }
        var md = "## Side-model sweep: total cost within \(String(format: "%.2f", tolerance * 100)) pp of deep\n\n"
        md += "Variants of `\(result.sideSweep!.baseRecipe)`. Relative cost includes the side model's own FLOPs on every "
            + "sample; each variant uses its cheapest deployable score on validation; the ranking is by validation cost.\n\n"
        md += "| side model | hidden | T | α | FLOPs (× deep) | side accuracy val / test | score | val cost | test cost | test Δ |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|\n"
        for row in rows.sorted(by: { $0.point.validation.relativeCost < $1.point.validation.relativeCost }) {
            let v = row.variant, t = row.point.test
            md += "| `\(v.name)`\(row.variant.name == cheapest.variant.name ? " **(cheapest)**" : "") | "
                + "\(v.hidden.map(String.init).joined(separator: "-")) | \(v.temperature.map { String(format: "%g", $0) } ?? "—") | "
                + "\(v.alpha.map { String(format: "%g", $0) } ?? "—") | \(String(format: "%.4f", row.side.flops / result.deep.flops)) | "
                + String(format: "%.2f%% / %.2f%%", row.side.accuracy.validation * 100, row.side.accuracy.test * 100)
                + " | \(row.score) | \(String(format: "%.3f", row.point.validation.relativeCost)) | "
                + "\(String(format: "%.3f", t.relativeCost)) | \(String(format: "%+.2f pp", (t.measuredJointAccuracy - t.statistics.deepAccuracy) * 100)) |\n"
        }
        md += "\n- Minimises total cost: **`\(cheapest.variant.name)`** (\(cheapest.score)), validation "
            + String(format: "%.3f, test %.3f", cheapest.point.validation.relativeCost, cheapest.point.test.relativeCost) + ".\n"
        md += "- Most accurate side model: `\(accurate.variant.name)` (validation "
            + String(format: "%.2f%%", accurate.side.accuracy.validation * 100) + "), total cost "
            + String(format: "%.3f on validation, %.3f on test", accurate.point.validation.relativeCost, accurate.point.test.relativeCost)
            + (accurate.variant.name == cheapest.variant.name ? " — the same model.\n\n" : ".\n\n")
        return md
    }
}
