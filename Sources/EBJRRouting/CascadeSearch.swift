/// Choosing a cascade's thresholds **jointly** on validation (docs/cascades.md): the cheapest combination whose
/// validation accuracy is within `δ_acc` of the final (deep) model's.
///
/// **Gates.** Every member of every stage is one gate, in stage order (members in their order). Gate `g` may
/// answer sample `i` when the member is eligible for it and, in a stage of several members, is the one the sample
/// is handed to (`Cascade.assignment`). Its stage's FLOPs are charged at its first gate.
///
/// **Grid.** With `K` steps, gate `g` has `K + 1` candidate thresholds: index 0 accepts nothing
/// (`ThresholdSweep.acceptNothingThreshold`), index `j ≥ 1` is the lower `j/K`-quantile of the scores of the `m`
/// samples the gate may answer: with those scores sorted, `v[⌈j·m/K⌉ − 1]` (index `K` accepts all of them).
/// A sample's *rank* at the gate is the smallest `j ≥ 1` with `score ≤ grid[j]` (`K + 1` when it may not be
/// answered there), so threshold index `k` answers it iff `rank ≤ k`.
///
/// **Search.** Every combination of indices is scored exactly: the first `G − 1` gates are enumerated, the last
/// is swept with cumulative counts, `(K + 1)^(G−1) · (n + K)` work in all. Among combinations with
/// `correct ≥ deepCorrect − ⌊δ_acc·n + 10⁻⁹⌋` the result minimises `Σ_g C_g·reach_g + C_final·reach_final`
/// (integers when the FLOPs are), then maximises the correct count, then takes the lexicographically smallest
/// index tuple. Routing everything (all indices 0) always qualifies.
public enum CascadeSearch {
    /// The chosen combination and what it does on the split it was chosen on.
    public struct Selection: Sendable, Equatable {
        /// `thresholds[s][m]` for member `m` of stage `s` (accept iff score ≤ τ).
        public let thresholds: [[Double]]
        /// The grid indices, in the same layout (0 = accept nothing, `K` = accept every eligible sample).
        public let gridIndices: [[Int]]
        /// The routing on the split the thresholds were chosen on.
        public let routing: CascadeRouting
        /// Correct answers of the cascade and of the final model alone, out of `count`.
        public let correctCount: Int
        public let finalCorrectCount: Int
        public let count: Int
        /// How many combinations were scored, `(K + 1)^G`.
        public let combinationsScored: Int

        /// `A_cascade`.
        public var accuracy: Double { Double(correctCount) / Double(count) }
        /// `A_final − A_cascade`.
        public var lossVersusFinal: Double { Double(finalCorrectCount - correctCount) / Double(count) }
    }

    /// Default number of quantile steps per gate.
    public static let defaultSteps = 100
    /// Most work, `(K + 1)^(G−1) · n`, a search may take before it refuses (about a minute in a release build).
    public static let maximumWork = 20_000_000_000

    /// The `K + 1` candidate thresholds of one gate from the scores of the samples it may answer.
    public static func grid(scores: [Double], steps: Int) -> [Double] {
        let sorted = scores.sorted()
        let m = sorted.count
        return [ThresholdSweep.acceptNothingThreshold] + (1...steps).map { j in
            m == 0 ? ThresholdSweep.acceptNothingThreshold : sorted[(j * m + steps - 1) / steps - 1]
        }
    }

