import Testing
import EBJRKernels
import EBJRTensor

/// The convolution product that unfolds columns straight into the GEMM's panels gives bitwise the values of
/// `im2col` followed by `sgemm` (the same blocking and sums), for strides, padding, 1×1 kernels, few output
/// channels (the unpacked small-GEMM path), outputs wider than a column block, β = 0 and 1, and 1 or 2 threads.
@Test func convolutionGemmEqualsIm2colThenSgemmBitwise() {
    var generator = RandomGenerator(seed: 3)
    let cases: [(ConvGeometry, Int)] = [
        (ConvGeometry(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3), 32),
        (ConvGeometry(channels: 32, height: 26, width: 26, kernelHeight: 3, kernelWidth: 3), 64),
        (ConvGeometry(channels: 3, height: 13, width: 11, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1), 8),
        (ConvGeometry(channels: 8, height: 7, width: 6, kernelHeight: 1, kernelWidth: 1), 5),
        (ConvGeometry(channels: 300, height: 4, width: 4, kernelHeight: 1, kernelWidth: 1), 3),
        (ConvGeometry(channels: 4, height: 66, width: 66, kernelHeight: 3, kernelWidth: 3, padding: 1), 12),
    ]
    for (g, outputs) in cases {
        let image = Tensor.uniform([g.channels * g.height * g.width], low: -1, high: 1, generator: &generator)
        let weight = Tensor.uniform([outputs * g.patchSize], low: -1, high: 1, generator: &generator)
        let start = Tensor.uniform([outputs * g.positions], low: -1, high: 1, generator: &generator)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.patchSize * g.positions)
        let packed = ConvolutionGemm.allocateScratch(ConvolutionGemm.scratchCount(g))
        defer { columns.deallocate(); packed.deallocate() }
        im2col(image.data, g, into: columns)
        for beta: Float in [0, 1] {
            for threads in [1, 2] {
                let expected = Tensor(start.scalars, shape: start.shape), got = Tensor(start.scalars, shape: start.shape)
                sgemm(transA: false, transB: false, m: outputs, n: g.positions, k: g.patchSize, a: weight.data, lda: g.patchSize,
                      b: columns, ldb: g.positions, beta: beta, c: expected.data, ldc: g.positions, threads: 1)
                ConvolutionGemm.run(weight: weight.data, outputs: outputs, image: image.data, geometry: g, beta: beta,
                                    output: got.data, packed: packed, threads: threads)
                let differing = (0..<expected.count).filter { expected.data[$0].bitPattern != got.data[$0].bitPattern }.count
                #expect(differing == 0, "\(g), \(outputs) outputs, β \(beta), \(threads) threads: \(differing) values differ")
            }
        }
    }
}
