import Foundation
import EBJRRecipe
import EBJRCheckpoint
import EBJRLang
import EBJRFiles

/// An E-LANG evaluation of two trained G2P models (`recipes/g2p-elang.yaml`, `data.dataset: cmudict`), read by
/// `ebjr evaluate` with the same strict reader as every recipe. `recipes/README.md` lists every key.
public struct G2PEvaluationRecipe: Sendable {
    /// A model given by its training recipe (whose `output.checkpoint` is used) or directly by a checkpoint.
    public struct ModelSource: Sendable, Equatable {
        public var recipe: String?
        public var checkpoint: String
        /// The command that creates the checkpoint, named when it is missing.
        public var trainCommand: String?
    }

    public var file: String
    public var name: String
    public var swift: ModelSource
    public var `super`: ModelSource
    public var lexiconPath: String
    /// Evaluate only the first N validation / test words (quick runs and tests; nil = all).
    public var validationLimit: Int?
    public var testLimit: Int?
    /// Rule for τ on validation: joint WER ≤ Super WER + `tolerance`.
    public var tolerance: Double
    public var beamWidth: Int
    public var beamWords: Int
    /// Also write the Swift test logits as an imported-logits HDF5 file and check they re-read to the same scores.
    public var exportLogits: Bool
    public var outputDirectory: String

    public static func load(path: String) throws -> G2PEvaluationRecipe {
        try parse(text: try RecipeDocument.text(path: path), file: path)
    }

    public static func parse(text: String, file: String) throws -> G2PEvaluationRecipe {
        let root = try RecipeDocument.root(text: text, file: file)
        try root.checkKeys(["name", "data", "swift", "super", "criteria", "beam", "export_logits", "output"])
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let data = root["data"]
        try data.checkKeys(["dataset", "lexicon", "validation_limit", "test_limit"])
        let dataset = try data["dataset"].require(try data["dataset"].string())
        guard dataset == "cmudict" else { throw data["dataset"].invalid("must be cmudict for a G2P evaluation (got '\(dataset)')") }
        func limit(_ node: RecipeNode) throws -> Int? {
            let v = try node.int()
            if let v, v <= 0 { throw node.invalid("must be positive") }
            return v
        }
        func model(_ key: String) throws -> ModelSource {
            let node = root[key]
            guard node.isPresent else { throw RecipeError.missingKey(file: file, path: key) }
            try node.checkKeys(["recipe", "checkpoint"])
            let recipe = try node["recipe"].string(), checkpoint = try node["checkpoint"].string()
            guard (recipe == nil) != (checkpoint == nil) else { throw node.invalid("needs exactly one of recipe or checkpoint") }
            if let recipe {
                let path = RecipeDocument.resolve(recipe, relativeTo: file)
                // A missing or broken sub-recipe is located at the key naming it (`swift.recipe: …: no such file`).
                let training: TrainingRecipe
                do { training = try TrainingRecipe.load(path: path) } catch { throw node["recipe"].invalid("\(error)") }
                guard case .g2p = training.model else { throw node["recipe"].invalid("names \(path), which does not train a g2p model") }
                return ModelSource(recipe: path, checkpoint: training.checkpointPath, trainCommand: "ebjr train \(path)")
            }
            return ModelSource(recipe: nil, checkpoint: checkpoint!, trainCommand: nil)
        }
        let criteria = root["criteria"], beam = root["beam"]
        try criteria.checkKeys(["wer_tolerance"])
        try beam.checkKeys(["width", "words"])
        let tolerance = try criteria["wer_tolerance"].double() ?? 0.01
        guard (0...1).contains(tolerance) else { throw criteria["wer_tolerance"].invalid("must be a fraction in [0, 1] (0.01 = 1 pp)") }
        let width = try beam["width"].int() ?? 5, words = try beam["words"].int() ?? 1000
        guard width >= 0 else { throw beam["width"].invalid("must be 0 (no beam search) or positive") }
        guard words >= 0 else { throw beam["words"].invalid("must be non-negative") }
        return G2PEvaluationRecipe(
            file: file, name: try root["name"].string() ?? baseName, swift: try model("swift"), super: try model("super"),
            lexiconPath: try data["lexicon"].string() ?? CMULexicon.defaultPath, validationLimit: try limit(data["validation_limit"]),
            testLimit: try limit(data["test_limit"]), tolerance: tolerance, beamWidth: width, beamWords: words,
            exportLogits: try root["export_logits"].bool() ?? true, outputDirectory: try root["output"].string() ?? "runs/\(baseName)")
    }
}

extension G2PEvaluationRecipe {
    /// Runs the evaluation: loads both checkpoints (a missing one is an error naming the `ebjr train` command that
    /// makes it), then `G2PExperiment.evaluate`s them on the recipe's validation and test words.
    @discardableResult
    public func run(log: (String) -> Void = { print($0) }) throws -> G2PReport {
        let small = try G2PCheckpoint.load(from: swift.checkpoint, trainCommand: swift.trainCommand)
        let large = try G2PCheckpoint.load(from: self.super.checkpoint, trainCommand: self.super.trainCommand)
        func name(_ loaded: (model: G2PModel, checkpoint: Checkpoint), _ path: String) -> String {
            loaded.checkpoint.metadata["name"] ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        log("swift: \(swift.checkpoint) (\(small.model.parameterCount) parameters); super: \(self.super.checkpoint) (\(large.model.parameterCount) parameters)")
        let dataset = try G2PExperiment.loadDataset(lexiconPath: lexiconPath, log: log)
        var manifest = try RunManifest.forRecipe(file: file, text: (try? RecipeDocument.text(path: file)) ?? "", includeText: true,
                                                 data: .cmudict(lexicon: lexiconPath, validationWords: 0))
        try manifest.addInput(role: "swift model: checkpoint", path: swift.checkpoint)
        try manifest.addInput(role: "super model: checkpoint", path: self.super.checkpoint)
        return try G2PExperiment.evaluate(swiftModel: small.model, superModel: large.model,
                                          names: (name(small, swift.checkpoint), name(large, self.super.checkpoint)), dataset: dataset,
                                          validationLimit: validationLimit, testLimit: testLimit, outputDir: outputDirectory,
                                          tolerance: tolerance, beamWidth: beamWidth, beamWords: beamWords, exportLogits: exportLogits,
                                          manifest: manifest, log: log)
    }
}

/// The two kinds of evaluation recipe, told apart by their data set: classification (`EvaluationRecipe`, the
/// default) and E-LANG sequence models (`G2PEvaluationRecipe`, `data.dataset: cmudict`).
public enum AnyEvaluationRecipe: Sendable {
    case classification(EvaluationRecipe)
    case sequence(G2PEvaluationRecipe)

    public static func load(path: String) throws -> AnyEvaluationRecipe {
        let text = try RecipeDocument.text(path: path)
        let root = try RecipeDocument.root(text: text, file: path)
        let dataset = root.node?.mapping == nil ? nil : try root["data"]["dataset"].string()
        switch dataset {
        case "cmudict": return .sequence(try G2PEvaluationRecipe.parse(text: text, file: path))
        default: return .classification(try EvaluationRecipe.parse(text: text, file: path))
        }
    }
}
