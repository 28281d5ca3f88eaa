/// GEMM for very few rows (`m ≤ 4`, e.g. batch-1 inference) or columns (`n ≤ 4`, e.g. a scalar energy head),
/// without packing.
///
/// With so few rows every `B` value is used at most four times, so the work is bound by streaming `B`; packing it
/// would cost as much as the product. The kernels instead keep eight independent FMA chains in flight:
/// - `op(B) = Bᵀ` (the `linear` layout `x · Wᵀ`): `C[i, j] = ⟨A[i, :], B[j, :]⟩`, dot products of contiguous
///   rows, 4 columns × 2 rows, or 4 columns × even/odd 8-blocks of `k` for a single row;
/// - `op(B) = B`: `C[i, :] = Σ_p A[i, p] · B[p, :]`, 32-column strips × 2 rows, or × 2 interleaved `p` for one row.
enum SmallGemm {
    static let maxRows = 4

    static func run(_ a: StridedMatrix, _ b: StridedMatrix, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                    c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m <= maxRows)
        if b.rowStride == 1 {
            // Dot products need contiguous rows of op(A); copy at most 4 × k values when A is transposed.
            if a.colStride == 1 {
                dotRows(a.base, lda: a.rowStride, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
            } else {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: m * k) { rows in
                    let dst = rows.baseAddress!
                    for i in 0..<m { for p in 0..<k { dst[i * k + p] = a.pointer(row: i, col: p).pointee } }
                    dotRows(dst, lda: k, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
                }
            }
        } else {
            axpyRows(a, b.base, ldb: b.rowStride, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
        }
    }

    /// The same for few columns (`n ≤ 4`): `Cᵀ = α · op(B)ᵀ · op(A)ᵀ` is a few-row product, computed into an
    /// `n × m` scratch buffer and then merged into `C` with `β`.
    static func runNarrow(_ a: StridedMatrix, _ b: StridedMatrix, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                          c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(n <= maxRows)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: n * m) { scratch in
            let t = scratch.baseAddress!
            run(b.transposed, a.transposed, m: n, n: m, k: k, alpha: alpha, beta: 0, c: t, ldc: m)
            for i in 0..<m {
                for j in 0..<n { storeScaled(t[j * m + i], to: c + i * ldc + j, alpha: 1, beta: beta) }
            }
        }
    }

    // MARK: op(B) = Bᵀ: dot products

    /// `C[i, j] = α ⟨a[i·lda ..< i·lda + k], B[j, :]⟩ + β C[i, j]`, rows in pairs, columns in fours
    /// (a last partial group repeats column `n − 1` and discards the copies).
    private static func dotRows(_ a: UnsafePointer<Float>, lda: Int, _ b: StridedMatrix, m: Int, n: Int, k: Int,
                                alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let ldb = b.colStride
        var i = 0
        while i < m {
            let pair = m - i >= 2
            let a0 = a + i * lda
            for j in stride(from: 0, to: n, by: 4) {
                let cols = min(4, n - j)
                let b0 = b.base + j * ldb
                let b1 = b.base + min(j + 1, n - 1) * ldb
                let b2 = b.base + min(j + 2, n - 1) * ldb
                let b3 = b.base + min(j + 3, n - 1) * ldb
                let c0 = c + i * ldc + j
                if pair {
                    let s = dot2x4(a0, a0 + lda, b0, b1, b2, b3, k: k)
                    storeFirst(cols, of: (s.0, s.1, s.2, s.3), to: c0, alpha: alpha, beta: beta)
                    storeFirst(cols, of: (s.4, s.5, s.6, s.7), to: c0 + ldc, alpha: alpha, beta: beta)
                } else {
                    let s = dot1x4(a0, b0, b1, b2, b3, k: k)
                    storeFirst(cols, of: s, to: c0, alpha: alpha, beta: beta)
                }
            }
            i += pair ? 2 : 1
        }
    }

    /// Stores the first `count` (1 … 4) values of `s` to `c[0 ..< count]` with the α/β rule.
    @inline(__always)
    private static func storeFirst(_ count: Int, of s: (Float, Float, Float, Float), to c: UnsafeMutablePointer<Float>,
                                   alpha: Float, beta: Float) {
        storeScaled(s.0, to: c, alpha: alpha, beta: beta)
        if count > 1 { storeScaled(s.1, to: c + 1, alpha: alpha, beta: beta) }
        if count > 2 { storeScaled(s.2, to: c + 2, alpha: alpha, beta: beta) }
        if count > 3 { storeScaled(s.3, to: c + 3, alpha: alpha, beta: beta) }
    }

