import Testing
import Foundation
import EBJRTensor
import EBJRNN
import EBJROptimizers

/// XOR is not linearly separable: a 2-8-2 MLP must really learn a hidden representation.
func trainXOR(makeOptimizer: ([(name: String, tensor: Tensor)]) -> Optimizer, steps: Int) -> (initial: Float, final: Float, accuracy: Int) {
    var generator = RandomGenerator(seed: 3)
    let model = try! ModelConfig.mlp([2, 8, 2]).makeModel(generator: &generator)
    let x = Tensor([0, 0, 0, 1, 1, 0, 1, 1], shape: [4, 2])
    let y = [0, 1, 1, 0]
    let optimizer = makeOptimizer(model.namedParameters())
    var first: Float = 0, last: Float = 0
    for step in 0..<steps {
        let loss = Losses.crossEntropy(logits: model(x), labels: y)
        if step == 0 { first = loss.item }
        last = loss.item
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
    let predictions = noGrad { model(x) }.argmaxLastAxis()
    return (first, last, zip(predictions, y).filter { $0 == $1 }.count)
}

@Test func adamLearnsXOR() {
    let result = trainXOR(makeOptimizer: { Adam(parameters: $0, learningRate: 0.05) }, steps: 300)
    #expect(result.accuracy == 4)
    #expect(result.final < 0.05 * result.initial)
}

@Test func sgdWithNesterovMomentumLearnsXOR() {
    let result = trainXOR(makeOptimizer: { SGD(parameters: $0, learningRate: 0.2, momentum: 0.9, nesterov: true) }, steps: 400)
    #expect(result.accuracy == 4)
    #expect(result.final < 0.1 * result.initial)
}

@Test func plainSGDFitsALinearFunction() {
    // y = 3x − 2: a single Linear(1, 1) trained with mean squared error.
    var generator = RandomGenerator(seed: 1)
    let layer = Linear(inputFeatures: 1, outputFeatures: 1, generator: &generator)
    let optimizer = SGD(parameters: layer.namedParameters(), learningRate: 0.1)
    let x = Tensor([-1, -0.5, 0, 0.5, 1], shape: [5, 1])
    let target = Tensor([-5, -3.5, -2, -0.5, 1], shape: [5, 1])
    for _ in 0..<300 {
        let loss = (layer(x) - target).squared().mean()
        optimizer.zeroGrad(); loss.backward(); optimizer.step()
    }
    #expect(abs(layer.weight.item - 3) < 1e-3)
    #expect(abs(layer.bias!.item + 2) < 1e-3)
}

/// One Adam step from a known state, checked against the formula computed here in Double.
@Test func adamStepMatchesTheFormula() {
    let p = Tensor([1, -2], shape: [2], requiresGrad: true)
    let adam = Adam(parameters: [("p", p)], learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6, weightDecay: 0.01)
    var m = [0.0, 0.0], v = [0.0, 0.0], theta = [1.0, -2.0]
    for t in 1...3 {
        let g = [0.5 * Double(t), -0.25]
        p.grad = Tensor(g.map(Float.init), shape: [2])
        adam.step()
        for i in 0..<2 {
            let gi = g[i] + 0.01 * theta[i]
            m[i] = 0.8 * m[i] + 0.2 * gi
            v[i] = 0.9 * v[i] + 0.1 * gi * gi
            let mHat = m[i] / (1 - pow(0.8, Double(t))), vHat = v[i] / (1 - pow(0.9, Double(t)))
            theta[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-6)
        }
    }
    #expect(abs(Double(p.data[0]) - theta[0]) < 1e-5)
    #expect(abs(Double(p.data[1]) - theta[1]) < 1e-5)
    #expect(adam.state["p"]?["exp_avg"] != nil)
}

@Test func adamWDecaysWeightsDecoupled() {
    let p = Tensor([2], shape: [1], requiresGrad: true)
    let adamw = Adam(parameters: [("p", p)], learningRate: 0.1, weightDecay: 0.5, decoupled: true)
    p.grad = Tensor([0], shape: [1])
    adamw.step()
    // zero gradient: only the decoupled decay acts, θ ← θ·(1 − ηλ)
    #expect(abs(p.data[0] - 2 * (1 - 0.05)) < 1e-6)
}

@Test func cosineAndStepSchedules() {
    let cosine = LearningRateSchedule.cosine(totalSteps: 100, minimum: 0.01)
    #expect(abs(cosine.learningRate(base: 1, step: 0) - 1) < 1e-6)
    #expect(abs(cosine.learningRate(base: 1, step: 50) - 0.505) < 1e-4)
    #expect(abs(cosine.learningRate(base: 1, step: 100) - 0.01) < 1e-6)
    let step = LearningRateSchedule.step(stepSize: 10, gamma: 0.5)
    #expect(step.learningRate(base: 1, step: 9) == 1)
    #expect(step.learningRate(base: 1, step: 10) == 0.5)
}

@Test func gradientClippingBoundsTheNorm() {
    let a = Tensor([0, 0], shape: [2], requiresGrad: true)
    a.grad = Tensor([3, 4], shape: [2])
    let norm = clipGradientNorm([a], maxNorm: 1)
    #expect(abs(norm - 5) < 1e-6)
    let clipped = (a.grad!.data[0] * a.grad!.data[0] + a.grad!.data[1] * a.grad!.data[1]).squareRoot()
    #expect(abs(clipped - 1) < 1e-4)
}

@Test func parameterNamesFollowTorch() throws {
    var generator = RandomGenerator(seed: 0)
    let cnn = try ModelConfig.fashionCNN().makeModel(generator: &generator)
    #expect(cnn.namedParameters().map(\.name) == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
        "layers.6.weight", "layers.6.bias", "layers.8.weight", "layers.8.bias",
    ])
    #expect(cnn.parameterCount == 1_199_882)
    #expect(ModelConfig.fashionCNN().flops == 23_984_896)
    #expect(ModelConfig.mlp([784, 512, 512, 10]).flops == 1_337_344)
    #expect(ModelConfig.mlp([784, 32, 10]).flops == 50_816)
}

