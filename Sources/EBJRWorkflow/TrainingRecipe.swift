import Foundation
import EBJRRecipe
import EBJRNN
import EBJRData
import EBJRRouting
import EBJRTraining
import EBJRLang
import Yams

/// Where a recipe's data comes from: a typed choice decoded strictly from `data.dataset` (`recipes/README.md`).
public enum DataChoice: Equatable, Sendable {
    /// Fashion-MNIST IDX files (the default when a recipe names no data set); `directory` nil = the Debian package's.
    case fashionMNIST(directory: String?)
    /// The CMU pronouncing dictionary (grapheme-to-phoneme); `validationWords` are decoded after each epoch (0 = all).
    case cmudict(lexicon: String, validationWords: Int)
    /// A classification data set in one HDF5 file (`HDF5ImageSource`, docs/datasets.md); `path` is relative to the
    /// working directory; without a `validation` group a random `validationFraction` of `train` (drawn with
    /// `validationSeed`) is validation.
    /// Batches are read from the file through a cache of at most `cacheMB` MiB; `normalization` says which
    /// per-channel normalisation training applies.
    case hdf5(path: String, validationFraction: Double, validationSeed: UInt64 = 0, cacheMB: Int = DataChoice.defaultCacheMB,
              normalization: NormalizationChoice = .auto)

    /// Which input normalisation a training run applies (`data.normalization`).
    public enum NormalizationChoice: String, Equatable, Sendable, CaseIterable {
        /// The file's `mean`/`std` attributes, else per-channel statistics of the training split (computed once,
        /// streaming): either way stored in the checkpoint.
        case auto
        /// Features as read (`uint8 / 255` or `float32`), whatever the file's attributes say.
        case none
    }

    /// Default of `data.cache_mb`: `HDF5ImageSource.defaultCacheBytes` in MiB.
    public static let defaultCacheMB = HDF5ImageSource.defaultCacheBytes >> 20
    /// Largest `data.cache_mb` accepted (1 TiB).
    public static let maximumCacheMB = 1 << 20

    /// The recipe name of the data set.
    public var name: String {
        switch self {
        case .fashionMNIST: "fashion-mnist"
        case .cmudict: "cmudict"
        case .hdf5: "hdf5"
        }
    }

    /// The classification source, or nil for a data set of another kind. Throws when the source cannot be opened
    /// (an HDF5 file is opened to read its class names).
    public var classificationSource: (any ClassificationSource)? {
        get throws {
            switch self {
            case let .fashionMNIST(directory): FashionMNIST(directory: directory ?? FashionMNIST.defaultDirectory)
            case .cmudict: nil
            case let .hdf5(path, fraction, seed, cacheMB, _):
                try HDF5ImageSource(path: path, validationFraction: fraction, validationSeed: seed, cacheBytes: cacheMB << 20)
            }
        }
    }

    /// The folder or file the data is read from (what the Python reference scripts are given).
    public var dataLocation: String {
        switch self {
        case let .fashionMNIST(directory): directory ?? FashionMNIST.defaultDirectory
        case let .cmudict(lexicon, _): lexicon
        case let .hdf5(path, _, _, _, _): path
        }
    }

    /// `classificationSource` for a recipe's `data` mapping `node`: a source that cannot be opened is a located
    /// recipe error (`recipe.yaml:3: data.path: my.h5: no such file`).
    func classificationSource(at node: RecipeNode) throws -> (any ClassificationSource)? {
        do { return try classificationSource } catch {
            if case .hdf5 = self { throw node["path"].invalid("\(error)") }
            throw node.invalid("\(error)")
        }
    }

    /// The data set a recipe without a `data` section uses.
    public static let recipeDefault = DataChoice.fashionMNIST(directory: nil)