    /// Four dot products of length `k` of `a` with `b0 … b3`; even and odd 8-blocks of `k` accumulate
    /// separately (eight chains).
    private static func dot1x4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                               _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, k: Int)
        -> (Float, Float, Float, Float) {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var t0 = SIMD8<Float>(), t1 = SIMD8<Float>(), t2 = SIMD8<Float>(), t3 = SIMD8<Float>()
        var p = 0
        while p + 16 <= k {
            let x = loadFloat8(a + p), y = loadFloat8(a + p + 8)
            s0.addProduct(x, loadFloat8(b0 + p)); t0.addProduct(y, loadFloat8(b0 + p + 8))
            s1.addProduct(x, loadFloat8(b1 + p)); t1.addProduct(y, loadFloat8(b1 + p + 8))
            s2.addProduct(x, loadFloat8(b2 + p)); t2.addProduct(y, loadFloat8(b2 + p + 8))
            s3.addProduct(x, loadFloat8(b3 + p)); t3.addProduct(y, loadFloat8(b3 + p + 8))
            p += 16
        }
        if p + 8 <= k {
            let x = loadFloat8(a + p)
            s0.addProduct(x, loadFloat8(b0 + p)); s1.addProduct(x, loadFloat8(b1 + p))
            s2.addProduct(x, loadFloat8(b2 + p)); s3.addProduct(x, loadFloat8(b3 + p))
            p += 8
        }
        var r = ((s0 + t0).sum(), (s1 + t1).sum(), (s2 + t2).sum(), (s3 + t3).sum())
        while p < k {
            let x = a[p]
            r.0 += x * b0[p]; r.1 += x * b1[p]; r.2 += x * b2[p]; r.3 += x * b3[p]
            p += 1
        }
        return r
    }

    /// Eight dot products of length `k`: rows `a0`, `a1` against `b0 … b3` (results row-major).
    private static func dot2x4(_ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
                               _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                               _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, k: Int)
        -> (Float, Float, Float, Float, Float, Float, Float, Float) {
        var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s02 = SIMD8<Float>(), s03 = SIMD8<Float>()
        var s10 = SIMD8<Float>(), s11 = SIMD8<Float>(), s12 = SIMD8<Float>(), s13 = SIMD8<Float>()
        var p = 0
        while p + 8 <= k {
            let x = loadFloat8(a0 + p), y = loadFloat8(a1 + p)
            let v0 = loadFloat8(b0 + p), v1 = loadFloat8(b1 + p), v2 = loadFloat8(b2 + p), v3 = loadFloat8(b3 + p)
            s00.addProduct(x, v0); s01.addProduct(x, v1); s02.addProduct(x, v2); s03.addProduct(x, v3)
            s10.addProduct(y, v0); s11.addProduct(y, v1); s12.addProduct(y, v2); s13.addProduct(y, v3)
            p += 8
        }
        var r = (s00.sum(), s01.sum(), s02.sum(), s03.sum(), s10.sum(), s11.sum(), s12.sum(), s13.sum())
        while p < k {
            let x = a0[p], y = a1[p]
            r.0 += x * b0[p]; r.1 += x * b1[p]; r.2 += x * b2[p]; r.3 += x * b3[p]
            r.4 += y * b0[p]; r.5 += y * b1[p]; r.6 += y * b2[p]; r.7 += y * b3[p]
            p += 1
        }
        return r
    }

    // MARK: op(B) = B: row updates

    /// `C[i, :] = α Σ_p op(A)[i, p] · b[p·ldb ..< p·ldb + n] + β C[i, :]`: 32-column strips, then 8-column
    /// strips, then single columns.
    private static func axpyRows(_ a: StridedMatrix, _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int,
                                 alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var i = 0
        while i < m {
            let pair = m - i >= 2
            let a0 = a.pointer(row: i, col: 0), a1 = a.pointer(row: pair ? i + 1 : i, col: 0)
            let aStep = a.colStride
            let c0 = c + i * ldc, c1 = c0 + ldc
            var j = 0
            while j + 32 <= n {
                if pair {
                    let r = axpy2x32(a0, a1, aStep: aStep, b + j, ldb: ldb, k: k)
                    storeScaled(r.0, to: c0 + j, alpha: alpha, beta: beta)
                    storeScaled(r.1, to: c0 + j + 8, alpha: alpha, beta: beta)
                    storeScaled(r.2, to: c0 + j + 16, alpha: alpha, beta: beta)
                    storeScaled(r.3, to: c0 + j + 24, alpha: alpha, beta: beta)
                    storeScaled(r.4, to: c1 + j, alpha: alpha, beta: beta)
                    storeScaled(r.5, to: c1 + j + 8, alpha: alpha, beta: beta)
                    storeScaled(r.6, to: c1 + j + 16, alpha: alpha, beta: beta)
                    storeScaled(r.7, to: c1 + j + 24, alpha: alpha, beta: beta)
                } else {
                    let r = axpy1x32(a0, aStep: aStep, b + j, ldb: ldb, k: k)
                    storeScaled(r.0, to: c0 + j, alpha: alpha, beta: beta)
                    storeScaled(r.1, to: c0 + j + 8, alpha: alpha, beta: beta)
                    storeScaled(r.2, to: c0 + j + 16, alpha: alpha, beta: beta)
                    storeScaled(r.3, to: c0 + j + 24, alpha: alpha, beta: beta)
                }
                j += 32
            }
            while j + 8 <= n {
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
                for p in 0..<k {
                    let v = loadFloat8(b + p * ldb + j)
                    s0.addProduct(SIMD8(repeating: a0[p * aStep]), v)
                    s1.addProduct(SIMD8(repeating: a1[p * aStep]), v)
                }
                storeScaled(s0, to: c0 + j, alpha: alpha, beta: beta)
                if pair { storeScaled(s1, to: c1 + j, alpha: alpha, beta: beta) }
                j += 8
            }
            while j < n {
                var s0: Float = 0, s1: Float = 0
                for p in 0..<k {
                    let v = b[p * ldb + j]
                    s0 += a0[p * aStep] * v
                    s1 += a1[p * aStep] * v
                }
                storeScaled(s0, to: c0 + j, alpha: alpha, beta: beta)
                if pair { storeScaled(s1, to: c1 + j, alpha: alpha, beta: beta) }
                j += 1
            }
            i += pair ? 2 : 1
        }
    }

    /// Rows `a0`, `a1` (stride `aStep` along `p`) times the 32-column strip `b` (`k` rows, stride `ldb`).
    private static func axpy2x32(_ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, aStep: Int,
                                 _ b: UnsafePointer<Float>, ldb: Int, k: Int)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
            SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s02 = SIMD8<Float>(), s03 = SIMD8<Float>()
        var s10 = SIMD8<Float>(), s11 = SIMD8<Float>(), s12 = SIMD8<Float>(), s13 = SIMD8<Float>()
        for p in 0..<k {
            let row = b + p * ldb
            let v0 = loadFloat8(row), v1 = loadFloat8(row + 8), v2 = loadFloat8(row + 16), v3 = loadFloat8(row + 24)
            let x = SIMD8<Float>(repeating: a0[p * aStep]), y = SIMD8<Float>(repeating: a1[p * aStep])
            s00.addProduct(x, v0); s01.addProduct(x, v1); s02.addProduct(x, v2); s03.addProduct(x, v3)
            s10.addProduct(y, v0); s11.addProduct(y, v1); s12.addProduct(y, v2); s13.addProduct(y, v3)
        }
        return (s00, s01, s02, s03, s10, s11, s12, s13)
    }

    /// Row `a0` times the 32-column strip `b`; even and odd `p` accumulate separately (eight chains).
    private static func axpy1x32(_ a0: UnsafePointer<Float>, aStep: Int, _ b: UnsafePointer<Float>, ldb: Int, k: Int)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var t0 = SIMD8<Float>(), t1 = SIMD8<Float>(), t2 = SIMD8<Float>(), t3 = SIMD8<Float>()
        var p = 0
        while p + 2 <= k {
            let r0 = b + p * ldb, r1 = r0 + ldb
            let x = SIMD8<Float>(repeating: a0[p * aStep]), y = SIMD8<Float>(repeating: a0[(p + 1) * aStep])
            s0.addProduct(x, loadFloat8(r0)); s1.addProduct(x, loadFloat8(r0 + 8))
            s2.addProduct(x, loadFloat8(r0 + 16)); s3.addProduct(x, loadFloat8(r0 + 24))
            t0.addProduct(y, loadFloat8(r1)); t1.addProduct(y, loadFloat8(r1 + 8))
            t2.addProduct(y, loadFloat8(r1 + 16)); t3.addProduct(y, loadFloat8(r1 + 24))
            p += 2
        }
        if p < k {
            let r0 = b + p * ldb, x = SIMD8<Float>(repeating: a0[p * aStep])
            s0.addProduct(x, loadFloat8(r0)); s1.addProduct(x, loadFloat8(r0 + 8))
            s2.addProduct(x, loadFloat8(r0 + 16)); s3.addProduct(x, loadFloat8(r0 + 24))
        }
        return (s0 + t0, s1 + t1, s2 + t2, s3 + t3)
    }
}
