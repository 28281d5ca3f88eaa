import EBJRCheckpoint
import EBJREvaluation
import EBJRFiles
import EBJRNN
import EBJRRouting
import EBJRTensor
import Foundation

/// Writes a deployable joint model from an evaluation report (`ebjr export router`): `side.onnx` (logits,
/// prediction, score, accept), `deep.onnx` (logits, prediction) and `router.json` (`RouterManifest`) for one
/// operating point — the report's recommendation for a workload mix, or a named side model's chosen point at the
/// same criterion.
public enum RouterExporter {
    /// A model ready to export: its description, weights and provenance.
    public struct Model {
        public var name: String
        public var config: ModelConfig
        public var weights: [(name: String, tensor: Tensor)]
        public var checkpoint: String?
        /// The normalisation the model was trained with, baked into its exported graph.
        public var inputNormalization: ONNXExportOptions.InputNormalization?

        public init(name: String, config: ModelConfig, weights: [(name: String, tensor: Tensor)], checkpoint: String?,
                    inputNormalization: ONNXExportOptions.InputNormalization? = nil) {
            self.name = name
            self.config = config
            self.weights = weights
            self.checkpoint = checkpoint
            self.inputNormalization = inputNormalization
        }
    }

    /// The files written by `export`.
    public static let fileNames: Set<String> = ["side.onnx", "deep.onnx", "router.json"]

