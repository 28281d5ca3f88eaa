/// The counts of one operating point (a threshold) on one split of `n` samples.
///
/// A sample is *harmful* when it is accepted, the side model is wrong and the deep model is right: the joint
/// model's loss against the deep model, `A_D − A_joint = (harmful − helpful)/n`, is at most `harmful/n`.
public struct SweepPoint: Hashable, Sendable, Codable {
    /// `τ` in our convention (accept iff score ≤ τ).
    public var threshold: Double
    /// `n`.
    public var sampleCount: Int
    /// Number of samples the deep model gets right, over all `n`.
    public var deepCorrectCount: Int
    /// Number of accepted samples, `q·n`.
    public var acceptedCount: Int = 0
    /// Accepted samples the side model gets right.
    public var sideCorrectAccepted: Int = 0
    /// Accepted samples the deep model gets right.
    public var deepCorrectAccepted: Int = 0
    /// Accepted ∧ side wrong ∧ deep right.
    public var harmfulCount: Int = 0

    public init(threshold: Double, sampleCount: Int, deepCorrectCount: Int) {
        self.threshold = threshold
        self.sampleCount = sampleCount
        self.deepCorrectCount = deepCorrectCount
    }

    /// Counts one more accepted sample.
    mutating func add(sideCorrect: Bool, deepCorrect: Bool) {
        acceptedCount += 1
        if sideCorrect { sideCorrectAccepted += 1 }
        if deepCorrect { deepCorrectAccepted += 1 }
        if deepCorrect && !sideCorrect { harmfulCount += 1 }
    }

    /// Acceptance rate `q`.
    public var acceptance: Double { Double(acceptedCount) / Double(sampleCount) }
    /// Routed fraction `1 − q`.
    public var routedFraction: Double { 1 - acceptance }
    /// Joint correct count: side-correct accepted + deep-correct routed.
    public var jointCorrectCount: Int { sideCorrectAccepted + deepCorrectCount - deepCorrectAccepted }
    /// `A_joint`.
    public var jointAccuracy: Double { Double(jointCorrectCount) / Double(sampleCount) }
    /// `A_D`.
    public var deepAccuracy: Double { Double(deepCorrectCount) / Double(sampleCount) }
    /// `A_D − A_joint` (negative when the joint model beats the deep one).
    public var lossVersusDeep: Double { Double(deepCorrectCount - jointCorrectCount) / Double(sampleCount) }
    /// `h = harmful / n`.
    public var harmfulRate: Double { Double(harmfulCount) / Double(sampleCount) }
    /// Side errors among accepted samples.
    public var sideErrorsAccepted: Int { acceptedCount - sideCorrectAccepted }
    /// `a_S`, the side accuracy on accepted samples (nil when nothing is accepted).
    public var sideAccuracyAccepted: Double? {
        acceptedCount == 0 ? nil : Double(sideCorrectAccepted) / Double(acceptedCount)
    }
}
