import Foundation
import EBJRRecipe
import EBJRNN
import EBJRData
import Yams

/// A training (or distillation) run described in YAML; `recipes/README.md` documents every key.
public struct Recipe: Equatable, Sendable {
    /// Where the recipe came from (for messages) and its full text (stored in checkpoints).
    public var file: String
    public var text: String

    public var name: String
    public var seed: UInt64
    public var data: DataSection
    public var model: ModelConfig
    public var training: TrainingSection
    public var distillation: DistillationSection?
    public var specialization: SpecializationSection?
    /// Checkpoint written by this recipe.
    public var checkpointPath: String

    public struct DataSection: Equatable, Sendable {
        /// Only `fashion-mnist` for image classification.
        public var dataset: String
        /// Folder of the IDX files.
        public var directory: String?
        /// Samples of the training split actually used (for quick runs; nil = all).
        public var trainLimit: Int?
    }

    public struct TrainingSection: Equatable, Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var optimizer: String
        public var learningRate: Float
        public var momentum: Float
        public var nesterov: Bool
        public var weightDecay: Float
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float
        public var schedule: String
        public var stepSize: Int
        public var gamma: Float
        public var minimumLearningRate: Float
        public var clipNorm: Float?
        /// Save a checkpoint every this many epochs (and always at the end); 0 = only at the end.
        public var checkpointEvery: Int
        /// Which weights the final checkpoint holds.
        public var keep: KeptWeights = .last
    }

    /// Which weights a finished run keeps.
    public enum KeptWeights: String, Equatable, Sendable, CaseIterable {
        /// The weights after the last epoch.
        case last
        /// The weights after the epoch with the highest validation accuracy (model selection on validation only;
        /// the test split is never looked at). Ties keep the earlier epoch.
        case bestValidation = "best_validation"
    }

    public struct DistillationSection: Equatable, Sendable {
        /// Teacher given as another recipe (its checkpoint is used, trained first if missing).
        public var teacherRecipe: String?
        /// Teacher given as a checkpoint file.
        public var teacherCheckpoint: String?
        /// Black-box teacher: logits files per split (`train` required; `validation` optional).
        public var teacherLogits: [String: String]
        /// Weight of the distillation term, `α ∈ [0, 1]`.
        public var alpha: Float
        /// Distillation temperature `T_kd > 0`.
        public var temperature: Float
    }

    public struct SpecializationSection: Equatable, Sendable {
        /// Global class indices of the subset `C`, in student output order.
        public var subset: [Int]
        public var design: SpecializedDesign
        /// Energy-margin hinge parameters (METHOD.md §3.3).
        public var marginIn: Float
        public var marginOut: Float
        public var marginWeight: Float
    }
}

/// The specialized side-model designs of METHOD.md §3.
public enum SpecializedDesign: String, Equatable, Sendable, CaseIterable, Codable {
    /// `m` outputs, trained on in-subset samples only (the ablation).
    case subsetOnly = "subset-only"
    /// `m + 1` outputs, the last meaning "not in C" (the paper's top-K + 1).
    case otherClass = "other-class"
    /// `m` outputs, cross-entropy/distillation on in-subset samples plus the energy hinge on all samples.
    case energyMargin = "energy-margin"
    /// Other-class outputs plus the energy hinge over the `m` subset logits.
    case otherClassMargin = "other-class+margin"

    /// Whether the student has the extra "other" output.
    public var hasOtherOutput: Bool { self == .otherClass || self == .otherClassMargin }
    /// Whether the energy hinge term is used.
    public var usesMargin: Bool { self == .energyMargin || self == .otherClassMargin }
    /// Whether out-of-subset samples are seen in training.
    public var usesOutOfSubsetSamples: Bool { self != .subsetOnly }
}

extension Recipe {
    /// Reads and validates a recipe file. Unknown keys, wrong types and invalid values raise a `RecipeError`
    /// naming the file, the key and the line.
    public static func load(path: String) throws -> Recipe {
        let text = try RecipeDocument.text(path: path)
        return try parse(text: text, file: path)
    }

