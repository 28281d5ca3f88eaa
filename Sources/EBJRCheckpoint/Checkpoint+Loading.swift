import EBJRRouting
import EBJRHDF5
import EBJRNN
import EBJRTensor
import Foundation

extension Checkpoint {
    /// Reads a checkpoint written by `save(to:)`.
    ///
    /// Throws `HDF5Error` if the file is missing, not HDF5, truncated, or lacks a dataset the layout lists (the
    /// error names the object path), and `CheckpointError` if it is another kind of HDF5 file, of a newer format
    /// version, or stores a tensor that is not float32.
    ///
    /// Weights are stored with checksums: a damaged weight, optimizer or logits dataset is an
    /// `HDF5Error.checksumMismatch` naming it. A NaN or infinite model weight (`model_weights` or
    /// `best_model_weights`) is a `CheckpointError.nonFiniteWeight` naming its dataset unless `allowNonFinite`.
    public static func load(from url: URL, allowNonFinite: Bool = false) throws -> Checkpoint {
        let file = try openCheckpoint(url)
        defer { try? file.close() }
        var checkpoint = Checkpoint(modelConfig: try readModelConfig(in: file),
                                    modelState: try readWeights(file.group(CheckpointFormat.modelWeightsGroup),
                                                                allowNonFinite: allowNonFinite))
        if file.contains(CheckpointFormat.bestModelWeightsGroup) {
            checkpoint.bestModelState = try readWeights(file.group(CheckpointFormat.bestModelWeightsGroup),
                                                        allowNonFinite: allowNonFinite)
        }
        checkpoint.source = url
        // The architecture comes from the file: the model it describes must have exactly the parameters stored (a
        // count the file's size bounds), so that building it never allocates what the file merely claims.
        if let config = checkpoint.modelConfig {
            let stored = checkpoint.modelState.reduce(0) { $0 + $1.tensor.count }
            let described = try validatedParameterCount(config, in: file)
            guard described == stored else {
                throw CheckpointError.invalidModelConfig(file: url.path, detail:
                    "describes \(described) parameters but \(CheckpointFormat.modelWeightsGroup) stores \(stored)")
            }
        }
        checkpoint.modelKind = try readModelKind(in: file)
        if checkpoint.modelKind != nil, file.contains(CheckpointFormat.modelConfigDataset) {
            checkpoint.modelConfigJSON = try file.dataset(CheckpointFormat.modelConfigDataset).readString()
        }
        checkpoint.toolkitVersion = try file.stringAttribute(CheckpointFormat.toolkitVersionAttribute)
        checkpoint.recipe = try file.dataset(CheckpointFormat.recipeDataset).readString()
        checkpoint.classNames = try file.dataset(CheckpointFormat.classNamesDataset).readStrings()
        if file.contains(CheckpointFormat.classSubsetDataset) {
            checkpoint.classSubset = try file.dataset(CheckpointFormat.classSubsetDataset).read(Int64.self).map(Int.init)
        }
        if file.contains(CheckpointFormat.subsetDesignDataset) {
            let text = try file.dataset(CheckpointFormat.subsetDesignDataset).readString()
            guard let design = SpecializedDesign(rawValue: text) else {
                throw CheckpointError.invalidValue(file: url.path, key: CheckpointFormat.subsetDesignDataset,
                                                   detail: "'\(text.prefix(80))' is not one of \(SpecializedDesign.names)")
            }
            checkpoint.subsetDesign = design
        }
        if file.contains(CheckpointFormat.inputNormalizationGroup) {
            checkpoint.inputNormalization = try readInputNormalization(file.group(CheckpointFormat.inputNormalizationGroup), file: url.path)
        }
        if file.contains(CheckpointFormat.metadataGroup) {
            let group = try file.group(CheckpointFormat.metadataGroup)
            for key in try group.childNames() { checkpoint.metadata[key] = try group.dataset(key).readString() }
        }
        if file.contains(CheckpointFormat.optimizerGroup) {
            checkpoint.optimizer = try readOptimizer(file.group(CheckpointFormat.optimizerGroup))
        }
        if file.contains(CheckpointFormat.trainingStateGroup) {
            checkpoint.trainingState = try readTrainingState(file.group(CheckpointFormat.trainingStateGroup))
        }
        return checkpoint
    }

    /// `input_normalization/mean` and `/std`: the same number of float32 values (at least one), finite, `std` positive.
    static func readInputNormalization(_ group: HDF5Group, file: String) throws -> (mean: [Float], std: [Float]) {
        let key = CheckpointFormat.inputNormalizationGroup
        let meanSet = try group.dataset("mean"), stdSet = try group.dataset("std")
        guard try meanSet.shape().count == 1, try stdSet.shape().count == 1 else {
            throw CheckpointError.invalidValue(file: file, key: key, detail: "mean and std must be lists of numbers")
        }
        let mean = try meanSet.read(Float.self), std = try stdSet.read(Float.self)
        guard !mean.isEmpty, mean.count == std.count else {
            throw CheckpointError.invalidValue(file: file, key: key, detail: "mean has \(mean.count) values but std has \(std.count)")
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw CheckpointError.invalidValue(file: file, key: key, detail: "mean must be finite and std positive (got \(mean), \(std))")
        }
        return (mean, std)
    }

    /// Reads only the architecture of the checkpoint at `url` (no weights). Throws
    /// `CheckpointError.missingModelConfig` if it has none.
    public static func readModelConfig(from url: URL) throws -> ModelConfig {
        let file = try openCheckpoint(url)
        defer { try? file.close() }
        if let kind = try readModelKind(in: file) { throw CheckpointError.otherModelKind(file: url.path, kind: kind) }
        guard let config = try readModelConfig(in: file) else { throw CheckpointError.missingModelConfig(file: url.path) }
        return config
    }

