import ArgumentParser
import Foundation
import EBJR

/// `ebjr train` for a `cmudict` recipe: trains a G2P model into its HDF5 checkpoint.
struct G2PRecipeRunner {
    let options: TrainOptions

    func run() throws {
        var recipe = try G2PRecipe(contentsOf: options.recipe)
        if let epochs = options.epochs {
            guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
            recipe.epochs = epochs
        }
        if let output = options.output { recipe.checkpointPath = output }
        if options.alpha != nil { throw ValidationError("--alpha: G2P recipes do not distill") }
        var reporter: (epoch: Int, progress: ProgressReporter)?
        let quiet = options.quiet
        let (_, records) = try G2PExperiment.train(recipe, resumePath: options.resume, progress: { epoch, done, total, loss in
            guard !quiet else { return }
            if reporter?.epoch != epoch {
                reporter = (epoch, ProgressReporter(label: "\(recipe.name) epoch \(epoch)/\(recipe.epochs)", total: total, unit: "batches"))
            }
            reporter?.progress.update(done, status: String(format: "loss %.4f", loss))
        }, log: { if !quiet { logLine($0) } })
        let best = records.min { $0.validationWER < $1.validationWER }
        print(String(format: "%@: %d epochs run, best validation WER %@, checkpoint %@", options.recipe, records.count,
                     best.map { String(format: "%.2f%% (epoch %d)", 100 * $0.validationWER, $0.epoch) } ?? "–", recipe.checkpointPath))
    }
}

/// `ebjr convert-params`: imports a G2P parameter file of the retired stopgap format into an HDF5 checkpoint.
struct ConvertParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert-params",
        abstract: "Convert a G2P .params file (the retired EBJR-LANG-PARAMETERS format) into an HDF5 checkpoint.")
    @Argument(help: "The .params file.") var input: String
    @Argument(help: "The checkpoint to write (.h5).") var output: String
    @Option(help: "The G2P recipe the model was trained with (stored in the checkpoint; its shape must match).") var recipe: String?

    func run() throws {
        try runReportingErrors {
            let model = try G2PCheckpoint.importLegacyParameters(from: input)
            let training = try recipe.map { try G2PRecipe(contentsOf: $0) }
            if let training, training.modelConfig != model.config {
                throw LangError.configMismatch(path: input, checkpoint: model.config, recipe: training.modelConfig)
            }
            try G2PCheckpoint.save(model, to: output, recipe: training, metadata: ["converted_from": input])
            print("wrote \(output) (\(model.parameterCount) parameters, embedding \(model.config.embeddingSize), hidden \(model.config.hiddenSize))")
        }
    }
}

/// `ebjr route-logits`: routes and evaluates imported logits (HDF5, `docs/elang.md`).
struct RouteLogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "route-logits",
        abstract: "Route imported logits of your own models (HDF5: classification [N,K] or sequence [N,L,V]) and report.")
    @Argument(help: "Imported-logits file (.h5), layout in docs/elang.md.") var file: String
    @Option(name: .customLong("score"), help: "Score to use (repeatable; default all). Sequences: energy-mean, energy-max, energy-sum, energy-first, max-probability-mean, max-probability-min, sequence-log-probability. Classification: energy, max-softmax, entropy, margin, random, oracle.")
    var scores: [String] = []
    @Option(help: "Sequences: τ is the cheapest threshold with joint WER ≤ deep WER + this, on validation.") var tolerance: Double = 0.01
    @Option(help: "Sequences: use this τ (keep the small model's output iff score ≤ τ) instead of choosing one on validation.") var threshold: Double?
    @Option(help: "Write the report folder (report.md, report.json, CSV curves, SVG).") var output: String?
    @Option(help: "Write the per-sample test scores as CSV here (needs only logits, plus lengths for sequences).") var scoresCsv: String?

    func run() throws {
        try runReportingErrors {
            guard (0...1).contains(tolerance) else { throw ValidationError("--tolerance must be a fraction in [0, 1]") }
            let imported = try ImportedLogits.read(file)
            if let scoresCsv {
                try AtomicFile.write(try imported.scoresCSV(scoreNames: scores), to: URL(fileURLWithPath: scoresCsv))
                print("wrote \(scoresCsv)")
                if output == nil && threshold == nil { return }
            }
            switch try imported.evaluate(scoreNames: scores, tolerance: tolerance, threshold: threshold, outputDirectory: output) {
            case let .classification(result): print(try EvaluationSummary.render(result))
            case let .sequence(report): print(report.markdown, terminator: "")
            }
            if let output { print("report: \(output)/report.md") }
        }
    }
}
