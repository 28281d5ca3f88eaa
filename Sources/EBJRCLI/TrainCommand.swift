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

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train (or distill) a model from a recipe.")
    @OptionGroup var options: TrainOptions
    func run() throws {
        try runReportingErrors {
            if try RecipeDocument.dataset(path: options.recipe) == "cmudict" { try G2PRecipeRunner(options: options).run() } else {
                try RecipeRunner(options: options).run()
            }
        }
    }
}

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "distill",
                                                    abstract: "Same as `train`: distillation is configured in the recipe.")
    @OptionGroup var options: TrainOptions
    func run() throws { try runReportingErrors { try RecipeRunner(options: options).run() } }
}
