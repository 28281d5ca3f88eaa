import EBJRRouting
import EBJRNN
import EBJRTensor
import Foundation

/// Everything needed to rebuild, resume or describe a trained model, stored as one HDF5 file.
///
/// The layout is Keras-like with PyTorch parameter names (see `docs/checkpoint-format.md`): `model_weights/<module
/// path>/<weight>` float32 datasets in torch layout, `optimizer_weights/<parameter>/<slot>`, `training_state/`, and
/// string datasets for the model description, the recipe and class names. Save with `save(to:)` (atomic), read with
/// `load(from:)`, copy weights into a model with `apply(to:architecture:strict:)` or build one with `makeModel()`.
public struct Checkpoint {
    /// The architecture, stored as JSON in `model_config`; nil for models that `ModelConfig` cannot describe.
    public var modelConfig: ModelConfig?
    /// The model family, stored as the string dataset `model_kind`: nil (absent) for the layer stacks that
    /// `ModelConfig` describes; e.g. `g2p` for the E-LANG sequence models, whose own configuration JSON is then
    /// `modelConfigJSON` (also stored as `model_config`).
    public var modelKind: String?
    /// The `model_config` JSON of another model family (`modelKind` set, `modelConfig` nil).
    public var modelConfigJSON: String?
    /// Parameters and buffers by dotted name (`layers.0.weight`, `layers.1.running_mean`), in model order
    /// (`Module.namedState()`); `num_batches_tracked` counters are stored as int64, the rest as float32.
    public var modelState: [(name: String, tensor: Tensor)]
    /// While a run that keeps its best-validation weights is in progress: those weights (same names and shapes as
    /// `modelState`), stored in `best_model_weights/` so that a resumed run still knows them.
    public var bestModelState: [(name: String, tensor: Tensor)]?
    /// Optimizer state for resuming training.
    public var optimizer: OptimizerSnapshot?
    /// Position of the training run for resuming.
    public var trainingState: TrainingState?
    /// The full recipe text the run was started from (may be empty).
    public var recipe: String
    /// Names of the model's output classes, in output order.
    public var classNames: [String]
    /// Indices (into the full label set) of the classes a subset model predicts, if it is one.
    public var classSubset: [Int]?
    /// The specialized design the subset model was trained with, if it is one.
    public var subsetDesign: SpecializedDesign?
    /// The per-channel input normalisation the model was trained with, `x ↦ (x − mean[c]) / std[c]` on features as
    /// the data source reads them (stored in `input_normalization/mean` and `/std`); nil when inputs are used as read.
    /// Inference on new data applies it before the model (`docs/datasets.md`).
    public var inputNormalization: (mean: [Float], std: [Float])?
    /// Free-form notes (git revision, host, dataset checksums, …), each stored as a string dataset.
    public var metadata: [String: String]
    /// Version of the toolkit that wrote the checkpoint.
    public var toolkitVersion: String
    /// The file this checkpoint was read from (nil if built in memory); used in error messages.
    public internal(set) var source: URL?

    public init(modelConfig: ModelConfig?, modelState: [(name: String, tensor: Tensor)],
                optimizer: OptimizerSnapshot? = nil, trainingState: TrainingState? = nil, recipe: String = "",
                classNames: [String] = [], classSubset: [Int]? = nil, subsetDesign: SpecializedDesign? = nil,
                metadata: [String: String] = [:], toolkitVersion: String = CheckpointFormat.toolkitVersion,
                inputNormalization: (mean: [Float], std: [Float])? = nil) {
        self.modelConfig = modelConfig
        self.modelState = modelState
        self.optimizer = optimizer
        self.trainingState = trainingState
        self.recipe = recipe
        self.classNames = classNames
        self.classSubset = classSubset
        self.subsetDesign = subsetDesign
        self.metadata = metadata
        self.toolkitVersion = toolkitVersion
        self.inputNormalization = inputNormalization
    }

    /// A copy of `model`'s parameters and buffers (`Module.namedState()`, sharing no storage, so further training does
    /// not change it), for `init(modelConfig:modelState:…)`.
    public static func modelState(of model: Module) -> [(name: String, tensor: Tensor)] {
        model.namedState().map { (name: $0.name, tensor: $0.tensor.copy()) }
    }

    /// Names of the model's `outputs` outputs: its classes, or for a specialized model the subset's classes (and
    /// `other` when it has that output); empty when the names cannot account for every output.
    public func outputNames(outputs: Int) -> [String] {
        Self.outputNames(classNames: classNames, subset: classSubset, outputs: outputs)
    }

    /// The output names of a model with `outputs` outputs trained on the label set `classNames`, restricted to
    /// `subset` when given: `classNames`, or the subset's names then `other` for an (m + 1)-output specialist;
    /// empty when they cannot account for every output.
    public static func outputNames(classNames: [String], subset: [Int]?, outputs: Int) -> [String] {
        var names = classNames
        if let subset {
            names = subset.map { classNames.indices.contains($0) ? classNames[$0] : "class \($0)" }
            if outputs == subset.count + 1 { names.append("other") }
        }
        return names.count == outputs ? names : []
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { modelState.reduce(0) { $0 + $1.tensor.count } }

    /// The source file's path for error messages.
    var sourcePath: String? { source?.path }
}
