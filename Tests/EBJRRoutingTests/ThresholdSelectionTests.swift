import Testing
@testable import EBJRRouting

/// Ten hand-made validation samples, scores 0.1 … 1.0. A_D = 8/10. Accepting the first j samples gives
/// joint correct counts 8, 8, 8, 9, 8, 8, 7, 7, 6, 6, 5 (j = 0 … 10) and harmful counts
/// 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4.
private func tinySet() throws -> RoutingOutcomes {
    try RoutingOutcomes(
        scores: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
        sideCorrect: [true, true, true, false, true, false, true, false, false, false],
        deepCorrect: [true, true, false, true, true, true, true, true, false, true])
}

@Suite struct ThresholdSelectionTests {
    @Test func sweepCounts() throws {
        let sweep = ThresholdSweep(try tinySet())
        #expect(sweep.points.map(\.jointCorrectCount) == [8, 8, 8, 9, 8, 8, 7, 7, 6, 6, 5])
        #expect(sweep.points.map(\.harmfulCount) == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4])
        #expect(sweep.acceptNothing.acceptedCount == 0)
        #expect(sweep.acceptNothing.threshold == ThresholdSweep.acceptNothingThreshold)
        #expect(sweep.point(atThreshold: 0.55).acceptedCount == 5)
        #expect(sweep.point(atThreshold: 0.0).acceptedCount == 0)
        #expect(sweep.point(atThreshold: 7).acceptedCount == 10)
    }

    @Test func targetAcceptanceIsTheQuantile() throws {
        let sweep = ThresholdSweep(try tinySet())
        #expect(try ThresholdSelection.targetAcceptance(0.3, sweep: sweep).threshold == 0.3)
        #expect(try ThresholdSelection.targetAcceptance(0.35, sweep: sweep).threshold == 0.4)   // round(3.5) = 4
        #expect(try ThresholdSelection.targetAcceptance(0, sweep: sweep).acceptedCount == 0)
        #expect(try ThresholdSelection.targetAcceptance(1, sweep: sweep).threshold == 1.0)
        #expect(throws: RoutingError.self) { try ThresholdSelection.targetAcceptance(1.5, sweep: sweep) }
    }

    @Test func accuracyToleranceTakesTheLargestAcceptanceWithinDelta() throws {
        let sweep = ThresholdSweep(try tinySet())
        #expect(try ThresholdSelection.accuracyTolerance(0, sweep: sweep).threshold == 0.5)
        #expect(try ThresholdSelection.accuracyTolerance(0.05, sweep: sweep).threshold == 0.5)
        #expect(try ThresholdSelection.accuracyTolerance(0.1, sweep: sweep).threshold == 0.7)
        #expect(try ThresholdSelection.accuracyTolerance(0.3, sweep: sweep).threshold == 1.0)
    }

    @Test func guaranteedScanStopsAtFirstFailure() throws {
        let sweep = ThresholdSweep(try tinySet())
        // Bounds for n = 10, δ = 0.05: 0 harmful → 0.2589, 1 → 0.3942, 2 → 0.5069 (values in ClopperPearsonTests).
        let a = try ThresholdSelection.guaranteed(epsilon: 0.3, delta: 0.05, sweep: sweep)
        #expect(a.point.threshold == 0.3)
        #expect(a.testedCount == 4)
        #expect(a.firstFailure?.threshold == 0.4)
        #expect(abs(a.upperBound - 0.2588655508930522) < 1e-12)
        #expect(abs(a.firstFailureBound! - 0.39416330243650466) < 1e-12)
        let b = try ThresholdSelection.guaranteed(epsilon: 0.45, delta: 0.05, sweep: sweep)
        #expect(b.point.threshold == 0.5)
        #expect(b.firstFailure?.threshold == 0.6)
        // ε below the zero-harm bound: even the strictest threshold fails → accept nothing, loss exactly 0.
        let c = try ThresholdSelection.guaranteed(epsilon: 0.2, delta: 0.05, sweep: sweep)
        #expect(c.point.acceptedCount == 0)
        #expect(c.upperBound == 0)
        #expect(c.testedCount == 1)
        // Routing everything means routing everything on any other split too, whatever its scores.
        let other = try RoutingOutcomes(scores: [-1e300, -5, 0], sideCorrect: [false, false, false], deepCorrect: [true, true, true])
        #expect(other.point(at: .scoreAtMost(c.point.threshold)).acceptedCount == 0)
        // Everything passes → the loosest threshold, no failure recorded.
        let d = try ThresholdSelection.guaranteed(epsilon: 0.7, delta: 0.05, sweep: sweep)
        #expect(d.point.threshold == 1.0)
        #expect(d.firstFailure == nil)
    }

