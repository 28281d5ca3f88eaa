import EBJRKernels
import Testing

/// `sgemm` against `sgemmReference` (Double accumulation) on awkward shapes, every transpose combination,
/// α/β, padded leading dimensions and thread counts. Padding of A and B is NaN and padding of C a sentinel,
/// so reading or writing outside the described matrices makes a test fail.
struct GemmTests {
    struct Shape: Sendable, CustomStringConvertible {
        var m, n, k: Int
        var description: String { "\(m)×\(n)×\(k)" }
    }

    struct Case: Sendable, CustomStringConvertible {
        var m, n, k: Int
        var transA = false, transB = false
        var alpha: Float = 1, beta: Float = 0
        var padA = 0, padB = 0, padC = 0
        var threads = 1
        var nanInC = false
        var description: String {
            "\(m)×\(n)×\(k) tA=\(transA) tB=\(transB) α=\(alpha) β=\(beta) pad=\(padA),\(padB),\(padC) t=\(threads)"
        }
    }

    static let transposes: [(Bool, Bool)] = [(false, false), (false, true), (true, false), (true, true)]

    /// Shapes around every boundary: the 6 × 16 tile, SIMD width 8, the few-rows / few-columns paths (m or n ≤ 4),
    /// the depth block
    /// (256, balanced), the row block (120) and the toolkit's own shapes.
    static let shapes: [Shape] = [
        .init(m: 1, n: 1, k: 1), .init(m: 7, n: 13, k: 17), .init(m: 1, n: 32, k: 784), .init(m: 1, n: 10, k: 33),
        .init(m: 2, n: 37, k: 19), .init(m: 3, n: 70, k: 9), .init(m: 4, n: 5, k: 300), .init(m: 5, n: 16, k: 8),
        .init(m: 6, n: 16, k: 1), .init(m: 12, n: 32, k: 64), .init(m: 13, n: 1, k: 23), .init(m: 31, n: 47, k: 257),
        .init(m: 121, n: 17, k: 3), .init(m: 64, n: 33, k: 513), .init(m: 130, n: 150, k: 41),
        .init(m: 37, n: 1, k: 50), .init(m: 130, n: 3, k: 70), .init(m: 9, n: 4, k: 300), .init(m: 5, n: 2, k: 17),
    ]

    @Test(arguments: shapes, transposes)
    func matchesReference(shape: Shape, transpose: (Bool, Bool)) {
        check(Case(m: shape.m, n: shape.n, k: shape.k, transA: transpose.0, transB: transpose.1))
    }

    @Test(arguments: transposes)
    func paddedLeadingDimensions(transpose: (Bool, Bool)) {
        for shape in [Shape(m: 3, n: 9, k: 11), Shape(m: 19, n: 35, k: 29), Shape(m: 11, n: 3, k: 20)] {
            check(Case(m: shape.m, n: shape.n, k: shape.k, transA: transpose.0, transB: transpose.1,
                       padA: 3, padB: 5, padC: 7))
        }
    }

    @Test(arguments: [(Float(1), Float(0)), (2.5, 0), (1, 1), (-0.5, 2), (0.75, -1.25), (0, 0.5), (0, 0)])
    func alphaBeta(_ coefficients: (Float, Float)) {
        for shape in [Shape(m: 2, n: 9, k: 21), Shape(m: 23, n: 41, k: 300), Shape(m: 10, n: 1, k: 40)] {
            for (tA, tB) in Self.transposes {
                check(Case(m: shape.m, n: shape.n, k: shape.k, transA: tA, transB: tB,
                           alpha: coefficients.0, beta: coefficients.1, padC: 2))
            }
        }
    }

    /// With β = 0 the old contents of C are ignored, even NaN (also on the k = 0 and α = 0 shortcuts).
    @Test(arguments: [Shape(m: 1, n: 32, k: 784), Shape(m: 3, n: 5, k: 7), Shape(m: 17, n: 40, k: 33),
                      Shape(m: 8, n: 2, k: 9), Shape(m: 9, n: 9, k: 0)])
    func betaZeroIgnoresNaN(shape: Shape) {
        for (tA, tB) in Self.transposes {
            for alpha: Float in [1, 0] {
                check(Case(m: shape.m, n: shape.n, k: shape.k, transA: tA, transB: tB, alpha: alpha, nanInC: true))
            }
        }
    }

    /// Shapes big enough to be split over threads, by columns (n ≥ m) and by rows (m > n).
    /// (Above `PackedGemm.parallelThreshold` = 2²² multiply-adds; the packed ones are split into several parts per
    /// thread around a shared packed operand; odd sizes leave partial tiles and a narrow last part.)
    @Test(arguments: [1, 2, 3], [Shape(m: 131, n: 250, k: 131), Shape(m: 301, n: 53, k: 263),
                                 Shape(m: 4, n: 700, k: 1600), Shape(m: 600, n: 3, k: 2400),
                                 Shape(m: 7, n: 1201, k: 509), Shape(m: 1201, n: 7, k: 509)])
    func threads(_ threads: Int, shape: Shape) {
        for (tA, tB) in Self.transposes {
            check(Case(m: shape.m, n: shape.n, k: shape.k, transA: tA, transB: tB, beta: 0.5, padC: 1,
                       threads: threads))
        }
    }

