import ArgumentParser
import Foundation
import EBJR

/// `ebjr logits`: a model's logits on one split, as an HDF5 file a distilling recipe can use as a teacher.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits",
        abstract: "Write a checkpoint's logits on a Fashion-MNIST split to HDF5 (logits [N, K] float32).")

    @Option(help: "Model checkpoint (.h5).") var checkpoint: String
    @Option(help: "Split: train, validation or test.") var split: String
    @Option(help: "Output file (.h5).") var output: String
    @Option(help: "Folder of the Fashion-MNIST IDX files.") var dataDirectory: String?

    func run() throws {
        try runReportingErrors {
            guard let which = FashionMNIST.Split(rawValue: split) else { throw DataError.invalidSplit(split) }
            let url = URL(fileURLWithPath: checkpoint)
            let config = try Checkpoint.readModelConfig(from: url)
            let data = try FashionMNIST.load(which, directory: dataDirectory ?? FashionMNIST.defaultDirectory,
                                             flatten: config.inputShape.count == 1)
            let model = try Checkpoint.load(from: url).makeModel()
            let (values, classes) = Inference.logits(of: model, on: data)
            let file = LogitsFile(logits: Tensor(values, shape: [data.count, classes]), split: split,
                                  inputChecksum: data.checksum, classNames: TeacherLogits.outputNames(of: try Checkpoint.load(from: url), outputs: classes))
            try file.write(to: URL(fileURLWithPath: output))
            let accuracy = Inference.accuracy(logits: values, classes: classes, labels: data.labels)
            print(String(format: "%@: %d×%d logits of %@ on %@ (accuracy %.2f%%)", output, data.count, classes, checkpoint,
                         split, accuracy * 100))
        }
    }
}

/// `ebjr inspect`: the tree of a checkpoint or logits file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect",
        abstract: "Print a checkpoint's format, layers, shapes, parameter count and recipe (or any HDF5 file's tree).")
    @Argument(help: "HDF5 file.") var file: String
    @Option(help: "Recipe lines to show.") var recipeLines = 8
    func run() throws {
        try runReportingErrors { print(try inspect(URL(fileURLWithPath: file), recipeLines: recipeLines)) }
    }
}
