/// Plain classification and ranking metrics on arrays.
public enum Metrics {
    /// The fraction of `predictions` equal to `labels`.
    /// - Throws: `RoutingError.empty` / `.lengthMismatch`.
    public static func accuracy(predictions: [Int], labels: [Int]) throws -> Double {
        guard !labels.isEmpty else { throw RoutingError.empty(what: "labels for accuracy") }
        guard predictions.count == labels.count else {
            throw RoutingError.lengthMismatch(what: "predictions vs labels", expected: labels.count, actual: predictions.count)
        }
        return Double(zip(predictions, labels).lazy.filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Area under the ROC curve of `scores` for the binary label `isPositive` (higher score = more positive):
    /// `P(s⁺ > s⁻) + ½·P(s⁺ = s⁻)` over positive/negative pairs, computed from average ranks (Mann–Whitney):
    /// `AUROC = (R⁺ − n⁺(n⁺+1)/2) / (n⁺·n⁻)` with `R⁺` the sum of the positives' ranks, tied scores sharing the
    /// mean of their ranks.
    ///
    /// For routing, use "side model wrong" (or "out of subset") as positive: 1 = the score ranks every such
    /// sample above every other, 0.5 = no better than chance.
    /// - Returns: nil when there are no positives or no negatives (AUROC undefined).
    public static func auroc(scores: [Double], isPositive: [Bool]) throws -> Double? {
        guard scores.count == isPositive.count else {
            throw RoutingError.lengthMismatch(what: "AUROC labels vs scores", expected: scores.count, actual: isPositive.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw RoutingError.nonFiniteScore(what: "AUROC scores", index: bad)
        }
        let positives = isPositive.lazy.filter { $0 }.count
        let negatives = scores.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let meanRank = Double(start + end) / 2 + 1      // ranks are 1-based
            for j in start...end where isPositive[order[j]] { positiveRankSum += meanRank }
            start = end + 1
        }
        let p = Double(positives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }
}
