/// Packing of `op(A)` and `op(B)` blocks into the panel layouts the micro-kernel streams through.
/// Transposes are resolved here, so the micro-kernel only ever sees one layout. Edges are zero-padded.

/// A strided view of `op(X)`: element `(i, p)` lives at `base[i · rowStride + p · colStride]`.
struct StridedMatrix {
    var base: UnsafePointer<Float>
    var rowStride: Int
    var colStride: Int

    /// The view of `op(X)` for a row-major buffer with leading dimension `ld`, transposed or not.
    init(_ base: UnsafePointer<Float>, ld: Int, transposed: Bool) {
        self.base = base
        rowStride = transposed ? 1 : ld
        colStride = transposed ? ld : 1
    }

    /// The view of `op(X)ᵀ` over the same memory.
    var transposed: StridedMatrix {
        var t = self
        swap(&t.rowStride, &t.colStride)
        return t
    }

    @inline(__always) func pointer(row: Int, col: Int) -> UnsafePointer<Float> {
        base + row * rowStride + col * colStride
    }
}

/// Packs the `mc × kc` block of `op(A)` starting at `(i0, p0)` into `⌈mc / mr⌉` panels of `mr × kc`:
/// panel `q` holds `dst[q·mr·kc + mr·p + r] = op(A)[i0 + mr·q + r, p0 + p]`, rows past `mc` are zero.
func packA(_ a: StridedMatrix, i0: Int, p0: Int, mc: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
    let mr = GemmTile.mr
    if a.rowStride == 1 {
        // op(A) is Aᵀ: a panel step is mr contiguous values.
        packPanelsAlongRows(a.pointer(row: i0, col: p0), stride: a.colStride, width: mr, extent: mc, kc: kc, into: dst)
        return
    }
    var panel = dst
    var i = 0
    while i < mc {
        let rows = min(mr, mc - i)
        let src = a.pointer(row: i0 + i, col: p0)
        if rows == 8 && mr == 8 && a.colStride == 1 {
            // op(A) is A and the panel is 8 rows: transpose 8 × 8 blocks (a scalar gather of 8 rows a full
            // cache line apart costs as much as the product when `n` is small).
            let rs = a.rowStride
            var p = 0
            while p + 8 <= kc {
                let s = src + p
                let t = transpose8x8(
                    loadFloat8(s), loadFloat8(s + rs), loadFloat8(s + 2 * rs), loadFloat8(s + 3 * rs),
                    loadFloat8(s + 4 * rs), loadFloat8(s + 5 * rs), loadFloat8(s + 6 * rs), loadFloat8(s + 7 * rs))
                let d = panel + p * 8
                storeFloat8(t.0, d); storeFloat8(t.1, d + 8); storeFloat8(t.2, d + 16); storeFloat8(t.3, d + 24)
                storeFloat8(t.4, d + 32); storeFloat8(t.5, d + 40); storeFloat8(t.6, d + 48); storeFloat8(t.7, d + 56)
                p += 8
            }
            while p < kc {
                for r in 0..<8 { panel[p * 8 + r] = src[r * rs + p] }
                p += 1
            }
        } else if rows == mr && a.colStride == 1 {
            // op(A) is A: interleave mr contiguous rows.
            let rs = a.rowStride
            for p in 0..<kc {
                let d = panel + p * mr
                for r in 0..<mr { d[r] = src[r * rs + p] }
            }
        } else {
            for p in 0..<kc {
                let d = panel + p * mr
                for r in 0..<mr { d[r] = r < rows ? src[r * a.rowStride + p * a.colStride] : 0 }
            }
        }
        panel += mr * kc
        i += mr
    }
}

/// Packs the `kc × nc` block of `op(B)` starting at `(p0, j0)` into `⌈nc / nr⌉` panels of `kc × nr`:
/// panel `q` holds `dst[q·nr·kc + nr·p + j] = op(B)[p0 + p, j0 + nr·q + j]`, columns past `nc` are zero.
/// `dst` must be 64-byte aligned (the micro-kernel uses aligned loads).
func packB(_ b: StridedMatrix, p0: Int, j0: Int, kc: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
    let nr = GemmTile.nr
    if b.colStride == 1 {
        // op(B) is B: a panel step is nr contiguous values.
        packPanelsAlongRows(b.pointer(row: p0, col: j0), stride: b.rowStride, width: nr, extent: nc, kc: kc, into: dst)
        return
    }
    var panel = dst
    var j = 0
    while j < nc {
        let cols = min(nr, nc - j)
        let src = b.pointer(row: p0, col: j0 + j)
        if cols == nr {
            // op(B) is Bᵀ: nr contiguous source rows, transposed 8 × 8 at a time.
            packTransposedPanel(src, ld: b.colStride, kc: kc, into: panel)
        } else {
            for p in 0..<kc {
                let d = panel + p * nr
                for c in 0..<nr { d[c] = c < cols ? src[p * b.rowStride + c * b.colStride] : 0 }
            }
        }
        panel += nr * kc
        j += nr
    }
}

