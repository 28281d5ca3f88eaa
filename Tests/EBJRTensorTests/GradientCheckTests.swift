import Testing
import Foundation
@testable import EBJRTensor
import _EBJRTestSupport

/// One row of the gradient table: a name, input shapes, and a scalar function of the inputs.
/// The check compares autograd against central finite differences computed in Double on the same function.
struct GradientCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    /// Keeps inputs away from kinks (relu at 0, log near 0, max ties) when non-nil.
    var positive = false
    let function: @Sendable ([Tensor]) -> Tensor
    var testDescription: String { name }
}

func weightedSum(_ t: Tensor) -> Tensor { GradientCheck.weightedSum(t) }

let gradientCases: [GradientCase] = [
    GradientCase(name: "add", shapes: [[3, 4], [3, 4]]) { weightedSum($0[0] + $0[1]) },
    GradientCase(name: "add broadcast row", shapes: [[3, 4], [4]]) { weightedSum($0[0] + $0[1]) },
    GradientCase(name: "add broadcast column", shapes: [[3, 4], [3, 1]]) { weightedSum($0[0] + $0[1]) },
    GradientCase(name: "add broadcast both", shapes: [[3, 1, 5], [1, 4, 1]]) { weightedSum($0[0] + $0[1]) },
    GradientCase(name: "sub broadcast", shapes: [[2, 3], [1, 3]]) { weightedSum($0[0] - $0[1]) },
    GradientCase(name: "mul broadcast", shapes: [[2, 3, 4], [3, 1]]) { weightedSum($0[0] * $0[1]) },
    GradientCase(name: "div", shapes: [[3, 4], [3, 4]], positive: true) { weightedSum($0[0] / $0[1]) },
    GradientCase(name: "div broadcast scalar", shapes: [[3, 4], []], positive: true) { weightedSum($0[0] / $0[1]) },
    GradientCase(name: "neg", shapes: [[5]]) { weightedSum(-$0[0]) },
    GradientCase(name: "exp", shapes: [[2, 3]]) { weightedSum($0[0].exp()) },
    GradientCase(name: "log", shapes: [[2, 3]], positive: true) { weightedSum($0[0].log()) },
    GradientCase(name: "relu", shapes: [[4, 5]]) { weightedSum($0[0].relu()) },
    GradientCase(name: "tanh", shapes: [[4, 3]]) { weightedSum($0[0].tanh()) },
    GradientCase(name: "sigmoid", shapes: [[4, 3]]) { weightedSum($0[0].sigmoid()) },
    GradientCase(name: "sqrt", shapes: [[4]], positive: true) { weightedSum($0[0].sqrt()) },
    GradientCase(name: "squared", shapes: [[4]]) { weightedSum($0[0].squared()) },
    GradientCase(name: "sum all", shapes: [[3, 4]]) { $0[0].sum() * 1.5 },
    GradientCase(name: "mean all", shapes: [[3, 4]]) { $0[0].mean() },
    GradientCase(name: "sum axis 0", shapes: [[3, 4]]) { weightedSum($0[0].sum(axis: 0)) },
    GradientCase(name: "sum axis 1 keepdims", shapes: [[2, 3, 4]]) { weightedSum($0[0].sum(axis: 1, keepDims: true)) },
    GradientCase(name: "mean axis -1", shapes: [[2, 5]]) { weightedSum($0[0].mean(axis: -1)) },
    GradientCase(name: "max axis 1", shapes: [[3, 5]]) { weightedSum($0[0].max(axis: 1)) },
    GradientCase(name: "max axis 0", shapes: [[4, 2, 3]]) { weightedSum($0[0].max(axis: 0)) },
    GradientCase(name: "reshape", shapes: [[2, 6]]) { weightedSum($0[0].reshaped([3, -1])) },
    GradientCase(name: "transpose", shapes: [[3, 5]]) { weightedSum($0[0].transposed()) },
    GradientCase(name: "permute 3d", shapes: [[2, 3, 4]]) { weightedSum($0[0].permuted([2, 0, 1])) },
    GradientCase(name: "matmul", shapes: [[3, 4], [4, 5]]) { weightedSum($0[0].matmul($0[1])) },
    GradientCase(name: "matmul 1x1", shapes: [[1, 1], [1, 1]]) { weightedSum($0[0].matmul($0[1])) },
    GradientCase(name: "matmul primes", shapes: [[7, 13], [13, 5]]) { weightedSum($0[0].matmul($0[1])) },
    GradientCase(name: "batched matmul", shapes: [[2, 3, 4], [2, 4, 5]]) { weightedSum($0[0].batchedMatmul($0[1])) },
    GradientCase(name: "batched matmul Bᵀ", shapes: [[2, 3, 4], [2, 5, 4]]) {
        weightedSum($0[0].batchedMatmul($0[1], transposeOther: true))
    },
    GradientCase(name: "linear", shapes: [[4, 6], [3, 6], [3]]) { weightedSum(Tensor.linear($0[0], weight: $0[1], bias: $0[2])) },
    GradientCase(name: "linear no bias", shapes: [[2, 5], [4, 5]]) { weightedSum(Tensor.linear($0[0], weight: $0[1], bias: nil)) },
    GradientCase(name: "linearReLU", shapes: [[4, 6], [3, 6], [3]]) { weightedSum(Tensor.linearReLU($0[0], weight: $0[1], bias: $0[2])) },
    GradientCase(name: "linearReLU 1x1", shapes: [[1, 1], [1, 1], [1]]) { weightedSum(Tensor.linearReLU($0[0], weight: $0[1], bias: $0[2])) },
    GradientCase(name: "linearReLU primes, 11 outputs", shapes: [[5, 7], [11, 7], [11]]) {
        weightedSum(Tensor.linearReLU($0[0], weight: $0[1], bias: $0[2]))
    },
    GradientCase(name: "linearReLU no bias", shapes: [[2, 5], [4, 5]]) { weightedSum(Tensor.linearReLU($0[0], weight: $0[1], bias: nil)) },
    GradientCase(name: "gather columns", shapes: [[4, 3]]) { weightedSum($0[0].gather(columns: [2, 0, 1, 2])) },
    GradientCase(name: "gather rows (embedding)", shapes: [[5, 3]]) { weightedSum($0[0].gather(rows: [4, 0, 4, 2])) },
    GradientCase(name: "concatenate axis 1", shapes: [[2, 3], [2, 2]]) { weightedSum(Tensor.concatenate($0, axis: 1)) },
    GradientCase(name: "slice axis 1", shapes: [[3, 6]]) { weightedSum($0[0].slice(axis: 1, 1..<4)) },
    GradientCase(name: "logsumexp", shapes: [[3, 5]]) { weightedSum($0[0].logSumExp()) },
    GradientCase(name: "logSoftmax", shapes: [[3, 5]]) { weightedSum($0[0].logSoftmax()) },
    GradientCase(name: "softmaxCrossEntropy", shapes: [[3, 5]]) { $0[0].softmaxCrossEntropy(labels: [4, 0, 2]) },
    GradientCase(name: "softmaxCrossEntropy 1x1", shapes: [[1, 1]]) { $0[0].softmaxCrossEntropy(labels: [0]) },
    GradientCase(name: "softmax", shapes: [[2, 4]]) { weightedSum($0[0].softmax()) },
    GradientCase(name: "conv2d", shapes: [[2, 2, 5, 5], [3, 2, 3, 3], [3]]) {
        weightedSum(Tensor.conv2d($0[0], weight: $0[1], bias: $0[2]))
    },
    GradientCase(name: "conv2d stride 2 padding 1", shapes: [[1, 2, 6, 5], [2, 2, 3, 3], [2]]) {
        weightedSum(Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1))
    },
    GradientCase(name: "conv2d 1x1 kernel no bias", shapes: [[2, 3, 4, 4], [2, 3, 1, 1]]) {
        weightedSum(Tensor.conv2d($0[0], weight: $0[1], bias: nil))
    },
    GradientCase(name: "maxPool2d", shapes: [[2, 2, 4, 6]]) { weightedSum($0[0].maxPool2d(kernelSize: 2)) },
    GradientCase(name: "maxPool2d overlapping", shapes: [[1, 1, 5, 5]]) { weightedSum($0[0].maxPool2d(kernelSize: 3, stride: 1)) },
    // Batch norm in training mode: the batch statistics depend on every input value.
    GradientCase(name: "batchNorm training [N, C, H, W]", shapes: [[3, 2, 2, 3], [2], [2]]) {
        weightedSum(Tensor.batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5).output)
    },
    GradientCase(name: "batchNorm training [N, C]", shapes: [[5, 3], [3], [3]]) {
        weightedSum(Tensor.batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5).output)
    },
    GradientCase(name: "batchNorm training, loss through a square", shapes: [[4, 2, 2, 2], [2], [2]]) {
        weightedSum(Tensor.batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5).output.squared())
    },
    // Evaluation mode: fixed running statistics (constants).
    GradientCase(name: "batchNorm inference [N, C, H, W]", shapes: [[2, 3, 2, 2], [3], [3]]) {
        weightedSum(Tensor.batchNormInference($0[0], weight: $0[1], bias: $0[2], mean: Tensor([0.3, -0.2, 0.1], shape: [3]),
                                              variance: Tensor([0.5, 2, 1.3], shape: [3]), epsilon: 1e-5))
    },
    GradientCase(name: "batchNorm inference [N, C]", shapes: [[4, 2], [2], [2]]) {
        weightedSum(Tensor.batchNormInference($0[0], weight: $0[1], bias: $0[2], mean: Tensor([0.5, -1], shape: [2]),
                                              variance: Tensor([0.25, 4], shape: [2]), epsilon: 1e-5).squared())
    },
    GradientCase(name: "globalAveragePool2d", shapes: [[2, 3, 3, 4]]) { weightedSum($0[0].globalAveragePool2d()) },
]

