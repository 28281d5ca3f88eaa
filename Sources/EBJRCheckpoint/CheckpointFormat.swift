import EBJRFiles
/// Names and constants of the checkpoint file layout (see `docs/checkpoint-format.md`).
public enum CheckpointFormat {
    /// Value of the root attribute `format`.
    public static let name = "ebjr-checkpoint"
    /// Value of the root attribute `format_version`; files with a larger version are rejected.
    public static let version: Int64 = 1
    /// Value of the root attribute `weight_layout`: weights are stored as PyTorch lays them out
    /// (`Linear.weight: [out, in]`, `Conv2d.weight: [out, in, kh, kw]`).
    public static let weightLayout = "torch"
    /// Version of the toolkit written into new checkpoints (root attribute `toolkit_version`).
    public static var toolkitVersion: String { EBJRFiles.toolkitVersion }

    /// Group under `model_weights/` holding parameters owned by the root module (whose path is empty).
    static let rootLayerGroup = "__root__"

    // Root attributes.
    static let formatAttribute = "format"
    static let formatVersionAttribute = "format_version"
    static let toolkitVersionAttribute = "toolkit_version"
    static let weightLayoutAttribute = "weight_layout"

    // Root datasets and groups.
    static let modelConfigDataset = "model_config"
    static let modelKindDataset = "model_kind"
    static let recipeDataset = "recipe"
    static let classNamesDataset = "class_names"
    static let classSubsetDataset = "class_subset"
    static let subsetDesignDataset = "subset_design"
    static let metadataGroup = "metadata"
    static let modelWeightsGroup = "model_weights"
    static let bestModelWeightsGroup = "best_model_weights"
    static let optimizerGroup = "optimizer_weights"
    static let trainingStateGroup = "training_state"
    static let inputNormalizationGroup = "input_normalization"

    // Attributes inside groups.
    static let layerNamesAttribute = "layer_names"
    static let weightNamesAttribute = "weight_names"
    static let optimizerNameAttribute = "optimizer"
    static let optimizerStepAttribute = "step"
    static let epochAttribute = "epoch"
    static let globalStepAttribute = "global_step"
    static let batchIndexAttribute = "batch_index"
    static let randomStatesGroup = "rng"
    static let extrasGroup = "extras"

    /// Splits a dotted parameter name into the path of the module that owns it and the parameter's local name:
    /// `layers.0.weight` → (`layers.0`, `weight`); `scale` → (`""`, `scale`).
    static func split(parameterName name: String) -> (layer: String, weight: String) {
        guard let dot = name.lastIndex(of: ".") else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// The dotted parameter name of `weight` in module `layer`.
    static func join(layer: String, weight: String) -> String { layer.isEmpty ? weight : layer + "." + weight }

    /// Local names of the buffers stored as int64 (torch's `num_batches_tracked`); every other tensor is float32.
    static let counterNames: Set = ["num_batches_tracked"]
    /// Local names of buffers (saved with the weights, not trained): batch norm's running statistics and counter.
    public static let bufferNames: Set = ["running_mean", "running_var", "num_batches_tracked"]
    /// The largest counter value a checkpoint holds (counters live in Float32 tensors, exact up to 2²⁴).
    static let largestCounter: Float = 16_777_216

    /// Whether the tensor with local name `weight` is an int64 counter.
    static func isCounter(_ weight: String) -> Bool { counterNames.contains(weight) }

    /// The `model_weights/` group name for a module path.
    static func groupName(forLayer layer: String) -> String { layer.isEmpty ? rootLayerGroup : layer }
}
