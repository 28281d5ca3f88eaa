/// Every distinct operating point of a split, from the strictest (accept nothing) to the loosest.
///
/// `points[0]` accepts nothing (threshold `acceptNothingThreshold`, below every finite score, so it routes
/// everything on any split it is applied to); `points[j]` for `j ≥ 1` has as
/// threshold the `j`-th smallest distinct score among eligible samples and accepts every eligible sample whose
/// score is at most it. Counts are cumulative, so the whole sweep costs one sort.
public struct ThresholdSweep: Sendable, Equatable {
    public let points: [SweepPoint]

    public init(_ outcomes: RoutingOutcomes) {
        let n = outcomes.count
        let deepCorrectCount = outcomes.deepCorrect.lazy.filter { $0 }.count
        let order = (0..<n).filter { outcomes.isEligible[$0] }.sorted { outcomes.scores[$0] < outcomes.scores[$1] }
        var current = SweepPoint(threshold: Self.acceptNothingThreshold, sampleCount: n, deepCorrectCount: deepCorrectCount)
        var points = [current]
        var j = 0
        while j < order.count {
            let value = outcomes.scores[order[j]]
            while j < order.count && outcomes.scores[order[j]] == value {
                current.add(sideCorrect: outcomes.sideCorrect[order[j]], deepCorrect: outcomes.deepCorrect[order[j]])
                j += 1
            }
            current.threshold = value
            points.append(current)
        }
        self.points = points
    }

    /// The threshold that accepts nothing: `−Double.greatestFiniteMagnitude` (finite, so it survives JSON).
    public static let acceptNothingThreshold = -Double.greatestFiniteMagnitude

    /// The point of the accept-nothing threshold.
    public var acceptNothing: SweepPoint { points[0] }

    /// The operating point of threshold `τ` (accept iff score ≤ τ): the last point whose threshold is ≤ τ,
    /// or the accept-nothing point.
    public func point(atThreshold tau: Double) -> SweepPoint {
        var low = 0
        var high = points.count - 1
        if points[high].threshold <= tau { return points[high] }
        if points[0].threshold > tau {
            var nothing = points[0]
            nothing.threshold = tau
            return nothing
        }
        while high - low > 1 {   // invariant: points[low].threshold ≤ τ < points[high].threshold
            let mid = (low + high) / 2
            if points[mid].threshold <= tau { low = mid } else { high = mid }
        }
        return points[low]
    }
}
