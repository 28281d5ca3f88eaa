import EBJRRouting
import Foundation

/// The report section of the cascades (`report.md`, "Cascades"): per cascade spec, every configuration with its
/// validation target and test realisation, the configuration chosen on validation and by how much it beats the
/// next one, and for every model whether the best configuration using it beats the best one without it (does a
/// middle stage or a specialist pay for itself?).
public enum CascadeReport {
    /// The Markdown section, or "" when there are no cascades.
    public static func markdown(_ cascades: [CascadeEvaluation]) -> String {
        guard !cascades.isEmpty else { return "" }
        var md = "## Cascades (thresholds chosen jointly on validation)\n\n"
        md += "Each stage answers a sample when the sample is eligible there and its score passes the stage's threshold, "
            + "otherwise passes it on; the deep model answers the rest. Relative cost = Σ over stages of (fraction reaching "
            + "the stage × its FLOPs) / deep FLOPs. Members joined by + run side by side; each sample goes to the one with "
            + "the lowest score. Thresholds are chosen jointly on validation over a quantile grid (cheapest setting within "
            + "the tolerance of deep), then applied once to test.\n\n"
        for cascade in cascades { md += section(cascade) }
        return md
    }

    /// One verdict: the best configuration using `model` against the best without it (by validation cost).
    public struct Verdict: Sendable {
        public var model: String
        public var with: CascadeConfigurationResult
        public var without: CascadeConfigurationResult?
        /// Validation cost saved by using the model (positive = it pays for itself).
        public var validationSaving: Double? { without.map { $0.validation.relativeCost - with.validation.relativeCost } }
        public var testSaving: Double? { without.map { $0.test.relativeCost - with.test.relativeCost } }
    }

    /// For each model of the spec, the cheapest configuration (on validation) with it and without it.
    public static func verdicts(_ cascade: CascadeEvaluation) -> [Verdict] {
        let models = cascade.spec.stages.flatMap(\.members)
        func cheapest(_ list: [CascadeConfigurationResult]) -> CascadeConfigurationResult? {
            list.min { $0.validation.relativeCost < $1.validation.relativeCost
                || ($0.validation.relativeCost == $1.validation.relativeCost && $0.validation.accuracy > $1.validation.accuracy) }
        }
        return models.compactMap { model in
            let uses = { (c: CascadeConfigurationResult) in c.stages.contains { $0.members.contains(model) } }
            guard let with = cheapest(cascade.configurations.filter(uses)) else { return nil }
            return Verdict(model: model, with: with, without: cheapest(cascade.configurations.filter { !uses($0) }))
        }
    }

    static func section(_ cascade: CascadeEvaluation) -> String {
        let deep = cascade.deepName
        var md = "### Cascade `\(cascade.spec.name)` — within \(String(format: "%.2f", cascade.accuracyTolerance * 100)) pp of deep, "
            + "\(cascade.spec.steps) quantile steps per stage\n\n"
        md += "| configuration | scores | val A | val Δ | val cost | test A | test Δ | test cost | test answered by each stage |\n"
        md += "|---|---|---|---|---|---|---|---|---|\n"
        let order = cascade.configurations.indices.sorted {
            cascade.configurations[$0].validation.relativeCost < cascade.configurations[$1].validation.relativeCost
        }
        let winner = cascade.winnerIndex
        for i in order {
            let c = cascade.configurations[i]
            let name = "`\(c.label(deep: deep))`" + (i == winner ? " **(chosen)**" : "")
            md += "| \(name) | \(c.stages.map { "\($0.score)" }.joined(separator: ", ")) | \(pct(c.validation.accuracy)) | "
                + "\(signedPP(c.validation.deltaVersusDeep)) | \(three(c.validation.relativeCost)) | \(pct(c.test.accuracy)) | "
                + "\(signedPP(c.test.deltaVersusDeep)) | \(three(c.test.relativeCost)) | "
                + "\(c.test.answeredFractions.map(pct).joined(separator: " / ")) |\n"
        }
        let best = cascade.configurations[winner]
        md += "\n- Chosen on validation: `\(best.label(deep: deep))`, test relative cost **\(three(best.test.relativeCost))** "
            + "(Δ \(signedPP(best.test.deltaVersusDeep)) vs deep)"
        if let second = order.first(where: { $0 != winner }).map({ cascade.configurations[$0] }) {
            md += "; next: `\(second.label(deep: deep))` at \(three(second.validation.relativeCost)) on validation, "
                + "\(three(second.test.relativeCost)) on test (the choice saves \(three(second.validation.relativeCost - best.validation.relativeCost)) "
                + "on validation, \(three(second.test.relativeCost - best.test.relativeCost)) on test)"
        }
        md += ".\n"
        for v in verdicts(cascade) {
            guard let without = v.without, let saving = v.validationSaving, let testSaving = v.testSaving else { continue }
            md += "- `\(v.model)` \(saving > 0 ? "pays for itself" : "does not pay for itself"): best with it "
                + "`\(v.with.label(deep: deep))` \(three(v.with.validation.relativeCost)) (test \(three(v.with.test.relativeCost))), "
                + "best without it `\(without.label(deep: deep))` \(three(without.validation.relativeCost)) "
                + "(test \(three(without.test.relativeCost))): saving \(three(saving)) on validation, \(three(testSaving)) on test.\n"
        }
        return md + "\n"
    }

    private static func pct(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }
    private static func signedPP(_ x: Double) -> String { String(format: "%+.2f pp", 100 * x) }
    private static func three(_ x: Double) -> String { String(format: "%.3f", x) }
}
