/// Per-sample routing scores of one row of logits `z ∈ R^K`. Lower = more confident = keep the side model's
/// answer. All are computed in Double from the Float32 logits, with the row maximum subtracted first, so they
/// are finite for any finite logits (±1e4 included).
///
/// Write `m = max_k z_k` and `s_k = (z_k − m)/T`, so `s_k ≤ 0` and `Z = Σ_k exp(s_k) ∈ [1, K]`.
public enum ScoreFunctions {
    /// Energy `E_T(z) = −T · log Σ_k exp(z_k / T) = −(m + T · log Z)`.
    /// For `K = 1` this is `−z_0`. Shifting all logits by `c` shifts the energy by `−c`.
    public static func energy<C: Collection>(_ row: C, temperature: Double = 1) -> Double where C.Element == Float {
        let (m, logZ) = shiftedLogSumExp(row, temperature: temperature)
        return -(m + temperature * logZ)
    }

    /// Negative maximum softmax probability `−max_k softmax(z/T)_k = −1/Z`, in `[−1, −1/K]`.
    public static func negativeMaxSoftmax<C: Collection>(_ row: C, temperature: Double = 1) -> Double
    where C.Element == Float {
        let (_, logZ) = shiftedLogSumExp(row, temperature: temperature)
        return -ElementaryMath.exp(-logZ)
    }

    /// Entropy of `p = softmax(z/T)`: `H = −Σ p_k log p_k = log Z − (Σ_k exp(s_k)·s_k) / Z`, in `[0, log K]`.
    public static func entropy<C: Collection>(_ row: C, temperature: Double = 1) -> Double where C.Element == Float {
        var m = -Double.infinity
        for z in row { m = max(m, Double(z)) }
        var total = 0.0
        var weighted = 0.0
        for z in row {
            let s = (Double(z) - m) / temperature
            let e = ElementaryMath.exp(s)
            total += e
            weighted += e * s
        }
        return max(0, ElementaryMath.log(total) - weighted / total)
    }

    /// Negative top-1/top-2 logit margin `−(z_(1) − z_(2))` (the two largest logits; 0 when they tie).
    /// A single-output row (`K = 1`) has no competitor and scores 0. The margin does not use a temperature.
    public static func negativeMargin<C: Collection>(_ row: C) -> Double where C.Element == Float {
        var first = -Double.infinity
        var second = -Double.infinity
        for z in row {
            let v = Double(z)
            if v > first {
                second = first
                first = v
            } else if v > second {
                second = v
            }
        }
        return second == -.infinity ? 0 : -(first - second)
    }

    /// `(m, log Σ_k exp((z_k − m)/T))` with `m = max_k z_k`.
    static func shiftedLogSumExp<C: Collection>(_ row: C, temperature: Double) -> (Double, Double)
    where C.Element == Float {
        var m = -Double.infinity
        for z in row { m = max(m, Double(z)) }
        var total = 0.0
        for z in row { total += ElementaryMath.exp((Double(z) - m) / temperature) }
        return (m, ElementaryMath.log(total))
    }
}
