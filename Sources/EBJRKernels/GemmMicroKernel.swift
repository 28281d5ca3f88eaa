/// Register-blocked inner kernel of the packed GEMM, in one of two shapes chosen when the package is built:
///
/// - AVX2 (default): `mr × nr = 6 × 16`, twelve `SIMD8<Float>` accumulators, two `B` vectors and one broadcast of
///   `A` in 15 of the 16 ymm registers.
/// - AVX-512 (`-DEBJR_AVX512`, set by `scripts/build.sh` when the CPU reports `avx512f`): `8 × 32`, sixteen
///   `SIMD16<Float>` accumulators in zmm registers, twice the multiply-adds per instruction. On an AVX-512 core
///   the 6 × 16 kernel leaves half of every vector unit idle.
///
/// The accumulators are named locals on purpose: arrays of SIMD values would live in memory.
enum GemmTile {
#if EBJR_AVX512
    /// Rows of `op(A)` per packed panel and per micro-tile.
    static let mr = 8
    /// Columns of `op(B)` per packed panel and per micro-tile.
    static let nr = 32
#else
    /// Rows of `op(A)` per packed panel and per micro-tile.
    static let mr = 6
    /// Columns of `op(B)` per packed panel and per micro-tile.
    static let nr = 16
#endif
}

/// The micro-kernel of the built tile shape on a full `mr × nr` tile (see `GemmTile`).
@inline(__always)
func gemmMicroKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
#if EBJR_AVX512
    gemmMicroKernel8x32(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
#else
    gemmMicroKernel6x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
#endif
}

#if EBJR_AVX512
/// `C[0..<8, 0..<32] ← α · Σ_p a[p][0..<8] ⊗ b[p][0..<32] + β · C` on a full tile.
///
/// - `a`: packed `A` panel, `kc` steps of 8 values (`a[8p + r]` is `op(A)[r, p]`).
/// - `b`: packed `B` panel, 64-byte aligned, `kc` steps of 32 values (`b[32p + j]` is `op(B)[p, j]`).
/// - `c`: row-major with leading dimension `ldc`; with `β == 0` it is written without being read.
@inline(never)
func gemmMicroKernel8x32(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
    var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
    var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
    var c40 = SIMD16<Float>(), c41 = SIMD16<Float>()
    var c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
    var c60 = SIMD16<Float>(), c61 = SIMD16<Float>()
    var c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
    var ap = a
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let b0 = bp.load(as: SIMD16<Float>.self)
        let b1 = bp.load(fromByteOffset: 64, as: SIMD16<Float>.self)
        var av = SIMD16<Float>(repeating: ap[0])
        c00.addProduct(av, b0); c01.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[1])
        c10.addProduct(av, b0); c11.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[2])
        c20.addProduct(av, b0); c21.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[3])
        c30.addProduct(av, b0); c31.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[4])
        c40.addProduct(av, b0); c41.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[5])
        c50.addProduct(av, b0); c51.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[6])
        c60.addProduct(av, b0); c61.addProduct(av, b1)
        av = SIMD16<Float>(repeating: ap[7])
        c70.addProduct(av, b0); c71.addProduct(av, b1)
        ap += 8
        bp += 128
    }
    storeWideTileRow(c, c00, c01, alpha: alpha, beta: beta)
    storeWideTileRow(c + ldc, c10, c11, alpha: alpha, beta: beta)
    storeWideTileRow(c + 2 * ldc, c20, c21, alpha: alpha, beta: beta)
    storeWideTileRow(c + 3 * ldc, c30, c31, alpha: alpha, beta: beta)
    storeWideTileRow(c + 4 * ldc, c40, c41, alpha: alpha, beta: beta)
    storeWideTileRow(c + 5 * ldc, c50, c51, alpha: alpha, beta: beta)
    storeWideTileRow(c + 6 * ldc, c60, c61, alpha: alpha, beta: beta)
    storeWideTileRow(c + 7 * ldc, c70, c71, alpha: alpha, beta: beta)
}

/// `row[0..<32] ← α · (v0, v1) + β · row[0..<32]`, reading `row` only when `β ≠ 0`.
@inline(__always)
private func storeWideTileRow(_ row: UnsafeMutablePointer<Float>, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>,
                              alpha: Float, beta: Float) {
    storeScaled16(v0, to: row, alpha: alpha, beta: beta)
    storeScaled16(v1, to: row + 16, alpha: alpha, beta: beta)
}

