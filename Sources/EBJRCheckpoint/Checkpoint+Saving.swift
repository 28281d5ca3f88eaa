import EBJRHDF5
import EBJRTensor
import Foundation

extension Checkpoint {
    /// Writes the checkpoint to `url` atomically: a reader sees the previous file or the complete new one, and a
    /// failed save leaves an existing file untouched (see `HDF5File.writeAtomically`).
    public func save(to url: URL) throws {
        try validateNames()
        try HDF5File.writeAtomically(to: url) { file in try write(into: file) }
    }

    /// Writes the whole tree into an open, empty file.
    func write(into file: HDF5File) throws {
        try file.setAttribute(CheckpointFormat.formatAttribute, .string(CheckpointFormat.name))
        try file.setAttribute(CheckpointFormat.formatVersionAttribute, .int64(CheckpointFormat.version))
        try file.setAttribute(CheckpointFormat.toolkitVersionAttribute, .string(toolkitVersion))
        try file.setAttribute(CheckpointFormat.weightLayoutAttribute, .string(CheckpointFormat.weightLayout))

        if let modelConfig {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = String(decoding: try encoder.encode(modelConfig), as: UTF8.self)
            try file.createStringDataset(CheckpointFormat.modelConfigDataset, value: json)
        } else if let modelConfigJSON {
            try file.createStringDataset(CheckpointFormat.modelConfigDataset, value: modelConfigJSON)
        }
        if let modelKind { try file.createStringDataset(CheckpointFormat.modelKindDataset, value: modelKind) }
        try file.createStringDataset(CheckpointFormat.recipeDataset, value: recipe)
        try file.createStringDataset(CheckpointFormat.classNamesDataset, values: classNames)
        if let classSubset {
            try file.createDataset(CheckpointFormat.classSubsetDataset, shape: [classSubset.count],
                                   values: classSubset.map(Int64.init))
        }
        if let subsetDesign { try file.createStringDataset(CheckpointFormat.subsetDesignDataset, value: subsetDesign.rawValue) }
        if let inputNormalization {
            let group = try file.createGroup(CheckpointFormat.inputNormalizationGroup)
            _ = try group.createDataset("mean", shape: [inputNormalization.mean.count], values: inputNormalization.mean)
            _ = try group.createDataset("std", shape: [inputNormalization.std.count], values: inputNormalization.std)
        }
        let metadataGroup = try file.createGroup(CheckpointFormat.metadataGroup)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            try metadataGroup.createStringDataset(key, value: value)
        }

