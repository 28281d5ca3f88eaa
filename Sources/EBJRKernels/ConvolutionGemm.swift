/// A convolution's product `Y[O, P] ← β · Y + W[O, C·kh·kw] · im2col(x)` without the column matrix.
///
/// `im2col` followed by `sgemm` writes the `C·kh·kw × OH·OW` column matrix (660 KB for a 32-channel 3×3
/// convolution on a 24×24 output) and the GEMM then copies it again into its `B` panels. Here each column-matrix
/// row is unfolded into a small buffer that stays in L1 and scattered straight into the panel layout the GEMM's
/// micro-kernel streams through (the layout `PackedGemm.blocked` expects of a prepacked `B`), so the columns are
/// written once. The blocking, the micro-kernel and the order of every sum are those of `sgemm`, so the result
/// is bitwise the one of `im2col` + `sgemm` on the same shapes.
public enum ConvolutionGemm {
    /// Floats of the packed-columns buffer `run` needs for geometry `g`.
    public static func packedColumnsCount(_ g: ConvGeometry) -> Int {
        PackedGemm.roundUp(g.positions, GemmTile.nr) * g.patchSize
    }

    /// Whether `run` takes the packed path for `outputs` channels (few-row or few-column products take the
    /// unpacked small-GEMM path of `sgemm`, which `run` then uses too).
    static func packs(outputs: Int, _ g: ConvGeometry) -> Bool {
        outputs > SmallGemm.maxRows && g.positions > SmallGemm.maxRows
    }

    /// `output[O, P] ← β · output + weight[O, C·kh·kw] · im2col(image)`.
    ///
    /// - `packed`: scratch of `scratchCount(g)` floats, 64-byte aligned (`allocateScratch`).
    /// - `threads`: the output channels are split into row strips over up to this many threads.
    public static func run(weight: UnsafePointer<Float>, outputs: Int, image: UnsafePointer<Float>, geometry g: ConvGeometry,
                           beta: Float, output: UnsafeMutablePointer<Float>, packed: UnsafeMutablePointer<Float>, threads: Int) {
        let n = g.positions, k = g.patchSize
        guard packs(outputs: outputs, g) else {
            // The small-GEMM path reads an ordinary column matrix; the packed buffer is large enough to hold it.
            im2col(image, g, into: packed)
            sgemm(transA: false, transB: false, m: outputs, n: n, k: k, a: weight, lda: k, b: packed, ldb: n,
                  beta: beta, c: output, ldc: n, threads: threads)
            return
        }
        pack(image, g, into: packed)
        let a = StridedMatrix(weight, ld: k, transposed: false)
        let b = StridedMatrix(UnsafePointer(packed), ld: n, transposed: false)  // not read: B is prepacked
        let units = (outputs + GemmTile.mr - 1) / GemmTile.mr
        let parts = Swift.min(units, threads, Swift.max(1, outputs * n * k / PackedGemm.parallelThreshold * 2))
        if parts <= 1 {
            PackedGemm.blocked(a, b, m: outputs, n: n, k: k, alpha: 1, beta: beta, c: output, ldc: n,
                               prepackedA: nil, prepackedB: UnsafePointer(packed))
            return
        }
        let box = UncheckedBox((a, b)), os = SendablePointer(output), ps = SendableConstPointer(UnsafePointer(packed))
        parallelFor(chunks: parts, threads: parts) { part in
            let lo = part * units / parts * GemmTile.mr, hi = Swift.min(outputs, (part + 1) * units / parts * GemmTile.mr)
            if lo >= hi { return }
            var (pa, pb) = box.value
            pa.base = pa.pointer(row: lo, col: 0)
            PackedGemm.blocked(pa, pb, m: hi - lo, n: n, k: k, alpha: 1, beta: beta, c: os.pointer + lo * n, ldc: n,
                               prepackedA: nil, prepackedB: ps.pointer)
        }
    }

    /// Floats `run` needs as scratch for geometry `g` (the packed columns, or a plain column matrix on the
    /// small-GEMM path).
    public static func scratchCount(_ g: ConvGeometry) -> Int {
        Swift.max(packedColumnsCount(g), g.patchSize * g.positions, 16)
    }

    /// A zeroed, 64-byte aligned scratch buffer of `count` floats for `run` (see `scratchCount`); release it with
    /// `deallocate()`.
    public static func allocateScratch(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
        let floats = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 16))
        floats.initialize(repeating: 0, count: Swift.max(count, 16))
        return floats
    }

    /// The column matrix of `image` in prepacked-`B` layout: depth block `pc` (the GEMM's balanced `kc` blocks)
    /// starts at `pc · roundUp(P, nr)`; in it, panel `q` holds `kc` steps of `nr` positions `q·nr …` (zero past `P`).
    static func pack(_ image: UnsafePointer<Float>, _ g: ConvGeometry, into dst: UnsafeMutablePointer<Float>) {
        let n = g.positions, k = g.patchSize, nr = GemmTile.nr
        let paddedN = PackedGemm.roundUp(n, nr)
        let kcStep = PackedGemm.balancedStep(k, limit: PackedGemm.kcMax, multiple: 1)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: paddedN) { buffer in
            let row = buffer.baseAddress!
            (row + n).update(repeating: 0, count: paddedN - n)
            for pc in stride(from: 0, to: k, by: kcStep) {
                let kc = Swift.min(kcStep, k - pc)
                let block = dst + pc * paddedN
                for step in 0..<kc {
                    im2colRow(image, g, row: pc + step, into: row)
                    var q = 0
                    while q < paddedN {
                        copyFloats(from: row + q, to: block + q * kc + step * nr, count: nr)
                        q += nr
                    }
                }
            }
        }
    }
}
