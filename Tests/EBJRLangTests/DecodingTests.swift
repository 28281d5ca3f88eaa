import Testing
import Foundation
@testable import EBJRTensor
@testable import EBJRLang

/// A hand-built bigram model over tokens {0: end, 1: start, 2: A, 3: B, 4: C}: greedy takes A (0.6) and then
/// must spread over C/B (0.5 each → 0.3), while B (0.4) then end (1.0) has the higher total probability 0.4.
struct BigramModel: StepwiseModel {
    let table: [Int: [Float]] = [
        1: [0, 0, 0.6, 0.4, 0],
        2: [0, 0, 0, 0.5, 0.5],
        3: [1, 0, 0, 0, 0],
        4: [1, 0, 0, 0, 0],
    ]
    func initialState() -> Int { 1 }
    func advance(_ states: [Int], lastTokens: [Int]) -> (states: [Int], logProbabilities: [[Float]]) {
        (lastTokens, lastTokens.map { table[$0]!.map { $0 > 0 ? Foundation.log($0) : -.infinity } })
    }
}

@Suite("Decoding")
struct DecodingTests {
    @Test func beamFindsTheBetterSequenceGreedyMisses() {
        let beam = BeamSearch(beamWidth: 2, maxSteps: 5, startToken: 1, endToken: 0).search(BigramModel())
        #expect(beam[0].tokens == [3])
        #expect(abs(beam[0].logProbability - Foundation.log(0.4)) < 1e-6)
        #expect(beam.count == 2 && beam[1].logProbability < beam[0].logProbability)
        let greedy = BeamSearch(beamWidth: 1, maxSteps: 5, startToken: 1, endToken: 0).search(BigramModel())
        #expect(greedy[0].tokens == [2, 3])
        #expect(abs(greedy[0].logProbability - Foundation.log(0.3)) < 1e-6)
    }

    @Test func beamOfWidthOneEqualsGreedyOnTheG2PModel() {
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 4, hiddenSize: 6), seed: 11)
        for word in [[1, 2, 3], [20, 5, 5, 4, 9]] {
            let greedy = model.greedyDecode([word], maxSteps: { _ in 6 })[0].tokens
            #expect(model.beamDecode(word, beamWidth: 1, maxSteps: 6) == greedy)
        }
    }

    @Test func batchedGreedyEqualsOneWordAtATime() {
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 4, hiddenSize: 6), seed: 12)
        let words = [[1, 2, 3, 4, 5, 6, 7], [8], [9, 10, 11]]
        let batched = model.greedyDecode(words)
        for (word, decoded) in zip(words, batched) {
            let alone = model.greedyDecode([word])[0]
            #expect(alone.tokens == decoded.tokens)
            #expect(zip(alone.logits, decoded.logits).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }
}

@Suite("Masking")
struct MaskingTests {
    @Test func paddingNeverChangesTheLossOrItsGradient() {
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 5, hiddenSize: 8), seed: 4)
        let short = ([3, 1], [5, 6]), long = ([7, 2, 9, 4, 4, 1], [3, 4, 8, 9, 10, 11, 12])
        let (aloneShort, _) = model.negativeLogLikelihood(sources: [short.0], targets: [short.1])
        aloneShort.backward()
        let gradients = model.parameters.map { $0.grad?.scalars ?? [] }
        model.zeroGrad()
        let (aloneLong, _) = model.negativeLogLikelihood(sources: [long.0], targets: [long.1])
        let (together, tokens) = model.negativeLogLikelihood(sources: [short.0, long.0], targets: [short.1, long.1])
        #expect(tokens == 3 + 8)
        #expect(abs(together.item - (aloneShort.item + aloneLong.item)) < 1e-4 * max(1, abs(together.item)))
        // The short word's gradient alone equals (batch gradient − long word's gradient).
        model.zeroGrad()
        let (batch, _) = model.negativeLogLikelihood(sources: [short.0, long.0], targets: [short.1, long.1])
        let (longAgain, _) = model.negativeLogLikelihood(sources: [long.0], targets: [long.1])
        (batch - longAgain).backward()
        for (p, expected) in zip(model.parameters, gradients) where !expected.isEmpty {
            let got = p.grad!.scalars
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }

    @Test func paddedEncoderPositionsGetNoAttention() {
        let keys = Tensor([1, 2, 3, 4, 100, 100], shape: [1, 3, 2])
        let q = Tensor([0.1, 0.2], shape: [1, 2])
        let masked = Tensor.dotAttention(query: q, keys: keys, lengths: [2])
        let trimmed = Tensor.dotAttention(query: q, keys: keys.slice(axis: 1, 0..<2), lengths: [2])
        #expect(zip(masked.scalars, trimmed.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func maskedGRURowsKeepTheirState() {
        let h = Tensor([1, 2, 3, 4], shape: [2, 2])
        let gates = Tensor(repeating: 0.3, shape: [2, 6])
        let out = Tensor.gruCell(inputGates: gates, hiddenGates: gates, hidden: h, mask: [0, 1])
        #expect(Array(out.scalars[0..<2]) == [1, 2])
        #expect(Array(out.scalars[2..<4]) != [3, 4])
    }
}
