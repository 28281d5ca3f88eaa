import Foundation
import Testing
import EBJRRouting
import _EBJRTestSupport
@testable import EBJREvaluation

@Suite struct CascadeEvaluationTests {
    /// Specialist then general side model on the synthetic problem: every configuration is the joint search's
    /// choice on validation, applied as is to test; the report section and report.json carry it.
    @Test func specialistThenGeneralIsEvaluatedReportedAndReadBack() throws {
        let validation = try SyntheticEvaluation(count: 600, seed: 7), test = try SyntheticEvaluation(count: 500, seed: 8)
        let sides = SyntheticEvaluation.sideModels(validation: validation, test: test)
        let spec = CascadeSpec(name: "special-then-general", stages: [
            .init(members: [sides[1].name], score: .energy(temperature: 1)),
            .init(members: [sides[0].name], score: .maxSoftmax(temperature: 1)),
        ], steps: 20)
        let cascade = try CascadeEvaluator.evaluate(spec, sides: sides, deepName: "cnn", deepFLOPs: 23_984_896,
                                                    validation: validation.split, test: test.split, accuracyTolerance: 0.01)
        #expect(cascade.configurations.map { $0.stages.map(\.members) } == [[[sides[1].name], [sides[0].name]], [[sides[1].name]], [[sides[0].name]]])
        // The full configuration, recomputed from the routing library directly.
        func build(_ data: SyntheticEvaluation, _ side: (SideModelInput) -> Logits) throws -> Cascade {
            try Cascade(stages: [
                .init(members: [.init(name: "s", scored: try ScoredSamples(side: side(sides[1]), score: .energy(temperature: 1),
                                                                           subsetRouting: sides[1].subsetRouting))], flops: sides[1].flops),
                .init(members: [.init(name: "g", scored: try ScoredSamples(side: side(sides[0]), score: .maxSoftmax(temperature: 1)))],
                      flops: sides[0].flops),
            ], finalPredictions: data.split.deepLogits.predictions(), finalFLOPs: 23_984_896)
        }
        let chosen = try CascadeSearch.cheapest(try build(validation) { $0.validationLogits }, labels: validation.labels,
                                                accuracyTolerance: 0.01, steps: 20)
        let full = cascade.configurations[0]
        #expect(full.thresholds == chosen.thresholds)
        #expect(full.validation.relativeCost == chosen.routing.relativeCost)
        #expect(full.validation.deltaVersusDeep >= -0.01 - 1e-12)
        let onTest = try build(test) { $0.testLogits }.route(thresholds: chosen.thresholds)
        #expect(full.test.relativeCost == onTest.relativeCost)
        #expect(abs(full.test.answeredFractions.reduce(0, +) - 1) < 1e-12)
        // The winner is the cheapest on validation, and each model's verdict compares configurations with and without it.
        let winner = cascade.configurations[cascade.winnerIndex]
        #expect(cascade.configurations.allSatisfy { $0.validation.relativeCost >= winner.validation.relativeCost })
        let verdicts = CascadeReport.verdicts(cascade)
        #expect(verdicts.map(\.model) == [sides[1].name, sides[0].name])
        #expect(verdicts[0].without?.stages.map(\.members) == [[sides[0].name]])

        var result = try Evaluator(settings: EvaluationSettings(scores: [.energy(temperature: 1)], criteria: [.accuracyTolerance(0.01)]))
            .evaluate(title: "t", deepName: "cnn", deepFLOPs: 23_984_896, validation: validation.split, test: test.split, sideModels: sides)
        result.cascades = [cascade]
        let markdown = MarkdownReport.render(result)
        #expect(markdown.contains("### Cascade `special-then-general`"))
        #expect(markdown.contains("**(chosen)**"))
        #expect(markdown.contains("pay for itself") || markdown.contains("pays for itself"))
        #expect(try ReportWriter.readJSON(try ReportWriter.json(result)) == result)
        // An unknown stage model is one located line.
        var bad = spec
        bad.stages[0].members = ["nope"]
        do {
            _ = try CascadeEvaluator.evaluate(bad, sides: sides, deepName: "cnn", deepFLOPs: 1, validation: validation.split,
                                              test: test.split, accuracyTolerance: 0.01)
            Issue.record("expected an error")
        } catch let error as EvaluationError {
            #expect(error.description.contains("special-then-general") && error.description.contains("nope"))
            #expect(!error.description.contains("\n"))
        }
    }

    /// The sweep section names the variant with the lowest validation cost, not the most accurate one.
    @Test func sideSweepRanksByTotalCost() throws {
        let validation = try SyntheticEvaluation(count: 500, seed: 3), test = try SyntheticEvaluation(count: 500, seed: 4)
        var cheap = SyntheticEvaluation.sideModels(validation: validation, test: test)[0]
        var costly = cheap
        cheap.name = "narrow"
        costly.name = "wide"
        costly.flops = 23_984_896 * 0.3   // same routing, 30 % of the deep model's cost on every sample
        var result = try Evaluator(settings: EvaluationSettings(scores: [.energy(temperature: 1), .margin], criteria: [.accuracyTolerance(0.01)]))
            .evaluate(title: "t", deepName: "cnn", deepFLOPs: 23_984_896, validation: validation.split, test: test.split,
                      sideModels: [costly, cheap])
        result.sideSweep = SideSweepSummary(baseRecipe: "base.yaml", variants: [
            .init(name: "wide", hidden: [128], temperature: 4, alpha: 0.5), .init(name: "narrow", hidden: [32], temperature: 4, alpha: 0.5),
        ])
        let (tolerance, rows) = try #require(SideSweepReport.rows(result))
        #expect(tolerance == 0.01 && rows.count == 2)
        let (winner, _) = try #require(SideSweepReport.winners(rows))
        #expect(winner.variant.name == "narrow")
        // Same routing, so the costs differ by exactly the side models' FLOPs difference.
        #expect(abs(rows[0].point.validation.relativeCost - rows[1].point.validation.relativeCost
                    - (costly.flops - cheap.flops) / 23_984_896) < 1e-9)
        #expect(MarkdownReport.render(result).contains("Minimises total cost: **`narrow`**"))
    }
}
