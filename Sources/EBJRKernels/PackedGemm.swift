/// The blocked GEMM behind `sgemm` (Goto/BLIS structure):
///
///     for each column block of C (nc ≤ ncMax)            – pack op(B)[pc…, jc…] into nr-column panels
///       for each depth block (kc ≤ kcMax, balanced)
///         for each row block (mc ≤ mcMax, balanced)      – pack op(A)[ic…, pc…] into mr-row panels
///           for each B panel, for each A panel           – mr × nr micro-kernel over kc (GemmTile)
///
/// The first depth block applies `β`, later ones accumulate (`β = 1`); `α` is applied on every store.
/// Multi-threading splits C into disjoint column (or row) strips, each solved by this serial algorithm with its
/// own pooled workspace. Problems with at most `SmallGemm.maxRows` rows or columns skip packing entirely.
enum PackedGemm {
    /// Depth of a packed block: a B panel of `kcMax` steps is 16 KiB (32 KiB with the AVX-512 tile), in L1/L2.
    static let kcMax = 256
    /// Rows of a packed A block (a multiple of both tiles' `mr`, 6 and 8): `mcMax × kcMax` floats = 120 KiB, resident in L2.
    static let mcMax = 120
    /// Columns of a packed B block (a multiple of `nr`): at most 3 MiB, in L3.
    static let ncMax = 3072
    /// Below this many multiply-adds (`m·n·k`) a call stays on the calling thread.
    static let parallelThreshold = 1 << 22

    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        let opA = StridedMatrix(a, ld: lda, transposed: transA)
        let opB = StridedMatrix(b, ld: ldb, transposed: transB)
        let work = m * n * k
        let splitColumns = m <= SmallGemm.maxRows || n >= m
        let unit = splitColumns ? GemmTile.nr : GemmTile.mr
        let extent = splitColumns ? n : m
        let units = (extent + unit - 1) / unit
        if work < parallelThreshold || threads <= 1 || units <= 1 {
            serial(opA, opB, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
            return
        }
        let cs = SendablePointer(c)
        let operands = UncheckedBox((opA, opB))
        if m > SmallGemm.maxRows && n > SmallGemm.maxRows {
            // Packed path: the operand that every part needs whole (op(A) for column strips, op(B) for row strips) is
            // packed once here; the parts, several per thread, are taken dynamically and pack only their own strip.
            let sharedCount = splitColumns ? roundUp(m, GemmTile.mr) * k : roundUp(n, GemmTile.nr) * k
            if sharedCount <= maxSharedPack {
                let parts = Swift.min(threads * partsPerThread, Swift.max(threads, units / (splitColumns ? 4 : 8)), units)
                GemmWorkspacePool.withWorkspace { shared in
                    shared.reserve(a: splitColumns ? sharedCount : 0, b: splitColumns ? 0 : sharedCount)
                    // The shared packing is itself split: by depth block and into one row (column) range per thread;
                    // panels are contiguous, so a range of whole panels packs into its own slice of the layout.
                    let kcStep = balancedStep(k, limit: kcMax, multiple: 1)
                    let depthBlocks = (k + kcStep - 1) / kcStep
                    let sharedUnit = splitColumns ? GemmTile.mr : GemmTile.nr
                    let sharedExtent = splitColumns ? m : n
                    let sharedUnits = (sharedExtent + sharedUnit - 1) / sharedUnit
                    let pieces = Swift.min(threads, sharedUnits)
                    let sharedBase = SendablePointer(splitColumns ? shared.a : shared.b)
                    parallelFor(chunks: depthBlocks * pieces, threads: threads) { task in
                        let pc = task / pieces * kcStep, piece = task % pieces
                        let kc = Swift.min(kcStep, k - pc)
                        let lo = piece * sharedUnits / pieces * sharedUnit
                        let hi = Swift.min(sharedExtent, (piece + 1) * sharedUnits / pieces * sharedUnit)
                        if lo >= hi { return }
                        let (pa, pb) = operands.value
                        if splitColumns {
                            packA(pa, i0: lo, p0: pc, mc: hi - lo, kc: kc,
                                  into: sharedBase.pointer + pc * roundUp(m, GemmTile.mr) + lo * kc)
                        } else {
                            packB(pb, p0: pc, j0: lo, kc: kc, nc: hi - lo,
                                  into: sharedBase.pointer + pc * roundUp(n, GemmTile.nr) + lo * kc)
                        }
                    }
                    let packed = SendableConstPointer(UnsafePointer(sharedBase.pointer))
                    parallelFor(chunks: parts, threads: threads) { part in
                        let lo = Swift.min(extent, part * units / parts * unit)
                        let hi = Swift.min(extent, (part + 1) * units / parts * unit)
                        if lo >= hi { return }
                        var (pa, pb) = operands.value
                        if splitColumns {
                            pb.base = pb.pointer(row: 0, col: lo)
                            blocked(pa, pb, m: m, n: hi - lo, k: k, alpha: alpha, beta: beta, c: cs.pointer + lo, ldc: ldc,
                                    prepackedA: packed.pointer, prepackedB: nil)
                        } else {
                            pa.base = pa.pointer(row: lo, col: 0)
                            blocked(pa, pb, m: hi - lo, n: n, k: k, alpha: alpha, beta: beta, c: cs.pointer + lo * ldc,
                                    ldc: ldc, prepackedA: nil, prepackedB: packed.pointer)
                        }
                    }
                }
                return
            }
        }
        let parts = Swift.min(threads, units)
        parallelFor(chunks: parts, threads: parts) { part in
            let lo = Swift.min(extent, part * units / parts * unit), hi = Swift.min(extent, (part + 1) * units / parts * unit)
            if lo >= hi { return }
            var (pa, pb) = operands.value
            if splitColumns {
                pb.base = pb.pointer(row: 0, col: lo)
                serial(pa, pb, m: m, n: hi - lo, k: k, alpha: alpha, beta: beta, c: cs.pointer + lo, ldc: ldc)
            } else {
                pa.base = pa.pointer(row: lo, col: 0)
                serial(pa, pb, m: hi - lo, n: n, k: k, alpha: alpha, beta: beta, c: cs.pointer + lo * ldc, ldc: ldc)
            }
        }
    }

