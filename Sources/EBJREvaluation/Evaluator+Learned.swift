import EBJRRouting
import EBJRDeferral

/// The samples one score's thresholds are chosen on, and its scored test split.
struct ValidationView {
    var scored: ScoredSamples
    var labels: [Int]
    var deepPredictions: [Int]
    var inSubset: [Bool]?
    var test: ScoredSamples
    /// A learned score's router, to store in the report (nil for a closed-form score).
    var learnedRouter: DeferralRouterState? = nil
}

extension Evaluator {
    /// Scores validation and test for `score`. A closed-form score uses all of validation. A learned score is
    /// first fitted on one half of validation (`LearnedScores`), and its thresholds are chosen on the other half
    /// only: the returned view holds that half's samples, labels and deep predictions.
    func validationView(score: Score, side: SideModelInput, validation: EvaluationSplit, test: EvaluationSplit,
                        deepPredictions: SplitValues<[Int]>, inSubset: [Bool]?) throws -> ValidationView {
        let routing = side.subsetRouting
        guard case let .learned(hidden, seed) = score else {
            let testScore: Score
            if case let .random(seed) = score { testScore = .random(seed: seed &+ 1) } else { testScore = score }
            return ValidationView(
                scored: try ScoredSamples(side: side.validationLogits, score: score, subsetRouting: routing, labels: validation.labels),
                labels: validation.labels, deepPredictions: deepPredictions.validation, inSubset: inSubset,
                test: try ScoredSamples(side: side.testLogits, score: testScore, subsetRouting: routing, labels: test.labels))
        }
        // Predictions and eligibility do not depend on the score: take them from the margin.
        let baseValidation = try ScoredSamples(side: side.validationLogits, score: .margin, subsetRouting: routing)
        let baseTest = try ScoredSamples(side: side.testLogits, score: .margin, subsetRouting: routing)
        let sideCorrect = try baseValidation.sideCorrect(labels: validation.labels)
        let deepCorrect = zip(deepPredictions.validation, validation.labels).map { $0 == $1 }
        let learned = try LearnedScores(validation: side.validationLogits, test: side.testLogits, subsetRouting: routing,
                                        sideCorrect: sideCorrect, deepCorrect: deepCorrect, isEligible: baseValidation.isEligible,
                                        settings: DeferralRouterSettings(hidden: hidden, seed: seed))
        let rows = learned.selectionRows
        return ValidationView(
            scored: try ScoredSamples(scores: learned.selection, predictions: rows.map { baseValidation.predictions[$0] },
                                      isEligible: rows.map { baseValidation.isEligible[$0] }),
            labels: rows.map { validation.labels[$0] }, deepPredictions: rows.map { deepPredictions.validation[$0] },
            inSubset: inSubset.map { flags in rows.map { flags[$0] } },
            test: try ScoredSamples(scores: learned.test, predictions: baseTest.predictions, isEligible: baseTest.isEligible),
            learnedRouter: learned.router.state(subsetRouting: routing))
    }
}
