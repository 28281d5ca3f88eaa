/// Single-precision general matrix multiply on row-major buffers.
///
/// Computes `C ← α · op(A) · op(B) + β · C` where `op(A)` is `m × k` and `op(B)` is `k × n`.
/// With `transA` the buffer `a` holds `Aᵀ` (`k × m`, leading dimension `lda ≥ m`), otherwise `A`
/// (`m × k`, `lda ≥ k`); likewise for `b`. `c` is `m × n` with leading dimension `ldc ≥ n`.
/// When `β == 0` the previous contents of `C` are ignored (NaNs in `C` do not propagate), as in BLAS.
///
/// - Parameter threads: upper bound on worker threads; `nil` uses `KernelConfiguration.threadCount`.
public func sgemm(
    transA: Bool, transB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    threads: Int? = nil
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
        scaleRows(c, m: m, n: n, ldc: ldc, beta: beta)
        return
    }
    PackedGemm.run(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                   threads: threads ?? KernelConfiguration.threadCount)
}

/// `C ← β · C` (with `β == 0` writing exact zeros).
@inline(__always)
func scaleRows(_ c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 {
            for j in 0..<n { row[j] *= beta }
        }
    }
}

/// The obvious triple loop, in `Double` accumulation: the reference every fast path is tested against.
public func sgemmReference(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var acc = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                acc += Double(av) * Double(bv)
            }
            let prior = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(acc) + prior
        }
    }
}
