import EBJRDeferral
import EBJRRouting

/// The routing rule in force: the score, its threshold (accept iff `score(z) ≤ τ`, docs/method.md §3) and the
/// subset routing of a specialized side model, with where it came from and, when it came from an evaluation
/// report, what it did on validation.
public struct ServingRule: Sendable {
    public var router: Router
    /// Where the rule came from, e.g. `runs/fmnist-ebjr/report.json: footwear-other-class, target acceptance 50%`
    /// or `command line`.
    public var source: String
    /// Validation figures of the operating point (nil for a rule given on the command line).
    public var validation: ValidationFigures?

    /// What the operating point did on the validation split.
    public struct ValidationFigures: Sendable, Equatable {
        /// Fraction of samples the side model keeps, `q`.
        public var acceptance: Double
        /// `A_D − A_joint` on validation.
        public var accuracyLoss: Double
        /// Joint accuracy on validation.
        public var jointAccuracy: Double
        /// `(C_S + (1 − q)·C_D) / C_D`.
        public var relativeCost: Double
    }

    /// For a learned score: the trained router whose `g(x)` is the score (`router.score` only names it).
    public var deferral: DeferralRouter?

    public init(router: Router, source: String, validation: ValidationFigures? = nil, deferral: DeferralRouter? = nil) {
        self.router = router
        self.source = source
        self.validation = validation
        self.deferral = deferral
    }

    /// Scores and decisions for a batch of side-model logits: `router.route` for a closed-form score; for a learned
    /// score `g(x)` of the deferral router on the side model's features, with predictions and eligibility as the
    /// subset routing says — exactly what the evaluation computed when it chose τ.
    public func route(_ side: Logits) throws -> RoutingDecision {
        guard let deferral else { return try router.route(side) }
        let base = try ScoredSamples(side: side, score: .margin, subsetRouting: router.subsetRouting)
        let scores = try deferral.probabilities(side: side, subsetRouting: router.subsetRouting)
        let scored = try ScoredSamples(scores: scores, predictions: base.predictions, isEligible: base.isEligible)
        return RoutingDecision(scored: scored, isAccepted: scored.accepted(by: router.rule))
    }

    /// One line for `--help` and the startup log, e.g.
    /// `energy T=1 ≤ -3.76 (other-class over [5, 7, 9]) from …; validation: accepts 29.6%, accuracy loss 0.75 pp`.
    public var summary: String {
        var line = "accept iff \(router.score) ≤ \(router.rule.tau)"
        if let routing = router.subsetRouting {
            line += " (\(routing.designName) side model over classes \(routing.subset))"
        }
        line += ", from \(source)"
        if let v = validation {
            line += "; validation: side answers \(Self.percent(v.acceptance)), expected accuracy loss \(Self.points(v.accuracyLoss)) pp"
                + ", joint accuracy \(Self.percent(v.jointAccuracy)), relative cost \(Self.fixed(v.relativeCost, 3))"
        }
        return line
    }

    static func percent(_ x: Double) -> String { fixed(x * 100, 2) + "%" }
    static func points(_ x: Double) -> String { fixed(x * 100, 2) }
    static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        return "\(r)"
    }
}
