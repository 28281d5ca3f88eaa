import EBJRRouting

/// One labelled split with the deep model's logits on every sample (precomputed: evaluation may look at the
/// deep model's answer for accepted samples too, which a deployed joint model never computes).
public struct EvaluationSplit: Sendable {
    public var labels: [Int]
    public var deepLogits: Logits

    /// - Throws: `EvaluationError.empty` / `.lengthMismatch` naming `what`.
    public init(labels: [Int], deepLogits: Logits, what: String = "split") throws {
        guard !labels.isEmpty else { throw EvaluationError.empty(what: "\(what) labels") }
        guard deepLogits.count == labels.count else {
            throw EvaluationError.lengthMismatch(what: "\(what): deep logits rows vs labels", expected: labels.count,
                                                 actual: deepLogits.count)
        }
        self.labels = labels
        self.deepLogits = deepLogits
    }
}

/// A side model's logits on both splits, its cost and, for a specialized model, how it is routed.
public struct SideModelInput: Sendable {
    public var name: String
    public var flops: Double
    public var subsetRouting: SubsetRouting?
    /// Recorded in the result for `ebjr export router`.
    public var checkpoint: String?
    public var validationLogits: Logits
    public var testLogits: Logits

    public init(name: String, flops: Double, subsetRouting: SubsetRouting? = nil, checkpoint: String? = nil,
                validationLogits: Logits, testLogits: Logits) {
        self.name = name
        self.checkpoint = checkpoint
        self.flops = flops
        self.subsetRouting = subsetRouting
        self.validationLogits = validationLogits
        self.testLogits = testLogits
    }
}

/// Builds an `EvaluationResult` from arrays: for each side model and score, chooses every operating point on
/// validation, applies the threshold unchanged to test, and measures, bounds and checks both.
public struct Evaluator: Sendable {
    public var settings: EvaluationSettings

    public init(settings: EvaluationSettings = EvaluationSettings()) { self.settings = settings }

    /// - Throws: `EvaluationError` naming the side model, score and split that failed.
    public func evaluate(title: String, deepName: String, deepFLOPs: Double, validation: EvaluationSplit,
                         test: EvaluationSplit, sideModels: [SideModelInput], notes: [String] = [],
                         deepCheckpoint: String? = nil) throws -> EvaluationResult {
        try settings.validate()
        guard !sideModels.isEmpty else { throw EvaluationError.empty(what: "side models") }
        let deepValidation = validation.deepLogits.predictions()
        let deepTest = test.deepLogits.predictions()
        let deepAccuracy = SplitValues(
            validation: try withContext("deep model, validation") { try Metrics.accuracy(predictions: deepValidation, labels: validation.labels) },
            test: try withContext("deep model, test") { try Metrics.accuracy(predictions: deepTest, labels: test.labels) })
        let nTest = Double(test.labels.count)
        let deep = DeepModelSummary(
            name: deepName, checkpoint: deepCheckpoint, flops: deepFLOPs, accuracy: deepAccuracy,
            sampleCount: SplitValues(validation: validation.labels.count, test: test.labels.count),
            testAccuracyStandardError: (deepAccuracy.test * (1 - deepAccuracy.test) / nTest).squareRoot())
        let evaluations = try sideModels.map { side in
            try evaluateSide(side, deepFLOPs: deepFLOPs, validation: validation, test: test,
                             deepPredictions: SplitValues(validation: deepValidation, test: deepTest))
        }
        return EvaluationResult(title: title, deep: deep, sideModels: evaluations, settings: settings, notes: notes)
    }

