import Testing
import Foundation
@testable import EBJRLang

@Suite("E-LANG sequence scores and routing")
struct RoutingTests {
    @Test func tokenStatisticsAndScoresByHand() {
        // Two steps over V = 3: z₁ = (0, 0, ln 2) → lse = ln 4, p_max = 1/2; z₂ = (ln 3, 0, 0) → lse = ln 5, p_max = 3/5.
        let logits: [Float] = [0, 0, Float(log(2.0)), Float(log(3.0)), 0, 0]
        let stats = logits.withUnsafeBufferPointer { TokenStatistics(logits: $0, vocabularySize: 3, tokens: [2, 1]) }
        #expect(abs(stats.energies[0] + log(4)) < 1e-6 && abs(stats.energies[1] + log(5)) < 1e-6)
        #expect(abs(SequenceScore.energyMean.score(stats) + (log(4) + log(5)) / 2) < 1e-6)
        #expect(abs(SequenceScore.energyMax.score(stats) + log(4)) < 1e-6)
        #expect(abs(SequenceScore.energySum.score(stats) + log(20)) < 1e-6)
        #expect(abs(SequenceScore.energyFirst.score(stats) + log(4)) < 1e-6)
        #expect(abs(SequenceScore.maxProbabilityMean.score(stats) + 0.55) < 1e-6)
        #expect(abs(SequenceScore.maxProbabilityMin.score(stats) + 0.5) < 1e-6)
        // Chosen tokens 2 (p = 1/2) and 1 (p = 1/5): −log(1/10).
        #expect(abs(SequenceScore.logProbability.score(stats) - log(10)) < 1e-6)
    }

    func words() -> [RoutedWord] {
        // Scores 1…6; Swift right on the three most confident words, Super right everywhere but word 6.
        (1...6).map { RoutedWord(score: Double($0), swiftCorrect: $0 <= 3, superCorrect: $0 != 6, swiftCost: 1, superCost: 10) }
    }

    @Test func operatingPointsAndThreshold() {
        let all = words()
        let point = SequenceRouter.evaluate(all, threshold: 3)
        #expect(point.routedFraction == 0.5 && point.jointWER == 1.0 / 6.0 && abs(point.relativeCost - 36.0 / 60.0) < 1e-12)
        let curve = SequenceRouter.curve(all)
        #expect(curve.count == 7 && curve.first!.routedFraction == 1 && curve.last!.routedFraction == 0)
        #expect(curve.allSatisfy { $0 == SequenceRouter.evaluate(all, threshold: $0.threshold) })
        // Super alone: 1/6; within 0 pp the cheapest is τ = 3, within 1/6 it is τ = 4.
        #expect(SequenceRouter.threshold(all, tolerance: 0) == 3)
        #expect(SequenceRouter.threshold(all, tolerance: 1.0 / 6.0) == 4)
        #expect(SequenceRouter.auroc(all) == 1)
        #expect(SequenceRouter.auroc(all.map { var w = $0; w.score = -w.score; return w }) == 0)
    }
}