    /// Exports `point` (a chosen point of `result`) with the given side and deep models into `directory`.
    /// - Parameters:
    ///   - labels: the data set's class names (the deep model's outputs).
    ///   - report, mix: recorded in the manifest.
    /// - Returns: the manifest written.
    @discardableResult
    public static func export(point: ChosenPoint, result: EvaluationResult, side: Model, deep: Model, labels: [String],
                              report: String, mix: String, to directory: URL) throws -> RouterManifest {
        let sideOutputs = side.config.outputCount
        let routing = point.side.subsetRouting
        if let routing, routing.outputCount != sideOutputs {
            throw ExportError.invalidOption("side model '\(side.name)' has \(sideOutputs) outputs, its routing expects \(routing.outputCount)")
        }
        guard deep.config.outputCount == labels.count else {
            throw ExportError.invalidOption("deep model '\(deep.name)' has \(deep.config.outputCount) outputs for \(labels.count) labels")
        }
        let sideLabels: [Int?] = (0..<sideOutputs).map { routing?.globalClass(ofOutput: $0) ?? (routing == nil ? $0 : nil) }
        let eligible = (0..<sideOutputs).filter { routing?.mayAccept(output: $0) ?? true }
        let columns = routing?.scoreColumns ?? 0..<sideOutputs
        let outputNames = sideLabels.map { $0.map { labels.indices.contains($0) ? labels[$0] : "class \($0)" } ?? "other" }

        let sideOptions = ONNXExportOptions(
            classNames: outputNames, subset: routing?.subset, sourceCheckpoint: side.checkpoint.map { ($0 as NSString).lastPathComponent },
            toolkitVersion: EBJRFiles.toolkitVersion, graphName: "ebjr-side", predictionLabels: sideLabels.map { $0 ?? -1 },
            routing: .init(score: point.score.score, columns: columns, threshold: point.threshold, eligibleOutputs: eligible),
            inputNormalization: side.inputNormalization)
        let deepOptions = ONNXExportOptions(
            classNames: labels, sourceCheckpoint: deep.checkpoint.map { ($0 as NSString).lastPathComponent },
            toolkitVersion: EBJRFiles.toolkitVersion, graphName: "ebjr-deep", predictionLabels: Array(labels.indices),
            inputNormalization: deep.inputNormalization)
        let sideData = try ONNXExporter(config: side.config, options: sideOptions).serializedModel(weights: side.weights)
        let deepData = try ONNXExporter(config: deep.config, options: deepOptions).serializedModel(weights: deep.weights)

        func figures(_ p: PointEvaluation) -> RouterManifest.Figures {
            RouterManifest.Figures(sampleCount: p.statistics.sampleCount, acceptance: p.statistics.acceptance,
                                   jointAccuracy: p.measuredJointAccuracy, deepAccuracy: p.statistics.deepAccuracy,
                                   relativeCost: p.relativeCost)
        }
        let guarantee = Recommender.guaranteeOutcome(point.point).map {
            RouterManifest.Guarantee(kind: $0.kind, epsilon: $0.epsilon, delta: $0.delta, statement: $0.statement, heldOnTest: $0.held)
        }
        let manifest = RouterManifest(
            toolkitVersion: EBJRFiles.toolkitVersion, report: report, mix: mix, criterion: point.point.criterion.description,
            labels: labels,
            side: .init(file: "side.onnx", name: side.name, flops: point.side.flops, inputShape: side.config.inputShape,
                        outputNames: outputNames, outputLabels: sideLabels, checkpoint: side.checkpoint),
            deep: .init(file: "deep.onnx", name: deep.name, flops: result.deep.flops, inputShape: deep.config.inputShape,
                        outputNames: labels, outputLabels: Array(labels.indices), checkpoint: deep.checkpoint),
            design: point.side.kind, score: point.score.score, scoreColumns: columns, eligibleOutputs: eligible,
            threshold: point.threshold, validation: figures(point.point.validation), test: figures(point.point.test),
            guarantee: guarantee)
        try manifest.validate()

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestData = try encoder.encode(manifest)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(sideData, to: directory.appendingPathComponent("side.onnx"))
            try AtomicFile.write(deepData, to: directory.appendingPathComponent("deep.onnx"))
            try AtomicFile.write(manifestData, to: directory.appendingPathComponent("router.json"))
        } catch let error as FileWriteError {
            throw ExportError.writeFailed(path: error.path, reason: error.reason)
        }
        return manifest
    }

    /// Reads a report folder, picks the operating point (`mix`'s recommendation, or `sideModel`'s chosen point at
    /// the recommendation's criterion), loads the two checkpoints the report recorded and exports them.
    /// - Throws: `RouterExportError` naming the report, mix or side model; checkpoint and export errors.
    @discardableResult
    public static func export(reportDirectory: URL, mix key: String, sideModel: String?, to directory: URL) throws -> RouterManifest {
        let top = reportDirectory.appendingPathComponent("report.json")
        let topResult = try readResult(top)
        guard let block = topResult.recommendation else { throw RouterExportError.noRecommendation(report: top.path) }
        guard let mix = block.mix(key) else {
            throw RouterExportError.unknownMix(report: top.path, mix: key, known: block.mixes.map(\.key))
        }
        let reportURL = reportDirectory.appendingPathComponent((mix.report as NSString).deletingPathExtension + ".json")
        let result = mix.report == "report.md" ? topResult : try readResult(reportURL)
        let chosen: ChosenPoint
        if let sideModel {
            guard let side = result.sideModels.first(where: { $0.name == sideModel }) else {
                throw RouterExportError.unknownSideModel(report: reportURL.path, name: sideModel, known: result.sideModels.map(\.name))
            }
            guard let c = Recommender.chosen(side, criterion: block.criterion) else {
                throw RouterExportError.noDeployableScore(report: reportURL.path, sideModel: sideModel)
            }
            chosen = c
        } else {
            guard let p = mix.point, let side = result.sideModels.first(where: { $0.name == p.sideModel }),
                  let score = side.scores.first(where: { $0.score == p.score }),
                  let point = score.operatingPoints.first(where: { $0.criterion == p.criterion }) else {
                throw RouterExportError.noRecommendation(report: reportURL.path)
            }
            chosen = ChosenPoint(side: side, score: score, point: point)
        }
        guard let sidePath = chosen.side.checkpoint else {
            throw RouterExportError.noCheckpoint(report: reportURL.path, model: chosen.side.name)
        }
        guard let deepPath = result.deep.checkpoint else {
            throw RouterExportError.noCheckpoint(report: reportURL.path, model: result.deep.name)
        }
        try OutputGuard.check(outputDirectory: directory.path, writing: fileNames,
                              inputs: [("side checkpoint", sidePath), ("deep checkpoint", deepPath), ("report", top.path)])
        func load(_ name: String, _ path: String) throws -> (Model, Checkpoint) {
            let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
            guard let config = checkpoint.modelConfig else { throw CheckpointError.missingModelConfig(file: path) }
            return (Model(name: name, config: config, weights: checkpoint.modelState, checkpoint: path,
                          inputNormalization: checkpoint.inputNormalization.map { .init(mean: $0.mean, std: $0.std) }), checkpoint)
        }
        let (side, _) = try load(chosen.side.name, sidePath)
        let (deep, deepCheckpoint) = try load(result.deep.name, deepPath)
        let labels = deepCheckpoint.outputNames(outputs: deep.config.outputCount)
        return try export(point: chosen, result: result, side: side, deep: deep,
                          labels: labels.isEmpty ? (0..<deep.config.outputCount).map { "class \($0)" } : labels,
                          report: reportDirectory.path, mix: mix.key, to: directory)
    }

    private static func readResult(_ url: URL) throws -> EvaluationResult {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RouterExportError.unreadableReport(path: url.path, reason: "cannot read it (run `ebjr evaluate` first)")
        }
        do { return try ReportWriter.readJSON(data) } catch {
            throw RouterExportError.unreadableReport(path: url.path, reason: "not an evaluation report.json (\(error))")
        }
    }
}

/// Why `ebjr export router` could not pick or load an operating point; each names the report file.
public enum RouterExportError: Error, CustomStringConvertible, Equatable {
    case unreadableReport(path: String, reason: String)
    case noRecommendation(report: String)
    case unknownMix(report: String, mix: String, known: [String])
    case unknownSideModel(report: String, name: String, known: [String])
    case noDeployableScore(report: String, sideModel: String)
    case noCheckpoint(report: String, model: String)

    public var description: String {
        switch self {
        case let .unreadableReport(path, reason): "\(path): \(reason)"
        case let .noRecommendation(report):
            "\(report): no recommendation block (written by an older ebjr? run `ebjr evaluate` again)"
        case let .unknownMix(report, mix, known): "\(report): no workload mix '\(mix)' (known: \(known.joined(separator: ", ")))"
        case let .unknownSideModel(report, name, known):
            "\(report): no side model '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .noDeployableScore(report, side): "\(report): side model '\(side)' has no deployable score at the headline criterion"
        case let .noCheckpoint(report, model):
            "\(report): model '\(model)' has no recorded checkpoint (models given as logits files cannot be exported)"
        }
    }
}
