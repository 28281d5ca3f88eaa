import Foundation
import EBJRTensor
import EBJRCheckpoint

/// G2P models in the toolkit's HDF5 checkpoint format (`docs/checkpoint-format.md`): `model_kind = "g2p"`,
/// `model_config` = the `G2PModelConfig` JSON, `recipe` = the recipe text, weights under `model_weights/` with
/// their dotted names (`decoder.weight_ih` …, torch layout), and for resuming `optimizer_weights/` (Adam moments
/// by parameter name) and `training_state/` (epoch, step, the data-order generator, best epoch so far).
public enum G2PCheckpoint {
    /// Value of the `model_kind` dataset.
    public static let modelKind = "g2p"

    /// A checkpoint of a G2P model of `config` holding `weights`, with optional recipe text, optimizer and training
    /// state.
    public static func make(config: G2PModelConfig, weights: [(name: String, tensor: Tensor)], recipeText: String = "",
                            optimizer: OptimizerSnapshot? = nil, trainingState: TrainingState? = nil,
                            metadata: [String: String] = [:]) throws -> Checkpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var checkpoint = Checkpoint(modelConfig: nil, modelState: weights, optimizer: optimizer, trainingState: trainingState,
                                    recipe: recipeText, classNames: ["<pad>", "<s>", "</s>"] + G2PVocabulary.standard.phonemes,
                                    metadata: metadata)
        checkpoint.modelKind = modelKind
        checkpoint.modelConfigJSON = String(decoding: try encoder.encode(config), as: UTF8.self)
        return checkpoint
    }

    /// Writes `model` (weights only, e.g. an imported one) to `path` atomically, creating the folder.
    public static func save(_ model: G2PModel, to path: String, recipeText: String = "", metadata: [String: String] = [:]) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try make(config: model.config, weights: Checkpoint.modelState(of: model), recipeText: recipeText, metadata: metadata).save(to: url)
    }

    /// The G2P model configuration a checkpoint records; `LangError.notAG2PCheckpoint` for other model families.
    public static func config(of checkpoint: Checkpoint, path: String) throws -> G2PModelConfig {
        guard checkpoint.modelKind == modelKind, let json = checkpoint.modelConfigJSON else {
            throw LangError.notAG2PCheckpoint(path: path, kind: checkpoint.modelKind ?? "layer stack")
        }
        let config: G2PModelConfig
        do { config = try JSONDecoder().decode(G2PModelConfig.self, from: Data(json.utf8)) } catch {
            throw CheckpointError.invalidModelConfig(file: path, detail: "not a G2P model config: \(error)")
        }
        let stored = Dictionary(checkpoint.modelState.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { first, _ in first })
        if let problem = config.problem(storedShapes: stored) {
            throw CheckpointError.invalidModelConfig(file: path, detail: problem)
        }
        return config
    }

    /// Reads a G2P checkpoint and builds its model (weights applied strictly: every name and shape must match).
    /// A missing file is `LangError.missingCheckpoint` naming `trainCommand` when given.
    public static func load(from path: String, trainCommand: String? = nil) throws -> (model: G2PModel, checkpoint: Checkpoint) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LangError.missingCheckpoint(path: path, command: trainCommand)
        }
        let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        let model = G2PModel(config: try config(of: checkpoint, path: path), seed: 0)
        try checkpoint.apply(to: model, strict: true)
        return (model, checkpoint)
    }

    /// Reads a parameter file of the retired stopgap format (`EBJR-LANG-PARAMETERS 1`, a JSON line of names and
    /// shapes, then little-endian float32 values) into a model whose shape is inferred from the stored tensors.
    /// Used once, by `ebjr convert-params`, for models trained before the HDF5 checkpoints.
    public static func importLegacyParameters(from path: String) throws -> G2PModel {
        struct Header: Codable { var name: String; var shape: [Int] }
        guard let data = FileManager.default.contents(atPath: path) else { throw LangError.fileUnreadable(path: path) }
        func fail(_ reason: String) -> LangError { .parameterFile(path: path, reason: reason) }
        let lines = data.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, String(decoding: lines[0], as: UTF8.self) == "EBJR-LANG-PARAMETERS 1" else {
            throw fail("missing 'EBJR-LANG-PARAMETERS 1' header")
        }
        let headers: [Header]
        do { headers = try JSONDecoder().decode([Header].self, from: Data(lines[1])) } catch { throw fail("unreadable header line") }
        let shapes = Dictionary(headers.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        guard let source = shapes["source_embedding.weight"], source.count == 2, let target = shapes["target_embedding.weight"],
              target.count == 2, let hh = shapes["decoder.weight_hh"], hh.count == 2, hh[1] % 2 == 0 else {
            throw fail("not a G2P model (needs source_embedding.weight, target_embedding.weight, decoder.weight_hh)")
        }
        // Every size is checked against the file before the model is allocated: the shapes must fit one configuration,
        // and their values must take exactly the bytes after the header.
        let config = G2PModelConfig(embeddingSize: source[1], hiddenSize: hh[1], sourceVocabularySize: source[0],
                                    targetVocabularySize: target[0])
        if let problem = config.problem(storedShapes: shapes) { throw fail(problem) }
        var values = 0
        for header in headers {
            guard let count = header.shape.checkedProduct, case let (sum, false) = values.addingReportingOverflow(count),
                  sum <= lines[2].count / MemoryLayout<Float>.size else {
                throw fail("the header's shapes hold more values than the file (\(lines[2].count) bytes after the header)")
            }
            values = sum
        }
        let model = G2PModel(config: config, seed: 0)
        let parameters = model.namedParameters()
        guard headers.map(\.name) == parameters.map(\.name) else {
            throw fail("parameter names \(headers.map(\.name)) ≠ the G2P model's \(parameters.map(\.name))")
        }
        var offset = lines[2].startIndex
        for (header, (name, tensor)) in zip(headers, parameters) {
            guard header.shape == tensor.shape else { throw fail("'\(name)' has shape \(header.shape), model expects \(tensor.shape)") }
            let bytes = tensor.count * MemoryLayout<Float>.size
            guard offset + bytes <= data.endIndex else { throw fail("truncated at '\(name)'") }
            _ = data[offset..<(offset + bytes)].withUnsafeBytes { memcpy(tensor.data, $0.baseAddress!, bytes) }
            offset += bytes
        }
        guard offset == data.endIndex else { throw fail("trailing bytes after the last parameter") }
        return model
    }
}

private extension Array where Element == Int {
    /// The product of non-negative sizes, or nil when one is negative or the product overflows.
    var checkedProduct: Int? {
        var product = 1
        for size in self {
            guard size >= 0, case let (next, false) = product.multipliedReportingOverflow(by: size) else { return nil }
            product = next
        }
        return product
    }
}