    /// Splitting over threads changes no value: every element is summed in the same order.
    @Test(arguments: [Shape(m: 128, n: 512, k: 784), Shape(m: 301, n: 53, k: 263), Shape(m: 512, n: 784, k: 128)])
    func threadedIsBitwiseSerial(shape: Shape) {
        var rng = SplitMix(seed: 7)
        let a = Self.matrix(rows: shape.m, cols: shape.k, ld: shape.k, padding: 0, &rng)
        let b = Self.matrix(rows: shape.k, cols: shape.n, ld: shape.n, padding: 0, &rng)
        for (tA, tB) in Self.transposes {
            var results: [[Float]] = []
            for threads in [1, 2, 3] {
                var c = [Float](repeating: 0, count: shape.m * shape.n)
                sgemm(transA: tA, transB: tB, m: shape.m, n: shape.n, k: shape.k,
                      a: a, lda: tA ? shape.m : shape.k, b: b, ldb: tB ? shape.k : shape.n,
                      c: &c, ldc: shape.n, threads: threads)
                results.append(c)
            }
            #expect(results[0] == results[1] && results[0] == results[2], "\(shape) tA=\(tA) tB=\(tB)")
        }
    }

    /// A column block wider than the packed B block (3072 columns).
    @Test func wideColumnBlocks() {
        check(Case(m: 7, n: 3100, k: 5, transB: true, beta: 1, threads: 1))
    }

    @Test func kZeroScalesC() {
        for beta: Float in [0, 1, -2] {
            check(Case(m: 5, n: 6, k: 0, beta: beta, padC: 1))
        }
    }

    @Test func emptyOutputsDoNotTouchAnything() {
        var a: [Float] = [.nan], b: [Float] = [.nan], c: [Float] = [42]
        for (m, n, k) in [(0, 0, 0), (0, 5, 3), (4, 0, 3), (0, 0, 9)] {
            sgemm(transA: false, transB: false, m: m, n: n, k: k, a: &a, lda: max(k, 1), b: &b, ldb: max(n, 1),
                  beta: 0, c: &c, ldc: max(n, 1))
        }
        #expect(c == [42])
    }

    /// Builds the operands of `c`, runs both implementations and compares element-wise.
    private func check(_ c: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        let seed = c.m * 1_000_003 + c.n * 1009 + c.k * 7 + (c.transA ? 1 : 0) + (c.transB ? 2 : 0)
        var rng = SplitMix(seed: UInt64(seed))
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + c.padA, ldb = bCols + c.padB, ldc = c.n + c.padC
        let a = Self.matrix(rows: aRows, cols: aCols, ld: lda, padding: .nan, &rng)
        let b = Self.matrix(rows: bRows, cols: bCols, ld: ldb, padding: .nan, &rng)
        var initial = Self.matrix(rows: c.m, cols: c.n, ld: ldc, padding: 12345, &rng)
        if c.nanInC { for i in 0..<c.m { for j in 0..<c.n { initial[i * ldc + j] = .nan } } }
        var expected = initial, actual = initial
        sgemmReference(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                       a: a, lda: max(lda, 1), b: b, ldb: max(ldb, 1), beta: c.beta, c: &expected, ldc: max(ldc, 1))
        sgemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
              a: a, lda: max(lda, 1), b: b, ldb: max(ldb, 1), beta: c.beta, c: &actual, ldc: max(ldc, 1),
              threads: c.threads)
        var failures = 0
        for i in 0..<c.m {
            for j in 0..<ldc {  // the real columns and the padding, which must stay untouched
                let index = i * ldc + j
                if j >= c.n {
                    if actual[index] != 12345 { failures += 1 }
                    continue
                }
                // Rounding of a k-term float sum grows like √k times the magnitude of its terms.
                var magnitude: Float = c.beta == 0 ? 0 : abs(c.beta * initial[index])
                for p in 0..<c.k {
                    let av = c.transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = c.transB ? b[j * ldb + p] : b[p * ldb + j]
                    magnitude += abs(c.alpha * av * bv)
                }
                let tolerance = 1e-5 * Float(max(c.k, 1)).squareRoot() * magnitude + 1e-30
                let ok = actual[index].isFinite && abs(actual[index] - expected[index]) <= tolerance
                if !ok { failures += 1 }
                if !ok && failures <= 3 {
                    Issue.record("\(c): C[\(i), \(j)] = \(actual[index]), expected \(expected[index]) ± \(tolerance)",
                                 sourceLocation: sourceLocation)
                }
            }
        }
        #expect(failures == 0, "\(c): \(failures) wrong elements", sourceLocation: sourceLocation)
    }

    /// A `rows × cols` matrix with leading dimension `ld`, values in [-1, 1), padding columns set to `padding`.
    private static func matrix(rows: Int, cols: Int, ld: Int, padding: Float, _ rng: inout SplitMix) -> [Float] {
        var values = [Float](repeating: padding, count: max(rows * ld, 1))
        for i in 0..<rows { for j in 0..<cols { values[i * ld + j] = rng.nextUnit() } }
        return values
    }
}

/// Deterministic generator so failures reproduce.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