    private func evaluateSide(_ side: SideModelInput, deepFLOPs: Double, validation: EvaluationSplit, test: EvaluationSplit,
                              deepPredictions: SplitValues<[Int]>) throws -> SideModelEvaluation {
        let cost = try withContext("side model \(side.name): cost") { try CostModel(sideFLOPs: side.flops, deepFLOPs: deepFLOPs) }
        for (split, logits, labels) in [("validation", side.validationLogits, validation.labels), ("test", side.testLogits, test.labels)]
        where logits.count != labels.count {
            throw EvaluationError.lengthMismatch(what: "side model \(side.name), \(split): side logits rows vs labels",
                                                 expected: labels.count, actual: logits.count)
        }
        let routing = side.subsetRouting
        let inSubset = routing.map { SplitValues(validation: $0.inSubset(validation.labels), test: $0.inSubset(test.labels)) }
        var scoreEvaluations: [ScoreEvaluation] = []
        // The side model alone over all samples; predictions (and "other") do not depend on the score.
        let sideAccuracy = try withContext("side model \(side.name)") {
            SplitValues(
                validation: fraction(try ScoredSamples(side: side.validationLogits, score: .margin, subsetRouting: routing)
                    .sideCorrect(labels: validation.labels)),
                test: fraction(try ScoredSamples(side: side.testLogits, score: .margin, subsetRouting: routing).sideCorrect(labels: test.labels)))
        }
        for score in settings.scores {
            let context = "side model \(side.name), score \(score)"
            // The validation part thresholds are chosen on: all of validation, except for a learned score (the
            // half its router was not trained on, see `validationView`).
            let view = try withContext("\(context), validation") {
                try validationView(score: score, side: side, validation: validation, test: test,
                                   deepPredictions: deepPredictions, inSubset: inSubset?.validation)
            }
            let scoredValidation = view.scored, scoredTest = view.test
            let validationLabels = view.labels, validationDeep = view.deepPredictions
            let outcomes = try withContext(context) {
                SplitValues(
                    validation: try RoutingOutcomes(scored: scoredValidation, labels: validationLabels,
                                                    deepPredictions: validationDeep, what: "validation split"),
                    test: try RoutingOutcomes(scored: scoredTest, labels: test.labels, deepPredictions: deepPredictions.test,
                                              what: "test split"))
            }
            let sweeps = SplitValues(validation: ThresholdSweep(outcomes.validation), test: ThresholdSweep(outcomes.test))
            var points: [OperatingPointEvaluation] = []
            for criterion in settings.criteria {
                if case .fixed = criterion, score.name != "energy" { continue }
                points.append(try withContext("\(context), \(criterion)") {
                    try operatingPoint(criterion, sweep: sweeps.validation, outcomes: outcomes,
                                       scored: SplitValues(validation: scoredValidation, test: scoredTest),
                                       labels: SplitValues(validation: validationLabels, test: test.labels),
                                       deepPredictions: SplitValues(validation: validationDeep, test: deepPredictions.test),
                                       inSubset: inSubset.map { SplitValues(validation: view.inSubset ?? [], test: $0.test) }, cost: cost)
                })
            }
            let aurocWrong = try withContext("\(context): AUROC") {
                SplitValues(validation: try Metrics.auroc(scores: scoredValidation.scores, isPositive: outcomes.validation.sideCorrect.map { !$0 }),
                            test: try Metrics.auroc(scores: scoredTest.scores, isPositive: outcomes.test.sideCorrect.map { !$0 }))
            }
            var aurocOut: SplitValues<Double?>?
            var histograms = [ScoreHistogram(
                title: "\(side.name): \(score) on test, side correct vs wrong",
                groups: [("side correct", select(scoredTest.scores, outcomes.test.sideCorrect, true)),
                         ("side wrong", select(scoredTest.scores, outcomes.test.sideCorrect, false))],
                bins: settings.histogramBins)]
            if let inSubset {
                aurocOut = try withContext("\(context): AUROC out-of-subset") {
                    SplitValues(validation: try Metrics.auroc(scores: scoredValidation.scores, isPositive: (view.inSubset ?? []).map { !$0 }),
                                test: try Metrics.auroc(scores: scoredTest.scores, isPositive: inSubset.test.map { !$0 }))
                }
                histograms.append(ScoreHistogram(
                    title: "\(side.name): \(score) on test, in vs out of subset",
                    groups: [("in subset", select(scoredTest.scores, inSubset.test, true)),
                             ("out of subset", select(scoredTest.scores, inSubset.test, false))],
                    bins: settings.histogramBins))
            }
            scoreEvaluations.append(ScoreEvaluation(
                score: score, aurocSideWrong: aurocWrong, aurocOutOfSubset: aurocOut, operatingPoints: points,
                curves: SplitValues(validation: TradeoffCurve(sweep: sweeps.validation, cost: cost).thinned(maxPoints: settings.curvePoints),
                                    test: TradeoffCurve(sweep: sweeps.test, cost: cost).thinned(maxPoints: settings.curvePoints)),
                histograms: histograms, learnedRouter: view.learnedRouter))
        }
        var inSubsetAccuracy: SplitValues<Double?>?
        if let routing, let inSubset {
            inSubsetAccuracy = SplitValues(
                validation: restrictedAccuracy(side.validationLogits, routing: routing, labels: validation.labels, inSubset: inSubset.validation),
                test: restrictedAccuracy(side.testLogits, routing: routing, labels: test.labels, inSubset: inSubset.test))
        }
        return SideModelEvaluation(
            name: side.name, checkpoint: side.checkpoint, flops: side.flops, subsetRouting: routing, accuracy: sideAccuracy,
            inSubsetShare: inSubset.map { SplitValues(validation: fraction($0.validation), test: fraction($0.test)) },
            inSubsetAccuracy: inSubsetAccuracy, scores: scoreEvaluations)
    }

