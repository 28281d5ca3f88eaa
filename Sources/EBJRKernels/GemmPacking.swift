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

    @inline(__always) func pointer(row: Int, col: Int) -> UnsafePointer<Float> {
        base + row * rowStride + col * colStride
    }
}

/// Packs the `mc × kc` block of `op(A)` starting at `(i0, p0)` into `⌈mc / 6⌉` panels of `6 × kc`:
/// panel `q` holds `dst[q·6·kc + 6p + r] = op(A)[i0 + 6q + r, p0 + p]`, rows past `mc` are zero.
func packA(_ a: StridedMatrix, i0: Int, p0: Int, mc: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
    let mr = GemmTile.mr
    var panel = dst
    var i = 0
    while i < mc {
        let rows = min(mr, mc - i)
        let src = a.pointer(row: i0 + i, col: p0)
        if rows == mr && a.rowStride == 1 {
            // op(A) is Aᵀ: the six values of one step are contiguous.
            for p in 0..<kc {
                let s = src + p * a.colStride, d = panel + p * mr
                d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; d[5] = s[5]
            }
        } else if rows == mr && a.colStride == 1 {
            // op(A) is A: interleave six contiguous rows.
            let rs = a.rowStride
            let s0 = src, s1 = src + rs, s2 = src + 2 * rs, s3 = src + 3 * rs, s4 = src + 4 * rs, s5 = src + 5 * rs
            for p in 0..<kc {
                let d = panel + p * mr
                d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p]; d[5] = s5[p]
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

/// Packs the `kc × nc` block of `op(B)` starting at `(p0, j0)` into `⌈nc / 16⌉` panels of `kc × 16`:
/// panel `q` holds `dst[q·16·kc + 16p + j] = op(B)[p0 + p, j0 + 16q + j]`, columns past `nc` are zero.
/// `dst` must be 32-byte aligned (the micro-kernel uses aligned loads).
func packB(_ b: StridedMatrix, p0: Int, j0: Int, kc: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
    let nr = GemmTile.nr
    var panel = dst
    var j = 0
    while j < nc {
        let cols = min(nr, nc - j)
        let src = b.pointer(row: p0, col: j0 + j)
        if cols == nr && b.colStride == 1 {
            // op(B) is B: each step copies 16 contiguous values.
            for p in 0..<kc {
                let s = UnsafeRawPointer(src + p * b.rowStride), d = UnsafeMutableRawPointer(panel + p * nr)
                d.storeBytes(of: s.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                d.storeBytes(of: s.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32,
                             as: SIMD8<Float>.self)
            }
        } else if cols == nr && b.rowStride == 1 {
            // op(B) is Bᵀ: 16 contiguous source rows, transposed 8 × 8 at a time.
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

/// `dst[16p + c] = src[c · ld + p]` for `c < 16`, `p < kc`: a full panel of `op(B) = Bᵀ`.
private func packTransposedPanel(_ src: UnsafePointer<Float>, ld: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
    let nr = GemmTile.nr
    var p = 0
    while p + 8 <= kc {
        for half in 0..<2 {
            let s = src + half * 8 * ld + p
            let t = transpose8x8(
                loadFloat8(s), loadFloat8(s + ld), loadFloat8(s + 2 * ld), loadFloat8(s + 3 * ld),
                loadFloat8(s + 4 * ld), loadFloat8(s + 5 * ld), loadFloat8(s + 6 * ld), loadFloat8(s + 7 * ld))
            let d = dst + p * nr + half * 8
            storeFloat8(t.0, d); storeFloat8(t.1, d + nr); storeFloat8(t.2, d + 2 * nr); storeFloat8(t.3, d + 3 * nr)
            storeFloat8(t.4, d + 4 * nr); storeFloat8(t.5, d + 5 * nr); storeFloat8(t.6, d + 6 * nr); storeFloat8(t.7, d + 7 * nr)
        }
        p += 8
    }
    while p < kc {
        let d = dst + p * nr
        for c in 0..<nr { d[c] = src[c * ld + p] }
        p += 1
    }
}

/// Transposes the 8 × 8 matrix whose rows are `r0 … r7`.
///
/// Reading the 64 values row-major, index bits are `(i₂i₁i₀ j₂j₁j₀)`; one "unshuffle" (all even-indexed values,
/// then all odd-indexed ones) rotates the index right by one bit, so three of them swap `i` and `j`.
@inline(__always)
private func transpose8x8(
    _ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>, _ r3: SIMD8<Float>,
    _ r4: SIMD8<Float>, _ r5: SIMD8<Float>, _ r6: SIMD8<Float>, _ r7: SIMD8<Float>
) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    var v = (r0, r1, r2, r3, r4, r5, r6, r7)
    for _ in 0..<3 {
        v = (SIMD8(lowHalf: v.0.evenHalf, highHalf: v.1.evenHalf), SIMD8(lowHalf: v.2.evenHalf, highHalf: v.3.evenHalf),
             SIMD8(lowHalf: v.4.evenHalf, highHalf: v.5.evenHalf), SIMD8(lowHalf: v.6.evenHalf, highHalf: v.7.evenHalf),
             SIMD8(lowHalf: v.0.oddHalf, highHalf: v.1.oddHalf), SIMD8(lowHalf: v.2.oddHalf, highHalf: v.3.oddHalf),
             SIMD8(lowHalf: v.4.oddHalf, highHalf: v.5.oddHalf), SIMD8(lowHalf: v.6.oddHalf, highHalf: v.7.oddHalf))
    }
    return v
}
