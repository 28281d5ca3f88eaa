import Foundation
import EBJRFiles
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
import EBJRRouting
import EBJREvaluation
import EBJRTraining
import EBJRRecipe

/// Runs an `EvaluationRecipe`: resolves every model (training missing ones from their recipes), computes or
/// reads logits on validation and test, evaluates every score and operating point (thresholds chosen on
/// validation only), resamples workload mixes, measures latency, and writes the report folder.
public struct EvaluationRunner {
    public let recipe: EvaluationRecipe
    public var quiet = false

    public init(recipe: EvaluationRecipe) { self.recipe = recipe }

    /// A model ready for evaluation.
    struct ResolvedModel {
        var source: EvaluationRecipe.ModelSource
        var flops: Double
        var model: Sequential?
        /// The model's input shape (nil for logits files).
        var inputShape: [Int]?
        /// The input normalisation stored in the model's checkpoint (nil: none, or a logits file).
        var normalization: InputNormalization? = nil
        var subsetRouting: SubsetRouting?
        /// The checkpoint path, when the model came from one (recorded for `ebjr export router`).
        var checkpoint: String?
        var validation: Logits
        var test: Logits
    }

    /// The written report folder and the result.
    public struct Outcome {
        public var directory: URL
        public var result: EvaluationResult
        public var mixes: [(share: Double, directory: URL, result: EvaluationResult)]
    }

    @discardableResult
    public func run() throws -> Outcome {
        guard let source = try recipe.data.classificationSource else { throw EvaluationRunError.notClassification(file: recipe.file) }
        let splits = SplitCache(source: source)
        let deep = try resolve(recipe.deep, splits: splits, isSide: false)
        let sides = try recipe.sideModels.map { try resolve($0, splits: splits, isSide: true) }
        for side in sides {
            let outputs = side.subsetRouting?.outputCount ?? deep.validation.classCount
            guard side.validation.classCount == outputs else {
                throw EvaluationRunError.classMismatch(side: side.source.name, sideOutputs: side.validation.classCount,
                                                       expected: outputs, deep: deep.validation.classCount)
            }
        }
        let labels = (validation: try splits.get(.validation).labels, test: try splits.get(.test).labels)
        var notes = [
            "Data: \(source.summary).",
            "Thresholds and temperatures are chosen on validation only; test is used once, for this report.",
        ]
        let result = try evaluate(title: recipe.name, deep: deep, sides: sides, labels: labels, rows: nil, notes: &notes)
        let outputURL = URL(fileURLWithPath: recipe.outputDirectory)
        let manifest = try self.manifest(deep: deep, sides: sides)
        var finalResult = result
        finalResult.manifest = manifest
        if recipe.measureLatency, deep.model != nil {
            let latency = try LatencyMeasurement(samples: recipe.latencySamples, quiet: quiet)
                .measure(deep: deep, sides: sides, result: result, splits: splits)
            finalResult.notes.append("Latency, measured (batch-1 median and p90, batched throughput of side, deep and joint "
                + "models): [latency.md](latency.md).")
            try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
            try AtomicFile.write(Data(latency.markdown.utf8), to: outputURL.appendingPathComponent("latency.md"))
            try AtomicFile.write(latency.json, to: outputURL.appendingPathComponent("latency.json"))
        }
        if let coverage = recipe.coverage {
            finalResult.notes.append(try measureCoverage(coverage, deep: deep, sides: sides, labels: labels, to: outputURL))
        }

        var mixes: [(share: Double, key: String, result: EvaluationResult)] = []
        if !recipe.workloadShares.isEmpty {
            guard let subset = recipe.workloadSubset ?? sides.compactMap({ $0.subsetRouting?.subset }).first else {
                throw EvaluationRunError.noSubsetForWorkload(file: recipe.file)
            }
            for share in recipe.workloadShares {
                let inVal = labels.validation.map { subset.contains($0) }, inTest = labels.test.map { subset.contains($0) }
                let rows = (validation: try WorkloadMix.resample(inSubset: inVal, share: share, seed: recipe.workloadSeed),
                            test: try WorkloadMix.resample(inSubset: inTest, share: share, seed: recipe.workloadSeed &+ 1))
                var mixNotes = [String(format: "Workload mix: validation and test resampled without replacement to %.0f%% "
                    + "in-subset samples (subset %@, seed %llu): %d validation, %d test samples.", share * 100,
                    subset.map { source.classNames[$0] }.joined(separator: ", "), recipe.workloadSeed,
                    rows.validation.count, rows.test.count)]
                let key = "\(Int((share * 100).rounded()))"
                var mixResult = try evaluate(title: "\(recipe.name) — \(key)% in-subset workload",
                                             deep: deep, sides: sides, labels: labels, rows: rows, notes: &mixNotes)
                mixResult.manifest = manifest
                mixes.append((share, key, mixResult))
            }
        }

        // The headline of every report lists every mix, its own first; links are relative to each report.
        let natural = Recommender.recommend(finalResult, key: "natural", label: "natural mix", report: "report.md")
        let mixRecommendations = mixes.map { mix in
            Recommender.recommend(mix.result, key: mix.key, label: "\(mix.key)% in-subset", report: "mix-\(mix.key)/report.md")
        }
        guard let criterion = Recommender.headlineCriterion(recipe.settings) else { throw EvaluationRunError.notClassification(file: recipe.file) }
        let all = [natural] + mixRecommendations
        finalResult.recommendation = RecommendationBlock(criterion: criterion, mixes: all)
        let bars = CostByMixChart.plot(results: [finalResult] + mixes.map(\.result), labels: all.map(\.label), criterion: criterion)
        _ = try ReportWriter.write(finalResult, to: outputURL, extraPlots: bars.map { [$0] } ?? [])
        var written: [(Double, URL, EvaluationResult)] = []
        for (index, mix) in mixes.enumerated() {
            var mixResult = mix.result
            let own = all[index + 1]
            mixResult.recommendation = RecommendationBlock(criterion: criterion, mixes: [own] + all.filter { $0.key != own.key })
            var links: [String: String] = [own.key: "report.md"]
            for other in all where other.key != own.key { links[other.key] = "../" + other.report }
            let mixURL = outputURL.appendingPathComponent("mix-\(mix.key)")
            _ = try ReportWriter.write(mixResult, to: mixURL, mixLinks: links)
            written.append((mix.share, mixURL, mixResult))
        }
        return Outcome(directory: outputURL, result: finalResult, mixes: written)
    }