@Test("gradient matches central finite differences", arguments: gradientCases)
func gradientMatchesFiniteDifferences(_ testCase: GradientCase) {
    var generator = RandomGenerator(seed: 7)
    let inputs = testCase.shapes.map { shape -> Tensor in
        let t = testCase.positive
            ? Tensor.uniform(shape, low: 0.5, high: 2, generator: &generator, requiresGrad: true)
            : Tensor.uniform(shape, low: -1, high: 1, generator: &generator, requiresGrad: true)
        return t
    }
    for message in GradientCheck.mismatches(testCase.name, testCase.function, inputs: inputs) { Issue.record("\(message)") }
}

@Test func maxPoolTiesGoToFirstElementInScanOrder() {
    let x = Tensor([1, 3, 3, 0], shape: [1, 1, 2, 2], requiresGrad: true)
    x.maxPool2d(kernelSize: 2).sum().backward()
    #expect(x.grad!.scalars == [0, 1, 0, 0])
}

@Test func maxAxisTiesGoToFirstElement() {
    let x = Tensor([2, 5, 5, 1], shape: [1, 4], requiresGrad: true)
    x.max(axis: 1).sum().backward()
    #expect(x.grad!.scalars == [0, 1, 0, 0])
}

@Test func logSumExpIsStableForHugeLogits() {
    let x = Tensor([1e4, -1e4, 0, 1e4, 1e4, 1e4], shape: [2, 3])
    let y = x.logSumExp().scalars
    #expect(abs(y[0] - 1e4) < 1e-2)
    #expect(abs(y[1] - (1e4 + Float(Foundation.log(3.0)))) < 1e-2)
    #expect(y.allSatisfy { $0.isFinite })
}

