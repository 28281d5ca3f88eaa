import Foundation

extension Tensor {
    /// Row-wise stable `logsumexp` over the last axis: `m + log Σ_k exp(z_k − m)` with `m = max_k z_k`,
    /// shape `[..., 1]` dropped. Fused; `∂z_k = g · softmax(z)_k`.
    public func logSumExp() -> Tensor {
        let k = shape.last ?? 1
        let rows = count / Swift.max(k, 1)
        let out = Tensor.uninitialized(Array(shape.dropLast()))
        let x = data, o = out.data
        for r in 0..<rows { o[r] = Tensor.rowLogSumExp(x + r * k, k) }
        return Tensor.record("logsumexp", output: out, inputs: [self]) { [self] g in
            let grad = Tensor.uninitialized(self.shape)
            for r in 0..<rows {
                let row = x + r * k, dst = grad.data + r * k, lse = o[r], gr = g.data[r]
                for j in 0..<k { dst[j] = gr * Foundation.exp(row[j] - lse) }
            }
            return [grad]
        }
    }

    /// Row-wise `log softmax` over the last axis: `z_k − logsumexp(z)`. Fused;
    /// `∂z = g − softmax(z) · Σ_k g_k`.
    public func logSoftmax() -> Tensor {
        let k = shape.last ?? 1
        let rows = count / Swift.max(k, 1)
        let out = Tensor.uninitialized(shape)
        let x = data, o = out.data
        for r in 0..<rows {
            let lse = Tensor.rowLogSumExp(x + r * k, k)
            for j in 0..<k { o[r * k + j] = x[r * k + j] - lse }
        }
        return Tensor.record("logSoftmax", output: out, inputs: [self]) { g in
            let grad = Tensor.uninitialized(g.shape)
            for r in 0..<rows {
                let gr = g.data + r * k, yr = o + r * k, dst = grad.data + r * k
                var total: Float = 0
                for j in 0..<k { total += gr[j] }
                for j in 0..<k { dst[j] = gr[j] - Foundation.exp(yr[j]) * total }
            }
            return [grad]
        }
    }

    /// Row-wise softmax over the last axis, `exp(logSoftmax(z))`.
    public func softmax() -> Tensor { logSoftmax().exp() }

    /// Stable `log Σ exp(x_j)` of one row of `k` values (`−∞` for an empty row).
    @inline(__always)
    static func rowLogSumExp(_ row: UnsafePointer<Float>, _ k: Int) -> Float {
        if k == 0 { return -.infinity }
        var m = row[0]
        for j in 1..<k where row[j] > m { m = row[j] }
        if m == -.infinity { return -.infinity }
        var s: Float = 0
        for j in 0..<k { s += Foundation.exp(row[j] - m) }
        return m + Foundation.log(s)
    }
}
