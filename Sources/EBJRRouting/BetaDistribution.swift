/// The beta distribution's CDF (the regularized incomplete beta function) and its inverse, in Double.
///
/// `I_x(a, b) = B(x; a, b) / B(a, b)` with `B(x; a, b) = ∫₀ˣ t^{a−1} (1 − t)^{b−1} dt`.
/// Evaluated from its continued fraction
/// `I_x(a,b) = x^a (1−x)^b / (a·B(a,b)) · 1/(1 + d₁/(1 + d₂/(1 + …)))`, with
/// `d_{2k+1} = −(a+k)(a+b+k)x / ((a+2k)(a+2k+1))` and `d_{2k} = k(b−k)x / ((a+2k−1)(a+2k))`,
/// summed by the modified Lentz method. The fraction converges fast for `x < (a+1)/(a+b+2)`; above that the
/// symmetry `I_x(a,b) = 1 − I_{1−x}(b,a)` is used.
public enum BetaDistribution {
    /// `I_x(a, b)`, the CDF at `x` of Beta(a, b); `a, b > 0`. Returns 0 for `x ≤ 0` and 1 for `x ≥ 1`.
    public static func cdf(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "BetaDistribution.cdf: a = \(a), b = \(b) must be > 0")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = a * ElementaryMath.log(x) + b * ElementaryMath.log1p(-x) - logBeta(a, b)
        let front = ElementaryMath.exp(logFront)
        if x < (a + 1) / (a + b + 2) {
            return min(1, front * continuedFraction(x, a, b) / a)
        }
        return max(0, 1 - front * continuedFraction(1 - x, b, a) / b)
    }

    /// The quantile: the `x ∈ [0, 1]` with `I_x(a, b) = p`, by bisection (the CDF is increasing in `x`),
    /// to full double precision.
    public static func quantile(_ p: Double, a: Double, b: Double) -> Double {
        precondition(p >= 0 && p <= 1, "BetaDistribution.quantile: p = \(p) outside [0, 1]")
        if p == 0 { return 0 }
        if p == 1 { return 1 }
        var low = 0.0
        var high = 1.0
        for _ in 0..<1100 {
            let mid = 0.5 * (low + high)
            if mid <= low || mid >= high { break }
            if cdf(mid, a: a, b: b) < p { low = mid } else { high = mid }
        }
        return 0.5 * (low + high)
    }

    /// `log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b)`.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        ElementaryMath.logGamma(a) + ElementaryMath.logGamma(b) - ElementaryMath.logGamma(a + b)
    }

    /// `1/(1 + d₁/(1 + d₂/(1 + …)))` by the modified Lentz method.
    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ v: Double) -> Double { abs(v) < tiny ? tiny : v }
        // Lentz for f = b₀ + a₁/(b₁ + a₂/(b₂ + …)) with b₀ = 0 replaced by the equivalent start C = 1, D = 1/(1 + d₁).
        var c = 1.0
        var d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var f = d
        for k in 1...20_000 {
            let kk = Double(k)
            let even = kk * (b - kk) * x / ((a + 2 * kk - 1) * (a + 2 * kk))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            f *= d * c
            let odd = -(a + kk) * (a + b + kk) * x / ((a + 2 * kk) * (a + 2 * kk + 1))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let step = d * c
            f *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return f
    }
}
