/// The per-sample facts threshold selection and evaluation need, for one split: the side model's score,
/// whether it may keep the sample, and whether the side and the deep model are right.
public struct RoutingOutcomes: Sendable, Equatable {
    public let scores: [Double]
    public let isEligible: [Bool]
    public let sideCorrect: [Bool]
    public let deepCorrect: [Bool]

    /// - Throws: `RoutingError.empty` for no samples, `.lengthMismatch` naming `what` (e.g. "validation split")
    ///   when the arrays differ in length, `.nonFiniteScore` for a NaN or infinite score.
    public init(scores: [Double], sideCorrect: [Bool], deepCorrect: [Bool], isEligible: [Bool]? = nil,
                what: String = "split") throws {
        let n = scores.count
        guard n > 0 else { throw RoutingError.empty(what: "\(what) (scores)") }
        guard sideCorrect.count == n else {
            throw RoutingError.lengthMismatch(what: "\(what): side correctness vs scores", expected: n, actual: sideCorrect.count)
        }
        guard deepCorrect.count == n else {
            throw RoutingError.lengthMismatch(what: "\(what): deep correctness vs scores", expected: n, actual: deepCorrect.count)
        }
        if let isEligible, isEligible.count != n {
            throw RoutingError.lengthMismatch(what: "\(what): eligibility vs scores", expected: n, actual: isEligible.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw RoutingError.nonFiniteScore(what: what, index: bad)
        }
        self.scores = scores
        self.sideCorrect = sideCorrect
        self.deepCorrect = deepCorrect
        self.isEligible = isEligible ?? [Bool](repeating: true, count: n)
    }

    /// From scored side outputs, labels and the deep model's predictions on all samples.
    public init(scored: ScoredSamples, labels: [Int], deepPredictions: [Int], what: String = "split") throws {
        guard deepPredictions.count == labels.count else {
            throw RoutingError.lengthMismatch(what: "\(what): deep predictions vs labels", expected: labels.count,
                                              actual: deepPredictions.count)
        }
        try self.init(scores: scored.scores, sideCorrect: try scored.sideCorrect(labels: labels),
                      deepCorrect: zip(deepPredictions, labels).map { $0 == $1 }, isEligible: scored.isEligible,
                      what: what)
    }

    /// The number of samples `n`.
    public var count: Int { scores.count }

    /// The accept mask of a threshold rule.
    public func accepted(by rule: ThresholdRule) -> [Bool] {
        zip(scores, isEligible).map { $1 && rule.accepts($0) }
    }

    /// The counts at a threshold rule.
    public func point(at rule: ThresholdRule) -> SweepPoint { point(accepted: accepted(by: rule), threshold: rule.tau) }

    /// The counts for an arbitrary accept mask (`threshold` is recorded as given).
    public func point(accepted: [Bool], threshold: Double) -> SweepPoint {
        precondition(accepted.count == count, "RoutingOutcomes.point: mask of \(accepted.count) for \(count) samples")
        var point = SweepPoint(threshold: threshold, sampleCount: count,
                               deepCorrectCount: deepCorrect.lazy.filter { $0 }.count)
        for i in 0..<count where accepted[i] { point.add(sideCorrect: sideCorrect[i], deepCorrect: deepCorrect[i]) }
        return point
    }
}