    /// Decodes a `data` mapping (`allowed` extra keys belong to the caller, e.g. `train_limit`).
    static func parse(_ node: RecipeNode, extraKeys: [String]) throws -> DataChoice {
        let sourceKeys = ["fashion-mnist": ["directory"], "cmudict": ["lexicon", "validation_words"],
                          "hdf5": ["path", "validation_fraction", "validation_seed", "cache_mb", "normalization"]]
        let name = try node["dataset"].string() ?? recipeDefault.name
        guard let own = sourceKeys[name] else {
            throw node["dataset"].invalid("must be one of \(sourceKeys.keys.sorted().joined(separator: ", ")) (got '\(name)')")
        }
        try node.checkKeys(["dataset"] + own + extraKeys)
        switch name {
        case "cmudict":
            let words = try node["validation_words"].int() ?? 2000
            guard words >= 0 else { throw node["validation_words"].invalid("must be 0 (all) or positive") }
            return .cmudict(lexicon: try node["lexicon"].string() ?? CMULexicon.defaultPath, validationWords: words)
        case "hdf5":
            let path = try node["path"].require(try node["path"].string())
            guard !path.isEmpty else { throw node["path"].invalid("must name an HDF5 file") }
            let fraction = try node["validation_fraction"].double() ?? HDF5ImageSource.defaultValidationFraction
            guard fraction > 0, fraction < 1 else {
                throw node["validation_fraction"].invalid("must be in (0, 1) (got \(fraction))")
            }
            let seed = try node["validation_seed"].int() ?? 0
            guard seed >= 0 else { throw node["validation_seed"].invalid("must be a non-negative integer (got \(seed))") }
            let cacheMB = try node["cache_mb"].int() ?? defaultCacheMB
            guard (0...maximumCacheMB).contains(cacheMB) else {
                throw node["cache_mb"].invalid("must be in 0…\(maximumCacheMB) MiB (got \(cacheMB))")
            }
            let mode = try node["normalization"].string() ?? NormalizationChoice.auto.rawValue
            guard let normalization = NormalizationChoice(rawValue: mode) else {
                throw node["normalization"].invalid("must be one of \(NormalizationChoice.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(mode)')")
            }
            return .hdf5(path: path, validationFraction: fraction, validationSeed: UInt64(seed), cacheMB: cacheMB,
                         normalization: normalization)
        default:
            return .fashionMNIST(directory: try node["directory"].string())
        }
    }
}

/// The model a recipe trains: a typed choice decoded strictly from `model.preset`.
public enum ModelChoice: Equatable, Sendable {
    /// A stack of layers (`mlp`, `cnn` or `custom` presets).
    case layers(ModelConfig)
    /// The E-LANG grapheme-to-phoneme encoder–decoder.
    case g2p(G2PModelConfig)
}

/// A training (or distillation) recipe, read once by the strict reader: every section typed, every enum-like value
/// decoded strictly, so that an unknown value is a located error at load time. `recipes/README.md` documents every
/// key. One recipe type serves every task: the data set and model decide whether it trains a classifier
/// (`ClassificationTask`) or a sequence model (`G2PTask`).
public struct TrainingRecipe: Equatable, Sendable {
    /// Where the recipe came from (for messages) and its full text (stored in checkpoints).
    public var file: String
    public var text: String
    public var name: String
    public var data: DataChoice
    /// Samples (words) of the training split actually used (quick runs; nil = all).
    public var trainLimit: Int?
    public var model: ModelChoice
    public var training: TrainingSettings
    /// G2P only: dropout on the embeddings and output features during training.
    public var dropout: Float
    /// Image models only: random crops and flips of the training batches (`training.augmentation`; nil: none).
    public var augmentation: ImageAugmentation?
    public var distillation: DistillationSection?
    public var specialization: Specialization?
    /// Checkpoint written by this recipe.
    public var checkpointPath: String

    public var seed: UInt64 { training.seed }

    public struct DistillationSection: Equatable, Sendable {
        /// Teacher given as another recipe (its checkpoint is used, trained first if missing).
        public var teacherRecipe: String?
        /// Teacher given as a checkpoint file.
        public var teacherCheckpoint: String?
        /// Black-box teacher: logits files per split (`train` required).
        public var teacherLogits: [String: String]
        /// Weight of the distillation term, `α ∈ [0, 1]`.
        public var alpha: Float
        /// Distillation temperature `T_kd > 0`.
        public var temperature: Float
    }

    /// Upper limits on sizes in recipes (a typo must not allocate terabytes or overflow).
    public static let maximumLayerWidth = 1 << 20
    public static let maximumBatchSize = 1 << 20
    public static let maximumEpochs = 1 << 20
}

extension TrainingRecipe {
    /// Reads and validates a recipe file. Unknown keys, wrong types and invalid values raise a `RecipeError`
    /// naming the file, the key and the line.
    public static func load(path: String) throws -> TrainingRecipe {
        try parse(text: try RecipeDocument.text(path: path), file: path)
    }

