/// A cascade of models (docs/cascades.md): stages `0 … S−1` each may answer a sample, the final model answers
/// whatever reaches it. Stage `s` runs on every sample that reaches it and answers it when the sample is
/// eligible there and its score passes the threshold; otherwise the sample moves on to stage `s + 1`.
///
/// A stage holds one model or several run side by side (several specialists): each sample is handed to the
/// member with the **lowest** score among the members eligible for it (ties: the first member), and that
/// member's own threshold decides. A stage costs the sum of its members' FLOPs on every sample it sees.
///
/// With `reach_s` the number of the `n` samples that reach stage `s` (`reach_0 = n`) and `C_s` its FLOPs,
/// `C_final` the final model's:
///
///     relative cost = (Σ_s reach_s · C_s + reach_final · C_final) / (n · C_final)
///
/// A two-stage cascade with one member is exactly the side/deep joint model of `CostModel`.
public struct Cascade: Sendable {
    /// One model of a stage: its scored outputs on the split (global predictions, eligibility, score).
    public struct Member: Sendable {
        public var name: String
        public var scored: ScoredSamples
        public init(name: String, scored: ScoredSamples) {
            self.name = name
            self.scored = scored
        }
    }

    /// One stage: the members run side by side and their summed FLOPs per sample.
    public struct Stage: Sendable {
        public var members: [Member]
        public var flops: Double
        public init(members: [Member], flops: Double) {
            self.members = members
            self.flops = flops
        }
    }

    public let stages: [Stage]
    /// The final model's predictions (global class ids) on every sample.
    public let finalPredictions: [Int]
    public let finalFLOPs: Double

    /// - Throws: `RoutingError` when there is no stage, a stage has no member, lengths differ, or a cost is
    ///   negative, not finite, or (final model) zero.
    public init(stages: [Stage], finalPredictions: [Int], finalFLOPs: Double) throws {
        guard !stages.isEmpty else { throw RoutingError.empty(what: "cascade stages before the final model") }
        let n = finalPredictions.count
        guard n > 0 else { throw RoutingError.empty(what: "cascade final predictions") }
        for (s, stage) in stages.enumerated() {
            guard !stage.members.isEmpty else { throw RoutingError.empty(what: "cascade stage \(s) members") }
            guard stage.flops >= 0, stage.flops.isFinite else {
                throw RoutingError.invalidParameter(name: "FLOPs of cascade stage \(s)", value: stage.flops, requirement: "finite and ≥ 0")
            }
            for member in stage.members where member.scored.count != n {
                throw RoutingError.lengthMismatch(what: "cascade stage \(s) member \(member.name) vs final predictions",
                                                  expected: n, actual: member.scored.count)
            }
        }
        guard finalFLOPs > 0, finalFLOPs.isFinite else {
            throw RoutingError.invalidParameter(name: "final model FLOPs", value: finalFLOPs, requirement: "finite and > 0")
        }
        self.stages = stages
        self.finalPredictions = finalPredictions
        self.finalFLOPs = finalFLOPs
    }

    /// The number of samples.
    public var count: Int { finalPredictions.count }

    /// The member each sample is handed to at stage `s`: the eligible member with the lowest score (first on
    /// ties), or nil when no member is eligible (the sample cannot be answered at that stage).
    public func assignment(stage s: Int) -> [Int?] {
        let members = stages[s].members
        return (0..<count).map { i in
            var best: Int?
            for (m, member) in members.enumerated() where member.scored.isEligible[i] {
                if best == nil || member.scored.scores[i] < members[best!].scored.scores[i] { best = m }
            }
            return best
        }
    }

    /// Routes every sample with one threshold per member (`thresholds[s][m]`, accept iff score ≤ τ).
    /// - Throws: `RoutingError.lengthMismatch` when the thresholds do not match the stages and members.
    public func route(thresholds: [[Double]]) throws -> CascadeRouting {
        guard thresholds.count == stages.count else {
            throw RoutingError.lengthMismatch(what: "cascade thresholds (one list per stage)", expected: stages.count,
                                              actual: thresholds.count)
        }
        for (s, stage) in stages.enumerated() where thresholds[s].count != stage.members.count {
            throw RoutingError.lengthMismatch(what: "cascade thresholds of stage \(s) (one per member)", expected: stage.members.count,
                                              actual: thresholds[s].count)
        }
        let n = count
        var answeringStage = [Int](repeating: stages.count, count: n)
        var answeringMember = [Int](repeating: 0, count: n)
        var predictions = finalPredictions
        var reach = [Int](repeating: 0, count: stages.count + 1)
        var open = [Bool](repeating: true, count: n)
        for (s, stage) in stages.enumerated() {
            let assigned = assignment(stage: s)
            for i in 0..<n where open[i] {
                reach[s] += 1
                guard let m = assigned[i] else { continue }
                let scored = stage.members[m].scored
                if scored.scores[i] <= thresholds[s][m] {
                    open[i] = false
                    answeringStage[i] = s
                    answeringMember[i] = m
                    predictions[i] = scored.predictions[i]
                }
            }
        }
        reach[stages.count] = open.lazy.filter { $0 }.count
        var flops = Double(reach[stages.count]) * finalFLOPs
        for (s, stage) in stages.enumerated() { flops += Double(reach[s]) * stage.flops }
        return CascadeRouting(answeringStage: answeringStage, answeringMember: answeringMember, predictions: predictions,
                              reachCounts: reach, relativeCost: flops / (Double(n) * finalFLOPs))
    }
}

/// Where each sample of a split is answered by a cascade, and what that costs.
public struct CascadeRouting: Sendable, Equatable {
    /// The stage that answers each sample; `stages.count` for the final model.
    public let answeringStage: [Int]
    /// The member of that stage (0 for the final model).
    public let answeringMember: [Int]
    /// The cascade's answer (global class id; `ScoredSamples.noPrediction` never occurs for an accepted sample
    /// of an eligible member).
    public let predictions: [Int]
    /// How many samples reach each stage, the final model last.
    public let reachCounts: [Int]
    /// `(Σ_s reach_s · C_s + reach_final · C_final) / (n · C_final)`.
    public let relativeCost: Double

    /// The fraction of samples each stage answers, the final model last.
    public var answeredFractions: [Double] {
        let n = Double(predictions.count)
        return (0..<reachCounts.count).map { s in Double(answeringStage.lazy.filter { $0 == s }.count) / n }
    }
}
