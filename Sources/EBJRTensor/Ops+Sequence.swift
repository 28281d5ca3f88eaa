import Foundation

// Fused primitives for recurrent sequence models. Each is one recorded operation with its backward beside its
// forward, so that a decoder step costs a handful of graph nodes instead of dozens of tiny ones.

extension Tensor {
    /// One gated-recurrent-unit step (PyTorch's `GRUCell` gate order `r, z, n`), from pre-computed projections.
    ///
    /// With `a = x·W_ihᵀ + b_ih` (`inputGates`, `[B, 3H]`) and `c = h·W_hhᵀ + b_hh` (`hiddenGates`, `[B, 3H]`):
    /// `r = σ(a_r + c_r)`, `z = σ(a_z + c_z)`, `n = tanh(a_n + r ⊙ c_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`.
    ///
    /// `mask` (one 0/1 value per row, a constant) freezes rows: where `mask[b] = 0`, `h'_b = h_b`, which is how a
    /// padded position leaves the state unchanged (so a backward-direction encoder starts at each word's own end).
    ///
    /// Backward, with `g = ∂L/∂h'` on an unmasked row: `∂h = g ⊙ z`, `∂ñ = g ⊙ (1 − z) ⊙ (1 − n²)`,
    /// `∂a_n = ∂ñ`, `∂c_n = ∂ñ ⊙ r`, `∂r̃ = ∂ñ ⊙ c_n ⊙ r(1 − r)` (to `a_r` and `c_r`),
    /// `∂z̃ = g ⊙ (h − n) ⊙ z(1 − z)` (to `a_z` and `c_z`). On a masked row `∂h = g` and the gates get 0.
    public static func gruCell(inputGates a: Tensor, hiddenGates c: Tensor, hidden h: Tensor,
                               mask: [Float]? = nil) -> Tensor {
        precondition(h.rank == 2, "gruCell: hidden must be [B, H], got \(h.shape)")
        let batch = h.shape[0], width = h.shape[1]
        precondition(a.shape == [batch, 3 * width] && c.shape == [batch, 3 * width],
                     "gruCell: gates \(a.shape) and \(c.shape) must be [\(batch), \(3 * width)] for hidden \(h.shape)")
        if let mask { precondition(mask.count == batch, "gruCell: \(mask.count) mask values for \(batch) rows") }
        let out = Tensor.uninitialized([batch, width])
        // Saved activations r, z, n per row, for the backward pass.
        let saved = TensorStorage(count: batch * 3 * width, zeroed: false)
        let av = a.data, cv = c.data, hv = h.data, o = out.data, s = saved.pointer
        for b in 0..<batch {
            let row = b * 3 * width, hRow = b * width
            if let mask, mask[b] == 0 {
                (o + hRow).update(from: hv + hRow, count: width)
                continue
            }
            for j in 0..<width {
                let r = logistic(av[row + j] + cv[row + j])
                let z = logistic(av[row + width + j] + cv[row + width + j])
                let n = Foundation.tanh(av[row + 2 * width + j] + r * cv[row + 2 * width + j])
                s[row + j] = r; s[row + width + j] = z; s[row + 2 * width + j] = n
                o[hRow + j] = (1 - z) * n + z * hv[hRow + j]
            }
        }
        return record("gruCell", output: out, inputs: [a, c, h]) { [saved, c, h] g in
            let s = saved.pointer, cv = c.data, hv = h.data
            let ga = Tensor(zeros: [batch, 3 * width]), gc = Tensor(zeros: [batch, 3 * width])
            let gh = Tensor.uninitialized([batch, width])
            let gv = g.data, gav = ga.data, gcv = gc.data, ghv = gh.data
            for b in 0..<batch {
                let row = b * 3 * width, hRow = b * width
                if let mask, mask[b] == 0 {
                    (ghv + hRow).update(from: gv + hRow, count: width)
                    continue
                }
                for j in 0..<width {
                    let r = s[row + j], z = s[row + width + j], n = s[row + 2 * width + j]
                    let gj = gv[hRow + j]
                    ghv[hRow + j] = gj * z
                    let dn = gj * (1 - z) * (1 - n * n)
                    let dr = dn * cv[row + 2 * width + j] * r * (1 - r)
                    let dz = gj * (hv[hRow + j] - n) * z * (1 - z)
                    gav[row + j] = dr; gcv[row + j] = dr
                    gav[row + width + j] = dz; gcv[row + width + j] = dz
                    gav[row + 2 * width + j] = dn; gcv[row + 2 * width + j] = dn * r
                }
            }
            return [ga, gc, gh]
        }
    }

