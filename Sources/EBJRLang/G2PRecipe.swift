import Foundation
import EBJRRecipe

/// A G2P training recipe (`recipes/g2p-*.yaml`, `data.dataset: cmudict`): the model shape and the optimisation
/// settings, read strictly by the same YAML reader as every other recipe (`EBJRRecipe`): unknown keys, wrong types
/// and out-of-range values raise one `RecipeError` naming `file:line` and the key path. `recipes/README.md` lists
/// every key.
public struct G2PRecipe: Codable, Equatable, Sendable {
    /// Where the recipe came from (messages) and its full text (stored in checkpoints).
    public var file: String = "<recipe>"
    public var text: String = ""

    public var name: String
    public var embeddingSize: Int
    public var hiddenSize: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Learning rate multiplier applied once per epoch from `decayStartEpoch` (1-based) on.
    public var learningRateDecay: Float = 1
    public var decayStartEpoch: Int = 1
    /// Maximum joint L2 norm of the gradients (0 = no clipping).
    public var gradientClip: Float = 5
    /// Dropout probability on the embeddings and the output-layer features during training (0 = none).
    public var dropout: Float = 0
    /// `training.init_from`: a G2P checkpoint whose weights start the run (fine-tuning; its optimizer and
    /// training state are ignored). Relative paths are relative to the working directory, like `output.checkpoint`.
    public var initialCheckpoint: String?
    public var seed: UInt64 = 0
    /// Validation words decoded after each epoch to pick the best epoch (0 = all).
    public var validationWords: Int = 2000
    /// The Festival CMU dictionary.
    public var lexiconPath: String = CMULexicon.defaultPath
    /// Use only the first N training words (quick runs and tests; nil = all).
    public var trainLimit: Int?
    /// Where the checkpoint is written (atomically): `checkpoints/<file name>.h5` by default.
    public var checkpointPath: String = "checkpoints/g2p.h5"

    public var modelConfig: G2PModelConfig { G2PModelConfig(embeddingSize: embeddingSize, hiddenSize: hiddenSize) }

    /// A recipe built in code.
    public init(name: String, embeddingSize: Int, hiddenSize: Int, epochs: Int, batchSize: Int, learningRate: Float) {
        (self.name, self.embeddingSize, self.hiddenSize, self.epochs, self.batchSize, self.learningRate) =
            (name, embeddingSize, hiddenSize, epochs, batchSize, learningRate)
    }

    /// The keys of each section, for the strict reader and the docs.
    static let rootKeys = ["name", "seed", "data", "model", "training", "output"]
    static let dataKeys = ["dataset", "lexicon", "train_limit", "validation_words"]
    static let modelKeys = ["preset", "embedding_size", "hidden_size"]
    static let trainingKeys = ["epochs", "batch_size", "optimizer", "learning_rate", "learning_rate_decay", "decay_start_epoch",
                               "clip_norm", "dropout", "init_from"]

    /// Parses recipe text; `path` names it in messages and gives the default checkpoint name.
    public init(text: String, path: String = "<recipe>") throws {
        let root = try RecipeDocument.root(text: text, file: path)
        guard root.isPresent else { throw RecipeError.missingKey(file: path, path: "data.dataset (cmudict)") }
        try root.checkKeys(Self.rootKeys)
        let baseName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        func positive(_ node: RecipeNode, _ fallback: Int?) throws -> Int {
            guard let v = try node.int() ?? fallback else { throw RecipeError.missingKey(file: path, path: node.path) }
            guard v > 0 else { throw node.invalid("must be positive (got \(v))") }
            return v
        }
        func real(_ node: RecipeNode, _ fallback: Double?, _ range: ClosedRange<Double>) throws -> Float {
            guard let v = try node.double() ?? fallback else { throw RecipeError.missingKey(file: path, path: node.path) }
            guard v.isFinite, range.contains(v) else { throw node.invalid("must be in \(range) (got \(v))") }
            return Float(v)
        }

        let data = root["data"]
        try data.checkKeys(Self.dataKeys)
        let dataset = try data["dataset"].require(try data["dataset"].string())
        guard dataset == "cmudict" else { throw data["dataset"].invalid("must be cmudict for a G2P recipe (got '\(dataset)')") }
        let model = root["model"]
        guard model.isPresent else { throw RecipeError.missingKey(file: path, path: "model") }
        try model.checkKeys(Self.modelKeys)
        if let preset = try model["preset"].string(), preset != "g2p" {
            throw model["preset"].invalid("must be g2p (got '\(preset)')")
        }
        let training = root["training"]
        try training.checkKeys(Self.trainingKeys)
        if let optimizer = try training["optimizer"].string(), optimizer != "adam" {
            throw training["optimizer"].invalid("must be adam for G2P (got '\(optimizer)')")
        }

        self.init(name: try root["name"].string() ?? baseName,
                  embeddingSize: try positive(model["embedding_size"], nil), hiddenSize: try positive(model["hidden_size"], nil),
                  epochs: try positive(training["epochs"], 10), batchSize: try positive(training["batch_size"], 64),
                  learningRate: try real(training["learning_rate"], 1e-3, 1e-12...1e3))
        guard hiddenSize % 2 == 0 else { throw model["hidden_size"].invalid("must be even (two encoder directions of H/2)") }
        file = path
        self.text = text
        learningRateDecay = try real(training["learning_rate_decay"], 1, 0...1)
        decayStartEpoch = try positive(training["decay_start_epoch"], 1)
        gradientClip = try real(training["clip_norm"], 5, 0...1e6)
        dropout = try real(training["dropout"], 0, 0...0.95)
        initialCheckpoint = try training["init_from"].string()
        let seedValue = try root["seed"].int() ?? 0
        guard seedValue >= 0 else { throw root["seed"].invalid("must be a non-negative integer") }
        seed = UInt64(seedValue)
        validationWords = try data["validation_words"].int() ?? 2000
        guard validationWords >= 0 else { throw data["validation_words"].invalid("must be 0 (all) or positive") }
        lexiconPath = try data["lexicon"].string() ?? CMULexicon.defaultPath
        trainLimit = try data["train_limit"].int()
        if let trainLimit, trainLimit <= 0 { throw data["train_limit"].invalid("must be positive") }
        let output = root["output"]
        try output.checkKeys(["checkpoint"])
        checkpointPath = try output["checkpoint"].string() ?? "checkpoints/\(baseName).h5"
    }

    /// The G2P recipe in the same folder as `recipeFile` whose `output.checkpoint` is `checkpoint` (the first in name
    /// order), e.g. to tell the user which stage to train before a `training.init_from` that does not exist yet.
    public static func recipe(writing checkpoint: String, besides recipeFile: String) -> String? {
        let folder = (recipeFile as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().lazy
            .map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
            .first { (try? G2PRecipe(contentsOf: $0))?.checkpointPath == checkpoint }
    }

    /// Reads a recipe file.
    public init(contentsOf path: String) throws {
        try self.init(text: try RecipeDocument.text(path: path), path: path)
    }
}
