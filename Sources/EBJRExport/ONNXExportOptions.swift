import Foundation
import EBJRFiles
import EBJRCheckpoint
import EBJRRouting

/// What an ONNX export adds to the plain `input → logits` graph: the routing outputs and the metadata.
public struct ONNXExportOptions: Equatable, Sendable {
    /// The energy score of docs/method.md §2 as extra graph outputs.
    public struct EnergyOutput: Equatable, Sendable {
        /// Temperature `T > 0` of `E_T(z) = −T · log Σ_k exp(z_k / T)`.
        public var temperature: Float
        /// Logit columns the energy is taken over (e.g. the `m` subset columns of a specialized model with an
        /// extra "other" output); `nil` means all `K` columns.
        public var columns: Range<Int>?
        /// When set, the model also outputs `accept = energy ≤ threshold` (bool, one per sample).
        public var threshold: Float?

        public init(temperature: Float = 1, columns: Range<Int>? = nil, threshold: Float? = nil) {
            self.temperature = temperature
            self.columns = columns
            self.threshold = threshold
        }
    }

    /// A router's outputs (docs/method.md §2, §3), computed in float64 from the float32 logits exactly as the
    /// evaluation computes them, so that the exported decisions reproduce the report's:
    /// `score` float64 `[batch]` (energy, max-softmax, entropy or margin, lower = keep) and `accept` bool `[batch]`
    /// `= eligible(argmax) ∧ score ≤ threshold`. Needs `predictionLabels`.
    public struct RoutingOutput: Equatable, Sendable {
        /// A deployable score (not random or oracle).
        public var score: Score
        /// Logit columns the score is taken over; nil = all.
        public var columns: Range<Int>?
        /// `τ`; nil routes every sample (`accept` is always false).
        public var threshold: Double?
        /// Outputs whose argmax may be kept (nil = all): the "other" output and, for a general model restricted to
        /// a subset, the classes outside it are not.
        public var eligibleOutputs: [Int]?

        public init(score: Score, columns: Range<Int>? = nil, threshold: Double?, eligibleOutputs: [Int]? = nil) {
            self.score = score
            self.columns = columns
            self.threshold = threshold
            self.eligibleOutputs = eligibleOutputs
        }
    }

    /// Per-channel input normalisation applied inside the graph, before the first layer:
    /// `x̂[n, c, …] = (x[n, c, …] − mean[c]) / std[c]` (one value applies to every channel; a flat `[D]` input has
    /// one channel). An exported model then takes raw features (`uint8 / 255` or the stored `float32`), exactly
    /// what the toolkit reads from a data set, and needs no preprocessing by its caller.
    public struct InputNormalization: Equatable, Sendable {
        public var mean: [Float]
        public var std: [Float]

        public init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }
    }

    /// Normalisation baked into the graph (`Sub`, `Div` in front of the first layer); nil: the model takes its
    /// inputs as they are.
    public var inputNormalization: InputNormalization?
    /// Adds the `energy` output `[batch]` (and `accept` when a threshold is set); `nil` exports logits only.
    public var energy: EnergyOutput?
    /// The global label of each logit column (−1 for "other"): adds `prediction` int64 `[batch]`, the label of
    /// the argmax column (the first on ties).
    public var predictionLabels: [Int]?
    /// Adds `score` and `accept` (not together with `energy`).
    public var routing: RoutingOutput?
    /// One name per output column, stored as a JSON array in the metadata (`ebjr.class_names`).
    public var classNames: [String]?
    /// Original class indices a specialized model was trained for, stored as a JSON array (`ebjr.subset`).
    public var subset: [Int]?
    /// Where the weights came from (a checkpoint path or run id), stored as `ebjr.source_checkpoint`.
    public var sourceCheckpoint: String?
    /// Version of the toolkit that wrote the file (`producer_version` and `ebjr.toolkit_version`).
    public var toolkitVersion: String
    /// Name of the ONNX graph.
    public var graphName: String

    public init(energy: EnergyOutput? = nil, classNames: [String]? = nil, subset: [Int]? = nil,
                sourceCheckpoint: String? = nil, toolkitVersion: String = "unversioned", graphName: String = "ebjr",
                predictionLabels: [Int]? = nil, routing: RoutingOutput? = nil, inputNormalization: InputNormalization? = nil) {
        self.energy = energy
        self.inputNormalization = inputNormalization
        self.predictionLabels = predictionLabels
        self.routing = routing
        self.classNames = classNames
        self.subset = subset
        self.sourceCheckpoint = sourceCheckpoint
        self.toolkitVersion = toolkitVersion
        self.graphName = graphName
    }
}

/// Keys of the `metadata_props` an export writes (read them with
/// `onnxruntime.InferenceSession(...).get_modelmeta().custom_metadata_map`).
public enum ONNXMetadataKey {
    /// The `ModelConfig` as JSON (same encoding as recipes and checkpoints).
    public static let modelConfig = "ebjr.model_config"
    /// Class names, a JSON array of strings, one per logit column.
    public static let classNames = "ebjr.class_names"
    /// A specialized model's class subset, a JSON array of original class indices.
    public static let subset = "ebjr.subset"
    /// Energy temperature `T`.
    public static let temperature = "ebjr.temperature"
    /// Logit columns of the energy, JSON `[start, end)`.
    public static let energyColumns = "ebjr.energy_columns"
    /// Acceptance threshold `τ` (accept iff energy ≤ τ).
    public static let threshold = "ebjr.threshold"
    /// The score convention in words.
    public static let scoreDefinition = "ebjr.score"
    /// Toolkit version.
    public static let toolkitVersion = "ebjr.toolkit_version"
    /// Source checkpoint.
    public static let sourceCheckpoint = "ebjr.source_checkpoint"
    /// The normalisation the graph applies to its input, JSON `{"mean": […], "std": […]}` (absent: none).
    public static let inputNormalization = "ebjr.input_normalization"
}

extension ONNXExportOptions {
    /// The options for exporting `checkpoint` (read from `source`): its output names, subset and provenance, and —
    /// when a temperature or threshold is given — the energy (and accept) outputs. For a model with an "other"
    /// output the energy is taken over the `m` subset columns unless `energyIncludesOther`, as routing does.
    public init(checkpoint: Checkpoint, source: URL, outputs: Int, energyTemperature: Float?, threshold: Float?,
                energyIncludesOther: Bool) {
        self.init(classNames: checkpoint.outputNames(outputs: outputs), subset: checkpoint.classSubset,
                  sourceCheckpoint: source.lastPathComponent, toolkitVersion: EBJRFiles.toolkitVersion,
                  inputNormalization: checkpoint.inputNormalization.map { InputNormalization(mean: $0.mean, std: $0.std) })
        guard energyTemperature != nil || threshold != nil else { return }
        var energy = EnergyOutput(temperature: energyTemperature ?? 1, threshold: threshold)
        if let subset = checkpoint.classSubset, !energyIncludesOther, checkpoint.subsetDesign?.hasOtherOutput == true {
            energy.columns = 0..<subset.count
        }
        self.energy = energy
    }
}
