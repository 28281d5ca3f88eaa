/// What the router knows about each sample before a threshold is applied: the side model's score, its
/// prediction as a *global* class id, and whether the routing design lets it keep the sample at all.
///
/// For a general side model every sample is eligible. For a specialized one (see `SubsetRouting`) a sample
/// predicted as "other" (other-class design) or as an out-of-subset class (general-restricted design) is not
/// eligible and always goes to the deep model, whatever the threshold.
public struct ScoredSamples: Sendable, Equatable {
    /// The score of each sample (lower = keep).
    public let scores: [Double]
    /// The side model's prediction mapped to global class ids; `ScoredSamples.noPrediction` for "other".
    public let predictions: [Int]
    /// Whether a threshold can accept the sample.
    public let isEligible: [Bool]

    /// The prediction recorded for the "other" output, which is no class.
    public static let noPrediction = -1

    /// Scores the side model's logits.
    ///
    /// - Parameters:
    ///   - side: the side model's logits, `N × outputs` (`K` for a general model, `subsetRouting.outputCount`
    ///     for a specialized one).
    ///   - labels: global labels; required by the oracle score, otherwise unused.
    /// - Throws: `RoutingError` for a wrong output count, mismatched or negative labels, an invalid score.
    public init(side: Logits, score: Score, subsetRouting: SubsetRouting? = nil, labels: [Int]? = nil) throws {
        let n = side.count
        if let labels {
            guard labels.count == n else {
                throw RoutingError.lengthMismatch(what: "labels vs side logits", expected: n, actual: labels.count)
            }
            if let bad = labels.firstIndex(where: { $0 < 0 }) {
                throw RoutingError.classOutOfRange(what: "labels", index: bad, value: labels[bad], classCount: Int.max)
            }
        }
        let outputs = side.predictions()
        let global: [Int]
        if let routing = subsetRouting {
            guard side.classCount == routing.outputCount else {
                throw RoutingError.classCountMismatch(what: "side logits for \(routing.designName) subset \(routing.subset)",
                                                      expected: routing.outputCount, actual: side.classCount)
            }
            global = outputs.map { routing.globalClass(ofOutput: $0) ?? Self.noPrediction }
            isEligible = outputs.map { routing.mayAccept(output: $0) }
        } else {
            global = outputs
            isEligible = [Bool](repeating: true, count: n)
        }
        predictions = global
        let correct: [Bool]? = labels.map { labels in zip(global, labels).map { $0 == $1 } }
        if case .oracle = score, correct == nil {
            throw RoutingError.missingInput(what: "labels for the oracle score",
                                            reason: "the oracle accepts exactly the samples the side model gets right")
        }
        scores = try score.values(of: side, columns: subsetRouting?.scoreColumns, sideCorrect: correct)
    }

    /// Wraps precomputed arrays (all of the same length).
    public init(scores: [Double], predictions: [Int], isEligible: [Bool]? = nil) throws {
        guard predictions.count == scores.count else {
            throw RoutingError.lengthMismatch(what: "predictions vs scores", expected: scores.count, actual: predictions.count)
        }
        if let isEligible, isEligible.count != scores.count {
            throw RoutingError.lengthMismatch(what: "eligibility vs scores", expected: scores.count, actual: isEligible.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw RoutingError.nonFiniteScore(what: "scores", index: bad)
        }
        self.scores = scores
        self.predictions = predictions
        self.isEligible = isEligible ?? [Bool](repeating: true, count: scores.count)
    }

    /// The number of samples.
    public var count: Int { scores.count }

    /// `isEligible_i ∧ rule.accepts(score_i)` for every sample.
    public func accepted(by rule: ThresholdRule) -> [Bool] {
        zip(scores, isEligible).map { $1 && rule.accepts($0) }
    }

    /// `prediction_i == label_i` for every sample ("other" is never correct).
    public func sideCorrect(labels: [Int]) throws -> [Bool] {
        guard labels.count == count else {
            throw RoutingError.lengthMismatch(what: "labels vs side predictions", expected: count, actual: labels.count)
        }
        return zip(predictions, labels).map { $0 == $1 }
    }
}
