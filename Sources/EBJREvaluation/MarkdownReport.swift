import EBJRRouting
import Foundation

/// Renders an `EvaluationResult` as `report.md`: a summary with general and specialized side models side by
/// side, then per side model its scores, operating points (validation target vs test realised), bounds,
/// guarantees, flags and plots.
public enum MarkdownReport {
    /// - Parameter plots: file names of the SVG plots, by side model name (linked under each side model), and
    ///   under the key "" for overview plots.
    public static func render(_ result: EvaluationResult, plots: [String: [String]] = [:]) -> String {
        var md = "# \(result.title)\n\n"
        md += "Schema version \(result.schemaVersion). Every threshold is chosen on the validation split and applied "
            + "unchanged, once, to the test split. Accuracies in %, differences in percentage points (pp); "
            + "Δ = A_joint − A_D (negative = the joint model loses accuracy against the deep model).\n\n"
        let d = result.deep
        md += "**Deep model** `\(cell(d.name))`: \(flops(d.flops)) FLOPs/sample; accuracy validation \(pct(d.accuracy.validation)) "
            + "(n = \(d.sampleCount.validation)), test \(pct(d.accuracy.test)) ± \(pct(d.testAccuracyStandardError)) "
            + "(n = \(d.sampleCount.test); ± is the standard error of A_D, which every bound against A_D inherits).\n\n"
        for note in result.notes { md += "- \(note)\n" }
        if !result.notes.isEmpty { md += "\n" }
        if let manifest = result.manifest { md += "Provenance: \(manifest.summary) — `manifest` in report.json.\n\n" }

        md += "## Summary (test): general and specialized side models side by side\n\n"
        for criterion in result.settings.criteria {
            md += "### \(cell(criterion.description))\n\n"
            md += "| side model | design | score | acceptance | routed | A_joint | Δ vs deep | relative cost | AUROC (side wrong) | AUROC (out of subset) | flags |\n"
            md += "|---|---|---|---|---|---|---|---|---|---|---|\n"
            for side in result.sideModels {
                for s in side.scores {
                    guard let t = s.operatingPoints.first(where: { $0.criterion == criterion })?.test else { continue }
                    md += "| \(cell(side.name)) | \(side.kind) | \(scoreLabel(s.score)) | \(pct(t.statistics.acceptance)) | "
                        + "\(pct(1 - t.statistics.acceptance)) | \(pct(t.measuredJointAccuracy)) | "
                        + "\(signedPoints(t.measuredJointAccuracy - t.statistics.deepAccuracy)) | \(fixed(t.relativeCost, 3)) | "
                        + "\(opt(s.aurocSideWrong.test, 3)) | \(opt(s.aurocOutOfSubset?.test ?? nil, 3)) | \(t.flags.count) |\n"
                }
            }
            md += "\n"
        }
        for file in plots[""] ?? [] { md += "![\(file)](\(file))\n\n" }

        for side in result.sideModels { md += sideSection(side, result: result, plots: plots[side.name] ?? []) }
        return md
    }

