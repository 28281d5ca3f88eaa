import EBJRNN
import Testing
import Foundation
@testable import EBJRTensor
@testable import EBJRLang
import _EBJRTestSupport

/// One row of the gradient table for the sequence primitives (same approach as EBJRTensorTests).
struct SequenceGradientCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    let function: @Sendable ([Tensor]) -> Tensor
    var testDescription: String { name }
}

func weightedSum(_ t: Tensor) -> Tensor { GradientCheck.weightedSum(t) }

let sequenceGradientCases: [SequenceGradientCase] = [
    SequenceGradientCase(name: "gruCell", shapes: [[3, 12], [3, 12], [3, 4]]) {
        weightedSum(Tensor.gruCell(inputGates: $0[0], hiddenGates: $0[1], hidden: $0[2]))
    },
    SequenceGradientCase(name: "gruCell masked rows", shapes: [[3, 6], [3, 6], [3, 2]]) {
        weightedSum(Tensor.gruCell(inputGates: $0[0], hiddenGates: $0[1], hidden: $0[2], mask: [1, 0, 1]))
    },
    SequenceGradientCase(name: "gruCell chained twice", shapes: [[2, 9], [2, 9], [2, 3]]) {
        let h1 = Tensor.gruCell(inputGates: $0[0], hiddenGates: $0[1], hidden: $0[2])
        return weightedSum(Tensor.gruCell(inputGates: $0[0] * 0.5, hiddenGates: $0[1], hidden: h1))
    },
    SequenceGradientCase(name: "dotAttention", shapes: [[2, 3], [2, 4, 3]]) {
        weightedSum(Tensor.dotAttention(query: $0[0], keys: $0[1], lengths: [4, 4]))
    },
    SequenceGradientCase(name: "dotAttention with padding", shapes: [[3, 3], [3, 5, 3]]) {
        weightedSum(Tensor.dotAttention(query: $0[0], keys: $0[1], lengths: [5, 2, 1]))
    },
    SequenceGradientCase(name: "stackSteps", shapes: [[2, 3], [2, 3], [2, 3]]) {
        weightedSum(Tensor.stackSteps($0))
    },
    SequenceGradientCase(name: "GRU cell layer + attention + logits", shapes: [[2, 4], [2, 6]]) { inputs in
        var generator = RandomGenerator(seed: 5)
        let cell = GRUCell(inputSize: 4, hiddenSize: 6, generator: &generator)
        let h = cell(inputs[0], hidden: inputs[1])
        let memory = Tensor.stackSteps([inputs[1], h, inputs[1] * h])
        let context = Tensor.dotAttention(query: h, keys: memory, lengths: [3, 2])
        return weightedSum(Tensor.concatenate([h, context], axis: 1).logSoftmax())
    },
]

@Test("sequence primitives: gradient matches central finite differences", arguments: sequenceGradientCases)
func sequenceGradientMatchesFiniteDifferences(_ testCase: SequenceGradientCase) {
    var generator = RandomGenerator(seed: 7)
    let inputs = testCase.shapes.map { Tensor.uniform($0, low: -1, high: 1, generator: &generator, requiresGrad: true) }
    for message in GradientCheck.mismatches(testCase.name, testCase.function, inputs: inputs) { Issue.record("\(message)") }
}

/// A tiny G2P model and a two-word batch for whole-model gradient checks.
private func tinyG2P() -> (model: G2PModel, sources: [[Int]], targets: [[Int]]) {
    (G2PModel(config: G2PModelConfig(embeddingSize: 3, hiddenSize: 4, sourceVocabularySize: 5, targetVocabularySize: 6), seed: 3),
     [[1, 2, 3], [4]], [[3, 4], [5, 3, 3]])
}

/// Back-propagates `loss` once and compares every parameter's gradient with central finite differences.
private func expectParameterGradientsMatch(_ model: G2PModel, loss: @escaping () -> Tensor) {
    loss().backward()
    for (name, parameter) in model.namedParameters() {
        let numeric = GradientCheck.numericGradient({ _ in loss() }, inputs: [parameter], index: 0)
        let analytic = parameter.grad!
        for i in 0..<parameter.count {
            #expect(abs(Double(analytic.data[i]) - numeric[i]) <= 2e-2 * max(1, abs(numeric[i])), "\(name)[\(i)]")
        }
    }
}

@Test("whole G2P model: parameter gradients match finite differences")
func modelGradientMatchesFiniteDifferences() {
    let (model, sources, targets) = tinyG2P()
    expectParameterGradientsMatch(model) { model.negativeLogLikelihood(sources: sources, targets: targets).sum }
}

@Test("G2P dropout: p = 0 is the identity, masks change the loss, gradients through fixed masks are exact")
func modelDropoutGradientMatchesFiniteDifferences() {
    let (model, sources, targets) = tinyG2P()
    let plain = model.negativeLogLikelihood(sources: sources, targets: targets).sum.item
    let zero = DropoutNoise(probability: 0, generator: RandomGenerator(seed: 1))
    #expect(model.negativeLogLikelihood(sources: sources, targets: targets, dropout: zero).sum.item == plain)
    // The same generator state gives the same masks, so the loss is a deterministic function of the parameters.
    let noise = DropoutNoise(probability: 0.4, generator: RandomGenerator(seed: 11))
    let loss = { model.negativeLogLikelihood(sources: sources, targets: targets, dropout: noise).sum }
    #expect(loss().item == loss().item && loss().item != plain)
    expectParameterGradientsMatch(model, loss: loss)
    // Inverted dropout keeps the expected activation: the mean of many masked copies of 1 is close to 1.
    var many = DropoutNoise(probability: 0.25, generator: RandomGenerator(seed: 5))
    let masked = many.apply(Tensor([Float](repeating: 1, count: 40_000), shape: [40_000]))
    let mean = masked.scalars.reduce(0, +) / 40_000
    let dropped = (0..<masked.count).filter { masked.data[$0] == 0 }.count
    #expect(abs(mean - 1) < 0.02 && abs(Double(dropped) / 40_000 - 0.25) < 0.01, "mean \(mean), dropped \(dropped)")
}
