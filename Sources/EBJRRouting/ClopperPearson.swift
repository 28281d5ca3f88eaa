/// Exact (Clopper–Pearson) one-sided confidence bounds for a binomial proportion: after `x` events in `n`
/// independent trials, `p ≤ upperBound` with probability at least `1 − δ`.
///
/// - upper: `U = B⁻¹(1 − δ; x + 1, n − x)`, and `U = 1` when `x = n`;
/// - lower: `L = B⁻¹(δ; x, n − x + 1)`, and `L = 0` when `x = 0`;
/// with `B⁻¹(p; a, b)` the beta quantile (`BetaDistribution.quantile`). For `x = 0`: `U = 1 − δ^{1/n}`.
public enum ClopperPearson {
    /// The one-sided `(1 − δ)` upper confidence bound of a proportion.
    /// - Throws: `RoutingError.invalidParameter` for `n < 1`, `x ∉ 0...n` or `δ ∉ (0, 1)`.
    public static func upperBound(events x: Int, trials n: Int, delta: Double) throws -> Double {
        try validate(x, n, delta)
        if x == n { return 1 }
        return BetaDistribution.quantile(1 - delta, a: Double(x + 1), b: Double(n - x))
    }

    /// The one-sided `(1 − δ)` lower confidence bound of a proportion.
    public static func lowerBound(events x: Int, trials n: Int, delta: Double) throws -> Double {
        try validate(x, n, delta)
        if x == 0 { return 0 }
        return BetaDistribution.quantile(delta, a: Double(x), b: Double(n - x + 1))
    }

    private static func validate(_ x: Int, _ n: Int, _ delta: Double) throws {
        guard n >= 1 else { throw RoutingError.invalidParameter(name: "Clopper–Pearson trials n", value: Double(n), requirement: "≥ 1") }
        guard x >= 0, x <= n else {
            throw RoutingError.invalidParameter(name: "Clopper–Pearson events x", value: Double(x), requirement: "in 0...\(n)")
        }
        guard delta > 0, delta < 1 else {
            throw RoutingError.invalidParameter(name: "Clopper–Pearson δ", value: delta, requirement: "in (0, 1)")
        }
    }
}