        try write(modelState, into: file.createGroup(CheckpointFormat.modelWeightsGroup))
        if let bestModelState {
            try write(bestModelState, into: file.createGroup(CheckpointFormat.bestModelWeightsGroup))
        }
        if let optimizer { try write(optimizer, into: file.createGroup(CheckpointFormat.optimizerGroup)) }
        if let trainingState { try write(trainingState, into: file.createGroup(CheckpointFormat.trainingStateGroup)) }
    }

    /// `model_weights/` (or `best_model_weights/`): one group per owning module, in model order, listed in
    /// `layer_names`; float32 datasets, except the int64 counters (`CheckpointFormat.isCounter`).
    private func write(_ state: [(name: String, tensor: Tensor)], into group: HDF5Group) throws {
        var layerOrder: [String] = []
        var weightsByLayer: [String: [(weight: String, tensor: Tensor)]] = [:]
        for (name, tensor) in state {
            let (layer, weight) = CheckpointFormat.split(parameterName: name)
            if weightsByLayer[layer] == nil { layerOrder.append(layer) }
            weightsByLayer[layer, default: []].append((weight, tensor))
        }
        try group.setAttribute(CheckpointFormat.layerNamesAttribute, .strings(layerOrder))
        for layer in layerOrder {
            let weights = weightsByLayer[layer] ?? []
            let layerGroup = try group.createGroup(CheckpointFormat.groupName(forLayer: layer))
            try layerGroup.setAttribute(CheckpointFormat.weightNamesAttribute, .strings(weights.map(\.weight)))
            for (weight, tensor) in weights {
                if CheckpointFormat.isCounter(weight) {
                    try layerGroup.createDataset(weight, shape: tensor.shape, values: tensor.scalars.map { Int64($0) })
                } else {
                    try layerGroup.createDataset(weight, tensor: tensor)
                }
            }
        }
    }

    /// `optimizer_weights/`: attributes `optimizer`, `step` and one per hyperparameter; `<parameter>/<slot>`.
    private func write(_ optimizer: OptimizerSnapshot, into group: HDF5Group) throws {
        try group.setAttribute(CheckpointFormat.optimizerNameAttribute, .string(optimizer.name))
        try group.setAttribute(CheckpointFormat.optimizerStepAttribute, .int64(Int64(optimizer.stepCount)))
        for (name, value) in optimizer.hyperparameters.sorted(by: { $0.key < $1.key }) {
            try group.setAttribute(name, .double(value))
        }
        let order = modelState.map(\.name)
        let parameters = optimizer.state.keys.sorted {
            (order.firstIndex(of: $0) ?? .max, $0) < (order.firstIndex(of: $1) ?? .max, $1)
        }
        for parameter in parameters {
            let parameterGroup = try group.createGroup(parameter)
            for (slot, tensor) in (optimizer.state[parameter] ?? [:]).sorted(by: { $0.key < $1.key }) {
                try parameterGroup.createDataset(slot, tensor: tensor)
            }
        }
    }

    /// `training_state/`: attributes `epoch`, `global_step`, `batch_index`; `rng/<role>` uint64 words;
    /// `extras` group whose attributes are the further scalars.
    private func write(_ state: TrainingState, into group: HDF5Group) throws {
        try group.setAttribute(CheckpointFormat.epochAttribute, .int64(Int64(state.epoch)))
        try group.setAttribute(CheckpointFormat.globalStepAttribute, .int64(Int64(state.globalStep)))
        try group.setAttribute(CheckpointFormat.batchIndexAttribute, .int64(Int64(state.batchIndex)))
        let randomGroup = try group.createGroup(CheckpointFormat.randomStatesGroup)
        for (role, words) in state.randomStates.sorted(by: { $0.key < $1.key }) {
            try randomGroup.createDataset(role, shape: [words.count], values: words)
        }
        let extras = try group.createGroup(CheckpointFormat.extrasGroup)
        for (name, value) in state.integers.sorted(by: { $0.key < $1.key }) { try extras.setAttribute(name, .int64(value)) }
        for (name, value) in state.reals.sorted(by: { $0.key < $1.key }) { try extras.setAttribute(name, .double(value)) }
    }

    /// Rejects names HDF5 cannot store or that collide with the layout's own names, before anything is written.
    func validateNames() throws {
        func check(_ name: String, _ what: String) throws {
            if name.isEmpty || name == "." || name.contains("/") {
                throw CheckpointError.invalidName(name: name, reason: "\(what) must be non-empty, not '.', without '/'")
            }
        }
        var seen = Set<String>()
        for (name, tensor) in modelState {
            if CheckpointFormat.isCounter(CheckpointFormat.split(parameterName: name).weight),
               let bad = tensor.scalars.first(where: { !($0 >= 0 && $0 == $0.rounded() && $0 <= CheckpointFormat.largestCounter) }) {
                throw CheckpointError.invalidName(name: name, reason: "a counter must hold whole numbers in 0…2^24 (holds \(bad))")
            }
            guard seen.insert(name).inserted else {
                throw CheckpointError.invalidName(name: name, reason: "two parameters have this name")
            }
            let (layer, weight) = CheckpointFormat.split(parameterName: name)
            try check(weight, "a parameter's local name")
            if layer.contains("/") {
                throw CheckpointError.invalidName(name: name, reason: "a module path must not contain '/'")
            }
            if layer == CheckpointFormat.rootLayerGroup {
                throw CheckpointError.invalidName(name: name, reason: "'\(layer)' is reserved for root parameters")
            }
        }
        if let bestModelState {
            let expected = modelState.map { "\($0.name) \($0.tensor.shape)" }
            guard bestModelState.map({ "\($0.name) \($0.tensor.shape)" }) == expected else {
                throw CheckpointError.invalidName(name: "best_model_weights",
                                                  reason: "must hold the same parameter names and shapes as model_weights")
            }
        }
        for key in metadata.keys { try check(key, "a metadata key") }
        if let optimizer {
            for parameter in optimizer.state.keys {
                try check(parameter, "an optimizer state's parameter name")
                for slot in optimizer.state[parameter]?.keys.sorted() ?? [] { try check(slot, "a state slot") }
            }
            for name in optimizer.hyperparameters.keys {
                try check(name, "a hyperparameter name")
                if name == CheckpointFormat.optimizerNameAttribute || name == CheckpointFormat.optimizerStepAttribute {
                    throw CheckpointError.invalidName(name: name, reason: "reserved optimizer attribute")
                }
            }
        }
        if let state = trainingState {
            for name in state.randomStates.keys { try check(name, "a random generator role") }
            for name in Array(state.integers.keys) + Array(state.reals.keys) { try check(name, "a training scalar") }
            if let clash = Set(state.integers.keys).intersection(state.reals.keys).first {
                throw CheckpointError.invalidName(name: clash, reason: "used for both an integer and a real scalar")
            }
        }
    }
}