    /// Parses recipe text (`file` is used in messages and to resolve relative teacher recipes).
    public static func parse(text: String, file: String) throws -> TrainingRecipe {
        let root = try RecipeDocument.root(text: text, file: file)
        try root.checkKeys(["name", "seed", "data", "model", "training", "distillation", "specialization", "output"])
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let data = try DataChoice.parse(root["data"], extraKeys: ["train_limit"])
        let trainLimit = try root["data"]["train_limit"].int()
        if let trainLimit, trainLimit <= 0 { throw root["data"]["train_limit"].invalid("must be positive (got \(trainLimit))") }
        let seed = try root["seed"].int() ?? 0
        guard seed >= 0 else { throw root["seed"].invalid("must be a non-negative integer") }

        let source = try data.classificationSource(at: root["data"])
        let specialization = try parseSpecialization(root["specialization"], source: source)
        let model = try parseModel(root["model"], file: file, defaultPreset: { if case .cmudict = data { "g2p" } else { nil } }(),
                                   source: source.map { ($0, specialization?.outputCount ?? $0.classNames.count) })
        switch (data, model) {
        case (.cmudict, .layers): throw root["model"].invalid("must be preset g2p for the cmudict data set")
        case (.fashionMNIST, .g2p), (.hdf5, .g2p): throw root["model"].invalid("preset g2p needs data.dataset: cmudict")
        default: break
        }
        let isSequence = { if case .g2p = model { return true } else { return false } }()
        var training = try parseTraining(root["training"], sequenceModel: isSequence)
        training.seed = UInt64(seed)
        let dropout = try root["training"]["dropout"].double() ?? 0
        guard (0...0.95).contains(dropout) else { throw root["training"]["dropout"].invalid("must be in [0, 0.95] (got \(dropout))") }

        let augmentation = try parseAugmentation(root["training"]["augmentation"], model: model)
        if isSequence {
            if root["distillation"].isPresent { throw root["distillation"].invalid("is not supported for g2p models") }
            if root["specialization"].isPresent { throw root["specialization"].invalid("is not supported for g2p models") }
        }
        if case let .layers(config) = model, let specialization, config.outputCount != specialization.outputCount {
            throw root["model"].invalid("has \(config.outputCount) outputs but the \(specialization.design.rawValue) design with a subset of \(specialization.subset.count) classes needs \(specialization.outputCount)")
        }
        if case let .layers(config) = model, specialization == nil, let source, config.outputCount != source.classNames.count {
            throw root["model"].invalid("has \(config.outputCount) outputs but \(data.name) has \(source.classNames.count) classes")
        }
        let outputNode = root["output"]
        try outputNode.checkKeys(["checkpoint"])
        return TrainingRecipe(
            file: file, text: text, name: try root["name"].string() ?? baseName, data: data, trainLimit: trainLimit, model: model,
            training: training, dropout: Float(dropout), augmentation: augmentation, distillation: try parseDistillation(root["distillation"]),
            specialization: specialization, checkpointPath: try outputNode["checkpoint"].string() ?? "checkpoints/\(baseName).h5")
    }

