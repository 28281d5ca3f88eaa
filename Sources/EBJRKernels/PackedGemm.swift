/// GEMM implementation (placeholder: row-broadcast SIMD loop; replaced by the packed micro-kernel).
enum PackedGemm {
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        // Materialise op(A) as m×k and op(B) as k×n, contiguous.
        let aBuf = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let bBuf = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        defer { aBuf.deallocate(); bBuf.deallocate() }
        for i in 0..<m { for p in 0..<k { aBuf[i * k + p] = transA ? a[p * lda + i] : a[i * lda + p] } }
        for p in 0..<k { for j in 0..<n { bBuf[p * n + j] = transB ? b[j * ldb + p] : b[p * ldb + j] } }
        let cs = SendablePointer(c), asp = SendableConstPointer(UnsafePointer(aBuf)), bsp = SendableConstPointer(UnsafePointer(bBuf))
        let chunks = min(threads, m)
        parallelFor(chunks: chunks, threads: threads) { chunk in
            let lo = chunk * m / chunks, hi = (chunk + 1) * m / chunks
            let acc = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { acc.deallocate() }
            for i in lo..<hi {
                acc.update(repeating: 0, count: n)
                for p in 0..<k {
                    let av = asp.pointer[i * k + p]
                    let brow = bsp.pointer + p * n
                    for j in 0..<n { acc[j] += av * brow[j] }
                }
                let row = cs.pointer + i * ldc
                if beta == 0 { for j in 0..<n { row[j] = alpha * acc[j] } }
                else { for j in 0..<n { row[j] = alpha * acc[j] + beta * row[j] } }
            }
        }
    }
}
