import ArgumentParser
import Foundation
import EBJR

/// `ebjr logits`: a model's logits on one split, as an HDF5 file a distilling recipe can use as a teacher.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits",
        abstract: "Write a checkpoint's logits on a data split to HDF5 (logits [N, K] float32), e.g. as a teacher for distillation.")

    @Option(help: "Model checkpoint (.h5).") var checkpoint: String
    @Option(help: "Split: train, validation or test.") var split: DataSplit
    @Option(help: "Output file (.h5).") var output: String
    @Option(help: "A training or evaluation recipe whose data section names the data set (default: the recipes' default data set).")
    var dataRecipe: String?
    @Option(help: "Folder of the default data set's files (when no --data-recipe is given).") var dataDirectory: String?

    func validate() throws {
        if dataRecipe != nil && dataDirectory != nil { throw ValidationError("give --data-recipe or --data-directory, not both") }
    }

    func run() throws {
        try runReportingErrors {
            let data = try DataChoice.forCommandLine(recipe: dataRecipe, directory: dataDirectory)
            let written = try ModelLogits.write(checkpoint: URL(fileURLWithPath: checkpoint), data: data, split: split,
                                                to: URL(fileURLWithPath: output))
            print(String(format: "%@: %d×%d logits of %@ on %@ (accuracy %.2f%%)", output, written.count, written.classes, checkpoint,
                         split.rawValue, written.accuracy * 100))
        }
    }
}

extension DataSplit: ExpressibleByArgument {}

/// `ebjr inspect`: the tree of a checkpoint or logits file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect",
        abstract: "Print a checkpoint's format, layers, shapes, parameter count and recipe (or any HDF5 file's tree).")
    @Argument(help: "HDF5 file.") var file: String
    @Option(help: "Recipe lines to show.") var recipeLines = 8
    @Flag(help: "Read every dataset (checking checksums) and report OK or the first damaged dataset (exit 1).") var verify = false
    func run() throws {
        try runReportingErrors {
            if verify { print(try verifyFile(URL(fileURLWithPath: file))) } else {
                print(try inspect(URL(fileURLWithPath: file), recipeLines: recipeLines))
            }
        }
    }
}
