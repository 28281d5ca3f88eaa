import ArgumentParser
import Foundation
import EBJR

/// `ebjr evaluate`: general vs specialized EBJR (or E-LANG on sequence models), thresholds chosen on validation,
/// reported on test.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate",
        abstract: "Evaluate side models routed by energy (and baseline scores) against a deep model; write the report folder.")

    @Argument(help: "Evaluation recipe (YAML), e.g. recipes/fmnist-ebjr.yaml or recipes/g2p-elang.yaml.") var recipe: String
    @Option(help: "Report folder (overrides the recipe's output).") var output: String?
    @Flag(help: "Skip the latency measurement.") var noLatency = false
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        try runReportingErrors {
            switch try AnyEvaluationRecipe.load(path: recipe) {
            case var .classification(evaluation):
                if let output { evaluation.outputDirectory = output }
                if noLatency { evaluation.measureLatency = false }
                var runner = EvaluationRunner(recipe: evaluation)
                runner.quiet = quiet
                let outcome = try runner.run()
                print(try EvaluationSummary.render(outcome.result))
                for mix in outcome.mixes {
                    print(String(format: "\n— %.0f%% in-subset workload —", mix.share * 100))
                    print(try EvaluationSummary.render(mix.result, headline: false))
                }
                print("report: \(outcome.directory.path)/report.md")
            case var .sequence(evaluation):
                if let output { evaluation.outputDirectory = output }
                let report = try evaluation.run(log: { if !quiet { logLine($0) } })
                print(report.markdown, terminator: "")
                print("report: \(evaluation.outputDirectory)/report.md")
            }
        }
    }
}