    /// Parts per thread of a split packed GEMM (taken dynamically, so a descheduled thread delays little).
    static let partsPerThread = 3
    /// Largest operand (floats) packed once and shared by the parts of a split GEMM: 16 MiB.
    static let maxSharedPack = 1 << 22

    /// One thread: the few-rows or few-columns path, or the packed, blocked algorithm with a pooled workspace.
    static func serial(_ a: StridedMatrix, _ b: StridedMatrix, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                       c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m <= SmallGemm.maxRows {
            SmallGemm.run(a, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
            return
        }
        if n <= SmallGemm.maxRows {
            SmallGemm.runNarrow(a, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
            return
        }
        blocked(a, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc, prepackedA: nil, prepackedB: nil)
    }

    /// The packed, blocked algorithm. `prepackedA` (or `prepackedB`), when given, holds all of `op(A)` (`op(B)`)
    /// packed depth block by depth block as `packA(i0: 0, mc: m)` (`packB(j0: 0, nc: n)`) with this `k`'s blocking:
    /// the block at depth `pc` starts at `pc · roundUp(m, 6)` (`pc · roundUp(n, 16)`).
    static func blocked(_ a: StridedMatrix, _ b: StridedMatrix, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                        c: UnsafeMutablePointer<Float>, ldc: Int,
                        prepackedA: UnsafePointer<Float>?, prepackedB: UnsafePointer<Float>?) {
        let kcStep = balancedStep(k, limit: kcMax, multiple: 1)
        let mcStep = balancedStep(m, limit: mcMax, multiple: GemmTile.mr)
        let ncStep = balancedStep(n, limit: ncMax, multiple: GemmTile.nr)
        let paddedM = roundUp(m, GemmTile.mr), paddedN = roundUp(n, GemmTile.nr)
        GemmWorkspacePool.withWorkspace { workspace in
            workspace.reserve(a: prepackedA == nil ? roundUp(mcStep, GemmTile.mr) * kcStep : 0,
                              b: prepackedB == nil ? roundUp(ncStep, GemmTile.nr) * kcStep : 0)
            for jc in stride(from: 0, to: n, by: ncStep) {
                let nc = min(ncStep, n - jc)
                for pc in stride(from: 0, to: k, by: kcStep) {
                    let kc = min(kcStep, k - pc)
                    let blockBeta = pc == 0 ? beta : 1
                    let packedB = panels(prepackedB, at: pc * paddedN + jc * kc, orPackInto: workspace.b) {
                        packB(b, p0: pc, j0: jc, kc: kc, nc: nc, into: $0)
                    }
                    for ic in stride(from: 0, to: m, by: mcStep) {
                        let mc = min(mcStep, m - ic)
                        let packedA = panels(prepackedA, at: pc * paddedM + ic * kc, orPackInto: workspace.a) {
                            packA(a, i0: ic, p0: pc, mc: mc, kc: kc, into: $0)
                        }
                        macroKernel(mc: mc, nc: nc, kc: kc, a: packedA, b: packedB,
                                    c: c + ic * ldc + jc, ldc: ldc, alpha: alpha, beta: blockBeta)
                    }
                }
            }
        }
    }

    /// The block of an operand packed once up front (`prepacked + offset`), or else `pack` run into `workspace`.
    @inline(__always)
    private static func panels(_ prepacked: UnsafePointer<Float>?, at offset: Int, orPackInto workspace: UnsafeMutablePointer<Float>,
                               _ pack: (UnsafeMutablePointer<Float>) -> Void) -> UnsafePointer<Float> {
        if let prepacked { return prepacked + offset }
        pack(workspace)
        return UnsafePointer(workspace)
    }

    /// All micro-tiles of one packed `mc × kc` A block against one packed `kc × nc` B block.
    private static func macroKernel(mc: Int, nc: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        let mr = GemmTile.mr, nr = GemmTile.nr
        for jr in stride(from: 0, to: nc, by: nr) {
            let cols = min(nr, nc - jr)
            let bPanel = b + jr * kc
            for ir in stride(from: 0, to: mc, by: mr) {
                let rows = min(mr, mc - ir)
                let aPanel = a + ir * kc, tile = c + ir * ldc + jr
                if rows == mr && cols == nr {
                    gemmMicroKernel(kc: kc, a: aPanel, b: bPanel, c: tile, ldc: ldc, alpha: alpha, beta: beta)
                } else {
                    gemmMicroKernelEdge(kc: kc, a: aPanel, b: bPanel, c: tile, ldc: ldc,
                                        rows: rows, cols: cols, alpha: alpha, beta: beta)
                }
            }
        }
    }

    /// The block size `≤ limit` (rounded up to `multiple`) that cuts `extent` into equal-sized blocks,
    /// e.g. `k = 300` gives two blocks of 150 rather than 256 + 44.
    static func balancedStep(_ extent: Int, limit: Int, multiple: Int) -> Int {
        let blocks = max(1, (extent + limit - 1) / limit)
        return max(multiple, roundUp((extent + blocks - 1) / blocks, multiple))
    }

    @inline(__always) static func roundUp(_ value: Int, _ multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
