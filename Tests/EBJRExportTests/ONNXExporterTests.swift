import EBJRNN
import EBJRTensor
import Foundation
import Testing
@testable import EBJRExport

/// The exported graph's structure and the exporter's errors, checked in Swift (no Python needed).
@Suite struct ONNXExporterTests {
    private static func model(_ config: ModelConfig, seed: UInt64 = 1) throws -> [(name: String, tensor: Tensor)] {
        var generator = RandomGenerator(seed: seed)
        return try config.makeModel(generator: &generator).namedParameters()
    }

    @Test func cnnGraphHasOneNodePerLayerAndTorchNamedInitializers() throws {
        let config = ModelConfig.fashionCNN()
        let options = ONNXExportOptions(energy: .init(temperature: 2, columns: 0..<9, threshold: -3))
        let proto = try ONNXExporter(config: config, options: options).makeModel(weights: try Self.model(config))

        #expect(proto.irVersion == 8)
        #expect(proto.opsetImport.map(\.version) == [17])
        let graph = proto.graph
        #expect(graph.node.map(\.opType) == ["Conv", "Relu", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm",
                                             "Slice", "Div", "ReduceLogSumExp", "Mul", "LessOrEqual"])
        #expect(graph.node[8].output == ["logits"])
        #expect(graph.initializer.prefix(8).map(\.name) == [
            "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
            "layers.6.weight", "layers.6.bias", "layers.8.weight", "layers.8.bias",
        ])
        #expect(graph.initializer[4].dims == [128, 9216], "linear weights stay [out, in]")
        #expect(graph.initializer[4].rawData.count == 128 * 9216 * 4)
        let gemm = graph.node[6]
        #expect(gemm.input == ["layers.5/Flatten:0", "layers.6.weight", "layers.6.bias"])
        #expect(gemm.attribute.map(\.name) == ["transB"] && gemm.attribute.first?.i == 1)
        let conv = graph.node[0]
        #expect(conv.attribute.map(\.name) == ["kernel_shape", "strides", "pads"])
        #expect(conv.attribute.map(\.ints) == [[3, 3], [1, 1], [0, 0, 0, 0]])
        #expect(graph.input.map(\.name) == ["input"])
        #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimParam) == ["batch", "", "", ""])
        #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimValue) == [0, 1, 28, 28])
        #expect(graph.output.map(\.name) == ["logits", "energy", "accept"])
        #expect(graph.output[2].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.bool.rawValue))
    }

    @Test func logitsOnlyExportOmitsDropoutAndEnergy() throws {
        let config = ModelConfig(inputShape: [6], layers: [
            .linear(inputFeatures: 6, outputFeatures: 4, bias: true), .relu, .dropout(probability: 0.2),
            .linear(inputFeatures: 4, outputFeatures: 3, bias: false), .dropout(probability: 0.1),
        ])
        let proto = try ONNXExporter(config: config).makeModel(weights: try Self.model(config))
        #expect(proto.graph.node.map(\.opType) == ["Gemm", "Relu", "Gemm"])
        #expect(proto.graph.node.last?.output == ["logits"])
        #expect(proto.graph.node.last?.input.count == 2, "no bias input for a bias-free linear layer")
        #expect(proto.graph.output.map(\.name) == ["logits"])
        #expect(!proto.metadataProps.map(\.key).contains(ONNXMetadataKey.temperature))
        // Round trip through the wire format.
        let bytes = try ONNXExporter(config: config).serializedModel(weights: try Self.model(config))
        #expect(try Onnx_ModelProto(serializedBytes: bytes) == proto)
    }

    @Test func weightAndConfigMismatchesAreErrorsNamingTheKeyOrLayer() throws {
        let mlp = ModelConfig.mlp([6, 5, 3])
        let weights = try Self.model(mlp)
        func replacing(_ key: String, with tensor: Tensor) -> [(name: String, tensor: Tensor)] {
            weights.map { $0.name == key ? (key, tensor) : $0 }
        }
        let conv = ModelConfig(inputShape: [1, 5, 5], layers: [
            .conv2d(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 1, padding: 0, bias: true),
        ])
        let cases: [(ModelConfig, [(name: String, tensor: Tensor)], ExportError, mentions: String)] = [
            (mlp, weights.filter { $0.name != "layers.0.weight" }, .missingWeight(key: "layers.0.weight"),
             "layers.0.weight"),
            (mlp, replacing("layers.2.bias", with: Tensor(zeros: [4])),
             .weightShapeMismatch(key: "layers.2.bias", expected: [3], actual: [4]), "layers.2.bias"),
            (mlp, replacing("layers.0.weight", with: Tensor(zeros: [6, 5])),
             .weightShapeMismatch(key: "layers.0.weight", expected: [5, 6], actual: [6, 5]), "[5, 6]"),
            (mlp, weights + [("layers.9.weight", Tensor(zeros: [1]))], .unexpectedWeight(key: "layers.9.weight"),
             "layers.9.weight"),
            (mlp, weights + [weights[1]], .duplicateWeight(key: "layers.0.bias"), "layers.0.bias"),
            (conv, try Self.model(conv), .outputNotVector(layer: 0, type: "conv2d", shape: [2, 3, 3]), "layer 0 (conv2d)"),
            (ModelConfig(inputShape: [6], layers: [.relu, .linear(inputFeatures: 7, outputFeatures: 3, bias: true)]),
             [], .invalidModel(.shapeMismatch(layer: 1, type: "linear", input: [6], expected: "[7]")),
             "layer 1 (linear)"),
            (ModelConfig(inputShape: [6], layers: []), [], .emptyModel, "no layers"),
        ]
        for (config, weights, expected, mention) in cases {
            let error = #expect(throws: ExportError.self) {
                try ONNXExporter(config: config).serializedModel(weights: weights)
            }
            #expect(error == expected)
            #expect(error.map { "\($0)".contains(mention) } == true, "\(String(describing: error)) should name \(mention)")
        }
    }

    @Test func optionsOutOfRangeAreErrors() throws {
        let config = ModelConfig.mlp([6, 3])
        let weights = try Self.model(config)
        let cases: [(ONNXExportOptions, mentions: String)] = [
            (ONNXExportOptions(energy: .init(temperature: 0)), "temperature"),
            (ONNXExportOptions(energy: .init(temperature: .nan)), "temperature"),
            (ONNXExportOptions(energy: .init(columns: 1..<4)), "columns"),
            (ONNXExportOptions(energy: .init(columns: 2..<2)), "columns"),
            (ONNXExportOptions(energy: .init(threshold: .infinity)), "threshold"),
            (ONNXExportOptions(classNames: ["a", "b"]), "2 class names"),
            (ONNXExportOptions(subset: [1, 1]), "subset"),
            (ONNXExportOptions(subset: [-1]), "subset"),
            // 6 features cannot be split into 4 channels; std must be positive; counts must agree.
            (ONNXExportOptions(inputNormalization: .init(mean: [0, 0, 0, 0], std: [1, 1, 1, 1])), "input normalization"),
            (ONNXExportOptions(inputNormalization: .init(mean: [0], std: [0])), "positive"),
            (ONNXExportOptions(inputNormalization: .init(mean: [0, 1], std: [1])), "input normalization"),
        ]
        for (options, mention) in cases {
            let error = #expect(throws: ExportError.self) {
                try ONNXExporter(config: config, options: options).serializedModel(weights: weights)
            }
            guard case let .invalidOption(message)? = error else {
                Issue.record("expected invalidOption for \(options), got \(String(describing: error))")
                continue
            }
            #expect(message.contains(mention), "\(message)")
        }
    }

    @Test func writeReplacesTheFileAtomicallyAndLeavesNoTemporaryFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("side.onnx")
        try Data("old".utf8).write(to: url)
        let config = ModelConfig.mlp([6, 3])
        let weights = try Self.model(config)
        let exporter = ONNXExporter(config: config, options: ONNXExportOptions(sourceCheckpoint: "a.h5"))
        try exporter.write(weights: weights, to: url)
        #expect(try Data(contentsOf: url) == exporter.serializedModel(weights: weights))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["side.onnx"])
        let nested = directory.appendingPathComponent("new/folder/side.onnx")
        try exporter.write(weights: weights, to: nested)
        #expect(try Data(contentsOf: nested) == exporter.serializedModel(weights: weights))

        let missing = url.appendingPathComponent("below-a-file.onnx")
        let error = #expect(throws: ExportError.self) { try exporter.write(weights: weights, to: missing) }
        guard case let .writeFailed(path, _)? = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(path == missing.path)
    }
}
