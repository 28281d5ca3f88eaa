import Testing
@testable import EBJRRouting

private func randomCase(seed: UInt64, n: Int) -> (side: [Bool], deep: [Bool], accepted: [Bool], inSubset: [Bool]) {
    var g = SeededGenerator(seed: seed)
    var side: [Bool] = [], deep: [Bool] = [], accepted: [Bool] = [], inSubset: [Bool] = []
    let pAccept = g.nextUnit()
    for _ in 0..<n {
        let isIn = g.nextUnit() < 0.3
        let acc = g.nextUnit() < pAccept
        inSubset.append(isIn)
        accepted.append(acc)
        // A specialized side model is always wrong out of subset.
        side.append(isIn && g.nextUnit() < 0.85)
        deep.append(g.nextUnit() < 0.9)
    }
    return (side, deep, accepted, inSubset)
}

@Suite struct BoundsTests {
    @Test(arguments: 1...25)
    func identitiesAndBoundsHoldOnRandomData(seed: Int) throws {
        let c = randomCase(seed: UInt64(seed), n: 40 + seed * 37)
        let s = try OperatingPointStatistics(sideCorrect: c.side, deepCorrect: c.deep, accepted: c.accepted, inSubset: c.inSubset)
        let b = OperatingPointBounds(s)
        // A_joint measured independently, sample by sample.
        let n = Double(c.accepted.count)
        let joint = Double(c.accepted.indices.filter { c.accepted[$0] ? c.side[$0] : c.deep[$0] }.count) / n
        #expect(abs(s.jointAccuracy - joint) < 1e-12)
        #expect(abs(b.jointAccuracyIdentity - joint) < 1e-12)
        #expect(abs(b.lossIdentity - (s.deepAccuracy - joint)) < 1e-12)
        #expect(b.jointAccuracyLower <= joint + 1e-12 && joint <= b.jointAccuracyUpper + 1e-12)
        #expect(s.deepAccuracy - joint <= b.lossUpper + 1e-12)
        #expect(joint <= b.oracleAtRoutingBudget + 1e-12 && b.oracleAtRoutingBudget <= b.oracleCeiling + 1e-12)
        let t = try #require(b.subset)
        #expect(abs(t.acceptanceIdentity - s.acceptance) < 1e-12)
        if let aS = s.sideAccuracyAccepted { #expect(aS <= t.sideAccuracyAcceptedUpper + 1e-12) }
        #expect(joint <= t.jointAccuracyUpper + 1e-12)
        // The harmful rate bounds the loss; joint beats deep exactly when a_S > a_D^acc.
        #expect(s.deepAccuracy - joint <= s.harmfulRate + 1e-12)
        #expect(s.jointBeatsDeep == (joint > s.deepAccuracy + 1e-12))
        #expect(BoundCheck.flags(statistics: s, bounds: b, measuredJointAccuracy: joint).isEmpty)
    }

    @Test func checkFlagsInconsistentMeasurements() throws {
        let c = randomCase(seed: 99, n: 500)
        let s = try OperatingPointStatistics(sideCorrect: c.side, deepCorrect: c.deep, accepted: c.accepted, inSubset: c.inSubset)
        let b = OperatingPointBounds(s, guarantee: (epsilon: 0.001, delta: 0.05))
        let off = BoundCheck.flags(statistics: s, bounds: b, measuredJointAccuracy: s.jointAccuracy + 0.01)
        #expect(off.contains { $0.check.hasPrefix("A_joint = q·a_S") })
        #expect(off.contains { $0.check.hasPrefix("A_D − A_joint = q·") })
        let wrongAcceptance = BoundCheck.flags(statistics: s, bounds: b, measuredJointAccuracy: s.jointAccuracy,
                                               measuredAcceptance: s.acceptance + 0.05)
        #expect(wrongAcceptance.map(\.check).contains("q = π·r + (1 − π)·f"))
        // The guarantee term flags a loss above ε.
        let loss = s.deepAccuracy - s.jointAccuracy
        let guaranteeFlags = BoundCheck.flags(statistics: s, bounds: b, measuredJointAccuracy: s.jointAccuracy)
        #expect(guaranteeFlags.contains { $0.check.contains("guaranteed") } == (loss > 0.001))
    }

    @Test func handMadeOperatingPoint() throws {
        // 4 accepted (side right 3, deep right 2), 6 routed (deep right 5).
        let accepted = [true, true, true, true, false, false, false, false, false, false]
        let side = [true, true, true, false, false, false, false, false, false, false]
        let deep = [true, false, false, true, true, true, true, true, true, false]
        let s = try OperatingPointStatistics(sideCorrect: side, deepCorrect: deep, accepted: accepted)
        #expect(s.acceptance == 0.4)
        #expect(s.sideAccuracyAccepted == 0.75)
        #expect(s.deepAccuracyAccepted == 0.5)
        #expect(abs(s.deepAccuracyRouted! - 5.0 / 6) < 1e-15)
        #expect(abs(s.jointAccuracy - 0.8) < 1e-15)
        #expect(abs(s.deepAccuracy - 0.7) < 1e-15)
        #expect(s.jointBeatsDeep)
        let b = OperatingPointBounds(s)
        #expect(abs(b.lossIdentity - (0.4 * (0.5 - 0.75))) < 1e-15)
        #expect(abs(b.jointAccuracyLower - (0.3 + 0.3)) < 1e-15)
        #expect(abs(b.jointAccuracyUpper - (0.3 + 0.6)) < 1e-15)
        #expect(abs(b.lossUpper - 0.1) < 1e-15)
        // Side or deep right on every sample but the last.
        #expect(abs(s.oracleCeiling - 0.9) < 1e-15)
    }

    @Test func oracleAtBudgetMatchesBruteForce() throws {
        var g = SeededGenerator(seed: 5)
        let n = 9
        let side = (0..<n).map { _ in g.nextUnit() < 0.5 }
        let deep = (0..<n).map { _ in g.nextUnit() < 0.6 }
        for routed in 0...n {
            var best = 0
            for mask in 0..<(1 << n) where mask.nonzeroBitCount <= routed {
                let correct = (0..<n).filter { (mask >> $0) & 1 == 1 ? deep[$0] : side[$0] }.count
                best = max(best, correct)
            }
            let oracle = try OracleRouting.bestAccuracy(sideCorrect: side, deepCorrect: deep, routingBudget: Double(routed) / Double(n))
            #expect(abs(oracle - Double(best) / Double(n)) < 1e-12)
        }
    }

    @Test func emptyAndMismatchedInputsAreErrors() {
        #expect(throws: RoutingError.empty(what: "operating point (accept mask)")) {
            try OperatingPointStatistics(sideCorrect: [], deepCorrect: [], accepted: [])
        }
        #expect(throws: RoutingError.lengthMismatch(what: "deep correctness vs accept mask", expected: 2, actual: 1)) {
            try OperatingPointStatistics(sideCorrect: [true, false], deepCorrect: [true], accepted: [true, false])
        }
    }

    @Test func acceptingNothingGivesMeaningfulNumbers() throws {
        let s = try OperatingPointStatistics(sideCorrect: [true, false, true], deepCorrect: [true, true, false],
                                             accepted: [false, false, false])
        #expect(s.sideAccuracyAccepted == nil)
        #expect(s.jointAccuracy == s.deepAccuracy)
        let b = OperatingPointBounds(s)
        #expect(b.lossUpper == 0)
        #expect(BoundCheck.flags(statistics: s, bounds: b, measuredJointAccuracy: s.jointAccuracy).isEmpty)
    }
}