    /// Dot-product attention with a padding mask (Luong "dot"): for query `q: [B, H]` and keys/values
    /// `K: [B, S, H]`, `e_s = q · K_s` for `s < lengths[b]`, `α = softmax(e)` over those positions only,
    /// context `= Σ_s α_s K_s` → `[B, H]`. Positions at or after `lengths[b]` get weight exactly 0, so padding
    /// never reaches the result.
    ///
    /// Backward, with `g = ∂L/∂context`: `∂α_s = g · K_s`, `∂e_s = α_s (∂α_s − Σ_t α_t ∂α_t)`,
    /// `∂q = Σ_s ∂e_s K_s`, `∂K_s = α_s g + ∂e_s q`.
    public static func dotAttention(query q: Tensor, keys k: Tensor, lengths: [Int]) -> Tensor {
        precondition(q.rank == 2 && k.rank == 3 && k.shape[0] == q.shape[0] && k.shape[2] == q.shape[1],
                     "dotAttention: query \(q.shape) and keys \(k.shape) should be [B, H] and [B, S, H]")
        let batch = q.shape[0], steps = k.shape[1], width = q.shape[1]
        precondition(lengths.count == batch && lengths.allSatisfy { $0 >= 1 && $0 <= steps },
                     "dotAttention: lengths \(lengths) must be in 1...\(steps), one per row")
        let out = Tensor(zeros: [batch, width])
        let weights = TensorStorage(count: batch * steps)
        let qv = q.data, kv = k.data, o = out.data, w = weights.pointer
        for b in 0..<batch {
            let length = lengths[b], qRow = qv + b * width, wRow = w + b * steps
            var best = -Float.infinity
            for s in 0..<length {
                let key = kv + (b * steps + s) * width
                var e: Float = 0
                for j in 0..<width { e += qRow[j] * key[j] }
                wRow[s] = e
                best = Swift.max(best, e)
            }
            var total: Float = 0
            for s in 0..<length { wRow[s] = Foundation.exp(wRow[s] - best); total += wRow[s] }
            let oRow = o + b * width
            for s in 0..<length {
                wRow[s] /= total
                let key = kv + (b * steps + s) * width, alpha = wRow[s]
                for j in 0..<width { oRow[j] += alpha * key[j] }
            }
        }
        return record("dotAttention", output: out, inputs: [q, k]) { [weights, q, k] g in
            let w = weights.pointer, qv = q.data, kv = k.data
            let gq = Tensor(zeros: q.shape), gk = Tensor(zeros: k.shape)
            let gv = g.data, gqv = gq.data, gkv = gk.data
            var dAlpha = [Float](repeating: 0, count: steps)
            for b in 0..<batch {
                let length = lengths[b], gRow = gv + b * width, qRow = qv + b * width, wRow = w + b * steps
                var weighted: Float = 0
                for s in 0..<length {
                    let key = kv + (b * steps + s) * width
                    var d: Float = 0
                    for j in 0..<width { d += gRow[j] * key[j] }
                    dAlpha[s] = d
                    weighted += wRow[s] * d
                }
                for s in 0..<length {
                    let alpha = wRow[s], de = alpha * (dAlpha[s] - weighted)
                    let key = kv + (b * steps + s) * width, gKey = gkv + (b * steps + s) * width
                    for j in 0..<width {
                        gqv[b * width + j] += de * key[j]
                        gKey[j] += alpha * gRow[j] + de * qRow[j]
                    }
                }
            }
            return [gq, gk]
        }
    }

    /// Stacks `[B, D]` tensors along a new axis 1 → `[B, T, D]` (one step per tensor); the gradient is split back.
    public static func stackSteps(_ steps: [Tensor]) -> Tensor {
        precondition(!steps.isEmpty, "stackSteps: no tensors")
        let shape = steps[0].shape
        precondition(shape.count == 2 && steps.allSatisfy { $0.shape == shape },
                     "stackSteps: every step must be the same [B, D], got \(steps.map(\.shape))")
        let batch = shape[0], width = shape[1], count = steps.count
        let out = Tensor.uninitialized([batch, count, width])
        for (t, step) in steps.enumerated() {
            for b in 0..<batch { (out.data + (b * count + t) * width).update(from: step.data + b * width, count: width) }
        }
        return record("stackSteps", output: out, inputs: steps) { g in
            steps.enumerated().map { (t, step) in
                guard step.requiresGrad else { return nil }
                let grad = Tensor.uninitialized(shape)
                for b in 0..<batch { (grad.data + b * width).update(from: g.data + (b * count + t) * width, count: width) }
                return grad
            }
        }
    }

    @inline(__always) static func logistic(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }
}