/// `dst[0..<16] ← α · v + β · dst[0..<16]` (unaligned), reading `dst` only when `β ≠ 0`.
@inline(__always)
private func storeScaled16(_ v: SIMD16<Float>, to dst: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
    let raw = UnsafeMutableRawPointer(dst)
    var r = alpha * v
    if beta != 0 { r.addProduct(SIMD16(repeating: beta), raw.loadUnaligned(as: SIMD16<Float>.self)) }
    raw.storeBytes(of: r, as: SIMD16<Float>.self)
}
#endif

/// `C[0..<6, 0..<16] ← α · Σ_p a[p][0..<6] ⊗ b[p][0..<16] + β · C` on a full tile.
///
/// - `a`: packed `A` panel, `kc` steps of 6 values (`a[6p + r]` is `op(A)[r, p]`).
/// - `b`: packed `B` panel, 64-byte aligned, `kc` steps of 16 values (`b[16p + j]` is `op(B)[p, j]`).
/// - `c`: row-major with leading dimension `ldc`; with `β == 0` it is written without being read.
@inline(never)
func gemmMicroKernel6x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var ap = a
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let b0 = bp.load(as: SIMD8<Float>.self)
        let b1 = bp.load(fromByteOffset: 32, as: SIMD8<Float>.self)
        var av = SIMD8<Float>(repeating: ap[0])
        c00.addProduct(av, b0); c01.addProduct(av, b1)
        av = SIMD8<Float>(repeating: ap[1])
        c10.addProduct(av, b0); c11.addProduct(av, b1)
        av = SIMD8<Float>(repeating: ap[2])
        c20.addProduct(av, b0); c21.addProduct(av, b1)
        av = SIMD8<Float>(repeating: ap[3])
        c30.addProduct(av, b0); c31.addProduct(av, b1)
        av = SIMD8<Float>(repeating: ap[4])
        c40.addProduct(av, b0); c41.addProduct(av, b1)
        av = SIMD8<Float>(repeating: ap[5])
        c50.addProduct(av, b0); c51.addProduct(av, b1)
        ap += 6
        bp += 64
    }
    storeTileRow(c, c00, c01, alpha: alpha, beta: beta)
    storeTileRow(c + ldc, c10, c11, alpha: alpha, beta: beta)
    storeTileRow(c + 2 * ldc, c20, c21, alpha: alpha, beta: beta)
    storeTileRow(c + 3 * ldc, c30, c31, alpha: alpha, beta: beta)
    storeTileRow(c + 4 * ldc, c40, c41, alpha: alpha, beta: beta)
    storeTileRow(c + 5 * ldc, c50, c51, alpha: alpha, beta: beta)
}

/// `row[0..<16] ← α · (v0, v1) + β · row[0..<16]`, reading `row` only when `β ≠ 0`.
@inline(__always)
private func storeTileRow(_ row: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>,
                          alpha: Float, beta: Float) {
    storeScaled(v0, to: row, alpha: alpha, beta: beta)
    storeScaled(v1, to: row + 8, alpha: alpha, beta: beta)
}

/// `dst[0..<8] ← α · v + β · dst[0..<8]` (unaligned), reading `dst` only when `β ≠ 0`.
@inline(__always)
func storeScaled(_ v: SIMD8<Float>, to dst: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
    let raw = UnsafeMutableRawPointer(dst)
    var r = alpha * v
    if beta != 0 { r.addProduct(SIMD8(repeating: beta), raw.loadUnaligned(as: SIMD8<Float>.self)) }
    raw.storeBytes(of: r, as: SIMD8<Float>.self)
}

/// `dst ← α · v + β · dst`, reading `dst` only when `β ≠ 0`.
@inline(__always)
func storeScaled(_ v: Float, to dst: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
    dst.pointee = beta == 0 ? alpha * v : alpha * v + beta * dst.pointee
}

/// The micro-kernel on a partial tile (`rows ≤ mr`, `cols ≤ nr`): computes the full zero-padded tile into a
/// scratch buffer and merges only the valid part into `C` with the same α/β rule.
func gemmMicroKernelEdge(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, beta: Float) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: GemmTile.mr * GemmTile.nr) { tile in
        let t = tile.baseAddress!
        gemmMicroKernel(kc: kc, a: a, b: b, c: t, ldc: GemmTile.nr, alpha: alpha, beta: 0)
        for r in 0..<rows {
            let src = t + r * GemmTile.nr, dst = c + r * ldc
            if beta == 0 {
                dst.update(from: src, count: cols)
            } else {
                for j in 0..<cols { dst[j] = src[j] + beta * dst[j] }
            }
        }
    }
}

/// Eight floats from a possibly unaligned address.
@inline(__always) func loadFloat8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats to a possibly unaligned address.
@inline(__always) func storeFloat8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