@Suite struct MetricsTests {
    /// Brute force: P(s⁺ > s⁻) + ½ P(s⁺ = s⁻) over all pairs.
    private func pairCount(_ scores: [Double], _ positive: [Bool]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where positive[i] {
            for j in scores.indices where !positive[j] {
                pairs += 1
                if scores[i] > scores[j] { wins += 1 } else if scores[i] == scores[j] { wins += 0.5 }
            }
        }
        return wins / pairs
    }

    @Test(arguments: 0..<12)
    func aurocMatchesPairCountWithTies(seed: Int) throws {
        var g = SeededGenerator(seed: UInt64(seed))
        let n = 30 + seed * 11
        // Scores on a coarse grid so that ties are common.
        let positive = (0..<n).map { _ in g.nextUnit() < 0.35 }
        let scores = positive.map { p in (Double(Int(g.nextUnit() * 6)) + (p ? 1 : 0)) / 2 }
        let auc = try #require(try Metrics.auroc(scores: scores, isPositive: positive))
        #expect(abs(auc - pairCount(scores, positive)) < 1e-12)
    }

    @Test func aurocExtremesAndUndefined() throws {
        #expect(try Metrics.auroc(scores: [1, 2, 3, 4], isPositive: [false, false, true, true]) == 1)
        #expect(try Metrics.auroc(scores: [1, 2, 3, 4], isPositive: [true, true, false, false]) == 0)
        #expect(try Metrics.auroc(scores: [5, 5, 5, 5], isPositive: [true, false, true, false]) == 0.5)
        #expect(try Metrics.auroc(scores: [1, 2], isPositive: [true, true]) == nil)
        #expect(throws: RoutingError.self) { try Metrics.auroc(scores: [1, 2], isPositive: [true]) }
        #expect(try Metrics.accuracy(predictions: [1, 2, 3, 4], labels: [1, 0, 3, 0]) == 0.5)
        #expect(throws: RoutingError.self) { try Metrics.accuracy(predictions: [], labels: []) }
    }

    @Test func costAndCurves() throws {
        let cost = try CostModel(sideFLOPs: 50_816, deepFLOPs: 23_984_896)
        #expect(abs(cost.relativeCost(routedFraction: 0.6) - (50_816 + 0.6 * 23_984_896) / 23_984_896) < 1e-15)
        #expect(cost.jointFLOPs(routedFraction: 0) == 50_816)
        #expect(throws: RoutingError.self) { try CostModel(sideFLOPs: 1, deepFLOPs: 0) }
        var g = SeededGenerator(seed: 8)
        let n = 1000
        let outcomes = try RoutingOutcomes(scores: (0..<n).map { _ in g.nextUnit() }, sideCorrect: (0..<n).map { _ in g.nextUnit() < 0.8 },
                                           deepCorrect: (0..<n).map { _ in g.nextUnit() < 0.9 })
        let curve = TradeoffCurve(sweep: ThresholdSweep(outcomes), cost: cost)
        #expect(curve.points.count == n + 1)
        #expect(curve.points.first!.acceptance == 0 && curve.points.last!.acceptance == 1)
        #expect(abs(curve.points.first!.relativeCost - (1 + 50_816 / 23_984_896.0)) < 1e-12)
        let thin = curve.thinned(maxPoints: 51)
        #expect(thin.points.count <= 51 && thin.points.count >= 45)
        #expect(thin.points.first == curve.points.first && thin.points.last == curve.points.last)
        #expect(zip(thin.points, thin.points.dropFirst()).allSatisfy { $0.acceptance < $1.acceptance })
    }
}
