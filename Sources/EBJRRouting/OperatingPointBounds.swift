/// The bounds docs/method.md §8 prints next to the measured numbers of an operating point, computed from its
/// statistics. A term whose conditional accuracy is undefined (nothing accepted / nothing routed) enters with
/// weight 0, so every value is defined.
public struct OperatingPointBounds: Hashable, Sendable, Codable {
    /// Exact: `q·a_S + (1 − q)·a_D^routed` (= `A_joint`).
    public var jointAccuracyIdentity: Double
    /// Exact: `q·(a_D^acc − a_S)` (= `A_D − A_joint`).
    public var lossIdentity: Double
    /// Knowing only `A_D`: `q·a_S + max(0, A_D − q) ≤ A_joint`.
    public var jointAccuracyLower: Double
    /// Knowing only `A_D`: `A_joint ≤ q·a_S + min(1 − q, A_D)`.
    public var jointAccuracyUpper: Double
    /// `A_D − A_joint ≤ q·(1 − a_S)`.
    public var lossUpper: Double
    /// `P(side ∨ deep correct)`, the ceiling at any cost.
    public var oracleCeiling: Double
    /// The best accuracy of any router with the same routing budget `1 − q`.
    public var oracleAtRoutingBudget: Double
    /// Specialized terms.
    public var subset: SubsetBounds?
    /// Guaranteed operating point terms.
    public var guarantee: GuaranteeBounds?

    /// Specialized side model (subset `C`, `π = P(y ∈ C)`, in-subset acceptance `r`, out-of-subset acceptance `f`).
    public struct SubsetBounds: Hashable, Sendable, Codable {
        public var inSubsetShare: Double
        public var inSubsetAcceptance: Double
        public var outOfSubsetAcceptance: Double
        /// Exact: `q = π·r + (1 − π)·f`.
        public var acceptanceIdentity: Double
        /// Every out-of-subset acceptance is an error, so `a_S ≤ π·r / q` (1 when nothing is accepted).
        public var sideAccuracyAcceptedUpper: Double
        /// The loss caused by out-of-subset acceptances: `(1 − π)·f·a_D^{out,acc}`.
        public var outOfSubsetLoss: Double
        /// `A_joint ≤ A_D − (1 − π)·f·a_D^{out,acc} + π·r·(1 − a_D^{in,acc})`.
        public var jointAccuracyUpper: Double
    }

    /// A threshold chosen by the guaranteed (harmful-rate) selection with `ε`, `δ`.
    public struct GuaranteeBounds: Hashable, Sendable, Codable {
        public var epsilon: Double
        public var delta: Double
        /// With probability ≥ `1 − δ`: `A_joint ≥ A_D − ε` (the harmful rate over all samples is ≤ ε, and the
        /// loss is at most the harmful rate). Up to the sampling error of `A_D` itself on a finite test split.
        public var jointAccuracyLower: Double
        /// `A_D − q·ε`, the form written in docs/method.md §8; it follows only if `ε` bounds the harmful rate among
        /// *accepted* samples, which the §7 scan does not do, so it is shown but not checked.
        public var methodStatedJointAccuracyLower: Double
    }

    public init(_ s: OperatingPointStatistics, guarantee: (epsilon: Double, delta: Double)? = nil) {
        let q = s.acceptance
        let aS = s.sideAccuracyAccepted ?? 0
        let qaS = q * aS
        jointAccuracyIdentity = qaS + (1 - q) * (s.deepAccuracyRouted ?? 0)
        lossIdentity = q * ((s.deepAccuracyAccepted ?? 0) - aS)
        jointAccuracyLower = qaS + max(0, s.deepAccuracy - q)
        jointAccuracyUpper = qaS + min(1 - q, s.deepAccuracy)
        lossUpper = q * (1 - aS)
        oracleCeiling = s.oracleCeiling
        oracleAtRoutingBudget = s.oracleAtRoutingBudget
        if let t = s.subset {
            let pi = t.inSubsetShare
            let r = t.inSubsetAcceptance ?? 0
            let f = t.outOfSubsetAcceptance ?? 0
            let outLoss = (1 - pi) * f * (t.deepAccuracyAcceptedOutOfSubset ?? 0)
            subset = SubsetBounds(
                inSubsetShare: pi, inSubsetAcceptance: r, outOfSubsetAcceptance: f,
                acceptanceIdentity: pi * r + (1 - pi) * f,
                sideAccuracyAcceptedUpper: q > 0 ? min(1, pi * r / q) : 1,
                outOfSubsetLoss: outLoss,
                jointAccuracyUpper: s.deepAccuracy - outLoss + pi * r * (1 - (t.deepAccuracyAcceptedInSubset ?? 0)))
        }
        if let g = guarantee {
            self.guarantee = GuaranteeBounds(epsilon: g.epsilon, delta: g.delta,
                                             jointAccuracyLower: s.deepAccuracy - g.epsilon,
                                             methodStatedJointAccuracyLower: s.deepAccuracy - q * g.epsilon)
        }
    }
}
