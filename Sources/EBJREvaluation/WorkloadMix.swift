import EBJRRouting

/// Resampling a split to a chosen workload mix: a given share of in-subset samples (docs/method.md §3: "most data,
/// e.g. 70%, belongs to a few popular classes").
public enum WorkloadMix {
    /// Draws indices without replacement so that a fraction `share` of them are in-subset.
    ///
    /// `nIn = round(share·count)` in-subset and `count − nIn` out-of-subset indices are drawn uniformly (seeded);
    /// without `count`, the largest feasible sample `⌊min(N_in/share, N_out/(1 − share))⌋` is drawn. Indices are
    /// returned in ascending order, so the resampled split keeps the original order.
    ///
    /// - Throws: `EvaluationError.invalidSetting` for `share ∉ [0, 1]`, `.infeasibleResample` when there are too
    ///   few samples of either kind.
    public static func resample(inSubset: [Bool], share: Double, count: Int? = nil, seed: UInt64) throws -> [Int] {
        guard share >= 0, share <= 1 else {
            throw EvaluationError.invalidSetting(name: "in-subset share", value: "\(share)", requirement: "in [0, 1]")
        }
        let inIndices = inSubset.indices.filter { inSubset[$0] }
        let outIndices = inSubset.indices.filter { !inSubset[$0] }
        let total: Int
        if let count {
            guard count >= 0 else {
                throw EvaluationError.invalidSetting(name: "resample count", value: "\(count)", requirement: "≥ 0")
            }
            total = count
        } else {
            let byIn = share > 0 ? Double(inIndices.count) / share : .infinity
            let byOut = share < 1 ? Double(outIndices.count) / (1 - share) : .infinity
            total = Int((min(byIn, byOut) + 1e-9).rounded(.down))
        }
        let wantIn = Int((share * Double(total)).rounded())
        let wantOut = total - wantIn
        guard wantIn <= inIndices.count, wantOut <= outIndices.count else {
            throw EvaluationError.infeasibleResample(requested: total, inSubset: inIndices.count, outOfSubset: outIndices.count,
                                                     share: share)
        }
        var generator = SeededGenerator(seed: seed)
        let chosen = sample(inIndices, wantIn, &generator) + sample(outIndices, wantOut, &generator)
        return chosen.sorted()
    }

    /// `k` distinct elements by a partial Fisher–Yates shuffle.
    private static func sample(_ pool: [Int], _ k: Int, _ generator: inout SeededGenerator) -> [Int] {
        var pool = pool
        for i in 0..<k {
            let j = i + Int(generator.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(k))
    }
}
