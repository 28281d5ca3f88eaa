import EBJRFiles
import EBJRNN
import EBJRTensor
import Foundation
import EBJRRouting

/// Exports a feed-forward classifier — a `ModelConfig` and its named weights — as an ONNX model
/// (IR version 8, default-domain opset 17) that `onnx.checker` accepts and onnxruntime runs.
///
/// Graph: input `input` float32 `[batch, *inputShape]` (symbolic batch dimension `batch`), output `logits`
/// float32 `[batch, K]`, and optionally `energy` float32 `[batch]` with
/// `E_T(z) = −T · ReduceLogSumExp(z / T, axes=[1])` over all or a range of columns and `accept` bool `[batch]`
/// `= energy ≤ τ` (docs/method.md §2). Layers map to `Gemm(transB=1)` (linear, weights kept `[out, in]`), `Conv`,
/// `Relu`, `Tanh`, `MaxPool`, `Flatten(axis=1)`, `BatchNormalization` (inference form, with the running statistics;
/// `num_batches_tracked` is not needed), `GlobalAveragePool` + `Flatten`, and a residual block to
/// `Conv-BatchNormalization-Relu-Conv-BatchNormalization`, its shortcut (the input, or `Conv-BatchNormalization`), `Add`
/// and `Relu`; dropout is the identity at inference and is left out.
///
/// Weights are named as `Sequential.namedParameters()` names them (`layers.<index>.weight`, `layers.<index>.bias`)
/// and become initializers of the same names. The check is strict: a missing, extra, duplicated or misshapen
/// weight is an `ExportError` naming the key.
public struct ONNXExporter: Sendable {
    /// ONNX IR version written (`ir_version`).
    public static let irVersion = 8
    /// Version of the default (`ai.onnx`) operator set imported.
    public static let opsetVersion = 17
    /// Name of the graph input.
    public static let inputName = "input"
    /// Name of the logits output.
    public static let logitsName = "logits"
    /// Name of the optional energy output.
    public static let energyName = "energy"
    /// Name of the optional acceptance output.
    public static let acceptName = "accept"
    /// The symbolic batch dimension of every input and output.
    public static let batchDimension = "batch"

    /// The model description the graph is built from.
    public var config: ModelConfig
    /// Routing outputs and metadata.
    public var options: ONNXExportOptions

    public init(config: ModelConfig, options: ONNXExportOptions = ONNXExportOptions()) {
        self.config = config
        self.options = options
    }

    /// The ONNX `ModelProto`, serialized.
    public func serializedModel(weights: [(name: String, tensor: Tensor)]) throws -> Data {
        try makeModel(weights: weights).serializedData()
    }

    /// Writes the serialized model to `url` atomically (a temporary file in the same directory, synced,
    /// then renamed over `url`).
    public func write(weights: [(name: String, tensor: Tensor)], to url: URL) throws {
        let data = try serializedModel(weights: weights)
        do {
            try AtomicFile.write(data, to: url)
        } catch let error as FileWriteError {
            throw ExportError.writeFailed(path: error.path, reason: error.reason)
        }
    }

    /// Builds the `ModelProto`.
    func makeModel(weights: [(name: String, tensor: Tensor)]) throws -> Onnx_ModelProto {
        let shapes: [[Int]]
        do { shapes = try config.outputShapes() } catch let error as ModelConfigError {
            throw ExportError.invalidModel(error)
        }
        guard let outputShape = shapes.last else { throw ExportError.emptyModel }
        guard outputShape.count == 1 else {
            throw ExportError.outputNotVector(layer: config.layers.count - 1, type: config.layers.last!.typeName,
                                              shape: outputShape)
        }
        let classCount = outputShape[0]
        try validateOptions(classCount: classCount)

        var graph = try ONNXGraphBuilder(name: options.graphName, weights: weights)
        try addLayers(to: &graph)
        try graph.checkAllWeightsUsed()
        graph.addInput(Self.inputName, type: .float, shape: [nil] + config.inputShape)
        graph.addOutput(Self.logitsName, type: .float, shape: [nil, classCount])
        if let energy = options.energy { addEnergy(energy, classCount: classCount, to: &graph) }
        if let labels = options.predictionLabels {
            let column = addPrediction(labels: labels, to: &graph)
            if let routing = options.routing { addRouting(routing, classCount: classCount, argmaxColumn: column, to: &graph) }
        }

        var model = Onnx_ModelProto()
        model.irVersion = Int64(Self.irVersion)
        model.opsetImport = [Onnx_OperatorSetIdProto.with { $0.domain = ""; $0.version = Int64(Self.opsetVersion) }]
        model.producerName = "EBJR"
        model.producerVersion = options.toolkitVersion
        model.modelVersion = 1
        model.docString = "EBJR feed-forward classifier: input [batch, \(config.inputShape.map(String.init).joined(separator: ", "))]"
            + " -> logits [batch, \(classCount)]" + (options.energy == nil ? "" : ", energy [batch]")
            + (options.energy?.threshold == nil ? "" : ", accept [batch]")
            + (options.predictionLabels == nil ? "" : ", prediction [batch]")
            + (options.routing == nil ? "" : ", score [batch] (float64), accept [batch]")
        model.graph = graph.graph
        model.metadataProps = try metadata().map { key, value in
            Onnx_StringStringEntryProto.with { $0.key = key; $0.value = value }
        }
        return model
    }

