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

    /// Mean cross-entropy of `[N, K]` logits against class indices, `−(1/N) Σ_n logSoftmax(z_n)[y_n]`, as one
    /// recorded operation: the same arithmetic, in the same order, as `-(logSoftmax().gather(columns:).mean())`
    /// (so the same value and gradient, `(1/N)·(softmax(z) − onehot(y))` scaled by the upstream gradient), without
    /// the four intermediate tensors and tape nodes.
    public func softmaxCrossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2 && shape[0] == labels.count,
                     "softmaxCrossEntropy: need [N, K] logits and N labels, got \(shape) and \(labels.count)")
        let n = shape[0], k = shape[1]
        for (r, c) in labels.enumerated() {
            precondition(c >= 0 && c < k, "softmaxCrossEntropy: label \(c) at row \(r) is outside 0..<\(k)")
        }
        let logProbs = Tensor.uninitialized(shape)
        let x = data, o = logProbs.data
        var picked: Float = 0
        for r in 0..<n {
            let lse = Tensor.rowLogSumExp(x + r * k, k)
            for j in 0..<k { o[r * k + j] = x[r * k + j] - lse }
            picked += o[r * k + labels[r]]
        }
        let inverseN = 1 / Float(Swift.max(n, 1))
        let out = Tensor(scalar: -(picked * inverseN))
        return Tensor.record("softmaxCrossEntropy", output: out, inputs: [self]) { g in
            let scale = -g.item * inverseN
            let grad = Tensor.uninitialized([n, k])
            let o = logProbs.data  // the closure owns `logProbs`
            for r in 0..<n {
                let yr = o + r * k, dst = grad.data + r * k, label = labels[r]
                for j in 0..<k { dst[j] = (j == label ? scale : 0) - Foundation.exp(yr[j]) * scale }
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
