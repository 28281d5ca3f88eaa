/// Decides, per sample, whether the side model's answer is kept (accepted) or the sample is routed to the deep
/// model: accept iff the design allows it (see `SubsetRouting`) and `rule.accepts(score)`.
public struct Router: Hashable, Sendable {
    public var score: Score
    public var rule: ThresholdRule
    /// nil for a general side model.
    public var subsetRouting: SubsetRouting?

    public init(score: Score, rule: ThresholdRule, subsetRouting: SubsetRouting? = nil) {
        self.score = score
        self.rule = rule
        self.subsetRouting = subsetRouting
    }

    /// Routes a batch. `labels` are needed only by the oracle score.
    public func route(_ side: Logits, labels: [Int]? = nil) throws -> RoutingDecision {
        let scored = try ScoredSamples(side: side, score: score, subsetRouting: subsetRouting, labels: labels)
        return RoutingDecision(scored: scored, isAccepted: scored.accepted(by: rule))
    }
}

/// The outcome of routing a batch.
public struct RoutingDecision: Sendable, Equatable {
    /// Scores, global side predictions and eligibility.
    public let scored: ScoredSamples
    /// `true` = keep the side model's answer, `false` = route to the deep model.
    public let isAccepted: [Bool]

    public init(scored: ScoredSamples, isAccepted: [Bool]) {
        precondition(scored.count == isAccepted.count, "RoutingDecision: \(scored.count) scores, \(isAccepted.count) decisions")
        self.scored = scored
        self.isAccepted = isAccepted
    }

    /// The side model's predictions as global class ids.
    public var sidePredictions: [Int] { scored.predictions }
    /// Indices of accepted samples, ascending.
    public var acceptedIndices: [Int] { isAccepted.indices.filter { isAccepted[$0] } }
    /// Indices of routed samples, ascending.
    public var routedIndices: [Int] { isAccepted.indices.filter { !isAccepted[$0] } }
    /// The acceptance rate `q` (0 for an empty batch).
    public var acceptance: Double {
        isAccepted.isEmpty ? 0 : Double(isAccepted.lazy.filter { $0 }.count) / Double(isAccepted.count)
    }
}