    /// Appends one node per layer (dropout excluded); the last one writes `logits`.
    private func addLayers(to graph: inout ONNXGraphBuilder) throws {
        var current = Self.inputName
        if let normalization = options.inputNormalization {
            // [C, 1, 1] for image inputs; for a flat input [D] (images of C channels flattened channel-major, as the
            // data sets do) one value per feature, channel c covering D/C consecutive features. Both broadcast
            // against [batch, …] from the right.
            let count = normalization.mean.count
            var meanValues = normalization.mean, stdValues = normalization.std, dims = [count, 1, 1]
            if config.inputShape.count != 3 {
                let features = config.inputShape.reduce(1, *), perChannel = features / count
                meanValues = (0..<features).map { normalization.mean[$0 / perChannel] }
                stdValues = (0..<features).map { normalization.std[$0 / perChannel] }
                dims = [features]
            }
            let mean = graph.addConstant("input_normalization.mean", floats: meanValues, dims: dims)
            let std = graph.addConstant("input_normalization.std", floats: stdValues, dims: dims)
            let centred = graph.addNode("Sub", name: "input_normalization", inputs: [current, mean])
            current = graph.addNode("Div", name: "input_normalization", inputs: [centred, std])
        }
        for (index, layer) in config.layers.enumerated() {
            let name = "layers.\(index)"
            switch layer {
            case let .linear(inputFeatures, outputFeatures, bias):
                var inputs = [current, try graph.weight("\(name).weight", shape: [outputFeatures, inputFeatures])]
                if bias { inputs.append(try graph.weight("\(name).bias", shape: [outputFeatures])) }
                current = graph.addNode("Gemm", name: name, inputs: inputs, attributes: [.int("transB", 1)])
            case let .conv2d(inputChannels, outputChannels, kernelSize, stride, padding, bias):
                current = try addConv(current, name: name, inputChannels: inputChannels, outputChannels: outputChannels,
                                      kernelSize: kernelSize, stride: stride, padding: padding, bias: bias, to: &graph)
            case let .batchNorm1d(features), let .batchNorm2d(features):
                current = try addBatchNorm(current, name: name, features: features, to: &graph)
            case .globalAvgPool:
                let pooled = graph.addNode("GlobalAveragePool", name: name, inputs: [current])
                current = graph.addNode("Flatten", name: name, inputs: [pooled], attributes: [.int("axis", 1)])
            case let .residual(inputChannels, outputChannels, stride):
                let conv1 = try addConv(current, name: "\(name).conv1", inputChannels: inputChannels, outputChannels: outputChannels,
                                        kernelSize: 3, stride: stride, padding: 1, bias: false, to: &graph)
                let bn1 = try addBatchNorm(conv1, name: "\(name).bn1", features: outputChannels, to: &graph)
                let relu1 = graph.addNode("Relu", name: "\(name).relu1", inputs: [bn1])
                let conv2 = try addConv(relu1, name: "\(name).conv2", inputChannels: outputChannels, outputChannels: outputChannels,
                                        kernelSize: 3, stride: 1, padding: 1, bias: false, to: &graph)
                let bn2 = try addBatchNorm(conv2, name: "\(name).bn2", features: outputChannels, to: &graph)
                var shortcut = current
                if ResidualBlock.needsProjection(inputChannels: inputChannels, outputChannels: outputChannels, stride: stride) {
                    let conv = try addConv(current, name: "\(name).shortcut.0", inputChannels: inputChannels,
                                           outputChannels: outputChannels, kernelSize: 1, stride: stride, padding: 0, bias: false,
                                           to: &graph)
                    shortcut = try addBatchNorm(conv, name: "\(name).shortcut.1", features: outputChannels, to: &graph)
                }
                let sum = graph.addNode("Add", name: name, inputs: [bn2, shortcut])
                current = graph.addNode("Relu", name: name, inputs: [sum])
            case .relu:
                current = graph.addNode("Relu", name: name, inputs: [current])
            case .tanh:
                current = graph.addNode("Tanh", name: name, inputs: [current])
            case let .maxPool2d(kernelSize, stride):
                current = graph.addNode("MaxPool", name: name, inputs: [current], attributes: [
                    .ints("kernel_shape", [kernelSize, kernelSize]), .ints("strides", [stride, stride]),
                ])
            case .flatten:
                current = graph.addNode("Flatten", name: name, inputs: [current], attributes: [.int("axis", 1)])
            case .dropout:
                continue
            }
        }
        if current == Self.inputName {
            graph.addNode("Identity", name: "logits", inputs: [current], output: Self.logitsName)
        } else {
            graph.renameLastOutput(to: Self.logitsName)
        }
    }

