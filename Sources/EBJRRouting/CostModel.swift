/// The cost of a joint model (docs/method.md §6): the side model runs on every sample, the deep model on the routed
/// ones. `joint = C_S + ρ·C_D` per sample for a routed fraction `ρ = 1 − q`; `relative = joint / C_D`.
public struct CostModel: Hashable, Sendable, Codable {
    /// Side model FLOPs per sample (2 × multiply-accumulates of linear and conv layers).
    public let sideFLOPs: Double
    /// Deep model FLOPs per sample.
    public let deepFLOPs: Double

    /// - Throws: `RoutingError.invalidParameter` unless `sideFLOPs ≥ 0` and `deepFLOPs > 0`, both finite.
    public init(sideFLOPs: Double, deepFLOPs: Double) throws {
        guard sideFLOPs >= 0, sideFLOPs.isFinite else {
            throw RoutingError.invalidParameter(name: "side FLOPs", value: sideFLOPs, requirement: "finite and ≥ 0")
        }
        guard deepFLOPs > 0, deepFLOPs.isFinite else {
            throw RoutingError.invalidParameter(name: "deep FLOPs", value: deepFLOPs, requirement: "finite and > 0")
        }
        self.sideFLOPs = sideFLOPs
        self.deepFLOPs = deepFLOPs
    }

    /// `C_S + ρ·C_D` per sample.
    public func jointFLOPs(routedFraction: Double) -> Double { sideFLOPs + routedFraction * deepFLOPs }

    /// `(C_S + ρ·C_D) / C_D`.
    public func relativeCost(routedFraction: Double) -> Double { jointFLOPs(routedFraction: routedFraction) / deepFLOPs }
}