    @Test func guaranteedHoldsOnFreshDataFromTheSameDistribution() throws {
        // Simulation: side right w.p. falling with score; deep right w.p. 0.9. Over 40 validation draws the
        // realised loss on a large fresh test set exceeds ε at most rarely (δ = 0.1 → expect ≲ 4 of 40).
        var generator = SeededGenerator(seed: 2024)
        func draw(_ n: Int) -> RoutingOutcomes {
            var scores: [Double] = [], side: [Bool] = [], deep: [Bool] = []
            for _ in 0..<n {
                let s = generator.nextUnit()
                scores.append(s)
                side.append(generator.nextUnit() < 1 - 0.6 * s)
                deep.append(generator.nextUnit() < 0.9)
            }
            return try! RoutingOutcomes(scores: scores, sideCorrect: side, deepCorrect: deep)
        }
        let test = draw(50_000)
        var violations = 0
        for _ in 0..<40 {
            let chosen = try ThresholdSelection.guaranteed(epsilon: 0.02, delta: 0.1, sweep: ThresholdSweep(draw(2000)))
            if test.point(at: .scoreAtMost(chosen.point.threshold)).lossVersusDeep > 0.02 { violations += 1 }
            #expect(chosen.point.acceptedCount > 0)
        }
        #expect(violations <= 8)
    }

    @Test func selectiveRiskFindsTheCleanPrefix() throws {
        // Side right on the 600 lowest scores, wrong on the rest.
        let n = 1000
        let outcomes = try RoutingOutcomes(scores: (0..<n).map(Double.init), sideCorrect: (0..<n).map { $0 < 600 },
                                           deepCorrect: [Bool](repeating: true, count: n))
        let s = try ThresholdSelection.selectiveRisk(epsilon: 0.02, delta: 0.05, sweep: ThresholdSweep(outcomes))
        #expect(s.kind == .selectiveRisk)
        #expect(s.point.acceptedCount >= 600)
        #expect(s.point.acceptedCount <= 612)
        #expect(Double(s.point.sideErrorsAccepted) / Double(s.point.acceptedCount) <= 0.02)
        #expect(s.upperBound <= 0.02)
    }

    @Test func invalidInputsAreNamed() throws {
        #expect(throws: RoutingError.empty(what: "validation split (scores)")) {
            try RoutingOutcomes(scores: [], sideCorrect: [], deepCorrect: [], what: "validation split")
        }
        #expect(throws: RoutingError.lengthMismatch(what: "val: deep correctness vs scores", expected: 2, actual: 1)) {
            try RoutingOutcomes(scores: [1, 2], sideCorrect: [true, true], deepCorrect: [true], what: "val")
        }
        let sweep = ThresholdSweep(try tinySet())
        #expect(throws: RoutingError.self) { try ThresholdSelection.guaranteed(epsilon: 0, delta: 0.05, sweep: sweep) }
        #expect(throws: RoutingError.self) { try ThresholdSelection.guaranteed(epsilon: 0.1, delta: 1, sweep: sweep) }
    }

    @Test func ineligibleSamplesAreNeverAccepted() throws {
        let outcomes = try RoutingOutcomes(scores: [0.1, 0.2, 0.3], sideCorrect: [true, true, true],
                                           deepCorrect: [true, true, true], isEligible: [true, false, true])
        let sweep = ThresholdSweep(outcomes)
        #expect(sweep.points.map(\.acceptedCount) == [0, 1, 2])
        #expect(try ThresholdSelection.targetAcceptance(1, sweep: sweep).acceptedCount == 2)
    }
}

