import ArgumentParser
import Foundation
import EBJR

/// `ebjr convert-params`: imports a G2P parameter file of the retired stopgap format into an HDF5 checkpoint.
struct ConvertParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert-params",
        abstract: "Convert a G2P .params file (the retired EBJR-LANG-PARAMETERS format) into an HDF5 checkpoint.")
    @Argument(help: "The .params file.") var input: String
    @Argument(help: "The checkpoint to write (.h5).") var output: String
    @Option(help: "The G2P recipe the model was trained with (stored in the checkpoint; its shape must match).") var recipe: String?

    func run() throws {
        try runReportingErrors {
            try OutputGuard.check(output: output, inputs: [("input", input), ("recipe", recipe)])
            let model = try G2PCheckpoint.importLegacyParameters(from: input)
            let training = try recipe.map { try TrainingRecipe.load(path: $0) }
            if let training {
                guard case let .g2p(config) = training.model else { throw WorkflowError.unsupported(file: training.file, what: "--recipe: not a g2p model recipe") }
                if config != model.config { throw LangError.configMismatch(path: input, checkpoint: model.config, recipe: config) }
            }
            var metadata = ["converted_from": input]
            if let training { metadata["name"] = training.name; metadata["recipe_file"] = training.file }
            try G2PCheckpoint.save(model, to: output, recipeText: training?.text ?? "", metadata: metadata)
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
            try OutputGuard.check(outputs: [scoresCsv, output], inputs: [("input", file)])
            if let output {
                try OutputGuard.check(outputDirectory: output, writing: ["report.json", "report.md", "curves.csv", "operating-points.csv", "curve-test.csv", "wer-vs-cost.svg"], inputs: [("input", file)])
            }
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
