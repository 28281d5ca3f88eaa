import Foundation
import Testing
import EBJRRouting
import _EBJRTestSupport
@testable import EBJREvaluation

/// The learned score inside the evaluation, the Bonferroni family correction, and the coverage study.
@Suite struct LearnedAndCoverageTests {
    private func inputs() throws -> (EvaluationSplit, EvaluationSplit, SideModelInput) {
        let validation = try SyntheticEvaluation(count: 1200, seed: 21)
        let test = try SyntheticEvaluation(count: 1000, seed: 22)
        var side = validation.general
        side.testLogits = test.general.testLogits
        return (validation.split, test.split, side)
    }

    /// A learned score chooses its thresholds on the half of validation it was not trained on, and is applied to
    /// all of test; the other scores still use all of validation.
    @Test func learnedScoreUsesTheSelectionHalf() throws {
        let (validation, test, side) = try inputs()
        let settings = EvaluationSettings(scores: [.margin, .learned(hidden: 0, seed: 0)],
                                          criteria: [.accuracyTolerance(0.01), .guaranteed(epsilon: 0.05, delta: 0.1)],
                                          curvePoints: 11, histogramBins: 4)
        let result = try Evaluator(settings: settings).evaluate(title: "t", deepName: "d", deepFLOPs: 1e6, validation: validation,
                                                                test: test, sideModels: [side])
        let scores = result.sideModels[0].scores
        #expect(scores.map(\.score.name) == ["margin", "learned"])
        #expect(scores[0].operatingPoints[0].validation.statistics.sampleCount == 1200)
        #expect(scores[1].operatingPoints[0].validation.statistics.sampleCount == 600)
        #expect(scores[1].operatingPoints[0].test.statistics.sampleCount == 1000)
        // The router carries signal: better than chance at ranking "side model wrong" on test.
        #expect((scores[1].aurocSideWrong.test ?? 0) > 0.6)
        // Side accuracy is over all of validation, not the learned score's half.
        let sideRight = zip(side.validationLogits.predictions(), validation.labels).filter { $0 == $1 }.count
        #expect(result.sideModels[0].accuracy.validation == Double(sideRight) / 1200)
        // Encoded and decoded with the report.
        let decoded = try JSONDecoder().decode(EvaluationResult.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
    }

    /// Under Bonferroni each of the m deployable scores is scanned at δ/m: the chosen point is exactly the plain
    /// scan's at that level; references do not count in m.
    @Test func bonferroniScansEachScoreAtDeltaOverM() throws {
        let (validation, test, side) = try inputs()
        let scores: [Score] = [.energy(temperature: 1), .maxSoftmax(temperature: 1), .margin, .random(seed: 0), .oracle]
        let settings = EvaluationSettings(scores: scores, criteria: [.guaranteed(epsilon: 0.05, delta: 0.09)], curvePoints: 11,
                                          histogramBins: 4)
        #expect(settings.familySize == 3)
        let result = try Evaluator(settings: settings).evaluate(title: "t", deepName: "d", deepFLOPs: 1e6, validation: validation,
                                                                test: test, sideModels: [side])
        for (score, evaluation) in zip(scores, result.sideModels[0].scores) {
            let selection = try #require(evaluation.operatingPoints[0].selection)
            #expect(abs(selection.delta - 0.03) < 1e-15)
            #expect(selection.familySize == 3)
            let scored = try ScoredSamples(side: side.validationLogits, score: score, labels: validation.labels)
            let outcomes = try RoutingOutcomes(scored: scored, labels: validation.labels,
                                               deepPredictions: validation.deepLogits.predictions())
            let direct = try ThresholdSelection.guaranteed(epsilon: 0.05, delta: 0.03, sweep: ThresholdSweep(outcomes))
            #expect(selection.point == direct.point)
        }
        var uncorrected = settings
        uncorrected.familyCorrection = .none
        let plain = try Evaluator(settings: uncorrected).evaluate(title: "t", deepName: "d", deepFLOPs: 1e6, validation: validation,
                                                                  test: test, sideModels: [side])
        let energy = try #require(plain.sideModels[0].scores[0].operatingPoints[0].selection)
        #expect(energy.delta == 0.09 && energy.familySize == nil)
        // A smaller level can only stop the scan earlier.
        #expect(energy.point.acceptedCount >= result.sideModels[0].scores[0].operatingPoints[0].selection!.point.acceptedCount)
    }

    /// Coverage: each re-partition is a fresh half/half split of the pool; a side model that is always right never
    /// exceeds ε; the recorded test loss is the one the chosen threshold realises on that re-partition's test half.
    @Test func coverageStudyCountsExceedances() throws {
        let (validation, test, side) = try inputs()
        let labels = validation.labels + test.labels
        let deep = try Logits(values: validation.deepLogits.values + test.deepLogits.values, count: labels.count, classCount: 10)
        let sideLogits = try Logits(values: side.validationLogits.values + side.testLogits.values, count: labels.count, classCount: 10)
        // A perfect side model: one-hot logits on the label, with confidence varying by row.
        let perfect = try Logits(values: labels.enumerated().flatMap { i, y in (0..<10).map { Float($0 == y ? 1 + i % 7 : 0) } },
                                 count: labels.count, classCount: 10)
        let pool = CoverageStudy.Pool(labels: labels, deepLogits: deep,
                                      sides: [("synthetic", 50_000, nil, sideLogits), ("perfect", 50_000, nil, perfect)])
        var calls = 0
        let result = try CoverageStudy.run(pool: pool, scores: [.energy(temperature: 1), .margin, .oracle], epsilon: 0.02,
                                           delta: 0.1, deepFLOPs: 1e6, settings: CoverageSettings(repartitions: 3, seed: 5)) { _, _ in calls += 1 }
        #expect(calls == 3)
        #expect(result.familySize == 2)
        #expect(result.validationCount == labels.count / 2)
        let perfectSide = result.sideModels[1]
        for variant in CoverageVariant.allCases { #expect(perfectSide.exceedances(variant, epsilon: 0.02) == 0) }
        // A perfect side model loses nothing: every variant may accept everything.
        #expect(perfectSide.trials.allSatisfy { $0.guaranteed.testLoss <= 0 && $0.guaranteed.testRelativeCost < 0.2 })
        // The guarantee costs at least as much as the plain point on validation; on test it is at least as strict.
        let synthetic = result.sideModels[0]
        #expect(synthetic.trials.count == 3)
        #expect(synthetic.meanCost(.guaranteed) >= synthetic.meanCost(.uncorrected) - 1e-12)
        // keepsPromise: δ + one standard error √(δ(1 − δ)/R).
        #expect(result.keepsPromise(exceedances: 0, trials: 3))
        #expect(!result.keepsPromise(exceedances: 1, trials: 3))   // 0.333 > 0.1 + 0.173
        let md = CoverageReport.render(result)
        #expect(md.contains("| perfect | guaranteed, Bonferroni δ/m | 0 / 3 |"))
    }
}
