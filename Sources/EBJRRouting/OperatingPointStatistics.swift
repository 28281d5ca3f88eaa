/// The measured quantities of one operating point on one split (docs/method.md §8), from the correctness vectors and
/// the accept mask. Conditional accuracies are nil when their condition is empty (e.g. nothing accepted).
///
/// Notation: `q` acceptance, `a_S` side accuracy on accepted, `A_D` deep accuracy on all, `a_D^acc` /
/// `a_D^routed` deep accuracy on accepted / routed samples.
public struct OperatingPointStatistics: Hashable, Sendable, Codable {
    public var sampleCount: Int
    public var acceptedCount: Int
    /// `q`.
    public var acceptance: Double
    /// `a_S`.
    public var sideAccuracyAccepted: Double?
    /// `A_D`.
    public var deepAccuracy: Double
    /// `a_D^acc`.
    public var deepAccuracyAccepted: Double?
    /// `a_D^routed`.
    public var deepAccuracyRouted: Double?
    /// The side model's accuracy over all samples (specialized: "other" counts as wrong).
    public var sideAccuracy: Double
    /// `A_joint`, from the correctness vectors: side correct where accepted, deep correct where routed.
    public var jointAccuracy: Double
    /// Accepted ∧ side wrong ∧ deep right, over `n`.
    public var harmfulRate: Double
    /// Accepted ∧ side right ∧ deep wrong, over `n`.
    public var helpfulRate: Double
    /// `P(side correct ∨ deep correct)`.
    public var oracleCeiling: Double
    /// The best accuracy any router reaches routing at most the same fraction `1 − q`.
    public var oracleAtRoutingBudget: Double
    /// Specialized terms, when an in-subset mask was given.
    public var subset: SubsetStatistics?

    /// Terms of a specialized side model for subset `C`.
    public struct SubsetStatistics: Hashable, Sendable, Codable {
        /// `π = P(y ∈ C)`.
        public var inSubsetShare: Double
        /// `r`: acceptance among in-subset samples (nil if there are none).
        public var inSubsetAcceptance: Double?
        /// `f`: acceptance among out-of-subset samples (nil if there are none); each such acceptance is an error.
        public var outOfSubsetAcceptance: Double?
        /// Side accuracy on accepted in-subset samples.
        public var sideAccuracyAcceptedInSubset: Double?
        /// Deep accuracy on accepted in-subset samples, `a_D^{in,acc}`.
        public var deepAccuracyAcceptedInSubset: Double?
        /// Deep accuracy on accepted out-of-subset samples, `a_D^{out,acc}`.
        public var deepAccuracyAcceptedOutOfSubset: Double?
        /// AUROC-free count: accepted out-of-subset samples.
        public var outOfSubsetAcceptedCount: Int
    }

    /// - Throws: `RoutingError.empty` / `.lengthMismatch` naming the arrays.
    public init(sideCorrect: [Bool], deepCorrect: [Bool], accepted: [Bool], inSubset: [Bool]? = nil) throws {
        let n = accepted.count
        guard n > 0 else { throw RoutingError.empty(what: "operating point (accept mask)") }
        for (name, array) in [("side correctness", sideCorrect), ("deep correctness", deepCorrect), ("in-subset mask", inSubset ?? accepted)]
        where array.count != n {
            throw RoutingError.lengthMismatch(what: "\(name) vs accept mask", expected: n, actual: array.count)
        }
        func rate(_ count: Int, _ of: Int) -> Double? { of == 0 ? nil : Double(count) / Double(of) }
        var accepted_ = 0, sideAcc = 0, deepAcc = 0, deepRouted = 0, sideAll = 0, deepAll = 0, harmful = 0, helpful = 0
        for i in 0..<n {
            if sideCorrect[i] { sideAll += 1 }
            if deepCorrect[i] { deepAll += 1 }
            if accepted[i] {
                accepted_ += 1
                if sideCorrect[i] { sideAcc += 1 }
                if deepCorrect[i] { deepAcc += 1 }
                if deepCorrect[i] && !sideCorrect[i] { harmful += 1 }
                if sideCorrect[i] && !deepCorrect[i] { helpful += 1 }
            } else if deepCorrect[i] {
                deepRouted += 1
            }
        }
        sampleCount = n
        acceptedCount = accepted_
        acceptance = Double(accepted_) / Double(n)
        sideAccuracyAccepted = rate(sideAcc, accepted_)
        deepAccuracy = Double(deepAll) / Double(n)
        deepAccuracyAccepted = rate(deepAcc, accepted_)
        deepAccuracyRouted = rate(deepRouted, n - accepted_)
        sideAccuracy = Double(sideAll) / Double(n)
        jointAccuracy = Double(sideAcc + deepRouted) / Double(n)
        harmfulRate = Double(harmful) / Double(n)
        helpfulRate = Double(helpful) / Double(n)
        oracleCeiling = try OracleRouting.ceiling(sideCorrect: sideCorrect, deepCorrect: deepCorrect)
        oracleAtRoutingBudget = try OracleRouting.bestAccuracy(sideCorrect: sideCorrect, deepCorrect: deepCorrect,
                                                              routingBudget: Double(n - accepted_) / Double(n))
        if let inSubset {
            var inCount = 0, inAcc = 0, outAcc = 0, sideInAcc = 0, deepInAcc = 0, deepOutAcc = 0
            for i in 0..<n {
                if inSubset[i] { inCount += 1 }
                guard accepted[i] else { continue }
                if inSubset[i] {
                    inAcc += 1
                    if sideCorrect[i] { sideInAcc += 1 }
                    if deepCorrect[i] { deepInAcc += 1 }
                } else {
                    outAcc += 1
                    if deepCorrect[i] { deepOutAcc += 1 }
                }
            }
            subset = SubsetStatistics(
                inSubsetShare: Double(inCount) / Double(n), inSubsetAcceptance: rate(inAcc, inCount),
                outOfSubsetAcceptance: rate(outAcc, n - inCount), sideAccuracyAcceptedInSubset: rate(sideInAcc, inAcc),
                deepAccuracyAcceptedInSubset: rate(deepInAcc, inAcc), deepAccuracyAcceptedOutOfSubset: rate(deepOutAcc, outAcc),
                outOfSubsetAcceptedCount: outAcc)
        }
    }

    /// `A_D − A_joint`.
    public var lossVersusDeep: Double { deepAccuracy - jointAccuracy }

    /// Joint beats deep exactly when the side model is more accurate than the deep one on the samples it keeps.
    public var jointBeatsDeep: Bool { (sideAccuracyAccepted ?? 0) > (deepAccuracyAccepted ?? 0) }
}
