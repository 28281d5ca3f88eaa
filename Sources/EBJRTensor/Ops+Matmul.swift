import EBJRKernels

extension Tensor {
    /// Matrix product of `[m, k]` and `[k, n]`; `∂A = G·Bᵀ`, `∂B = Aᵀ·G`.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul: shapes \(shape) and \(other.shape) do not multiply")
        let m = shape[0], k = shape[1], n = other.shape[1]
        let out = Tensor.uninitialized([m, n])
        sgemm(transA: false, transB: false, m: m, n: n, k: k, a: data, lda: k, b: other.data, ldb: n, c: out.data, ldc: n)
        return Tensor.record("matmul", output: out, inputs: [self, other]) { [self] g in
            var ga: Tensor?, gb: Tensor?
            if self.requiresGrad {
                let t = Tensor.uninitialized([m, k])
                sgemm(transA: false, transB: true, m: m, n: k, k: n, a: g.data, lda: n, b: other.data, ldb: n, c: t.data, ldc: k)
                ga = t
            }
            if other.requiresGrad {
                let t = Tensor.uninitialized([k, n])
                sgemm(transA: true, transB: false, m: k, n: n, k: m, a: self.data, lda: k, b: g.data, ldb: n, c: t.data, ldc: n)
                gb = t
            }
            return [ga, gb]
        }
    }

    /// Batched matrix product `[b, m, k] × [b, k, n] → [b, m, n]`, optionally with the second operand transposed
    /// (`[b, n, k]`).
    public func batchedMatmul(_ other: Tensor, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 3 && other.rank == 3 && shape[0] == other.shape[0], "batchedMatmul: shapes \(shape) and \(other.shape)")
        let b = shape[0], m = shape[1], k = shape[2]
        let n = transposeOther ? other.shape[1] : other.shape[2]
        precondition((transposeOther ? other.shape[2] : other.shape[1]) == k, "batchedMatmul: inner dimensions of \(shape) and \(other.shape) differ")
        let out = Tensor.uninitialized([b, m, n])
        for i in 0..<b {
            sgemm(transA: false, transB: transposeOther, m: m, n: n, k: k, a: data + i * m * k, lda: k,
                  b: other.data + i * k * n, ldb: transposeOther ? k : n, c: out.data + i * m * n, ldc: n, threads: 1)
        }
        return Tensor.record("batchedMatmul", output: out, inputs: [self, other]) { [self] g in
            var ga: Tensor?, gb: Tensor?
            if self.requiresGrad {
                let t = Tensor.uninitialized([b, m, k])
                for i in 0..<b {
                    sgemm(transA: false, transB: !transposeOther, m: m, n: k, k: n, a: g.data + i * m * n, lda: n,
                          b: other.data + i * k * n, ldb: transposeOther ? k : n, c: t.data + i * m * k, ldc: k, threads: 1)
                }
                ga = t
            }
            if other.requiresGrad {
                let t = Tensor.uninitialized(other.shape)
                for i in 0..<b {
                    if transposeOther { // ∂B (n×k) = Gᵀ·A
                        sgemm(transA: true, transB: false, m: n, n: k, k: m, a: g.data + i * m * n, lda: n,
                              b: self.data + i * m * k, ldb: k, c: t.data + i * n * k, ldc: k, threads: 1)
                    } else { // ∂B (k×n) = Aᵀ·G
                        sgemm(transA: true, transB: false, m: k, n: n, k: m, a: self.data + i * m * k, lda: k,
                              b: g.data + i * m * n, ldb: n, c: t.data + i * k * n, ldc: n, threads: 1)
                    }
                }
                gb = t
            }
            return [ga, gb]
        }
    }

    /// Affine map `y = x·Wᵀ + b` for `x: [N, in]`, `weight: [out, in]` (torch layout), `bias: [out]`.
    /// Fused forward and backward: `∂x = G·W`, `∂W = Gᵀ·x`, `∂b = Σ_rows G`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let out = affine("linear", x, weight: weight, bias: bias)
        let n = x.shape[0], outF = weight.shape[0]
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return record("linear", output: out, inputs: inputs) { g in
            var gb: Tensor?
            let (gx, gw) = affineGradients(upstream: g.data, x: x, weight: weight)
            if let bias, bias.requiresGrad {
                let t = Tensor.exclusiveGradient([outF])
                let sums = t.data
                sums.update(repeating: 0, count: outF)
                for r in 0..<n { let row = g.data + r * outF; for j in 0..<outF { sums[j] += row[j] } }
                gb = t
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }

    /// `relu(x·Wᵀ + b)` in one recorded operation, with the same values as `linear(…).relu()` and the same
    /// gradients: the ReLU is applied in place on the GEMM output, and its backward mask is fused with the bias
    /// gradient's column sums (one pass over `G`) before the two gradient GEMMs.
    public static func linearReLU(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let out = affine("linearReLU", x, weight: weight, bias: bias)
        let n = x.shape[0], outF = weight.shape[0]
        let o = out.data
        forEachChunk(out.count) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let p = UnsafeMutableRawPointer(o + i), v = p.loadUnaligned(as: SIMD8<Float>.self)
                p.storeBytes(of: SIMD8<Float>().replacing(with: v, where: v .> 0), as: SIMD8<Float>.self)
                i += 8
            }
            while i < range.upperBound { o[i] = o[i] > 0 ? o[i] : 0; i += 1 }
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        // The backward reads the output (the ReLU mask) through `o`; the output is alive while its node runs.
        return record("linearReLU", output: out, inputs: inputs) { g in
            // G ⊙ [y > 0], and Σ_rows of it for the bias, row by row (the order of the unfused bias sums).
            let masked = Tensor.uninitialized([n, outF])
            let gb: Tensor? = (bias?.requiresGrad ?? false) ? Tensor.exclusiveGradient([outF]) : nil
            gb?.data.update(repeating: 0, count: outF)
            let gm = masked.data, gd = g.data
            for r in 0..<n {
                let y = o + r * outF, gr = gd + r * outF, dst = gm + r * outF
                var j = 0
                while j + 8 <= outF {
                    let yv = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
                    let gv = UnsafeRawPointer(gr + j).loadUnaligned(as: SIMD8<Float>.self)
                    let v = SIMD8<Float>().replacing(with: gv, where: yv .> 0)
                    UnsafeMutableRawPointer(dst + j).storeBytes(of: v, as: SIMD8<Float>.self)
                    if let sums = gb?.data {
                        let sp = UnsafeMutableRawPointer(sums + j)
                        sp.storeBytes(of: sp.loadUnaligned(as: SIMD8<Float>.self) + v, as: SIMD8<Float>.self)
                    }
                    j += 8
                }
                while j < outF {
                    let v = y[j] > 0 ? gr[j] : 0
                    dst[j] = v
                    if let sums = gb?.data { sums[j] += v }
                    j += 1
                }
            }
            let (gx, gw) = affineGradients(upstream: UnsafePointer(gm), x: x, weight: weight)
            withExtendedLifetime(masked) {}  // `gm` points into it: keep it alive until both GEMMs have read it
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }

    /// `x·Wᵀ + b` into a new `[N, out]` tensor (bias rows copied first, then one GEMM with β = 1), after checking
    /// the shapes; `op` names the caller in the failure message.
    private static func affine(_ op: String, _ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "\(op): input \(x.shape) does not match weight \(weight.shape) ([out, in])")
        let n = x.shape[0], inF = x.shape[1], outF = weight.shape[0]
        if let bias { precondition(bias.shape == [outF], "\(op): bias \(bias.shape) should be [\(outF)]") }
        let out = Tensor.uninitialized([n, outF])
        if let bias {
            for r in 0..<n { (out.data + r * outF).update(from: bias.data, count: outF) }
        }
        sgemm(transA: false, transB: true, m: n, n: outF, k: inF, a: x.data, lda: inF, b: weight.data, ldb: inF,
              beta: bias == nil ? 0 : 1, c: out.data, ldc: outF)
        return out
    }

    /// The affine map's input and weight gradients from the upstream gradient `G: [N, out]`: `∂x = G·W` and
    /// `∂W = Gᵀ·x`, each only when that operand requires a gradient.
    private static func affineGradients(upstream g: UnsafePointer<Float>, x: Tensor, weight: Tensor) -> (Tensor?, Tensor?) {
        let n = x.shape[0], inF = x.shape[1], outF = weight.shape[0]
        var gx: Tensor?, gw: Tensor?
        if x.requiresGrad {
            let t = Tensor.exclusiveGradient([n, inF])
            sgemm(transA: false, transB: false, m: n, n: inF, k: outF, a: g, lda: outF, b: weight.data, ldb: inF,
                  c: t.data, ldc: inF)
            gx = t
        }
        if weight.requiresGrad {
            let t = Tensor.exclusiveGradient([outF, inF])
            sgemm(transA: true, transB: false, m: outF, n: inF, k: n, a: g, lda: outF, b: x.data, ldb: inF,
                  c: t.data, ldc: inF)
            gw = t
        }
        return (gx, gw)
    }
}