    private static func sideSection(_ side: SideModelEvaluation, result: EvaluationResult, plots: [String]) -> String {
        var md = "## Side model `\(cell(side.name))`\n\n"
        md += "- design: \(side.kind)"
        if let r = side.subsetRouting {
            md += ", subset \(r.subset.map(String.init).joined(separator: ", "))"
            if case let .otherClass(includesOther) = r.design {
                md += ", score over \(includesOther ? "all m + 1 outputs" : "the m subset outputs")"
            }
        }
        md += "\n- cost: \(flops(side.flops)) FLOPs/sample (\(fixed(side.flops / result.deep.flops, 4)) of the deep model)\n"
        md += "- side model alone: accuracy validation \(pct(side.accuracy.validation)), test \(pct(side.accuracy.test))\n"
        if let pi = side.inSubsetShare {
            md += "- in-subset share π: validation \(pct(pi.validation)), test \(pct(pi.test))\n"
        }
        if let a = side.inSubsetAccuracy {
            md += "- accuracy on in-subset samples (choosing among subset classes): validation \(opt(a.validation.map { 100 * $0 }, 2))%, "
                + "test \(opt(a.test.map { 100 * $0 }, 2))%\n"
        }
        md += "\n### Scores (monotonicity: AUROC of the score for \"side model wrong\"; 0.5 = chance)\n\n"
        md += "| score | AUROC wrong, val | AUROC wrong, test | AUROC out-of-subset, val | AUROC out-of-subset, test |\n|---|---|---|---|---|\n"
        for s in side.scores {
            md += "| \(scoreLabel(s.score)) | \(opt(s.aurocSideWrong.validation, 3)) | \(opt(s.aurocSideWrong.test, 3)) | "
                + "\(opt(s.aurocOutOfSubset?.validation ?? nil, 3)) | \(opt(s.aurocOutOfSubset?.test ?? nil, 3)) |\n"
        }

        md += "\n### Operating points (validation target → test realised)\n\n"
        md += "| score | criterion | τ (score ≤ τ) | t (paper: −score ≥ t) | val acceptance | val A_joint | val Δ | "
            + "test acceptance | test A_joint | test Δ | relative cost |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
        for s in side.scores {
            for p in s.operatingPoints {
                let acceptsNothing = p.rule.tau == ThresholdSweep.acceptNothingThreshold
                md += "| \(scoreLabel(s.score)) | \(cell(p.criterion.description)) | \(acceptsNothing ? "none (route all)" : sig(p.rule.tau)) | "
                    + "\(acceptsNothing ? "none (route all)" : sig(-p.rule.tau)) | "
                    + "\(pct(p.validation.statistics.acceptance)) | \(pct(p.validation.measuredJointAccuracy)) | "
                    + "\(signedPoints(p.validation.measuredJointAccuracy - p.validation.statistics.deepAccuracy)) | "
                    + "\(pct(p.test.statistics.acceptance)) | \(pct(p.test.measuredJointAccuracy)) | "
                    + "\(signedPoints(p.test.measuredJointAccuracy - p.test.statistics.deepAccuracy)) | \(fixed(p.test.relativeCost, 3)) |\n"
            }
        }

        md += "\n### Bounds on test (docs/method.md §8)\n\n"
        md += "Exact: A_joint = q·a_S + (1 − q)·a_D^routed. Knowing only A_D: q·a_S + max(0, A_D − q) ≤ A_joint ≤ q·a_S + min(1 − q, A_D); "
            + "loss ≤ q·(1 − a_S). Oracle: best accuracy of any router with the same routing budget, and at any cost.\n\n"
        md += "| score | criterion | q | a_S | a_D^acc | A_joint | identity | lower | upper | loss | loss ≤ | oracle @ budget | oracle ceiling | joint beats deep |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for s in side.scores {
            for p in s.operatingPoints {
                let t = p.test.statistics
                let b = p.test.bounds
                md += "| \(scoreLabel(s.score)) | \(cell(p.criterion.description)) | \(pct(t.acceptance)) | \(optPct(t.sideAccuracyAccepted)) | "
                    + "\(optPct(t.deepAccuracyAccepted)) | \(pct(p.test.measuredJointAccuracy)) | \(pct(b.jointAccuracyIdentity)) | "
                    + "\(pct(b.jointAccuracyLower)) | \(pct(b.jointAccuracyUpper)) | \(points(t.lossVersusDeep)) | \(points(b.lossUpper)) | "
                    + "\(pct(b.oracleAtRoutingBudget)) | \(pct(b.oracleCeiling)) | \(t.jointBeatsDeep ? "yes" : "no") |\n"
            }
        }
        if side.subsetRouting != nil {
            md += "\nSpecialized terms (test): q = π·r + (1 − π)·f; every out-of-subset acceptance is an error, so a_S ≤ π·r/q; "
                + "A_joint ≤ A_D − (1 − π)·f·a_D^{out,acc} + π·r·(1 − a_D^{in,acc}).\n\n"
            md += "| score | criterion | π | r | f | π·r + (1 − π)·f | a_S | π·r/q | a_S on accepted in-subset | out-of-subset loss (pp) | A_joint | A_joint ≤ |\n"
            md += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            for s in side.scores {
                for p in s.operatingPoints {
                    guard let b = p.test.bounds.subset, let t = p.test.statistics.subset else { continue }
                    md += "| \(scoreLabel(s.score)) | \(cell(p.criterion.description)) | \(pct(b.inSubsetShare)) | \(pct(b.inSubsetAcceptance)) | "
                        + "\(pct(b.outOfSubsetAcceptance)) | \(pct(b.acceptanceIdentity)) | \(optPct(p.test.statistics.sideAccuracyAccepted)) | "
                        + "\(pct(b.sideAccuracyAcceptedUpper)) | \(optPct(t.sideAccuracyAcceptedInSubset)) | \(points(b.outOfSubsetLoss)) | "
                        + "\(pct(p.test.measuredJointAccuracy)) | \(pct(b.jointAccuracyUpper)) |\n"
                }
            }
        }

