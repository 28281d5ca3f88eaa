import Foundation
import EBJRTensor

/// The end-to-end G2P / E-LANG experiment: data, both models (trained or loaded from `outputDir`), evaluation,
/// routing and reports. The CLI's entry point.
public enum G2PExperiment {
    /// Loads the lexicon and builds the split data set, logging the counts.
    public static func loadDataset(lexiconPath: String = CMULexicon.defaultPath, log: (String) -> Void = { print($0) }) throws -> G2PDataset {
        let dataset = G2PDataset(lexicon: try CMULexicon(contentsOf: lexiconPath))
        log("lexicon: \(dataset.linesRead) entry lines, \(dataset.malformed.count) malformed, excluded \(dataset.excluded.sorted { $0.key < $1.key })")
        log("split: train \(dataset.train.count), validation \(dataset.validation.count), test \(dataset.test.count) words; "
            + "\(dataset.wordsWithSeveralPronunciations) words with several pronunciations")
        return dataset
    }

    /// Trains the recipe's model, or loads `<outputDir>/<name>.params` when it exists (and `retrain` is false).
    /// Writes the parameters, the config (`<name>.config.json`) and the epoch log (`<name>.epochs.json`).
    /// `initialParametersPath` starts training from saved parameters (continued training) instead of the seed.
    public static func trainedModel(recipePath: String, dataset: G2PDataset, outputDir: String, retrain: Bool = false,
                                    initialParametersPath: String? = nil,
                                    log: (String) -> Void = { print($0) }) throws -> G2PModel {
        let recipe = try G2PRecipe(contentsOf: recipePath)
        let model = G2PModel(config: recipe.modelConfig, seed: recipe.seed)
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        let parameterPath = "\(outputDir)/\(recipe.name).params"
        if !retrain, FileManager.default.fileExists(atPath: parameterPath) {
            try ParameterFile.load(into: model.namedParameters(), from: parameterPath)
            log("\(recipe.name): loaded \(parameterPath)")
            return model
        }
        if let initialParametersPath {
            try ParameterFile.load(into: model.namedParameters(), from: initialParametersPath)
            log("\(recipe.name): starting from \(initialParametersPath)")
        }
        let records = G2PTrainer.train(model, recipe: recipe, dataset: dataset, checkpointPath: parameterPath + ".partial", log: log)
        try ParameterFile.save(model.namedParameters(), to: parameterPath)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(recipe).write(to: URL(fileURLWithPath: "\(outputDir)/\(recipe.name).config.json"))
        try encoder.encode(records).write(to: URL(fileURLWithPath: "\(outputDir)/\(recipe.name).epochs.json"))
        return model
    }
}