@Test func torchDefaultInitialisationBounds() {
    var generator = RandomGenerator(seed: 0)
    let layer = Linear(inputFeatures: 100, outputFeatures: 50, generator: &generator)
    let bound: Float = 0.1
    #expect(layer.weight.scalars.allSatisfy { abs($0) <= bound })
    #expect(layer.weight.scalars.contains { abs($0) > 0.09 })
}

@Test func modelConfigRejectsShapesThatDoNotFit() {
    let config = ModelConfig(inputShape: [784], layers: [.linear(inputFeatures: 700, outputFeatures: 10, bias: true)])
    #expect(throws: ModelConfigError.self) { try config.outputShapes() }
}

@Test func dropoutIsIdentityInEvalAndScalesInTraining() {
    let dropout = Dropout(probability: 0.5, generator: RandomGenerator(seed: 1))
    let x = Tensor(repeating: 1, shape: [1000])
    let y = dropout(x).scalars
    #expect(Set(y).isSubset(of: [0, 2]))
    #expect(abs(y.reduce(0, +) / 1000 - 1) < 0.15)
    dropout.eval()
    #expect(dropout(x).scalars == x.scalars)
}

@Test func crossEntropyMatchesDirectComputation() {
    let logits = Tensor([2, 1, 0.5, -1, 3, 0], shape: [2, 3])
    let loss = Losses.crossEntropy(logits: logits, labels: [0, 2]).item
    func lse(_ r: [Double]) -> Double { log(r.map { exp($0) }.reduce(0, +)) }
    let expected = ((lse([2, 1, 0.5]) - 2) + (lse([-1, 3, 0]) - 0)) / 2
    #expect(abs(Double(loss) - expected) < 1e-5)
}