    /// Runs the coverage study on validation + test pooled, writes `coverage.md` / `coverage.json`, and returns the
    /// report note that points to them.
    private func measureCoverage(_ settings: CoverageSettings, deep: ResolvedModel, sides: [ResolvedModel],
                                 labels: (validation: [Int], test: [Int]), to outputURL: URL) throws -> String {
        guard case let .guaranteed(epsilon, delta)? = recipe.settings.criteria.first(where: {
            if case .guaranteed = $0 { return true } else { return false }
        }) else { throw EvaluationRunError.coverageNeedsGuaranteed(file: recipe.file) }
        func pooled(_ a: Logits, _ b: Logits) throws -> Logits {
            try Logits(values: a.values + b.values, count: a.count + b.count, classCount: a.classCount, what: "pooled logits")
        }
        let pool = CoverageStudy.Pool(
            labels: labels.validation + labels.test, deepLogits: try pooled(deep.validation, deep.test),
            sides: try sides.map { ($0.source.name, $0.flops, $0.subsetRouting, try pooled($0.validation, $0.test)) })
        let progress = ProgressReporter(label: "coverage", total: settings.repartitions, unit: "re-partitions", quiet: quiet)
        let result = try CoverageStudy.run(pool: pool, scores: recipe.settings.scores, epsilon: epsilon, delta: delta,
                                           deepFLOPs: deep.flops, settings: settings) { done, _ in progress.update(done) }
        try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
        try AtomicFile.write(Data(CoverageReport.render(result).utf8), to: outputURL.appendingPathComponent("coverage.md"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(result), to: outputURL.appendingPathComponent("coverage.json"))
        let broken = result.sideModels.filter { side in
            !result.keepsPromise(exceedances: side.exceedances(.guaranteed, epsilon: epsilon), trials: side.trials.count)
        }.map(\.name)
        return "Guarantee coverage over \(settings.repartitions) random validation/test re-partitions: coverage.md "
            + (broken.isEmpty ? "(the guaranteed point kept its promise for every side model)."
                              : "(promise broken for \(broken.joined(separator: ", "))).")
    }

    /// The report's provenance: the evaluation recipe (with its text), the data files, and every model's checkpoint or
    /// logits files, with their SHA-256.
    private func manifest(deep: ResolvedModel, sides: [ResolvedModel]) throws -> RunManifest {
        var manifest = try RunManifest.forRecipe(file: recipe.file, text: (try? RecipeDocument.text(path: recipe.file)) ?? "",
                                                 includeText: true, data: recipe.data)
        for (role, model) in [("deep", deep)] + sides.map({ ("side", $0) }) {
            if let checkpoint = model.checkpoint {
                try manifest.addInput(role: "\(role) model \(model.source.name): checkpoint", path: checkpoint)
            }
            for (split, path) in model.source.logits.sorted(by: { $0.key < $1.key }) {
                try manifest.addInput(role: "\(role) model \(model.source.name): \(split) logits", path: path)
            }
        }
        return manifest
    }

    private func evaluate(title: String, deep: ResolvedModel, sides: [ResolvedModel], labels: (validation: [Int], test: [Int]),
                          rows: (validation: [Int], test: [Int])?, notes: inout [String]) throws -> EvaluationResult {
        func pick(_ logits: Logits, _ r: [Int]?) -> Logits { r.map { logits.selecting(rows: $0) } ?? logits }
        func pick(_ l: [Int], _ r: [Int]?) -> [Int] { r.map { $0.map { l[$0] } } ?? l }
        let validation = try EvaluationSplit(labels: pick(labels.validation, rows?.validation),
                                             deepLogits: pick(deep.validation, rows?.validation), what: "validation")
        let test = try EvaluationSplit(labels: pick(labels.test, rows?.test), deepLogits: pick(deep.test, rows?.test), what: "test")
        let inputs = sides.map { side in
            SideModelInput(name: side.source.name, flops: side.flops, subsetRouting: side.subsetRouting, checkpoint: side.checkpoint,
                           validationLogits: pick(side.validation, rows?.validation), testLogits: pick(side.test, rows?.test))
        }
        var result = try Evaluator(settings: recipe.settings).evaluate(title: title, deepName: deep.source.name, deepFLOPs: deep.flops,
                                                                       validation: validation, test: test, sideModels: inputs, notes: notes,
                                                                       deepCheckpoint: deep.checkpoint)
        try addCascadesAndSweep(to: &result, sides: inputs, deep: (deep.source.name, deep.flops), validation: validation, test: test)
        return result
    }

    private func resolve(_ source: EvaluationRecipe.ModelSource, splits: SplitCache, isSide: Bool) throws -> ResolvedModel {
        if !source.logits.isEmpty {
            var logits: [String: Logits] = [:]
            for split in [DataSplit.validation, .test] {
                let data = try splits.get(split)
                let file = try LogitsFile.read(from: URL(fileURLWithPath: source.logits[split.rawValue]!))
                try file.validate(expectedCount: data.count, expectedClasses: file.classCount, split: split.rawValue,
                                  inputChecksum: file.inputChecksum == nil ? nil : try data.featureChecksum())
                logits[split.rawValue] = try Logits(values: Array(UnsafeBufferPointer(start: file.logits.data, count: file.logits.count)),
                                                    count: file.count, classCount: file.classCount, what: file.source?.path ?? "logits")
            }
            return ResolvedModel(source: source, flops: source.flops ?? 0, model: nil, inputShape: nil,
                                 subsetRouting: try source.restrictToSubset.map { try SubsetRouting(subset: $0, design: .generalRestricted(classCount: logits["test"]!.classCount)) },
                                 checkpoint: nil, validation: logits["validation"]!, test: logits["test"]!)
        }
        var checkpointPath = source.checkpoint
        if let recipePath = source.recipe {
            let trainingRecipe = try source.trainingRecipe ?? TrainingRecipe.load(path: recipePath)
            if !FileManager.default.fileExists(atPath: trainingRecipe.checkpointPath) {
                let what = source.trainingRecipe == nil ? recipePath : "its side_sweep variant of \(recipePath)"
                logLine("\(source.name): checkpoint \(trainingRecipe.checkpointPath) is missing: training \(what) first")
                var workflow = TrainingWorkflow(options: .init(quiet: quiet))
                if quiet { workflow.log = { _ in } }
                try workflow.run(recipe: trainingRecipe)
            }
            checkpointPath = trainingRecipe.checkpointPath
        }
        let url = URL(fileURLWithPath: checkpointPath!)
        let checkpoint = try Checkpoint.load(from: url)
        let model = try checkpoint.makeModel()
        guard let config = checkpoint.modelConfig else { throw CheckpointError.missingModelConfig(file: url.path) }
        var logits: [String: Logits] = [:]
        for split in [DataSplit.validation, .test] {
            // The split as read; the checkpoint's own normalisation and input shape are applied to it.
            let file = try TeacherLogits.fromCheckpoint(url, split: split.rawValue, data: try splits.get(split), quiet: quiet)
            logits[split.rawValue] = try Logits(values: Array(UnsafeBufferPointer(start: file.logits.data, count: file.logits.count)),
                                                count: file.count, classCount: file.classCount, what: "\(url.path) (\(split.rawValue))")
        }
        var routing: SubsetRouting?
        if let subset = checkpoint.classSubset, isSide {
            guard let design = checkpoint.subsetDesign else {
                throw CheckpointError.invalidValue(file: url.path, key: "subset_design", detail: "missing beside class_subset")
            }
            routing = try SubsetRouting(subset: subset, trainedAs: design, scoreIncludesOther: source.scoreIncludesOther)
        } else if let subset = source.restrictToSubset {
            routing = try SubsetRouting(subset: subset, design: .generalRestricted(classCount: logits["test"]!.classCount))
        }
        return ResolvedModel(source: source, flops: source.flops ?? Double(config.flops), model: model, inputShape: config.inputShape,
                             normalization: checkpoint.normalization, subsetRouting: routing, checkpoint: url.path,
                             validation: logits["validation"]!, test: logits["test"]!)
    }
}

/// Validation and test splits opened once (lazy where the source allows), viewed as each model needs them.
final class SplitCache {
    let source: any ClassificationSource
    private var cache: [DataSplit: any LabelledSamples] = [:]
    init(source: any ClassificationSource) { self.source = source }