@Suite struct ClopperPearsonTests {
    // Reference values from scipy 1.17.1:
    // python3 -c "from scipy.stats import beta; print(beta.ppf(1-d, x+1, n-x))" for each (x, n, d) below.
    @Test(arguments: [
        (0, 10, 0.05, 0.2588655508930522),
        (3, 10, 0.05, 0.6066242161054123),
        (1, 10, 0.05, 0.39416330243650466),
        (2, 10, 0.05, 0.5069013010632024),
        (0, 10000, 0.05, 0.00029952835977661195),
        (25, 10000, 0.05, 0.0034898764259595535),
        (50, 10000, 0.1, 0.0060308220548713),
        (9, 10, 0.05, 0.9948838031081763),
        (5, 100, 0.01, 0.12585173069767863),
        (1, 1, 0.05, 1.0),
    ])
    func upperBoundMatchesScipy(x: Int, n: Int, delta: Double, expected: Double) throws {
        let u = try ClopperPearson.upperBound(events: x, trials: n, delta: delta)
        #expect(abs(u - expected) <= 1e-10 * max(1, expected) + 1e-13)
    }

    // python3 -c "from scipy.stats import beta; print(beta.ppf(d, x, n-x+1))"
    @Test(arguments: [(3, 10, 0.05, 0.08726443391415033), (25, 10000, 0.05, 0.001738788255176398),
                      (10, 10, 0.05, 0.7411344491069477), (0, 10, 0.05, 0.0)])
    func lowerBoundMatchesScipy(x: Int, n: Int, delta: Double, expected: Double) throws {
        #expect(abs(try ClopperPearson.lowerBound(events: x, trials: n, delta: delta) - expected) < 1e-12)
    }

    // python3 -c "from scipy.stats import beta; print(beta.cdf(x, a, b))"
    @Test(arguments: [(0.3, 2.0, 5.0, 0.5798250000000003), (0.5, 0.5, 0.5, 0.5000000000000001),
                      (0.9, 10.0, 3.0, 0.889130022255), (0.01, 1.0, 200.0, 0.8660203251420381),
                      (0.2, 50.0, 150.0, 0.04563919300279583), (0.999, 30.0, 2.0, 0.9995438962809783)])
    func betaCDFMatchesScipy(x: Double, a: Double, b: Double, expected: Double) {
        #expect(abs(BetaDistribution.cdf(x, a: a, b: b) - expected) < 1e-12)
    }

    // python3 -c "from scipy.stats import beta; print(beta.ppf(0.3, 2.5, 7.0), beta.ppf(1e-6, 3, 4))"
    @Test func betaQuantileMatchesScipy() {
        #expect(abs(BetaDistribution.quantile(0.3, a: 2.5, b: 7) - 0.17680146270511063) < 1e-12)
        #expect(abs(BetaDistribution.quantile(1e-6, a: 3, b: 4) - 0.003694265299405909) < 1e-12)
    }

    @Test func zeroEventsHasClosedForm() throws {
        for n in [1, 7, 300] {
            let u = try ClopperPearson.upperBound(events: 0, trials: n, delta: 0.05)
            #expect(abs(u - (1 - pow(0.05, 1 / Double(n)))) < 1e-12)
        }
        #expect(throws: RoutingError.self) { try ClopperPearson.upperBound(events: 11, trials: 10, delta: 0.05) }
    }
}

import Foundation