    /// Appends a `Conv` reading the weights `<name>.weight` (and `<name>.bias`); returns its output.
    private func addConv(_ input: String, name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int,
                         padding: Int, bias: Bool, to graph: inout ONNXGraphBuilder) throws -> String {
        var inputs = [input, try graph.weight("\(name).weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize])]
        if bias { inputs.append(try graph.weight("\(name).bias", shape: [outputChannels])) }
        return graph.addNode("Conv", name: name, inputs: inputs, attributes: [
            .ints("kernel_shape", [kernelSize, kernelSize]), .ints("strides", [stride, stride]),
            .ints("pads", [padding, padding, padding, padding]),
        ])
    }

    /// Appends an inference-mode `BatchNormalization` with `<name>.weight`, `.bias`, `.running_mean`, `.running_var`
    /// (`y = weight · (x − mean)/√(var + ε) + bias`, ε as in `BatchNorm`); `<name>.num_batches_tracked` is accounted
    /// for but not exported. Returns its output.
    private func addBatchNorm(_ input: String, name: String, features: Int, to graph: inout ONNXGraphBuilder) throws -> String {
        let inputs = try ["weight", "bias", "running_mean", "running_var"].map { try graph.weight("\(name).\($0)", shape: [features]) }
        try graph.skipWeight("\(name).num_batches_tracked")
        return graph.addNode("BatchNormalization", name: name, inputs: [input] + inputs,
                             attributes: [.float("epsilon", BatchNorm.defaultEpsilon), .float("momentum", 1 - BatchNorm.defaultMomentum)])
    }

    /// Appends `energy = −T · ReduceLogSumExp(logits[:, columns] / T)` and, with a threshold,
    /// `accept = energy ≤ τ`.
    private func addEnergy(_ energy: ONNXExportOptions.EnergyOutput, classCount: Int,
                           to graph: inout ONNXGraphBuilder) {
        var logits = Self.logitsName
        if let columns = energy.columns, columns != 0..<classCount {
            let starts = graph.addConstant("energy.columns.start", int64: [columns.lowerBound])
            let ends = graph.addConstant("energy.columns.end", int64: [columns.upperBound])
            let axes = graph.addConstant("energy.columns.axis", int64: [1])
            logits = graph.addNode("Slice", name: "energy.columns", inputs: [logits, starts, ends, axes])
        }
        let temperature = graph.addConstant("energy.temperature", float: energy.temperature)
        let scaled = graph.addNode("Div", name: "energy.scale", inputs: [logits, temperature])
        let logSumExp = graph.addNode("ReduceLogSumExp", name: "energy.logsumexp", inputs: [scaled],
                                      attributes: [.ints("axes", [1]), .int("keepdims", 0)])
        let negativeTemperature = graph.addConstant("energy.negative_temperature", float: -energy.temperature)
        graph.addNode("Mul", name: "energy", inputs: [logSumExp, negativeTemperature], output: Self.energyName)
        graph.addOutput(Self.energyName, type: .float, shape: [nil])
        if let threshold = energy.threshold {
            let tau = graph.addConstant("energy.threshold", float: threshold)
            graph.addNode("LessOrEqual", name: "accept", inputs: [Self.energyName, tau], output: Self.acceptName)
            graph.addOutput(Self.acceptName, type: .bool, shape: [nil])
        }
    }

    private func validateOptions(classCount: Int) throws {
        if let normalization = options.inputNormalization {
            let count = normalization.mean.count, features = config.inputShape.reduce(1, *)
            let fits = config.inputShape.count == 3 ? [1, config.inputShape[0]].contains(count)
                : count >= 1 && features % count == 0
            guard normalization.mean.count == normalization.std.count, fits else {
                throw ExportError.invalidOption("input normalization has \(normalization.mean.count) mean and \(normalization.std.count) std "
                    + "values for input shape \(config.inputShape) (needs 1, or one per channel of the samples)")
            }
            guard normalization.mean.allSatisfy(\.isFinite), normalization.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ExportError.invalidOption("input normalization needs finite means and positive finite stds "
                    + "(got mean \(normalization.mean), std \(normalization.std))")
            }
        }
        if let energy = options.energy {
            guard energy.temperature.isFinite, energy.temperature > 0 else {
                throw ExportError.invalidOption("energy temperature must be finite and > 0, got \(energy.temperature)")
            }
            if let columns = energy.columns, columns.isEmpty || columns.lowerBound < 0 || columns.upperBound > classCount {
                throw ExportError.invalidOption(
                    "energy columns \(columns) must be a non-empty range within the \(classCount) logit columns")
            }
            if let threshold = energy.threshold, !threshold.isFinite {
                throw ExportError.invalidOption("energy threshold must be finite, got \(threshold)")
            }
        }
        if let labels = options.predictionLabels, labels.count != classCount {
            throw ExportError.invalidOption("\(labels.count) prediction labels given for \(classCount) logit columns")
        }
        if let routing = options.routing {
            guard options.predictionLabels != nil else { throw ExportError.invalidOption("routing outputs need prediction labels") }
            guard options.energy == nil else { throw ExportError.invalidOption("give the energy output or the routing outputs, not both") }
            guard Self.exportableScoreNames.contains(routing.score.name) else {
                throw ExportError.invalidOption("score \(routing.score) cannot be computed in an ONNX graph (exportable: "
                    + Self.exportableScoreNames.sorted().joined(separator: ", ") + ")")
            }
            if let t = routing.score.temperature, !(t > 0 && t.isFinite) {
                throw ExportError.invalidOption("score temperature must be finite and > 0, got \(t)")
            }
            if let columns = routing.columns, columns.isEmpty || columns.lowerBound < 0 || columns.upperBound > classCount {
                throw ExportError.invalidOption("score columns \(columns) must be a non-empty range within the \(classCount) logit columns")
            }
            if let tau = routing.threshold, !tau.isFinite { throw ExportError.invalidOption("threshold must be finite, got \(tau)") }
            if let bad = routing.eligibleOutputs?.first(where: { !(0..<classCount).contains($0) }) {
                throw ExportError.invalidOption("eligible output \(bad) is outside the \(classCount) logit columns")
            }
        }
        if let names = options.classNames, names.count != classCount {
            throw ExportError.invalidOption("\(names.count) class names given for \(classCount) logit columns")
        }
        if let subset = options.subset, subset.contains(where: { $0 < 0 }) || Set(subset).count != subset.count {
            throw ExportError.invalidOption("subset \(subset) must hold distinct non-negative class indices")
        }
    }

    /// The `metadata_props`, in a fixed order.
    private func metadata() throws -> [(String, String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

        var entries: [(String, String)] = [
            (ONNXMetadataKey.toolkitVersion, options.toolkitVersion),
            (ONNXMetadataKey.modelConfig, try json(config)),
        ]
        if let names = options.classNames { entries.append((ONNXMetadataKey.classNames, try json(names))) }
        if let normalization = options.inputNormalization {
            entries.append((ONNXMetadataKey.inputNormalization, try json(["mean": normalization.mean, "std": normalization.std])))
        }
        if let subset = options.subset { entries.append((ONNXMetadataKey.subset, try json(subset))) }
        if let energy = options.energy {
            entries.append((ONNXMetadataKey.scoreDefinition,
                            "energy = -T * logsumexp(logits[:, columns] / T); accept iff energy <= threshold"))
            entries.append((ONNXMetadataKey.temperature, "\(energy.temperature)"))
            if let columns = energy.columns {
                entries.append((ONNXMetadataKey.energyColumns, try json([columns.lowerBound, columns.upperBound])))
            }
            if let threshold = energy.threshold { entries.append((ONNXMetadataKey.threshold, "\(threshold)")) }
        }
        if let routing = options.routing {
            entries.append((ONNXMetadataKey.scoreDefinition,
                            "score = \(routing.score) of logits[:, columns] in float64 (lower = keep); "
                                + "accept iff argmax is an eligible output and score <= threshold"))
            if let t = routing.score.temperature { entries.append((ONNXMetadataKey.temperature, "\(t)")) }
            if let tau = routing.threshold { entries.append((ONNXMetadataKey.threshold, "\(tau)")) }
        }
        if let source = options.sourceCheckpoint { entries.append((ONNXMetadataKey.sourceCheckpoint, source)) }
        return entries
    }
}
