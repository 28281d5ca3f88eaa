/// One point of the accuracy/cost trade-off.
public struct TradeoffPoint: Hashable, Sendable, Codable {
    /// `τ` (accept iff score ≤ τ).
    public var threshold: Double
    /// `q`.
    public var acceptance: Double
    /// `A_joint`.
    public var jointAccuracy: Double
    /// `(C_S + (1 − q)·C_D) / C_D`.
    public var relativeCost: Double
}

/// Accuracy vs acceptance and accuracy vs relative cost over a threshold sweep (docs/method.md §7).
public struct TradeoffCurve: Hashable, Sendable, Codable {
    public var points: [TradeoffPoint]

    public init(points: [TradeoffPoint]) { self.points = points }

    /// One point per sweep point, from accept-nothing to the loosest threshold.
    public init(sweep: ThresholdSweep, cost: CostModel) {
        points = sweep.points.map {
            TradeoffPoint(threshold: $0.threshold, acceptance: $0.acceptance, jointAccuracy: $0.jointAccuracy,
                          relativeCost: cost.relativeCost(routedFraction: $0.routedFraction))
        }
    }

    /// At most `maxPoints` points (≥ 2) spread evenly by acceptance, always keeping the first and the last, for
    /// plots and CSV files. Returns the curve unchanged if it is already small enough.
    public func thinned(maxPoints: Int) -> TradeoffCurve {
        let limit = max(2, maxPoints)
        guard points.count > limit, let first = points.first, let last = points.last else { return self }
        var kept = [first]
        var next = 1
        for step in 1..<(limit - 1) {
            let target = first.acceptance + (last.acceptance - first.acceptance) * Double(step) / Double(limit - 1)
            while next < points.count - 1 && points[next].acceptance < target { next += 1 }
            if next < points.count - 1, points[next] != kept.last { kept.append(points[next]) }
        }
        kept.append(last)
        return TradeoffCurve(points: kept)
    }
}