    /// The cheapest joint setting within `accuracyTolerance` of the final model on this split.
    /// - Throws: `RoutingError` for a bad tolerance or step count, labels of the wrong length, or a search larger
    ///   than `maximumWork`.
    public static func cheapest(_ cascade: Cascade, labels: [Int], accuracyTolerance: Double,
                                steps: Int = defaultSteps) throws -> Selection {
        guard accuracyTolerance >= 0, accuracyTolerance <= 1 else {
            throw RoutingError.invalidParameter(name: "accuracy tolerance δ_acc", value: accuracyTolerance, requirement: "in [0, 1]")
        }
        guard steps >= 1, steps <= 100_000 else {
            throw RoutingError.invalidParameter(name: "cascade grid steps", value: Double(steps), requirement: "in 1…100000")
        }
        let n = cascade.count
        guard labels.count == n else {
            throw RoutingError.lengthMismatch(what: "labels vs cascade samples", expected: n, actual: labels.count)
        }
        let gates = Gates(cascade, labels: labels, steps: steps)
        let g = gates.count
        var work = Double(n)
        for _ in 0..<(g - 1) { work *= Double(steps + 1) }
        guard work <= Double(maximumWork) else {
            throw RoutingError.invalidParameter(
                name: "cascade search size (K + 1)^(gates − 1)·n with K = \(steps), \(g) gates, n = \(n)", value: work,
                requirement: "≤ \(maximumWork): use fewer grid steps or fewer stages")
        }
        let finalCorrect = zip(cascade.finalPredictions, labels).map { $0 == $1 }
        let finalCorrectCount = finalCorrect.lazy.filter { $0 }.count
        let minimumCorrect = finalCorrectCount - Int((accuracyTolerance * Double(n) + 1e-9).rounded(.down))

        var best: (cost: Double, correct: Int, indices: [Int])?
        var indices = [Int](repeating: 0, count: g)
        var scored = 0
        // Depth-first over gates 0 … g−2; `open` = samples not answered yet, `cost` = Σ FLOPs·reach so far.
        func visit(_ gate: Int, open: [Int], correct: Int, cost: Double) {
            let reachCost = cost + gates.flops[gate] * Double(open.count)
            if gate == g - 1 {
                var answered = [Int](repeating: 0, count: steps + 2)
                var gateRight = [Int](repeating: 0, count: steps + 2)
                var finalRight = [Int](repeating: 0, count: steps + 2)
                var finalRightOpen = 0
                for i in open {
                    let r = gates.ranks[gate][i]
                    answered[r] += 1
                    if gates.correct[gate][i] { gateRight[r] += 1 }
                    if finalCorrect[i] { finalRight[r] += 1; finalRightOpen += 1 }
                }
                var accepted = 0, right = correct + finalRightOpen
                for k in 0...steps {
                    if k > 0 {
                        accepted += answered[k]
                        right += gateRight[k] - finalRight[k]
                    }
                    scored += 1
                    guard right >= minimumCorrect else { continue }
                    let total = reachCost + cascade.finalFLOPs * Double(open.count - accepted)
                    if best == nil || total < best!.cost || (total == best!.cost && right > best!.correct) {
                        indices[gate] = k
                        best = (total, right, indices)
                    }
                }
                return
            }
            for k in 0...steps {
                indices[gate] = k
                var next: [Int] = []
                next.reserveCapacity(open.count)
                var right = correct
                for i in open {
                    if gates.ranks[gate][i] <= k {
                        if gates.correct[gate][i] { right += 1 }
                    } else {
                        next.append(i)
                    }
                }
                visit(gate + 1, open: next, correct: right, cost: reachCost)
            }
        }
        visit(0, open: Array(0..<n), correct: 0, cost: 0)
        let chosen = best!.indices
        var thresholds: [[Double]] = [], layout: [[Int]] = []
        var v = 0
        for stage in cascade.stages {
            thresholds.append(stage.members.indices.map { m in gates.grids[v + m][chosen[v + m]] })
            layout.append(stage.members.indices.map { m in chosen[v + m] })
            v += stage.members.count
        }
        let routing = try cascade.route(thresholds: thresholds)
        let routedCorrect = zip(routing.predictions, labels).lazy.filter { $0 == $1 }.count
        return Selection(thresholds: thresholds, gridIndices: layout, routing: routing, correctCount: routedCorrect,
                         finalCorrectCount: finalCorrectCount, count: n, combinationsScored: scored)
    }

    /// Per gate: grid, ranks, correctness and FLOPs (charged at a stage's first member).
    private struct Gates {
        var grids: [[Double]] = []
        var ranks: [[Int]] = []
        var correct: [[Bool]] = []
        var flops: [Double] = []
        var count: Int { grids.count }

        init(_ cascade: Cascade, labels: [Int], steps: Int) {
            for (s, stage) in cascade.stages.enumerated() {
                let assigned = cascade.assignment(stage: s)
                for (m, member) in stage.members.enumerated() {
                    let mayAnswer = assigned.map { $0 == m }
                    let scores = member.scored.scores
                    let grid = CascadeSearch.grid(scores: scores.indices.filter { mayAnswer[$0] }.map { scores[$0] }, steps: steps)
                    grids.append(grid)
                    ranks.append(scores.indices.map { i in
                        guard mayAnswer[i] else { return steps + 1 }
                        var low = 1, high = steps   // smallest j in 1…K with score ≤ grid[j]; grid[K] is the maximum
                        while low < high {
                            let mid = (low + high) / 2
                            if scores[i] <= grid[mid] { high = mid } else { low = mid + 1 }
                        }
                        return low
                    })
                    correct.append(zip(member.scored.predictions, labels).map { $0 == $1 })
                    flops.append(m == 0 ? stage.flops : 0)
                }
            }
        }
    }
}