/// Packing when a panel step is contiguous in the source: `dst[q·w·kc + w·p + c] = src[p · stride + q·w + c]`
/// for `w = width` (the tile's mr or nr), `c < w`, zero where `q·w + c ≥ extent`.
///
/// The source is walked eight rows at a time across all panels, so every source row is read sequentially
/// (walking one panel down all `kc` rows would touch a new cache line and often a new page per step).
private func packPanelsAlongRows(_ src: UnsafePointer<Float>, stride: Int, width: Int, extent: Int, kc: Int,
                                 into dst: UnsafeMutablePointer<Float>) {
    let fullPanels = extent / width, rest = extent - fullPanels * width
    for pBlock in Swift.stride(from: 0, to: kc, by: 8) {
        let pEnd = min(pBlock + 8, kc)
        for q in 0..<fullPanels {
            let panel = dst + q * width * kc
            for p in pBlock..<pEnd {
                let s = src + p * stride + q * width, d = panel + p * width
                if width % 8 == 0 {
                    for c in Swift.stride(from: 0, to: width, by: 8) { storeFloat8(loadFloat8(s + c), d + c) }
                } else {
                    for c in 0..<width { d[c] = s[c] }
                }
            }
        }
        if rest > 0 {
            let panel = dst + fullPanels * width * kc
            for p in pBlock..<pEnd {
                let s = src + p * stride + fullPanels * width, d = panel + p * width
                for c in 0..<width { d[c] = c < rest ? s[c] : 0 }
            }
        }
    }
}

/// `dst[nr·p + c] = src[c · ld + p]` for `c < nr`, `p < kc`: a full panel of `op(B) = Bᵀ`.
private func packTransposedPanel(_ src: UnsafePointer<Float>, ld: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
    let nr = GemmTile.nr
    var p = 0
    while p + 8 <= kc {
        for half in 0..<(nr / 8) {
            let s = src + half * 8 * ld + p
            let t = transpose8x8(
                loadFloat8(s), loadFloat8(s + ld), loadFloat8(s + 2 * ld), loadFloat8(s + 3 * ld),
                loadFloat8(s + 4 * ld), loadFloat8(s + 5 * ld), loadFloat8(s + 6 * ld), loadFloat8(s + 7 * ld))
            let d = dst + p * nr + half * 8
            storeFloat8(t.0, d); storeFloat8(t.1, d + nr); storeFloat8(t.2, d + 2 * nr); storeFloat8(t.3, d + 3 * nr)
            storeFloat8(t.4, d + 4 * nr); storeFloat8(t.5, d + 5 * nr)
            storeFloat8(t.6, d + 6 * nr); storeFloat8(t.7, d + 7 * nr)
        }
        p += 8
    }
    while p < kc {
        let d = dst + p * nr
        for c in 0..<nr { d[c] = src[c * ld + p] }
        p += 1
    }
}

/// Transposes the 8 × 8 matrix whose rows are `r0 … r7` in three rounds of two-source shuffles, the classic
/// AVX sequence (in-lane unpack of row pairs, in-lane 64-bit shuffle of those, then swapping 128-bit halves),
/// written element-wise so LLVM emits `vunpcklps`/`vshufps`/`vperm2f128` instead of generic permutes.
@inline(__always)
private func transpose8x8(
    _ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>, _ r3: SIMD8<Float>,
    _ r4: SIMD8<Float>, _ r5: SIMD8<Float>, _ r6: SIMD8<Float>, _ r7: SIMD8<Float>
) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    // Round 1: t = [x0 y0 x1 y1 | x4 y4 x5 y5], [x2 y2 x3 y3 | x6 y6 x7 y7].
    @inline(__always) func unpackLow(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(x[0], y[0], x[1], y[1], x[4], y[4], x[5], y[5])
    }
    @inline(__always) func unpackHigh(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(x[2], y[2], x[3], y[3], x[6], y[6], x[7], y[7])
    }
    // Round 2: 64-bit pairs of two vectors, per 128-bit lane.
    @inline(__always) func pairsLow(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(x[0], x[1], y[0], y[1], x[4], x[5], y[4], y[5])
    }
    @inline(__always) func pairsHigh(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(x[2], x[3], y[2], y[3], x[6], x[7], y[6], y[7])
    }
    // Round 3: low or high 128-bit halves of two vectors.
    @inline(__always) func halvesLow(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: x.lowHalf, highHalf: y.lowHalf)
    }
    @inline(__always) func halvesHigh(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: x.highHalf, highHalf: y.highHalf)
    }
    let t0 = unpackLow(r0, r1), t1 = unpackHigh(r0, r1), t2 = unpackLow(r2, r3), t3 = unpackHigh(r2, r3)
    let t4 = unpackLow(r4, r5), t5 = unpackHigh(r4, r5), t6 = unpackLow(r6, r7), t7 = unpackHigh(r6, r7)
    // u0 = column 0 of rows 0…3 | column 4 of rows 0…3, and so on.
    let u0 = pairsLow(t0, t2), u1 = pairsHigh(t0, t2), u2 = pairsLow(t1, t3), u3 = pairsHigh(t1, t3)
    let u4 = pairsLow(t4, t6), u5 = pairsHigh(t4, t6), u6 = pairsLow(t5, t7), u7 = pairsHigh(t5, t7)
    return (halvesLow(u0, u4), halvesLow(u1, u5), halvesLow(u2, u6), halvesLow(u3, u7),
            halvesHigh(u0, u4), halvesHigh(u1, u5), halvesHigh(u2, u6), halvesHigh(u3, u7))
}
