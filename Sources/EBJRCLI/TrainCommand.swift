import ArgumentParser
import Foundation
import EBJR

/// Options shared by training commands.
struct TrainOptions: ParsableArguments {
    @Argument(help: "Recipe file (YAML), e.g. recipes/fmnist-cnn.yaml.")
    var recipe: String

    @Option(help: "Resume from this checkpoint (continues where it stopped).")
    var resume: String?

    @Option(help: "Override the number of epochs.")
    var epochs: Int?

    @Option(help: "Override the distillation weight α (0 = plain cross-entropy).")
    var alpha: Float?

    @Option(help: "Write the checkpoint here instead of the recipe's output.checkpoint.")
    var output: String?

    @Flag(help: "Fail instead of training a missing teacher checkpoint first.")
    var noTeacherTraining = false

    @Flag(help: "No progress output.")
    var quiet = false
}

extension TrainOptions {
    // --epochs and --alpha are checked by `TrainingWorkflow` (one located line, exit 1), not here: an argument-parser
    // validation error would print the usage too and exit 64.

    /// Trains the recipe (any task) and prints one summary line.
    func train() throws {
        let workflow = TrainingWorkflow(options: .init(resume: resume, epochs: epochs, alpha: alpha, checkpoint: output, quiet: quiet,
                                                       trainMissingTeacher: !noTeacherTraining))
        let outcome = try workflow.run(recipePath: recipe)
        print(TrainingSummary.line(recipe: recipe, outcome: outcome))
    }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train (or distill) a model from a recipe.")
    @OptionGroup var options: TrainOptions
    func run() throws { try runReportingErrors { try options.train() } }
}

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "distill",
                                                    abstract: "Same as `train`: distillation is configured in the recipe.")
    @OptionGroup var options: TrainOptions
    func run() throws { try runReportingErrors { try options.train() } }
}