    /// Parses recipe text (`file` is used in messages and to resolve relative teacher recipes).
    public static func parse(text: String, file: String) throws -> Recipe {
        let root = try RecipeDocument.root(text: text, file: file)
        try root.checkKeys(["name", "seed", "data", "model", "training", "distillation", "specialization", "output"])
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension

        let dataNode = root["data"]
        try dataNode.checkKeys(["dataset", "directory", "train_limit"])
        let dataset = try dataNode["dataset"].string() ?? "fashion-mnist"
        guard dataset == "fashion-mnist" else { throw dataNode["dataset"].invalid("must be fashion-mnist here (got '\(dataset)'; cmudict recipes are G2PRecipe, run by `ebjr train`)") }
        let data = DataSection(dataset: dataset, directory: try dataNode["directory"].string(),
                               trainLimit: try dataNode["train_limit"].int())

        let specialization = try parseSpecialization(root["specialization"])
        var model = try parseModel(root["model"], file: file)
        if let specialization {
            let outputs = specialization.subset.count + (specialization.design.hasOtherOutput ? 1 : 0)
            guard model.outputCount == outputs else {
                throw root["model"].invalid("has \(model.outputCount) outputs but the \(specialization.design.rawValue) design with a subset of \(specialization.subset.count) classes needs \(outputs)")
            }
        }
        _ = model

        let training = try parseTraining(root["training"])
        let distillation = try parseDistillation(root["distillation"])

        let outputNode = root["output"]
        try outputNode.checkKeys(["checkpoint"])
        let checkpoint = try outputNode["checkpoint"].string() ?? "checkpoints/\(baseName).h5"
        let seedNode = root["seed"]
        let seed = try seedNode.int() ?? 0
        guard seed >= 0 else { throw seedNode.invalid("must be a non-negative integer") }
        model = try parseModel(root["model"], file: file)
        return Recipe(file: file, text: text, name: try root["name"].string() ?? baseName, seed: UInt64(seed), data: data,
                      model: model, training: training, distillation: distillation, specialization: specialization,
                      checkpointPath: checkpoint)
    }

