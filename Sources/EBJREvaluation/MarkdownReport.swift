import EBJRRouting
import Foundation

/// Renders `report.md`, answer first: the recommended operating point per workload mix (with the guarantee and
/// whether test kept it), general vs specialized in one sentence, the warnings, then one compact table of the
/// point each side model would use at each criterion (★ = recommended). Every other table is in `appendix.md`
/// (`AppendixReport`) and `operating-points.csv`; the report stays well under 400 lines.
public enum MarkdownReport {
    /// - Parameters:
    ///   - plots: SVG file names by side model name, and under "" the overview plots (shown here; per-model plots
    ///     are linked).
    ///   - mixLinks: the recommendation block's report paths as seen from this file (the block stores them
    ///     relative to the top folder); defaults to the block's own paths.
    public static func render(_ result: EvaluationResult, plots: [String: [String]] = [:], mixLinks: [String: String] = [:]) -> String {
        typealias T = AppendixReport
        var md = "# \(result.title)\n\n"
        md += "**How to read.** \(RecommendationBlock.conventions) Thresholds are chosen on the validation split only and "
            + "applied once to the test split: *expected* = validation, *realised* = test.\n\n"
        if let manifest = result.manifest { md += "Provenance: \(manifest.summary) — `manifest` in report.json.\n\n" }
        md += "## Recommendation\n\n"
        let block = result.recommendation
        if let block, !block.mixes.isEmpty {
            md += "Criterion: \(T.cell(block.criterion.description)); among deployable scores, the cheapest point on validation.\n\n"
            md += "| mix | side model | score | τ | kept | cost expected → realised | Δ expected → realised | guarantee held on test |\n"
            md += "|---|---|---|---|---|---|---|---|\n"
            for mix in block.mixes {
                let link = "[\(mix.label)](\(mixLinks[mix.key] ?? mix.report))"
                guard let p = mix.point else {
                    md += "| \(link) | — | — | — | — | — | — | — |\n"
                    continue
                }
                let held: String = p.guarantee.map { $0.held ? "yes" : "**no**" } ?? "— (no guarantee)"
                let cells: [String] = [
                    link, "`\(T.cell(p.sideModel))` (\(p.design))", "\(p.score)", Format.threshold(p.threshold),
                    Format.percent(p.realised.acceptance, digits: 1),
                    "\(Format.fixed(p.expected.relativeCost, 3)) → \(Format.fixed(p.realised.relativeCost, 3))",
                    "\(Format.signedPP(p.expected.accuracyChange)) → \(Format.signedPP(p.realised.accuracyChange))", held,
                ]
                md += "| " + cells.joined(separator: " | ") + " |\n"
            }
            md += "\n"
            for mix in block.mixes { md += headline(mix, result: result) }
            let warnings = block.mixes.flatMap { mix in mix.warnings.map { (mix.label, $0) } }
            md += "### Warnings\n\n"
            if warnings.isEmpty {
                md += "None: no bound violated, no inverted score, and the test split confirms the tolerance.\n\n"
            } else {
                for (label, w) in warnings { md += "- **\(w.kind.rawValue)** (\(label)): \(w.message)\n" }
                md += "\n"
            }
        } else {
            md += "No recommendation (no deployable score was evaluated).\n\n"
        }

        md += chosenTable(result)
        md += SideSweepReport.markdown(result) + CascadeReport.markdown(result.cascades ?? [])

        let d = result.deep
        md += "## Models and data\n\n"
        md += "- Deep model `\(T.cell(d.name))`: \(T.flops(d.flops)) FLOPs/sample; accuracy validation \(T.pct(d.accuracy.validation)) "
            + "(n = \(d.sampleCount.validation)), test \(T.pct(d.accuracy.test)) ± \(T.pct(d.testAccuracyStandardError)) "
            + "(n = \(d.sampleCount.test); ± is the standard error of A_D, which every comparison with it inherits).\n"
        for side in result.sideModels {
            md += "- Side model `\(T.cell(side.name))` (\(side.kind)): \(T.flops(side.flops)) FLOPs/sample "
                + "(\(Format.fixed(side.flops / d.flops, 4)) of the deep model), alone: test accuracy \(T.pct(side.accuracy.test))"
                + (side.inSubsetShare.map { ", in-subset share π = \(T.pct($0.test))" } ?? "") + ".\n"
        }
        for note in result.notes { md += "- \(note)\n" }
        md += "\n"

        md += "## Plots\n\n"
        for file in plots[""] ?? [] { md += "![\(file)](\(file))\n\n" }
        let perModel = result.sideModels.compactMap { side -> String? in
            guard let files = plots[side.name], !files.isEmpty else { return nil }
            return "- `\(T.cell(side.name))`: " + files.prefix(2).map { "[\($0)](\($0))" }.joined(separator: ", ")
                + (files.count > 2 ? " (+\(files.count - 2) score histograms, linked in the appendix)" : "")
        }
        md += perModel.joined(separator: "\n") + (perModel.isEmpty ? "" : "\n\n")
        md += "## Everything else\n\n"
        md += "- [appendix.md](appendix.md): every score at every criterion, bounds, finite-sample selections, flags.\n"
        md += "- [operating-points.csv](operating-points.csv): every operating point on both splits; "
            + "[curves.csv](curves.csv): the trade-off curves.\n"
        md += "- `report.json`: all of it, with the `recommendation` block; `ebjr export router <this folder> --mix <key>` "
            + "writes the recommended point as ONNX models and `router.json`.\n"
        return md
    }

