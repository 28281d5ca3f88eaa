import Testing
import EBJRKernels
@testable import EBJRTensor

/// The fused and vectorised fast paths against the obvious compositions, on odd shapes.
struct FusedKernelTests {
    /// `linearReLU` gives bit-for-bit the values and gradients of `linear(…).relu()`.
    @Test(arguments: [(1, 1, 1), (2, 3, 1), (7, 13, 5), (5, 17, 9), (13, 31, 8), (9, 40, 64), (128, 61, 70)])
    func linearReLUMatchesComposition(shape: (Int, Int, Int)) {
        let (n, inF, outF) = shape
        var generator = RandomGenerator(seed: UInt64(n * 1000 + inF * 10 + outF))
        for withBias in [true, false] {
            let x = Tensor.uniform([n, inF], low: -1, high: 1, generator: &generator)
            x.requiresGrad = true
            let w = Tensor.uniform([outF, inF], low: -1, high: 1, generator: &generator)
            w.requiresGrad = true
            let b = withBias ? Tensor.uniform([outF], low: -0.5, high: 0.5, generator: &generator) : nil
            b?.requiresGrad = true
            let seed = Tensor.uniform([n, outF], low: -1, high: 1, generator: &generator)

            let fused = Tensor.linearReLU(x, weight: w, bias: b)
            fused.backward(seed: seed)
            let fusedGrads = [x.grad!.scalars, w.grad!.scalars, b?.grad?.scalars ?? []]
            x.grad = nil; w.grad = nil; b?.grad = nil

            let composed = Tensor.linear(x, weight: w, bias: b).relu()
            composed.backward(seed: seed)
            let composedGrads = [x.grad!.scalars, w.grad!.scalars, b?.grad?.scalars ?? []]

            #expect(fused.scalars == composed.scalars)
            #expect(fusedGrads == composedGrads)
        }
    }

    /// `im2col` and `col2im` against direct index arithmetic (stride and padding, rows not a multiple of 8).
    @Test(arguments: [ConvGeometry(channels: 1, height: 1, width: 1, kernelHeight: 1, kernelWidth: 1),
                      ConvGeometry(channels: 2, height: 7, width: 11, kernelHeight: 3, kernelWidth: 3),
                      ConvGeometry(channels: 3, height: 13, width: 29, kernelHeight: 3, kernelWidth: 2, padding: 1),
                      ConvGeometry(channels: 2, height: 9, width: 10, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1),
                      ConvGeometry(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3)])
    func im2colAndCol2imMatchReference(g: ConvGeometry) {
        var generator = RandomGenerator(seed: 3)
        let image = Tensor.uniform([g.channels * g.height * g.width], low: -1, high: 1, generator: &generator)
        let cols = Tensor(zeros: [g.patchSize * g.positions])
        im2col(image.data, g, into: cols.data)
        var expected = [Float](repeating: 0, count: cols.count)
        var folded = [Float](repeating: 0, count: image.count)
        let colValues = Tensor.uniform([cols.count], low: -1, high: 1, generator: &generator)
        for c in 0..<g.channels { for u in 0..<g.kernelHeight { for v in 0..<g.kernelWidth {
            let row = (c * g.kernelHeight + u) * g.kernelWidth + v
            for i in 0..<g.outputHeight { for j in 0..<g.outputWidth {
                let y = i * g.stride - g.padding + u, x = j * g.stride - g.padding + v
                let inside = y >= 0 && y < g.height && x >= 0 && x < g.width
                let index = row * g.positions + i * g.outputWidth + j
                expected[index] = inside ? image.data[(c * g.height + y) * g.width + x] : 0
                if inside { folded[(c * g.height + y) * g.width + x] += colValues.data[index] }
            } }
        } } }
        #expect(cols.scalars == expected)
        let result = Tensor(zeros: [image.count])
        col2im(colValues.data, g, addingInto: result.data)
        let maxError = zip(result.scalars, folded).map { abs($0 - $1) }.max() ?? 0
        #expect(maxError <= 1e-5)
    }

    /// `sumFloats` and `addFloats` on lengths around the SIMD width.
    @Test func vectorHelpers() {
        for count in [0, 1, 7, 8, 9, 16, 17, 31, 576] {
            let values = (0..<count).map { Float($0 % 7) * 0.25 - 0.5 }
            let total = values.withUnsafeBufferPointer { sumFloats($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: count) }
            #expect(abs(total - values.reduce(0, +)) <= 1e-5, "count \(count)")
            var dst = (0..<count).map { Float($0) }
            values.withUnsafeBufferPointer { src in
                dst.withUnsafeMutableBufferPointer { addFloats(src.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                               into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count: count) }
            }
            #expect(dst == (0..<count).map { Float($0) + values[$0] }, "count \(count)")
        }
    }

    /// `softmaxCrossEntropy` gives bit-for-bit the loss and gradient of the composed mean cross-entropy.
    @Test(arguments: [(1, 1), (1, 10), (7, 3), (13, 10), (128, 10), (5, 17)])
    func softmaxCrossEntropyMatchesComposition(shape: (Int, Int)) {
        let (n, k) = shape
        var generator = RandomGenerator(seed: UInt64(n * 100 + k))
        let z = Tensor.uniform([n, k], low: -4, high: 4, generator: &generator)
        z.requiresGrad = true
        let labels = (0..<n).map { ($0 * 7 + 3) % k }
        for upstream: Float in [1, -0.75] {
            let fused = z.softmaxCrossEntropy(labels: labels) * upstream
            fused.backward()
            let fusedGrad = z.grad!.scalars
            z.grad = nil
            let composed = -z.logSoftmax().gather(columns: labels).mean() * upstream
            composed.backward()
            #expect(fused.item == composed.item)
            #expect(fusedGrad == z.grad!.scalars)
            z.grad = nil
        }
    }

    /// The SIMD ReLU against the scalar rule, forward and backward, on lengths around the SIMD width (with ±0 and NaN).
    @Test(arguments: [1, 7, 8, 9, 31, 200_003])
    func reluMatchesScalarRule(count: Int) {
        var generator = RandomGenerator(seed: UInt64(count))
        let x = Tensor.uniform([count], low: -1, high: 1, generator: &generator)
        if count > 3 { x.data[0] = 0; x.data[1] = -0.0; x.data[2] = .nan }
        x.requiresGrad = true
        let seed = Tensor.uniform([count], low: -1, high: 1, generator: &generator)
        let y = x.relu()
        y.backward(seed: seed)
        let expectedY = x.scalars.map { $0 > 0 ? $0 : 0 }
        let expectedG = (0..<count).map { expectedY[$0] > 0 ? seed.data[$0] : 0 }
        #expect(y.scalars.map(\.bitPattern) == expectedY.map(\.bitPattern))
        #expect(x.grad!.scalars == expectedG)
    }
}
