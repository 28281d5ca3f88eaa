import EBJRNN
import EBJRTensor

extension Checkpoint {
    /// Copies the checkpoint's parameters and buffers (batch-norm running statistics) into `model`'s in place (like
    /// `load_state_dict`); the keys are `Module.namedState()`'s.
    ///
    /// If `architecture` is given and the checkpoint records its own, they must describe the same layers
    /// (dropout probabilities aside), else `CheckpointError.architectureMismatch`. With `strict`, any missing key,
    /// unexpected key or shape mismatch throws `CheckpointError` naming the key (and both shapes) and nothing is
    /// copied; without it, matching parameters are copied and the rest reported.
    @discardableResult
    public func apply(to model: Module, architecture: ModelConfig? = nil, strict: Bool = true) throws -> LoadReport {
        if let architecture, let modelConfig, !modelConfig.hasSameParameters(as: architecture) {
            throw CheckpointError.architectureMismatch(file: sourcePath, checkpoint: modelConfig.summary,
                                                       model: architecture.summary)
        }
        let stored = Dictionary(modelState.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let parameters = model.namedState()
        let parameterNames = Set(parameters.map(\.name))
        var report = LoadReport()
        var copies: [(target: Tensor, source: Tensor)] = []
        for (name, parameter) in parameters {
            guard let source = stored[name] else { report.missing.append(name); continue }
            guard source.shape == parameter.shape else {
                report.mismatched.append(.init(key: name, checkpoint: source.shape, model: parameter.shape))
                continue
            }
            report.loaded.append(name)
            copies.append((parameter, source))
        }
        report.unexpected = modelState.map(\.name).filter { !parameterNames.contains($0) }
        if strict {
            if let mismatch = report.mismatched.first {
                throw CheckpointError.shapeMismatch(file: sourcePath, key: mismatch.key, checkpoint: mismatch.checkpoint,
                                                    model: mismatch.model)
            }
            if !report.missing.isEmpty { throw CheckpointError.missingKeys(file: sourcePath, keys: report.missing) }
            if !report.unexpected.isEmpty {
                throw CheckpointError.unexpectedKeys(file: sourcePath, keys: report.unexpected)
            }
        }
        for (target, source) in copies { target.data.update(from: source.data, count: source.count) }
        return report
    }

    /// Builds the model described by `modelConfig`, loads the weights into it (strictly) and switches it to evaluation
    /// mode (batch norm uses its running statistics, dropout is off); call `train()` on it to train it further.
    /// Throws `CheckpointError.missingModelConfig` if the checkpoint has no architecture.
    public func makeModel() throws -> Sequential {
        if let modelKind { throw CheckpointError.otherModelKind(file: sourcePath, kind: modelKind) }
        guard let modelConfig else { throw CheckpointError.missingModelConfig(file: sourcePath) }
        var generator = RandomGenerator(seed: 0)
        let model: Sequential
        do {
            model = try modelConfig.makeModel(generator: &generator)
        } catch {
            throw CheckpointError.invalidModelConfig(file: sourcePath, detail: "\(error)")
        }
        try apply(to: model, architecture: modelConfig, strict: true)
        model.eval()
        return model
    }
}

extension ModelConfig {
    /// Whether both configurations have the same input and layers, ignoring dropout probabilities (which do not
    /// change the parameters).
    func hasSameParameters(as other: ModelConfig) -> Bool {
        func normalized(_ layers: [LayerConfig]) -> [LayerConfig] {
            layers.map { if case .dropout = $0 { .dropout(probability: 0) } else { $0 } }
        }
        return inputShape == other.inputShape && normalized(layers) == normalized(other.layers)
    }

    /// One line naming the layers, e.g. `[784] → linear(784→32) → relu → linear(32→10)`.
    var summary: String {
        let layerText = layers.map { layer -> String in
            switch layer {
            case let .linear(i, o, _): "linear(\(i)→\(o))"
            case let .conv2d(i, o, k, s, p, _):
                "conv2d(\(i)→\(o), \(k)×\(k)" + (s == 1 ? "" : ", stride \(s)") + (p == 0 ? "" : ", pad \(p)") + ")"
            case let .maxPool2d(k, s): "maxpool2d(\(k)" + (s == k ? "" : ", stride \(s)") + ")"
            case let .dropout(p): "dropout(\(p))"
            case let .batchNorm1d(f), let .batchNorm2d(f): "\(layer.typeName)(\(f))"
            case let .residual(i, o, s): "residual(\(i)→\(o)" + (s == 1 ? "" : ", stride \(s)") + ")"
            case .relu, .tanh, .flatten, .globalAvgPool: layer.typeName
            }
        }
        return (["\(inputShape)"] + layerText).joined(separator: " → ")
    }
}
