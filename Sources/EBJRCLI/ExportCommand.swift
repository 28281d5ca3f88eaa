import ArgumentParser
import Foundation
import EBJR

/// `ebjr export`: notebooks, ONNX models and deployable routers.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
                                                    abstract: "Export results (Jupyter), models (ONNX) and routers (ONNX + router.json).",
                                                    subcommands: [ExportNotebook.self, ExportONNX.self, ExportRouter.self])
}

struct ExportRouter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "router",
        abstract: "Write a report's recommended operating point as side.onnx, deep.onnx and router.json.")
    @Argument(help: "Evaluation report folder (with report.json), e.g. runs/fmnist-ebjr.") var report: String
    @Option(help: "Workload mix: natural, or an in-subset share in percent listed in the report (e.g. 70).") var mix = "natural"
    @Option(help: "Export this side model's chosen point at the report's criterion instead of the recommendation.")
    var sideModel: String?
    @Option(help: "Folder to write side.onnx, deep.onnx and router.json into.") var output: String

    func run() throws {
        try runReportingErrors {
            let manifest = try RouterExporter.export(reportDirectory: URL(fileURLWithPath: report), mix: mix, sideModel: sideModel,
                                                     to: URL(fileURLWithPath: output))
            print("wrote \(output)/side.onnx, deep.onnx, router.json: \(manifest.side.name) with \(manifest.score), "
                + "accept iff score ≤ \(Format.threshold(manifest.threshold)); validation keeps "
                + "\(Format.percent(manifest.validation.acceptance, digits: 1)), Δ \(Format.signedPP(manifest.validation.accuracyChange))")
        }
    }
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
