import Foundation
import Testing
import EBJRRouting
import _EBJRTestSupport
@testable import EBJREvaluation

/// The headline: the recommended point is the cheapest deployable one on validation at the guaranteed criterion,
/// the guarantee's verdict matches the test figures, the warnings fire on inverted scores, broken bounds and small
/// test splits, and `report.md` answers in its first 40 lines.
@Suite struct RecommendationTests {
    static let settings = EvaluationSettings(
        scores: [.energy(temperature: 1), .maxSoftmax(temperature: 2), .entropy(temperature: 1), .margin, .random(seed: 0), .oracle],
        criteria: [.targetAcceptance(0.5), .accuracyTolerance(0.005), .guaranteed(epsilon: 0.02, delta: 0.05)],
        // The synthetic splits were sized for uncorrected scans (the small-sample case needs a point whose test
        // interval straddles −ε); the family correction is tested in its own suite.
        curvePoints: 31, histogramBins: 10, familyCorrection: .none)

    static func result(validation n: Int = 1500, test m: Int = 1500, extraSides: [SideModelInput] = []) throws -> EvaluationResult {
        let validation = try SyntheticEvaluation(count: n, seed: 11), test = try SyntheticEvaluation(count: m, seed: 12)
        return try Evaluator(settings: settings).evaluate(
            title: "headline", deepName: "cnn", deepFLOPs: 1_000_000, validation: validation.split, test: test.split,
            sideModels: SyntheticEvaluation.sideModels(validation: validation, test: test) + extraSides)
    }

    @Test func recommendationIsTheCheapestGuaranteedPointAndItsVerdictIsTheTests() throws {
        let result = try Self.result()
        let mix = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let point = try #require(mix.point)
        let criterion = SelectionCriterion.guaranteed(epsilon: 0.02, delta: 0.05)
        #expect(point.criterion == criterion)
        // Brute force over every deployable score of every side model.
        var cheapest = Double.infinity
        for side in result.sideModels {
            for s in side.scores where s.score.name != "random" && s.score.name != "oracle" {
                let p = try #require(s.operatingPoints.first { $0.criterion == criterion })
                cheapest = min(cheapest, p.validation.relativeCost)
            }
        }
        #expect(point.expected.relativeCost == cheapest)
        let side = try #require(result.sideModels.first { $0.name == point.sideModel })
        let chosen = try #require(side.scores.first { $0.score == point.score }?.operatingPoints.first { $0.criterion == criterion })
        #expect(point.realised.relativeCost == chosen.test.relativeCost)
        #expect(point.realised.accuracyChange == chosen.test.measuredJointAccuracy - result.deep.accuracy.test)
        let guarantee = try #require(point.guarantee)
        #expect(guarantee.held == (result.deep.accuracy.test - chosen.test.measuredJointAccuracy <= 0.02))
        let interval = point.realised.accuracyChangeInterval
        #expect(interval[0] <= point.realised.accuracyChange && point.realised.accuracyChange <= interval[1] && interval[0] < interval[1])
        #expect(mix.generalVsSpecialized?.contains("footwear <other-class>") == true)
    }

    @Test func invertedScoresAndBrokenBoundsAreWarned() throws {
        // A side model that is confident exactly where it is wrong: every deployable score is inverted.
        func inverted(_ seed: UInt64, _ n: Int) throws -> Logits {
            var g = SeededGenerator(seed: seed)
            var values: [Float] = []
            let labels = try SyntheticEvaluation(count: n, seed: seed).labels
            for (i, y) in labels.enumerated() {
                let wrong = i % 2 == 1
                let predicted = wrong ? (y + 1) % 10 : y
                values += (0..<10).map { Float($0 == predicted ? (wrong ? 6 : 0.3) : 0) + Float(0.1 * g.nextUnit()) }
            }
            return try Logits(values: values, count: n, classCount: 10)
        }
        let side = SideModelInput(name: "backwards", flops: 1_000, validationLogits: try inverted(11, 1500), testLogits: try inverted(12, 1500))
        var result = try Self.result(extraSides: [side])
        let clean = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let invertedWarnings = clean.warnings.filter { $0.kind == .invertedScore }
        #expect(invertedWarnings.count == 1)
        #expect(invertedWarnings.first?.message.contains("`backwards`: 4 of 4 scores are inverted") == true)

        let flag = BoundFlag(check: "A_joint ≥ A_D − ε (guaranteed operating point)", measured: 0.8, relation: .atLeast, bound: 0.9, note: "")
        result.sideModels[0].scores[0].operatingPoints[2].test.flags = [flag]
        let flagged = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let violations = flagged.warnings.filter { $0.kind == .boundViolation }
        #expect(violations.count == 1 && violations[0].message.contains("A_joint ≥ A_D − ε"))
    }

    @Test func aSmallTestSplitCannotConfirmTheTolerance() throws {
        let result = try Self.result(test: 120)
        let mix = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let point = try #require(mix.point)
        let tolerance = 0.02
        let interval = point.realised.accuracyChangeInterval
        let expectWarning = interval[0] <= -tolerance && -tolerance <= interval[1]
        #expect(expectWarning, "with 120 test samples the interval \(interval) should contain −2 pp")
        #expect(mix.warnings.contains { $0.kind == .smallSample } == expectWarning)
    }

    @Test func reportAnswersInItsFirstFortyLinesAndStaysShort() throws {
        var result = try Self.result()
        let natural = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let other = Recommender.recommend(result, key: "70", label: "70% in-subset", report: "mix-70/report.md")
        result.recommendation = RecommendationBlock(criterion: .guaranteed(epsilon: 0.02, delta: 0.05), mixes: [natural, other])
        let md = MarkdownReport.render(result, plots: ["": ["overview-accuracy-vs-cost.svg"]])
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count < 400)
        let head = lines.prefix(40).joined(separator: "\n")
        let point = try #require(natural.point)
        for expected in ["## Recommendation", "[natural mix](report.md)", "[70% in-subset](mix-70/report.md)",
                         point.sideModel.replacingOccurrences(of: "|", with: "\\|"),
                         Format.threshold(point.threshold), "Guarantee (harmful-rate", point.guarantee!.held ? "held on test" : "not held on test",
                         "Δ = A_joint − A_D"] {
            #expect(head.contains(expected), "missing '\(expected)' in the first 40 lines:\n\(head)")
        }
        #expect(md.contains("| ★ `\(point.sideModel.replacingOccurrences(of: "|", with: "\\|"))`"))
        // report.json carries the same block and reads back.
        let decoded = try ReportWriter.readJSON(try ReportWriter.json(result))
        #expect(decoded.recommendation == result.recommendation)
    }

    @Test func thresholdsKeepTheDigitsThatMatter() {
        #expect(Format.threshold(-0.9999999999978193) == "−1 + 2.18e-12")
        #expect(Format.threshold(-3.760756981158161) == "−3.761")
        #expect(Format.threshold(0.6551421316121443) == "0.6551")
        #expect(Format.threshold(nil) == "none (route all)")
        #expect(Format.signedPP(-0.0046) == "−0.46 pp")
        #expect(Format.signedPP(0.0005) == "+0.05 pp")
    }
}