    /// The split as the source reads it (features before any normalisation).
    func get(_ split: DataSplit) throws -> any LabelledSamples {
        if let cached = cache[split] { return cached }
        let data = try source.samples(split)
        cache[split] = data
        return data
    }

    /// The split in memory as `model` takes it (its checkpoint's normalisation, its input shape): for timing, where
    /// reading from a file must not be measured.
    func dataset(_ split: DataSplit, for model: EvaluationRunner.ResolvedModel) throws -> Dataset {
        var data = try get(split)
        if let normalization = model.normalization { data = try NormalizedSamples(data, normalization) }
        if let shape = model.inputShape { data = try data.viewed(as: shape) }
        return try data.materialized()
    }
}

/// Errors assembling an evaluation.
public enum EvaluationRunError: Error, CustomStringConvertible {
    case classMismatch(side: String, sideOutputs: Int, expected: Int, deep: Int)
    case noSubsetForWorkload(file: String)
    case notClassification(file: String)
    case coverageNeedsGuaranteed(file: String)

    public var description: String {
        switch self {
        case let .classMismatch(side, outputs, expected, deep):
            "side model '\(side)' has \(outputs) outputs but \(expected) are expected (the deep model has \(deep) classes)"
        case let .noSubsetForWorkload(file): "\(file): workload.in_subset_share needs workload.subset or a specialized side model"
        case let .notClassification(file): "\(file): data must be a classification data set"
        case let .coverageNeedsGuaranteed(file): "\(file): coverage needs criteria.guaranteed (its ε and δ are the promise measured)"
        }
    }
}