    /// The paragraph of one mix: the point in words, the guarantee, general vs specialized.
    static func headline(_ mix: MixRecommendation, result: EvaluationResult) -> String {
        var md = "**\(mix.label.prefix(1).uppercased() + mix.label.dropFirst()).** "
        guard let p = mix.point else { return md + "No deployable score.\n\n" }
        if p.threshold == nil {
            md += "No side model meets the criterion on validation: send every sample to the deep model (cost 1, Δ ±0.00 pp). "
        } else {
            let parts: [String] = [
                "Use `\(AppendixReport.cell(p.sideModel))` (\(p.design)) with \(p.score), accept iff score ≤ τ = \(Format.threshold(p.threshold)). ",
                "Expected (validation, n = \(p.expected.sampleCount)): keeps \(Format.percent(p.expected.acceptance, digits: 1)), ",
                "cost \(Format.fixed(p.expected.relativeCost, 3)), Δ \(Format.signedPP(p.expected.accuracyChange)). ",
                "Realised (test, n = \(p.realised.sampleCount)): keeps \(Format.percent(p.realised.acceptance, digits: 1)), ",
                "cost \(Format.fixed(p.realised.relativeCost, 3)), Δ \(Format.signedPP(p.realised.accuracyChange)) ",
                "(95% interval \(Format.signedPP(p.realised.accuracyChangeInterval[0])) to ",
                "\(Format.signedPP(p.realised.accuracyChangeInterval[1]))). ",
            ]
            md += parts.joined()
        }
        if let g = p.guarantee {
            md += "Guarantee (\(g.kind), ε = \(Format.pp(g.epsilon)), δ = \(g.delta)): \(g.statement) — "
                + (g.held ? "held on test." : "**not held on test** (a violation has probability ≤ δ; see warnings).")
        }
        md += "\n\n"
        if let sentence = mix.generalVsSpecialized { md += "*General vs specialized:* \(sentence)\n\n" }
        return md
    }

    /// One row per side model × criterion: the best deployable score there, chosen on validation.
    static func chosenTable(_ result: EvaluationResult) -> String {
        typealias T = AppendixReport
        let recommended = result.recommendation?.mixes.first?.point
        var md = "## Chosen point per side model and criterion\n\n"
        md += "The best deployable score of each side model at each criterion, judged on validation (★ = recommended). "
            + "Kept, cost and Δ are realised on test.\n\n"
        md += "| side model | design | criterion | score | τ | kept | Δ expected | Δ realised | cost | AUROC side wrong | flags |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for side in result.sideModels {
            for criterion in result.settings.criteria {
                guard let c = Recommender.chosen(side, criterion: criterion) else { continue }
                let isRecommended = recommended.map { $0.sideModel == side.name && $0.criterion == criterion && $0.score == c.score.score } ?? false
                let v = c.point.validation, t = c.point.test
                let flags = v.flags.count + t.flags.count
                let cells: [String] = [
                    (isRecommended ? "★ " : "") + "`\(T.cell(side.name))`", side.kind, T.cell(criterion.description), "\(c.score.score)",
                    Format.threshold(c.threshold), Format.percent(t.statistics.acceptance, digits: 1),
                    Format.signedPP(v.measuredJointAccuracy - v.statistics.deepAccuracy),
                    Format.signedPP(t.measuredJointAccuracy - t.statistics.deepAccuracy), Format.fixed(t.relativeCost, 3),
                    T.opt(c.score.aurocSideWrong.validation, 3), flags == 0 ? "0" : "**\(flags)**",
                ]
                md += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return md + "\n"
    }
}