    private func operatingPoint(_ criterion: SelectionCriterion, sweep: ThresholdSweep, outcomes: SplitValues<RoutingOutcomes>,
                                scored: SplitValues<ScoredSamples>, labels: SplitValues<[Int]>, deepPredictions: SplitValues<[Int]>,
                                inSubset: SplitValues<[Bool]>?, cost: CostModel) throws -> OperatingPointEvaluation {
        var selection: GuaranteedSelection?
        var guarantee: (epsilon: Double, delta: Double)?
        let tau: Double
        switch criterion {
        case let .targetAcceptance(q): tau = try ThresholdSelection.targetAcceptance(q, sweep: sweep).threshold
        case let .accuracyTolerance(d): tau = try ThresholdSelection.accuracyTolerance(d, sweep: sweep).threshold
        case let .guaranteed(e, d):
            let m = settings.familySize
            selection = try ThresholdSelection.guaranteed(epsilon: e, delta: settings.familyCorrection.level(delta: d, familySize: m),
                                                          sweep: sweep)
            if settings.familyCorrection == .bonferroni { selection!.familySize = m }
            guarantee = (e, d)
            tau = selection!.point.threshold
        case let .selectiveRisk(e, d):
            let m = settings.familySize
            selection = try ThresholdSelection.selectiveRisk(epsilon: e, delta: settings.familyCorrection.level(delta: d, familySize: m),
                                                             sweep: sweep)
            if settings.familyCorrection == .bonferroni { selection!.familySize = m }
            tau = selection!.point.threshold
        case let .fixed(rule): tau = rule.tau
        }
        let rule = ThresholdRule.scoreAtMost(tau)
        func evaluate(_ outcomes: RoutingOutcomes, _ scored: ScoredSamples, _ labels: [Int], _ deep: [Int], _ inSubset: [Bool]?) throws -> PointEvaluation {
            let accepted = scored.accepted(by: rule)
            let joint = try JointPrediction.merge(side: scored.predictions, deepAll: deep, accepted: accepted)
            let measured = try Metrics.accuracy(predictions: joint, labels: labels)
            let statistics = try OperatingPointStatistics(sideCorrect: outcomes.sideCorrect, deepCorrect: outcomes.deepCorrect,
                                                          accepted: accepted, inSubset: inSubset)
            let bounds = OperatingPointBounds(statistics, guarantee: guarantee)
            let measuredAcceptance = Double(accepted.lazy.filter { $0 }.count) / Double(accepted.count)
            return PointEvaluation(
                statistics: statistics, bounds: bounds, measuredJointAccuracy: measured,
                relativeCost: cost.relativeCost(routedFraction: 1 - measuredAcceptance),
                flags: BoundCheck.flags(statistics: statistics, bounds: bounds, measuredJointAccuracy: measured,
                                        measuredAcceptance: measuredAcceptance))
        }
        return OperatingPointEvaluation(
            criterion: criterion, rule: rule, paperRule: .negatedScoreAtLeast(-tau), selection: selection,
            validation: try evaluate(outcomes.validation, scored.validation, labels.validation, deepPredictions.validation, inSubset?.validation),
            test: try evaluate(outcomes.test, scored.test, labels.test, deepPredictions.test, inSubset?.test))
    }

    /// Accuracy on in-subset samples when the side model may only answer with subset classes.
    private func restrictedAccuracy(_ logits: Logits, routing: SubsetRouting, labels: [Int], inSubset: [Bool]) -> Double? {
        let columns: [Int]
        switch routing.design {
        case .subsetOnly, .otherClass: columns = Array(routing.subset.indices)
        case .generalRestricted: columns = routing.subset
        }
        var total = 0
        var right = 0
        for i in labels.indices where inSubset[i] {
            let row = logits.row(i)
            var best = columns[0]
            for c in columns.dropFirst() where row[row.startIndex + c] > row[row.startIndex + best] { best = c }
            total += 1
            if routing.globalClass(ofOutput: best) == labels[i] { right += 1 }
        }
        return total == 0 ? nil : Double(right) / Double(total)
    }

    private func fraction(_ flags: [Bool]) -> Double {
        flags.isEmpty ? 0 : Double(flags.lazy.filter { $0 }.count) / Double(flags.count)
    }

    private func select(_ values: [Double], _ mask: [Bool], _ keep: Bool) -> [Double] {
        zip(values, mask).compactMap { $1 == keep ? $0 : nil }
    }
}