@Test func noGradRecordsNothing() {
    let w = Tensor([1, 2], shape: [2], requiresGrad: true)
    let y = noGrad { (w * w).sum() }
    #expect(!y.requiresGrad)
    #expect(y.gradientNode == nil)
    let z = (w * w).sum()
    #expect(z.requiresGrad)
}

@Test func gradientsAccumulateAcrossUses() {
    // y = x·x + x  → dy/dx = 2x + 1
    let x = Tensor([3], shape: [1], requiresGrad: true)
    ((x * x) + x).sum().backward()
    #expect(x.grad!.scalars == [7])
}

@Test func broadcastIncompatibleShapesAreRejected() {
    #expect(Broadcast.shape([3, 4], [3]) == nil)
    #expect(Broadcast.shape([3, 1], [1, 4]) == [3, 4])
    #expect(Broadcast.shape([], [2, 2]) == [2, 2])
}

@Test func randomGeneratorIsReproducibleAndRestorable() {
    var a = RandomGenerator(seed: 42)
    _ = a.next(); _ = a.next()
    var b = RandomGenerator(stateWords: a.stateWords)
    #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    var c = RandomGenerator(seed: 42), d = RandomGenerator(seed: 43)
    #expect(c.next() != d.next())
}

/// Batch norm's forward against the definition, computed here in Double: training mode normalises with the batch's
/// mean and biased variance, evaluation mode with the given statistics.
@Test func batchNormForwardMatchesTheDefinition() {
    var generator = RandomGenerator(seed: 3)
    let x = Tensor.uniform([3, 2, 2, 2], low: -2, high: 3, generator: &generator)
    let weight = Tensor([1.5, -0.5], shape: [2]), bias = Tensor([0.25, 1], shape: [2])
    let (y, stats) = Tensor.batchNormTraining(x, weight: weight, bias: bias, epsilon: 1e-5)
    let z = Tensor.batchNormInference(x, weight: weight, bias: bias, mean: Tensor([0.5, -1], shape: [2]),
                                      variance: Tensor([2, 0.5], shape: [2]), epsilon: 1e-5)
    #expect(stats.count == 12)
    for c in 0..<2 {
        let values = (0..<3).flatMap { n in (0..<4).map { Double(x.data[(n * 2 + c) * 4 + $0]) } }
        let mean = values.reduce(0, +) / 12
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 12
        #expect(abs(Double(stats.mean[c]) - mean) < 1e-6 && abs(Double(stats.variance[c]) - variance) < 1e-5)
        for n in 0..<3 { for i in 0..<4 {
            let index = (n * 2 + c) * 4 + i, v = Double(x.data[index])
            let expected = Double(weight.data[c]) * (v - mean) / (variance + 1e-5).squareRoot() + Double(bias.data[c])
            #expect(abs(Double(y.data[index]) - expected) < 1e-5)
            let runningMean = [0.5, -1.0][c], runningVariance = [2.0, 0.5][c]
            let expectedEval = Double(weight.data[c]) * (v - runningMean) / (runningVariance + 1e-5).squareRoot() + Double(bias.data[c])
            #expect(abs(Double(z.data[index]) - expectedEval) < 1e-5)
        } }
    }
}
