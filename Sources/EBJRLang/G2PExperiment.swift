import Foundation
import EBJRTensor
import EBJRCheckpoint

/// The end-to-end G2P / E-LANG experiment: data, training a recipe into its checkpoint, and the evaluation of two
/// checkpoints (`run(_:)`). What `ebjr train` and `ebjr evaluate` call for `cmudict` recipes.
public enum G2PExperiment {
    /// Loads the lexicon and builds the split data set, logging the counts.
    public static func loadDataset(lexiconPath: String = CMULexicon.defaultPath, log: (String) -> Void = { print($0) }) throws -> G2PDataset {
        let dataset = G2PDataset(lexicon: try CMULexicon(contentsOf: lexiconPath))
        log("lexicon: \(dataset.linesRead) entry lines, \(dataset.malformed.count) malformed, excluded \(dataset.excluded.sorted { $0.key < $1.key })")
        log("split: train \(dataset.train.count), validation \(dataset.validation.count), test \(dataset.test.count) words; "
            + "\(dataset.wordsWithSeveralPronunciations) words with several pronunciations")
        return dataset
    }

    /// Trains `recipe` into its checkpoint (`recipe.checkpointPath`, written after every epoch and at the end with
    /// the best epoch's weights). `resumePath` continues from a checkpoint: exactly when it holds optimizer and
    /// training state (one written by this trainer), otherwise from its weights (e.g. one made by
    /// `ebjr convert-params`). Without `resumePath`, a recipe's `training.init_from` starts from that checkpoint's
    /// weights only: a fresh Adam, epoch 1 of the recipe's schedule (a warm restart, as for fine-tuning).
    @discardableResult
    public static func train(_ recipe: G2PRecipe, resumePath: String? = nil, dataset: G2PDataset? = nil,
                             progress: G2PTrainer.Progress? = nil,
                             log: (String) -> Void = { print($0) }) throws -> (model: G2PModel, records: [G2PTrainer.EpochRecord]) {
        if resumePath == nil, let initial = recipe.initialCheckpoint, !FileManager.default.fileExists(atPath: initial) {
            let maker = G2PRecipe.recipe(writing: initial, besides: recipe.file)
            throw LangError.missingCheckpoint(path: initial, command: maker.map { "ebjr train \($0)" })
        }
        let data = try dataset ?? loadDataset(lexiconPath: recipe.lexiconPath, log: log)
        var model = G2PModel(config: recipe.modelConfig, seed: recipe.seed)
        var resume: Checkpoint?
        if let resumePath {
            let loaded = try G2PCheckpoint.load(from: resumePath)
            guard loaded.model.config == recipe.modelConfig else {
                throw LangError.configMismatch(path: resumePath, checkpoint: loaded.model.config, recipe: recipe.modelConfig)
            }
            (model, resume) = (loaded.model, loaded.checkpoint)
            log("\(recipe.name): resuming from \(resumePath)" + (loaded.checkpoint.trainingState.map { " after epoch \($0.epoch)" } ?? " (weights only)"))
        } else if let initial = recipe.initialCheckpoint {
            let loaded = try G2PCheckpoint.load(from: initial)
            guard loaded.model.config == recipe.modelConfig else {
                throw LangError.configMismatch(path: initial, checkpoint: loaded.model.config, recipe: recipe.modelConfig)
            }
            model = loaded.model
            log("\(recipe.name): starting from the weights of \(initial) (training.init_from; new optimizer and schedule)")
        }
        let records = try G2PTrainer.train(model, recipe: recipe, dataset: data, checkpointPath: recipe.checkpointPath, resume: resume,
                                           progress: progress, log: log)
        return (model, records)
    }
}
