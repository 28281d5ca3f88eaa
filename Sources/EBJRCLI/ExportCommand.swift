import ArgumentParser
import Foundation
import EBJR

/// `ebjr export`: notebooks and ONNX models.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export results (Jupyter) and models (ONNX).",
                                                    subcommands: [ExportNotebook.self, ExportONNX.self])
}

struct ExportNotebook: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notebook",
        abstract: "Write a Jupyter notebook (nbformat 4) that reproduces an evaluation report's tables and plots.")
    @Argument(help: "Evaluation output folder (with report.json and curves.csv).") var evaluationDirectory: String
    @Option(help: "Notebook to write, e.g. notebooks-export/fmnist-ebjr.ipynb.") var output: String
    @Option(help: "A side-model checkpoint to load with h5py and run in NumPy.") var checkpoint: String?
    @Option(help: "Title.") var title: String?

    func run() throws {
        try runReportingErrors {
            let files = try NotebookExporter.export(evaluationDirectory: URL(fileURLWithPath: evaluationDirectory),
                                                    output: URL(fileURLWithPath: output),
                                                    checkpoint: checkpoint.map { URL(fileURLWithPath: $0) }, title: title)
            print("wrote \(files.first?.path ?? output) (+\(files.count - 1) data files)")
        }
    }
}

struct ExportONNX: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "onnx",
        abstract: "Export a checkpoint to ONNX (opset 17, dynamic batch), optionally with energy and accept outputs.")
    @Argument(help: "Checkpoint (.h5).") var checkpoint: String
    @Option(help: "ONNX file to write.") var output: String
    @Option(help: "Add an `energy` output −T·logsumexp(logits/T) with this temperature.") var energyTemperature: Float?
    @Option(help: "Add an `accept` output energy ≤ τ (our convention).") var energyAtMost: Float?
    @Option(help: "Add an `accept` output −energy ≥ t (the paper's convention; τ = −t).") var negativeEnergyAtLeast: Float?
    @Flag(help: "For an other-class model, take the energy over all outputs instead of the subset outputs.")
    var energyIncludesOther = false

    func validate() throws {
        if energyAtMost != nil && negativeEnergyAtLeast != nil {
            throw ValidationError("give --energy-at-most or --negative-energy-at-least, not both")
        }
    }

    func run() throws {
        try runReportingErrors {
            let url = URL(fileURLWithPath: checkpoint)
            try OutputGuard.check(output: output, inputs: [("checkpoint", checkpoint)])
            let loaded = try Checkpoint.load(from: url)
            guard let config = loaded.modelConfig else { throw CheckpointError.missingModelConfig(file: url.path) }
            let options = ONNXExportOptions(checkpoint: loaded, source: url, outputs: config.outputCount,
                                            energyTemperature: energyTemperature,
                                            threshold: energyAtMost ?? negativeEnergyAtLeast.map { -$0 },
                                            energyIncludesOther: energyIncludesOther)
            try ONNXExporter(config: config, options: options).write(weights: loaded.modelState, to: URL(fileURLWithPath: output))
            print("wrote \(output)")
        }
    }
}