    /// Decodes `model`. `source` is the classification data set with the number of outputs the model needs (its
    /// classes, or a specialized design's outputs); `preset: resnet` takes its input shape and classes from it.
    static func parseModel(_ node: RecipeNode, file: String, defaultPreset: String? = nil,
                           source: (data: any ClassificationSource, outputs: Int)? = nil) throws -> ModelChoice {
        guard node.isPresent else { throw RecipeError.missingKey(file: file, path: "model") }
        let presets = ["mlp": ["sizes"], "cnn": ["classes"], "custom": ["layers", "input_shape"], "g2p": ["embedding_size", "hidden_size"],
                       "resnet": ["width", "blocks_per_stage"]]
        let preset: String
        if let given = try node["preset"].string() {
            preset = given
        } else {
            preset = defaultPreset ?? (node["sizes"].isPresent ? "mlp" : "custom")
        }
        guard let own = presets[preset] else {
            throw node["preset"].invalid("must be one of \(presets.keys.sorted().joined(separator: ", ")) (got '\(preset)')")
        }
        try node.checkKeys(["preset"] + own)
        func size(_ key: String, _ fallback: Int?) throws -> Int {
            guard let v = try node[key].int() ?? fallback else { throw RecipeError.missingKey(file: file, path: "model.\(key)") }
            guard (1...maximumLayerWidth).contains(v) else { throw node[key].invalid("must be in 1…\(maximumLayerWidth) (got \(v))") }
            return v
        }
        let config: ModelConfig
        switch preset {
        case "g2p":
            let hidden = try size("hidden_size", nil)
            guard hidden % 2 == 0 else { throw node["hidden_size"].invalid("must be even (two encoder directions of H/2)") }
            return .g2p(G2PModelConfig(embeddingSize: try size("embedding_size", nil), hiddenSize: hidden))
        case "mlp":
            let sizes = try node["sizes"].require(try node["sizes"].intList())
            guard sizes.count >= 2, sizes.allSatisfy({ (1...maximumLayerWidth).contains($0) }) else {
                throw node["sizes"].invalid("needs at least two sizes in 1…\(maximumLayerWidth)")
            }
            config = .mlp(sizes)
        case "cnn":
            config = .fashionCNN(classes: try size("classes", 10))
        case "resnet":
            guard let source else { throw node["preset"].invalid("resnet needs an image data set (fashion-mnist or hdf5)") }
            let width = try node["width"].int() ?? 16
            guard (1...1024).contains(width) else { throw node["width"].invalid("must be in 1…1024 (got \(width))") }
            let blocks = try node["blocks_per_stage"].int() ?? 3
            guard (1...64).contains(blocks) else { throw node["blocks_per_stage"].invalid("must be in 1…64 (got \(blocks))") }
            let shape: [Int]
            do { shape = try sampleShape(of: source.data) } catch { throw node["preset"].invalid("cannot read the data's image shape: \(error)") }
            guard shape.count == 3 else {
                throw node["preset"].invalid("resnet needs images [C, H, W] but the data's samples have shape \(shape)")
            }
            config = .resnet(inputShape: shape, classes: source.outputs, width: width, blocksPerStage: blocks)
        default:
            let layersNode = node["layers"]
            guard let layers = layersNode.node, layersNode.isPresent else {
                throw RecipeError.missingKey(file: file, path: "model.preset (mlp, cnn, resnet or g2p) or model.layers")
            }
            let shape = try node["input_shape"].require(try node["input_shape"].intList())
            guard !shape.isEmpty, shape.allSatisfy({ (1...maximumLayerWidth).contains($0) }) else {
                throw node["input_shape"].invalid("must be positive sizes up to \(maximumLayerWidth) (got \(shape))")
            }
            do {
                let decoded = try YAMLDecoder().decode([LayerConfig].self, from: Yams.serialize(node: layers))
                config = ModelConfig(inputShape: shape, layers: decoded)
            } catch let error as DecodingError {
                throw layersNode.invalid("is not a valid layer list (\(describe(error)))")
            }
        }
        do { try config.validate(maximumWidth: maximumLayerWidth) } catch { throw node.invalid("does not fit together: \(error)") }
        return .layers(config)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .dataCorrupted(c), let .keyNotFound(_, c), let .typeMismatch(_, c), let .valueNotFound(_, c):
            return c.debugDescription
        @unknown default: return "\(error)"
        }
    }

    static func parseTraining(_ node: RecipeNode, sequenceModel: Bool) throws -> TrainingSettings {
        let optimizerKeys = ["sgd": ["momentum", "nesterov", "weight_decay"], "adam": ["beta1", "beta2", "epsilon", "weight_decay"],
                             "adamw": ["beta1", "beta2", "epsilon", "weight_decay"]]
        let scheduleKeys = ["constant": [String](), "cosine": ["min_learning_rate"], "step": ["step_size", "gamma"],
                            "exponential": ["gamma", "decay_start_epoch"]]
        let optimizerName = try node["optimizer"].string() ?? "adam"
        guard let ownOptimizer = optimizerKeys[optimizerName] else {
            throw node["optimizer"].invalid("must be one of adam, adamw, sgd (got '\(optimizerName)')")
        }
        let scheduleName = try node["schedule"].string() ?? "constant"
        guard let ownSchedule = scheduleKeys[scheduleName] else {
            throw node["schedule"].invalid("must be one of constant, cosine, step, exponential (got '\(scheduleName)')")
        }
        var allowed = ["epochs", "batch_size", "optimizer", "learning_rate", "schedule", "clip_norm", "checkpoint_every", "keep",
                       "init_from", "divergence_factor", "augmentation", "early_stopping"] + ownOptimizer + ownSchedule
        if sequenceModel { allowed.append("dropout") }
        try node.checkKeys(allowed)
        func count(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            let v = try node[key].int() ?? fallback
            guard range.contains(v) else { throw node[key].invalid("must be in \(range.lowerBound)…\(range.upperBound) (got \(v))") }
            return v
        }
        func real(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Float {
            let v = try node[key].double() ?? fallback
            guard v.isFinite, range.contains(v) else { throw node[key].invalid("must be in [\(range.lowerBound), \(range.upperBound)] (got \(v))") }
            return Float(v)
        }
        let optimizer: OptimizerChoice
        switch optimizerName {
        case "sgd":
            optimizer = .sgd(momentum: try real("momentum", 0, 0...1), nesterov: try node["nesterov"].bool() ?? false,
                             weightDecay: try real("weight_decay", 0, 0...10))
        default:
            optimizer = .adam(beta1: try real("beta1", 0.9, 0...0.999_999), beta2: try real("beta2", 0.999, 0...0.999_999_9),
                              epsilon: try real("epsilon", 1e-8, 1e-30...1), weightDecay: try real("weight_decay", 0, 0...10),
                              decoupled: optimizerName == "adamw")
        }
        let epochs = try count("epochs", 10, 1...maximumEpochs)
        let schedule: ScheduleChoice
        switch scheduleName {
        case "cosine": schedule = .cosine(minimum: try real("min_learning_rate", 0, 0...10))
        case "step": schedule = .step(stepEpochs: try count("step_size", 1, 1...maximumEpochs), gamma: try real("gamma", 0.1, 0...1))
        case "exponential":
            schedule = .exponential(gamma: try real("gamma", 1, 0...1), startEpoch: try count("decay_start_epoch", 1, 1...maximumEpochs))
        default: schedule = .constant
        }
        let clip = try node["clip_norm"].double()
        if let clip, !(clip > 0 && clip.isFinite) { throw node["clip_norm"].invalid("must be a positive number (got \(clip))") }
        let keepText = try node["keep"].string() ?? KeptWeights.last.rawValue
        guard let keep = KeptWeights(rawValue: keepText) else {
            throw node["keep"].invalid("must be last or best_validation (got '\(keepText)')")
        }
        let divergence = try node["divergence_factor"].double() ?? 100
        guard divergence == 0 || (divergence > 1 && divergence.isFinite) else {
            throw node["divergence_factor"].invalid("must be 0 (off) or a finite factor above 1 (got \(divergence))")
        }
        return TrainingSettings(
            epochs: epochs, batchSize: try count("batch_size", sequenceModel ? 64 : 128, 1...maximumBatchSize),
            learningRate: try real("learning_rate", 1e-3, 1e-12...1e6), optimizer: optimizer, schedule: schedule,
            clipNorm: clip.map(Float.init), checkpointEvery: try count("checkpoint_every", 1, 0...maximumEpochs), keep: keep,
            initFrom: try node["init_from"].string(), divergenceFactor: divergence,
            earlyStopping: try parseEarlyStopping(node["early_stopping"]))
    }

    /// `training.early_stopping: {patience, min_delta}`: `patience` (required) in 1…maximumEpochs, `min_delta` a
    /// fraction in [0, 1] (default 0), no other keys.
    static func parseEarlyStopping(_ node: RecipeNode) throws -> EarlyStopping? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["patience", "min_delta"])
        guard let patience = try node["patience"].int() else {
            throw node.invalid("needs patience (the epochs without improvement after which training stops)")
        }
        guard (1...maximumEpochs).contains(patience) else {
            throw node["patience"].invalid("must be in 1…\(maximumEpochs) epochs (got \(patience))")
        }
        let minDelta = try node["min_delta"].double() ?? 0
        guard minDelta.isFinite, (0...1).contains(minDelta) else {
            throw node["min_delta"].invalid("must be in [0, 1] (a change of the metric as a fraction; got \(minDelta))")
        }
        return EarlyStopping(patience: patience, minDelta: minDelta)
    }

    /// The shape of one sample of `source` (Fashion-MNIST: `[1, 28, 28]`; another source: read from its validation split).
    static func sampleShape(of source: any ClassificationSource) throws -> [Int] {
        if source is FashionMNIST { return [1, 28, 28] }
        return try source.load(.validation).sampleShape
    }

    /// Decodes `training.augmentation` (`random_crop: {padding: p}`, `horizontal_flip: bool`); nil when absent or
    /// when it changes nothing. Only models with image inputs `[C, H, W]` can be augmented.
    static func parseAugmentation(_ node: RecipeNode, model: ModelChoice) throws -> ImageAugmentation? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["random_crop", "horizontal_flip"])
        let crop = node["random_crop"]
        try crop.checkKeys(["padding"])
        var padding = 0
        if crop.isPresent {
            padding = try crop["padding"].require(try crop["padding"].int())
        }
        let augmentation = ImageAugmentation(cropPadding: padding, horizontalFlip: try node["horizontal_flip"].bool() ?? false)
        guard case let .layers(config) = model, config.inputShape.count == 3 else {
            throw node.invalid("needs a model with image inputs [C, H, W]")
        }
        guard (0...min(config.inputShape[1], config.inputShape[2])).contains(padding) else {
            throw crop["padding"].invalid("must be in 0…\(min(config.inputShape[1], config.inputShape[2])) (got \(padding))")
        }
        return augmentation.isIdentity ? nil : augmentation
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
        guard temperature > 0, temperature <= 1e4 else { throw node["temperature"].invalid("must be in (0, 10000] (got \(temperature))") }
        return DistillationSection(teacherRecipe: recipe, teacherCheckpoint: checkpoint, teacherLogits: logits,
                                   alpha: Float(alpha), temperature: Float(temperature))
    }

    static func parseSpecialization(_ node: RecipeNode, source: (any ClassificationSource)?) throws -> Specialization? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["subset", "design", "margin"])
        guard let source else { return nil }
        let names = try node["subset"].require(try node["subset"].stringList())
        guard !names.isEmpty else { throw node["subset"].invalid("must name at least one class") }
        let subset: [Int]
        do { subset = try source.classIndices(names) } catch { throw node["subset"].invalid("\(error)") }
        guard Set(subset).count == subset.count else { throw node["subset"].invalid("names a class twice") }
        guard subset.count < source.classNames.count else { throw node["subset"].invalid("must be a proper subset of the classes") }
        let designText = try node["design"].string() ?? SpecializedDesign.otherClass.rawValue
        guard let design = SpecializedDesign(rawValue: designText) else {
            throw node["design"].invalid("must be one of \(SpecializedDesign.names) (got '\(designText)')")
        }
        let margin = node["margin"]
        if margin.isPresent && !design.usesMargin {
            throw margin.invalid("is used only by the energy-margin designs (this one is \(design.rawValue))")
        }
        try margin.checkKeys(["m_in", "m_out", "lambda"])
        func finite(_ key: String, _ fallback: Double) throws -> Float {
            let v = try margin[key].double() ?? fallback
            guard v.isFinite, abs(v) <= 1e6 else { throw margin[key].invalid("must be a finite number (got \(v))") }
            return Float(v)
        }
        /// `auto` (the default) or a number.
        func marginValue(_ key: String) throws -> Float? {
            if !margin[key].isPresent || (try? margin[key].string()) == "auto" { return nil }
            guard let v = try? margin[key].double() else { throw margin[key].invalid("must be auto or a number") }
            guard v.isFinite, abs(v) <= 1e6 else { throw margin[key].invalid("must be a finite number (got \(v))") }
            return Float(v)
        }
        let lambda = try finite("lambda", 0.1)
        guard lambda >= 0 else { throw margin["lambda"].invalid("must be non-negative") }
        let marginIn = try marginValue("m_in"), marginOut = try marginValue("m_out")
        if let marginIn, let marginOut, marginIn >= marginOut {
            throw margin.invalid("needs m_in < m_out (got \(marginIn) and \(marginOut))")
        }
        return Specialization(subset: subset, design: design, marginIn: marginIn ?? -3.75, marginOut: marginOut ?? -0.88,
                              marginWeight: lambda, isMarginInAuto: design.usesMargin && marginIn == nil,
                              isMarginOutAuto: design.usesMargin && marginOut == nil)
    }

    /// The recipe in the same folder as `recipeFile` whose `output.checkpoint` is `checkpoint` (the first in name
    /// order), e.g. to tell the user which recipe to train before a `training.init_from` that does not exist yet.
    public static func recipe(writing checkpoint: String, besides recipeFile: String) -> String? {
        let folder = (recipeFile as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().lazy
            .map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
            .first { (try? TrainingRecipe.load(path: $0))?.checkpointPath == checkpoint }
    }
}