        let guaranteed = side.scores.flatMap { s in s.operatingPoints.compactMap { p in p.selection.map { (s, p, $0) } } }
        if !guaranteed.isEmpty {
            md += "\n### Finite-sample selections: validation bound vs realised test loss\n\n"
            md += "*harmful-rate* (Learn-Then-Test, docs/method.md §7): with probability ≥ 1 − δ, A_D − A_joint ≤ ε. "
                + "*selective-risk* is the **weaker promise**: it bounds only the side model's error among accepted samples, "
                + "not the joint model's loss.\n\n"
            md += "| score | kind | ε | δ | thresholds tested | val harmful | val upper bound | val acceptance | test loss (pp) | test side error on accepted | promise kept on test |\n"
            md += "|---|---|---|---|---|---|---|---|---|---|---|\n"
            for (s, p, g) in guaranteed {
                let testLoss = p.test.statistics.deepAccuracy - p.test.measuredJointAccuracy
                let testSelectiveRisk = p.test.statistics.sideAccuracyAccepted.map { 1 - $0 }
                let kept: Bool
                switch g.kind {
                case .harmfulRate: kept = testLoss <= g.epsilon + 1e-12
                case .selectiveRisk: kept = (testSelectiveRisk ?? 0) <= g.epsilon + 1e-12
                }
                md += "| \(scoreLabel(s.score)) | \(g.kind.rawValue) | \(sig(g.epsilon)) | \(sig(g.delta)) | \(g.testedCount) | "
                    + "\(g.point.harmfulCount) / \(g.point.sampleCount) | \(sig(g.upperBound)) | \(pct(g.point.acceptance)) | "
                    + "\(points(testLoss)) | \(optPct(testSelectiveRisk)) | \(kept ? "yes" : "**no**") |\n"
            }
        }

        md += "\n### Flags (measured values outside their bounds)\n\n"
        var flagLines: [String] = []
        for s in side.scores {
            for p in s.operatingPoints {
                for (split, point) in [("validation", p.validation), ("test", p.test)] {
                    for flag in point.flags {
                        flagLines.append("- \(scoreLabel(s.score)), \(cell(p.criterion.description)), \(split): \(flag.description)")
                    }
                }
            }
        }
        md += flagLines.isEmpty ? "No measured value lies outside its bound.\n" : flagLines.joined(separator: "\n") + "\n"
        if !plots.isEmpty {
            md += "\n### Plots\n\n"
            for file in plots { md += "![\(file)](\(file))\n\n" }
        }
        return md + "\n"
    }

    static func scoreLabel(_ score: Score) -> String {
        score.isReference ? "*\(score.description)* (reference)" : score.description
    }

    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func pct(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }
    static func optPct(_ x: Double?) -> String { x.map(pct) ?? "—" }
    static func points(_ x: Double) -> String { String(format: "%.2f", 100 * x) }
    static func signedPoints(_ x: Double) -> String { String(format: "%+.2f pp", 100 * x) }
    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    static func opt(_ x: Double?, _ digits: Int) -> String { x.map { fixed($0, digits) } ?? "—" }
    static func sig(_ x: Double) -> String { String(format: "%.5g", x) }
    static func flops(_ x: Double) -> String {
        x >= 1e6 ? String(format: "%.3g M", x / 1e6) : x >= 1e3 ? String(format: "%.3g k", x / 1e3) : String(format: "%.0f", x)
    }
}
