import Testing
import Foundation
import EBJRTensor
import EBJRNN

/// The lean inference path must give the autograd forward's logits, energies and decisions.
@Test func inferencePlanMatchesTheModel() throws {
    var generator = RandomGenerator(seed: 5)
    let model = try ModelConfig.mlp([20, 16, 12, 10]).makeModel(generator: &generator)
    let x = Tensor.uniform([7, 20], low: 0, high: 1, generator: &generator)
    let expected = noGrad { model(x) }
    let plan = try #require(model.inferencePlan(maxBatch: 4))
    let logits = plan.logits(x)
    #expect(logits.shape == [7, 10])
    for i in 0..<expected.count { #expect(abs(logits.data[i] - expected.data[i]) <= 1e-5) }
    let energies = noGrad { -expected.logSumExp() }
    var batched = [Float](repeating: 0, count: 7)
    batched.withUnsafeMutableBufferPointer { plan.energies(x.data, rows: 7, into: $0.baseAddress!) }
    for r in 0..<7 {
        let single = plan.energy(x.data + r * 20)
        #expect(abs(single - energies.data[r]) <= 1e-5)
        #expect(abs(batched[r] - energies.data[r]) <= 1e-5)
        #expect(plan.routes(x.data + r * 20, threshold: energies.data[r] - 0.01))
        #expect(!plan.routes(x.data + r * 20, threshold: energies.data[r] + 0.01))
    }
}

@Test func inferencePlanRejectsConvolutions() throws {
    var generator = RandomGenerator(seed: 1)
    #expect(try ModelConfig.fashionCNN().makeModel(generator: &generator).inferencePlan() == nil)
}