    /// Opens `url` read-only and checks the root attributes `format`, `format_version` and `weight_layout`.
    static func openCheckpoint(_ url: URL) throws -> HDF5File {
        let file = try HDF5File.open(url)
        let format: String? = file.hasAttribute(CheckpointFormat.formatAttribute)
            ? try file.stringAttribute(CheckpointFormat.formatAttribute) : nil
        guard format == CheckpointFormat.name else { throw CheckpointError.notACheckpoint(file: url.path, format: format) }
        let version = try file.int64Attribute(CheckpointFormat.formatVersionAttribute)
        guard version <= CheckpointFormat.version else {
            throw CheckpointError.unsupportedVersion(file: url.path, version: version)
        }
        let layout = try file.stringAttribute(CheckpointFormat.weightLayoutAttribute)
        guard layout == CheckpointFormat.weightLayout else {
            throw CheckpointError.unsupportedLayout(file: url.path, layout: layout)
        }
        return file
    }

    /// The `model_kind` string dataset, or nil for the layer-stack family (no such dataset).
    static func readModelKind(in file: HDF5File) throws -> String? {
        guard file.contains(CheckpointFormat.modelKindDataset) else { return nil }
        return try file.dataset(CheckpointFormat.modelKindDataset).readString()
    }

    /// The decoded `model_config`, or nil if the file has none or belongs to another model family.
    static func readModelConfig(in file: HDF5File) throws -> ModelConfig? {
        guard file.contains(CheckpointFormat.modelConfigDataset), try readModelKind(in: file) == nil else { return nil }
        let json = try file.dataset(CheckpointFormat.modelConfigDataset).readString()
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        } catch {
            throw CheckpointError.invalidModelConfig(file: file.filePath, detail: describe(error))
        }
        _ = try validatedParameterCount(config, in: file)
        return config
    }

    /// `config.validate()` (sizes, strides, dropout probabilities, shapes that fit, limits), its failure as
    /// `invalidModelConfig` naming the file: the number of parameters the model will have.
    private static func validatedParameterCount(_ config: ModelConfig, in file: HDF5File) throws -> Int {
        do { return try config.validate() } catch {
            throw CheckpointError.invalidModelConfig(file: file.filePath, detail: "\(error)")
        }
    }

    /// `model_weights/` (or `best_model_weights/`), walked by `layer_names` then each layer's `weight_names`.
    private static func readWeights(_ weights: HDF5Group, allowNonFinite: Bool) throws -> [(name: String, tensor: Tensor)] {
        var state: [(name: String, tensor: Tensor)] = []
        for layer in try weights.stringsAttribute(CheckpointFormat.layerNamesAttribute) {
            let group = try weights.group(CheckpointFormat.groupName(forLayer: layer))
            for weight in try group.stringsAttribute(CheckpointFormat.weightNamesAttribute) {
                let name = CheckpointFormat.join(layer: layer, weight: weight)
                let dataset = try group.dataset(weight)
                let tensor = CheckpointFormat.isCounter(weight)
                    ? try dataset.readCounter(key: name) : try dataset.readTensor(key: name)
                if !allowNonFinite {
                    let values = UnsafeBufferPointer(start: tensor.data, count: tensor.count)
                    if let bad = values.firstIndex(where: { !$0.isFinite }) {
                        throw CheckpointError.nonFiniteWeight(file: weights.filePath, dataset: dataset.path, index: bad,
                                                              value: values[bad])
                    }
                }
                state.append((name, tensor))
            }
        }
        return state
    }

    private static func readOptimizer(_ group: HDF5Group) throws -> OptimizerSnapshot {
        let reserved: Set = [CheckpointFormat.optimizerNameAttribute, CheckpointFormat.optimizerStepAttribute]
        var hyperparameters: [String: Double] = [:]
        for name in try group.attributeNames() where !reserved.contains(name) {
            hyperparameters[name] = try group.doubleAttribute(name)
        }
        var state: [String: [String: Tensor]] = [:]
        for parameter in try group.childNames() {
            let parameterGroup = try group.group(parameter)
            for slot in try parameterGroup.childNames() {
                state[parameter, default: [:]][slot] = try parameterGroup.dataset(slot)
                    .readTensor(key: "\(CheckpointFormat.optimizerGroup)/\(parameter)/\(slot)")
            }
        }
        return OptimizerSnapshot(name: try group.stringAttribute(CheckpointFormat.optimizerNameAttribute),
                                 stepCount: Int(try group.int64Attribute(CheckpointFormat.optimizerStepAttribute)),
                                 hyperparameters: hyperparameters, state: state)
    }

    private static func readTrainingState(_ group: HDF5Group) throws -> TrainingState {
        var state = TrainingState(epoch: Int(try group.int64Attribute(CheckpointFormat.epochAttribute)),
                                  globalStep: Int(try group.int64Attribute(CheckpointFormat.globalStepAttribute)),
                                  batchIndex: Int(try group.int64Attribute(CheckpointFormat.batchIndexAttribute)))
        if group.contains(CheckpointFormat.randomStatesGroup) {
            let random = try group.group(CheckpointFormat.randomStatesGroup)
            for role in try random.childNames() { state.randomStates[role] = try random.dataset(role).read(UInt64.self) }
        }
        if group.contains(CheckpointFormat.extrasGroup) {
            let extras = try group.group(CheckpointFormat.extrasGroup)
            for name in try extras.attributeNames() {
                switch try extras.attribute(name) {
                case let .int64(value): state.integers[name] = value
                case let .double(value): state.reals[name] = value
                default: break
                }
            }
        }
        return state
    }

    /// A one-line reason for a JSON decoding failure.
    private static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(context), let DecodingError.keyNotFound(_, context),
             let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
