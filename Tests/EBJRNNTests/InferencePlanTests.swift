import Testing
import Foundation
import EBJRKernels
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

/// Convolutional models: the plan's logits are bitwise the autograd forward's on the same batch, for a single sample (each GEMM
/// spread over the threads), a few samples and more samples than sample groups (samples spread over the threads).
@Test(arguments: [1, 2], [1, 3, 11])
func inferencePlanMatchesConvolutionalModelsBitwise(threads: Int, rows: Int) throws {
    let saved = KernelConfiguration.threadCount
    KernelConfiguration.threadCount = threads
    defer { KernelConfiguration.threadCount = saved }
    var generator = RandomGenerator(seed: 11)
    let configs = [
        ModelConfig.fashionCNN(classes: 4),
        // stride, padding, a 1×1 convolution, tanh, an activation after pooling, a 3×3 window of stride 1, dropout
        ModelConfig(inputShape: [3, 13, 11], layers: [
            .conv2d(inputChannels: 3, outputChannels: 8, kernelSize: 3, stride: 2, padding: 1, bias: true), .tanh,
            .conv2d(inputChannels: 8, outputChannels: 5, kernelSize: 1, stride: 1, padding: 0, bias: false),
            .maxPool2d(kernelSize: 3, stride: 1), .relu, .dropout(probability: 0.3), .flatten,
            .linear(inputFeatures: 5 * 5 * 4, outputFeatures: 6, bias: true), .tanh,
            .linear(inputFeatures: 6, outputFeatures: 3, bias: false),
        ]),
    ]
    for config in configs + [
        // ResNet: batch norm (fused ReLU), residual blocks with identity and projection shortcuts, stride 2,
        // global average pooling
        ModelConfig.resnet(inputShape: [2, 12, 10], classes: 5, width: 4, blocksPerStage: 2),
        ModelConfig(inputShape: [3, 9, 9], layers: [
            .conv2d(inputChannels: 3, outputChannels: 6, kernelSize: 3, stride: 1, padding: 1, bias: true),
            .batchNorm2d(channels: 6), .tanh, .residual(inputChannels: 6, outputChannels: 6, stride: 1),
            .maxPool2d(kernelSize: 2, stride: 2), .flatten, .linear(inputFeatures: 6 * 4 * 4, outputFeatures: 3, bias: true),
        ]),
    ] {
        let model = try config.makeModel(generator: &generator)
        // Batch norm with statistics and affine parameters away from the identity.
        for case let norm as BatchNorm in model.namedModules().map(\.module) {
            for c in 0..<norm.features {
                norm.runningMean.data[c] = Float.random(in: -0.5...0.5, using: &generator)
                norm.runningVariance.data[c] = Float.random(in: 0.2...2, using: &generator)
                norm.weight.data[c] = Float.random(in: 0.5...1.5, using: &generator)
                norm.bias.data[c] = Float.random(in: -0.3...0.3, using: &generator)
            }
        }
        model.eval()
        let x = Tensor.uniform([rows] + config.inputShape, low: -1, high: 1, generator: &generator)
        let expected = noGrad { model(x) }
        let plan = try #require(model.inferencePlan(inputShape: config.inputShape, maxBatch: 16))
        let logits = plan.logits(x)
        #expect(logits.shape == expected.shape)
        var mismatches = 0
        for i in 0..<expected.count where logits.data[i].bitPattern != expected.data[i].bitPattern { mismatches += 1 }
        #expect(mismatches == 0, "\(mismatches) of \(expected.count) logits differ from the autograd forward")
    }
}

/// Models the plan cannot run give nil, so callers keep the autograd forward.
@Test func inferencePlanDeclinesWhatItCannotRun() throws {
    var generator = RandomGenerator(seed: 1)
    let cnn = try ModelConfig.fashionCNN().makeModel(generator: &generator)
    #expect(cnn.inferencePlan() == nil, "a convolutional model needs its input shape")
    #expect(cnn.inferencePlan(inputShape: [1, 27, 28]) == nil, "the shapes do not fit the first linear layer")
    let convAfterLinear = Sequential([Linear(inputFeatures: 4, outputFeatures: 4, generator: &generator),
                                      Conv2d(inputChannels: 1, outputChannels: 1, kernelSize: 1, generator: &generator)])
    #expect(convAfterLinear.inferencePlan(inputShape: [4]) == nil)
    // Batch norm in training mode normalises with the batch's statistics: not the plan's running statistics.
    let resnet = try ModelConfig.resnet(inputShape: [1, 8, 8], classes: 3, width: 2, blocksPerStage: 1).makeModel(generator: &generator)
    #expect(resnet.inferencePlan(inputShape: [1, 8, 8]) == nil)
    resnet.eval()
    #expect(resnet.inferencePlan(inputShape: [1, 8, 8]) != nil)
}