    static func parseModel(_ node: RecipeNode, file: String) throws -> ModelConfig {
        guard node.isPresent else { throw RecipeError.missingKey(file: file, path: "model") }
        try node.checkKeys(["preset", "sizes", "classes", "layers", "input_shape"])
        let preset = try node["preset"].string()
        let config: ModelConfig
        switch preset {
        case "mlp", nil where try node["sizes"].intList() != nil:
            let sizes = try node["sizes"].require(try node["sizes"].intList())
            guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else { throw node["sizes"].invalid("needs at least two positive sizes") }
            config = .mlp(sizes)
        case "cnn":
            let classes = try node["classes"].int() ?? 10
            guard classes > 0 else { throw node["classes"].invalid("must be positive") }
            config = .fashionCNN(classes: classes)
        case "custom", nil:
            let layersNode = node["layers"]
            guard let layers = layersNode.node, layersNode.isPresent else {
                throw RecipeError.missingKey(file: file, path: "model.preset (mlp or cnn) or model.layers")
            }
            let shape = try node["input_shape"].require(try node["input_shape"].intList())
            do {
                let decoded = try YAMLDecoder().decode([LayerConfig].self, from: Yams.serialize(node: layers))
                config = ModelConfig(inputShape: shape, layers: decoded)
            } catch let error as DecodingError {
                throw layersNode.invalid("is not a valid layer list (\(Self.describe(error)))")
            }
        case let other?:
            throw node["preset"].invalid("must be mlp, cnn or custom (got '\(other)')")
        }
        do { _ = try config.outputShapes() } catch { throw node.invalid("does not fit together: \(error)") }
        return config
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .dataCorrupted(c), let .keyNotFound(_, c), let .typeMismatch(_, c), let .valueNotFound(_, c):
            return c.debugDescription
        @unknown default: return "\(error)"
        }
    }

    static func parseTraining(_ node: RecipeNode) throws -> TrainingSection {
        try node.checkKeys(["epochs", "batch_size", "optimizer", "learning_rate", "momentum", "nesterov", "weight_decay",
                            "beta1", "beta2", "epsilon", "schedule", "step_size", "gamma", "min_learning_rate",
                            "clip_norm", "checkpoint_every", "keep"])
        func positive(_ key: String, _ fallback: Int) throws -> Int {
            let v = try node[key].int() ?? fallback
            guard v > 0 else { throw node[key].invalid("must be positive (got \(v))") }
            return v
        }
        func float(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Float {
            let v = try node[key].double() ?? fallback
            guard range.contains(v), v.isFinite else { throw node[key].invalid("must be in \(range) (got \(v))") }
            return Float(v)
        }
        let optimizer = try node["optimizer"].string() ?? "adam"
        guard ["adam", "adamw", "sgd"].contains(optimizer) else {
            throw node["optimizer"].invalid("must be adam, adamw or sgd (got '\(optimizer)')")
        }
        let schedule = try node["schedule"].string() ?? "constant"
        guard ["constant", "cosine", "step"].contains(schedule) else {
            throw node["schedule"].invalid("must be constant, cosine or step (got '\(schedule)')")
        }
        let clip = try node["clip_norm"].double()
        if let clip, clip <= 0 { throw node["clip_norm"].invalid("must be positive") }
        let every = try node["checkpoint_every"].int() ?? 1
        guard every >= 0 else { throw node["checkpoint_every"].invalid("must be 0 or positive") }
        let keepText = try node["keep"].string() ?? KeptWeights.last.rawValue
        guard let keep = KeptWeights(rawValue: keepText) else {
            throw node["keep"].invalid("must be last or best_validation (got '\(keepText)')")
        }
        return TrainingSection(
            epochs: try positive("epochs", 10), batchSize: try positive("batch_size", 128), optimizer: optimizer,
            learningRate: try float("learning_rate", 1e-3, 1e-12...1e6), momentum: try float("momentum", 0, 0...1),
            nesterov: try node["nesterov"].bool() ?? false, weightDecay: try float("weight_decay", 0, 0...10),
            beta1: try float("beta1", 0.9, 0...0.999_999), beta2: try float("beta2", 0.999, 0...0.999_999_9),
            epsilon: try float("epsilon", 1e-8, 1e-30...1), schedule: schedule, stepSize: try positive("step_size", 1),
            gamma: try float("gamma", 0.1, 0...1), minimumLearningRate: try float("min_learning_rate", 0, 0...10),
            clipNorm: clip.map(Float.init), checkpointEvery: every, keep: keep)
    }

    static func parseDistillation(_ node: RecipeNode) throws -> DistillationSection? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["teacher_recipe", "teacher_checkpoint", "teacher_logits", "alpha", "temperature"])
        let logitsNode = node["teacher_logits"]
        try logitsNode.checkKeys(["train", "validation", "test"])
        var logits: [String: String] = [:]
        for split in ["train", "validation", "test"] { if let p = try logitsNode[split].string() { logits[split] = p } }
        let recipe = try node["teacher_recipe"].string(), checkpoint = try node["teacher_checkpoint"].string()
        let sources = [recipe != nil, checkpoint != nil, !logits.isEmpty].filter { $0 }.count
        guard sources == 1 else {
            throw node.invalid("needs exactly one teacher: teacher_recipe, teacher_checkpoint or teacher_logits (found \(sources))")
        }
        if !logits.isEmpty && logits["train"] == nil { throw logitsNode.invalid("needs a 'train' logits file") }
        let alpha = try node["alpha"].double() ?? 0.5
        guard (0...1).contains(alpha) else { throw node["alpha"].invalid("must be in [0, 1] (got \(alpha))") }
        let temperature = try node["temperature"].double() ?? 4
        guard temperature > 0 else { throw node["temperature"].invalid("must be positive (got \(temperature))") }
        return DistillationSection(teacherRecipe: recipe, teacherCheckpoint: checkpoint, teacherLogits: logits,
                                   alpha: Float(alpha), temperature: Float(temperature))
    }

    static func parseSpecialization(_ node: RecipeNode) throws -> SpecializationSection? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["subset", "design", "margin"])
        let names = try node["subset"].require(try node["subset"].stringList())
        guard !names.isEmpty else { throw node["subset"].invalid("must name at least one class") }
        let subset: [Int]
        do { subset = try FashionMNIST.classIndices(names) } catch { throw node["subset"].invalid("\(error)") }
        guard Set(subset).count == subset.count else { throw node["subset"].invalid("names a class twice") }
        guard subset.count < FashionMNIST.classNames.count else { throw node["subset"].invalid("must be a proper subset of the classes") }
        let designText = try node["design"].string() ?? SpecializedDesign.otherClass.rawValue
        guard let design = SpecializedDesign(rawValue: designText) else {
            throw node["design"].invalid("must be one of \(SpecializedDesign.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(designText)')")
        }
        let margin = node["margin"]
        try margin.checkKeys(["m_in", "m_out", "lambda"])
        let mIn = try margin["m_in"].double() ?? -3.75, mOut = try margin["m_out"].double() ?? -0.88
        let lambda = try margin["lambda"].double() ?? 0.1
        guard lambda >= 0 else { throw margin["lambda"].invalid("must be non-negative") }
        return SpecializationSection(subset: subset, design: design, marginIn: Float(mIn), marginOut: Float(mOut),
                                     marginWeight: Float(lambda))
    }
}
