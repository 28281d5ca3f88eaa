import EBJRNN
import EBJRTensor
import Foundation
import Testing
@testable import EBJRExport

/// Exports models built with our nn, runs them in onnxruntime (after `onnx.checker` with `full_check=True`) and
/// compares logits, energies and accept decisions with the Swift forward pass.
@Suite struct ONNXRuntimeParityTests {
    @Test func mlp784_32_10MatchesOnnxRuntime() throws {
        try checkParity(config: .mlp([784, 32, 10]), seed: 11, temperature: 1, columns: nil,
                        classNames: (0..<10).map { "class \($0)" }, subset: nil)
    }

    /// The Fashion-MNIST CNN as a specialized side model: energy over the first 9 columns (the 10th playing
    /// "other"), which exercises the `Slice` path, with a temperature ≠ 1.
    @Test func fashionCNNMatchesOnnxRuntime() throws {
        try checkParity(config: .fashionCNN(), seed: 12, temperature: 2.5, columns: 0..<9,
                        classNames: (0..<9).map { "class \($0)" } + ["other"], subset: [0, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// A small random ResNet (stem conv + BatchNorm2d, identity and 1×1-projection residual blocks, global average
    /// pooling) on 3-channel 10×10 images, with batch-norm weights and running statistics moved away from their
    /// initial values by a few training-mode batches: `BatchNormalization`, `Add` and `GlobalAveragePool` must agree
    /// with the Swift forward pass in evaluation mode.
    @Test func smallResNetMatchesOnnxRuntime() throws {
        let config = ModelConfig.resnet(inputShape: [3, 10, 10], classes: 5, width: 4, blocksPerStage: 2)
        try checkParity(config: config, seed: 14, temperature: 1, columns: nil, classNames: nil, subset: nil) { model in
            var generator = RandomGenerator(seed: 15)
            for case let (_, norm as BatchNorm) in model.namedModules() {
                for i in 0..<norm.features {
                    norm.weight.data[i] = 0.5 + generator.nextUniform()
                    norm.bias.data[i] = generator.nextUniform() - 0.5
                }
            }
            for _ in 0..<3 { _ = model(Tensor.uniform([8, 3, 10, 10], low: -1, high: 2, generator: &generator)) }
        } check: { _ in }
    }

    /// Linear without bias, tanh, dropout (left out of the graph), and logits around ±1e4: the energy must stay
    /// finite and agree (docs/method.md §2).
    @Test func largeLogitsBiaslessTanhDropoutMatchOnnxRuntime() throws {
        let config = ModelConfig(inputShape: [4], layers: [
            .linear(inputFeatures: 4, outputFeatures: 8, bias: false), .tanh, .dropout(probability: 0.5),
            .linear(inputFeatures: 8, outputFeatures: 3, bias: true),
        ])
        try checkParity(config: config, seed: 13, temperature: 1, columns: nil, classNames: nil, subset: nil,
                        inputScale: 3) { model in
            let last = try #require(model.layers[3] as? Linear)
            for i in 0..<last.weight.count { last.weight.data[i] *= 20_000 }
        } check: { logits in
            #expect(logits.scalars.map(abs).max()! > 5_000, "the test needs logits of order 1e4")
        }
    }
}

/// Builds `config` with seeded weights, exports it with an energy output and a threshold that splits the Swift
/// energies at a wide gap, runs it in onnxruntime on 100 random inputs and compares everything.
private func checkParity(config: ModelConfig, seed: UInt64, temperature: Float, columns: Range<Int>?,
                         classNames: [String]?, subset: [Int]?, inputScale: Float = 1,
                         adjust: (Sequential) throws -> Void = { _ in }, check: (Tensor) -> Void = { _ in }) throws {
    let batch = 100
    var generator = RandomGenerator(seed: seed)
    let model = try config.makeModel(generator: &generator)
    try adjust(model)
    model.eval()
    let inputShape = [batch] + config.inputShape
    let x = Tensor((0..<inputShape.reduce(1, *)).map { _ in inputScale * generator.nextNormal() }, shape: inputShape)
    let logits = model(x)
    check(logits)
    let classCount = config.outputCount
    let energies = swiftEnergies(logits, temperature: temperature, columns: columns ?? 0..<classCount)
    let threshold = try separatingThreshold(energies)
    let decisions = energies.map { $0 <= threshold }

    let options = ONNXExportOptions(
        energy: .init(temperature: temperature, columns: columns, threshold: threshold), classNames: classNames,
        subset: subset, sourceCheckpoint: "runs/parity/checkpoint.h5", toolkitVersion: "0.0.0-test")
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let modelURL = directory.appendingPathComponent("model.onnx")
    try ONNXExporter(config: config, options: options).write(weights: model.namedState(), to: modelURL)

    let report = try PythonONNXRuntime.run(model: modelURL, inputs: x.scalars, shape: inputShape, in: directory)

    // Graph interface.
    #expect(report.irVersion == 8)
    #expect(report.opset[""] == 17)
    #expect(report.producerName == "EBJR")
    #expect(report.producerVersion == "0.0.0-test")
    #expect(report.inputs.count == 1)
    #expect(report.inputs.first?.name == "input")
    #expect(report.inputs.first?.shape == ["batch"] + config.inputShape.map(String.init))
    #expect(report.inputs.first?.type == "tensor(float)")
    #expect(report.outputOrder == ["logits", "energy", "accept"])
    #expect(report.batchOfOneMaxAbsDiff <= 1e-4, "a batch of one must give the same first row")

    // Logits.
    let onnxLogits = try #require(report.outputs["logits"])
    #expect(onnxLogits.shape == [batch, classCount])
    #expect(onnxLogits.dtype == "float32")
    let logitDiff = zip(onnxLogits.values, logits.scalars).map { abs($0 - Double($1)) }.max() ?? .infinity
    #expect(logitDiff <= 1e-4 * max(1, Double(logits.scalars.map(abs).max() ?? 0) / 100),
            "max |logits(onnxruntime) − logits(Swift)| = \(logitDiff)")

    // Energy and decisions.
    let onnxEnergy = try #require(report.outputs["energy"])
    #expect(onnxEnergy.shape == [batch])
    #expect(onnxEnergy.values.allSatisfy { $0.isFinite })
    for (index, (onnx, swift)) in zip(onnxEnergy.values, energies).enumerated() {
        #expect(abs(onnx - Double(swift)) <= 1e-4 * max(1, abs(Double(swift))), "energy of sample \(index)")
    }
    let accept = try #require(report.outputs["accept"])
    #expect(accept.dtype == "bool")
    #expect(accept.values.map { $0 != 0 } == decisions)
    #expect(decisions.contains(true) && decisions.contains(false))

    // Metadata.
    let metadata = report.metadata
    #expect(metadata[ONNXMetadataKey.toolkitVersion] == "0.0.0-test")
    #expect(metadata[ONNXMetadataKey.sourceCheckpoint] == "runs/parity/checkpoint.h5")
    #expect(metadata[ONNXMetadataKey.temperature].flatMap(Float.init) == temperature)
    #expect(metadata[ONNXMetadataKey.threshold].flatMap(Float.init) == threshold)
    #expect(try decodeJSON(ModelConfig.self, metadata[ONNXMetadataKey.modelConfig]) == config)
    #expect(try decodeJSON([String].self, metadata[ONNXMetadataKey.classNames]) == classNames)
    #expect(try decodeJSON([Int].self, metadata[ONNXMetadataKey.subset]) == subset)
    #expect(try decodeJSON([Int].self, metadata[ONNXMetadataKey.energyColumns])
            == columns.map { [$0.lowerBound, $0.upperBound] })
}

/// `E_T = −T · logsumexp(z[:, columns] / T)` per row, with the nn's stable `logSumExp`.
private func swiftEnergies(_ logits: Tensor, temperature: Float, columns: Range<Int>) -> [Float] {
    let rows = logits.shape[0], width = logits.shape[1]
    var selected: [Float] = []
    for row in 0..<rows { for column in columns { selected.append(logits.data[row * width + column]) } }
    let z = Tensor(selected, shape: [rows, columns.count])
    return ((z / temperature).logSumExp() * -temperature).scalars
}

/// A threshold in the middle of the widest gap between sorted energies in their middle 40%, so that rounding
/// differences between runtimes (about 1e-6 relative) cannot flip a decision.
private func separatingThreshold(_ energies: [Float]) throws -> Float {
    let sorted = energies.sorted()
    let candidates = (sorted.count * 3 / 10)..<(sorted.count * 7 / 10)
    let index = try #require(candidates.max { sorted[$0 + 1] - sorted[$0] < sorted[$1 + 1] - sorted[$1] })
    let (below, above) = (sorted[index], sorted[index + 1])
    try #require(above - below > 1e-4 * max(1, abs(below)), "energies \(below) and \(above) too close to separate")
    return (below + above) / 2
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
    guard let text else { return nil }
    return try JSONDecoder().decode(type, from: Data(text.utf8))
}

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-onnx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
