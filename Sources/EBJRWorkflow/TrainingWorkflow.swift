import Foundation
import EBJRRecipe
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
import EBJRTraining
import EBJRLang
import EBJRFiles

/// Runs a training recipe end to end, whatever its task: resolves (and if needed trains) the teacher, builds the
/// task the recipe's data and model call for (`ClassificationTask` or `G2PTask`), and hands it to the one `Trainer`
/// with the recipe's settings, `init_from` or `--resume`. What `ebjr train` and `ebjr distill` run.
public struct TrainingWorkflow {
    public struct Options: Sendable {
        public var resume: String?
        public var epochs: Int?
        public var alpha: Float?
        public var checkpoint: String?
        public var quiet: Bool
        /// Train a missing teacher recipe first (otherwise fail saying which command to run).
        public var trainMissingTeacher: Bool
        public init(resume: String? = nil, epochs: Int? = nil, alpha: Float? = nil, checkpoint: String? = nil,
                    quiet: Bool = false, trainMissingTeacher: Bool = true) {
            self.resume = resume
            self.epochs = epochs
            self.alpha = alpha
            self.checkpoint = checkpoint
            self.quiet = quiet
            self.trainMissingTeacher = trainMissingTeacher
        }
    }

    public let options: Options
    public var log: (String) -> Void = logLine
    public init(options: Options) { self.options = options }

    /// Loads the recipe at `path` with the command-line overrides applied.
    public func loadRecipe(_ path: String) throws -> TrainingRecipe {
        var recipe = try TrainingRecipe.load(path: path)
        if let epochs = options.epochs {
            guard (1...TrainingRecipe.maximumEpochs).contains(epochs) else {
                throw RecipeError.invalidValue(file: path, path: "--epochs", line: nil, reason: "must be in 1…\(TrainingRecipe.maximumEpochs) (got \(epochs))")
            }
            recipe.training.epochs = epochs
        }
        if let alpha = options.alpha {
            guard (0...1).contains(alpha) else {
                throw RecipeError.invalidValue(file: path, path: "--alpha", line: nil, reason: "must be in [0, 1]")
            }
            guard recipe.distillation != nil else {
                throw RecipeError.invalidValue(file: path, path: "--alpha", line: nil, reason: "the recipe has no distillation section")
            }
            recipe.distillation!.alpha = alpha
        }
        if let checkpoint = options.checkpoint { recipe.checkpointPath = checkpoint }
        return recipe
    }

    /// Trains the recipe at `recipePath` into its checkpoint.
    @discardableResult
    public func run(recipePath: String) throws -> TrainingOutcome {
        try run(recipe: try loadRecipe(recipePath))
    }

    /// Trains a recipe already read (e.g. a `side_sweep` variant built in memory) into its checkpoint.
    @discardableResult
    public func run(recipe: TrainingRecipe) throws -> TrainingOutcome {
        try checkOutput(recipe)
        if options.resume == nil, let initial = recipe.training.initFrom, !FileManager.default.fileExists(atPath: initial) {
            let maker = TrainingRecipe.recipe(writing: initial, besides: recipe.file)
            throw WorkflowError.missingCheckpoint(path: initial, key: "training.init_from", command: maker.map { "ebjr train \($0)" })
        }
        let task = try makeTask(recipe)
        var metadata = ["name": recipe.name, "recipe_file": recipe.file, "data": recipe.data.name]
        metadata[RunManifest.checkpointMetadataKey] = try manifest(recipe).json()
        if let d = recipe.distillation {
            metadata["distillation_alpha"] = String(d.alpha)
            metadata["distillation_temperature"] = String(d.temperature)
        }
        if let spec = (task as? ClassificationTask)?.specialization, spec.design.usesMargin {
            metadata["margin_m_in"] = String(spec.marginIn)
            metadata["margin_m_out"] = String(spec.marginOut)
            metadata["margin_lambda"] = String(spec.marginWeight)
            metadata["margin_source"] = spec.isMarginInAuto || spec.isMarginOutAuto
                ? "auto: median (m_in) and 95th percentile (m_out) of a labels-only model's in-subset training energies"
                    + (spec.isMarginInAuto && spec.isMarginOutAuto ? "" : " (the other value from the recipe)")
                : "recipe"
        }
        let trainer = Trainer(task: task, settings: recipe.training, checkpointPath: recipe.checkpointPath, metadata: metadata,
                              quiet: options.quiet, log: log)
        if let resume = options.resume {
            let stored = try trainer.resume(from: resume).recipe
            if stored != recipe.text { log("warning: \(resume) was written by a different recipe text than \(recipe.file); continuing with the latter") }
        } else if let initial = recipe.training.initFrom {
            try trainer.initialize(from: initial)
        }
        for note in (task as? ClassificationTask)?.setupNotes ?? [] { log(note) }
        log("\(recipe.name): \(task.model.parameterCount) parameters, \(task.trainingCount) training \(task.itemName), "
            + "epochs \(trainer.progress.epoch + 1)…\(recipe.training.epochs)")
        return try trainer.run()
    }

    /// The run's provenance: toolkit version, git commit, the recipe's hash (its text is the checkpoint's `recipe`),
    /// and the SHA-256 of the data files, the checkpoint resumed or started from, and the teacher's checkpoint or logits.
    func manifest(_ recipe: TrainingRecipe) throws -> RunManifest {
        var manifest = try RunManifest.forRecipe(file: recipe.file, text: recipe.text, includeText: false, data: recipe.data)
        if let resume = options.resume {
            try manifest.addInput(role: "--resume", path: resume)
        } else if let initial = recipe.training.initFrom {
            try manifest.addInput(role: "training.init_from", path: initial)
        }
        if let distillation = recipe.distillation, distillation.alpha > 0 {
            for (split, path) in distillation.teacherLogits.sorted(by: { $0.key < $1.key }) {
                try manifest.addInput(role: "distillation.teacher_logits.\(split)", path: path)
            }
            if distillation.teacherLogits.isEmpty {
                try manifest.addInput(role: "teacher checkpoint", path: try teacherCheckpoint(for: recipe, distillation))
            }
        }
        return manifest
    }

    /// Refuses a checkpoint path that is one of the run's inputs: the recipe file, the teacher (recipe, checkpoint,
    /// logits) or `init_from`. `--resume` may name the output (that is resuming in place).
    func checkOutput(_ recipe: TrainingRecipe) throws {
        var inputs: [(role: String, path: String?)] = [("recipe", recipe.file), ("training.init_from", recipe.training.initFrom)]
        if let distillation = recipe.distillation {
            inputs.append(("distillation.teacher_checkpoint", distillation.teacherCheckpoint))
            for (split, path) in distillation.teacherLogits.sorted(by: { $0.key < $1.key }) {
                inputs.append(("distillation.teacher_logits.\(split)", path))
            }
            if let teacherRecipe = distillation.teacherRecipe {
                let path = RecipeDocument.resolve(teacherRecipe, relativeTo: recipe.file)
                inputs.append(("distillation.teacher_recipe", path))
                inputs.append(("teacher checkpoint", (try? TrainingRecipe.load(path: path))?.checkpointPath))
            }
        }
        try OutputGuard.check(output: recipe.checkpointPath, inputs: inputs)
    }

    /// The task the recipe's data set and model call for.
    func makeTask(_ recipe: TrainingRecipe) throws -> TrainingTask {
        switch (recipe.data, recipe.model) {
        case let (.cmudict(lexicon, validationWords), .g2p(config)):
            let dataset = try G2PExperiment.loadDataset(lexiconPath: lexicon, log: log)
            let train = recipe.trainLimit.map { Array(dataset.train.prefix($0)) } ?? dataset.train
            let task = G2PTask(config: config, train: train, validation: dataset.validation, validationWords: validationWords,
                               batchSize: recipe.training.batchSize, dropout: recipe.dropout, seed: recipe.seed)
            task.recipeText = recipe.text
            return task
        case let (data, .layers(config)):
            guard let source = try data.classificationSource else { throw WorkflowError.unsupported(file: recipe.file, what: "\(data.name) with a layer model") }
            // Splits are lazy where the source allows (HDF5: batches read from the file through a bounded cache).
            let rawTrain = try source.samples(.train)
            let normalizationAndNote = try inputNormalization(for: data, source: source, train: rawTrain)
            let normalization = normalizationAndNote?.0
            func prepared(_ raw: any LabelledSamples) throws -> any LabelledSamples {
                try (normalization.map { try NormalizedSamples(raw, $0) } ?? raw).viewed(as: config.inputShape)
            }
            var train = try prepared(rawTrain)
            let teacher = try teacherLogits(for: recipe, raw: rawTrain, prepared: train)
            if let limit = recipe.trainLimit, limit < train.count { train = train.samples(at: Array(0..<limit), name: train.name) }
            let distillation = teacher.map { logits in
                Distillation(teacherLogits: Array(logits.values.prefix(train.count * logits.classes)), teacherClasses: logits.classes,
                             alpha: recipe.distillation!.alpha, temperature: recipe.distillation!.temperature)
            }
            let validationSplit = try prepared(source.samples(.validation))
            var specialization = recipe.specialization
            if var spec = specialization, spec.needsMarginCalibration {
                let (marginIn, marginOut, count) = try MarginCalibration.calibrate(
                    config: config, train: train, validation: validationSplit, specialization: spec, settings: recipe.training,
                    seed: recipe.seed, quiet: options.quiet, log: log)
                if spec.isMarginInAuto { spec.marginIn = Float(marginIn) }
                if spec.isMarginOutAuto { spec.marginOut = Float(marginOut) }
                log(String(format: "energy-margin: m_in = %.4g%@, m_out = %.4g%@ (median and 95th percentile of %d in-subset training energies: %.4g, %.4g)",
                           spec.marginIn, spec.isMarginInAuto ? " (auto)" : " (recipe)", spec.marginOut,
                           spec.isMarginOutAuto ? " (auto)" : " (recipe)", count, marginIn, marginOut))
                specialization = spec
            }
            let task = try ClassificationTask(
                config: config, train: train, validation: validationSplit,
                test: try prepared(source.samples(.test)), batchSize: recipe.training.batchSize, seed: recipe.seed,
                specialization: specialization, distillation: distillation)
            task.recipeText = recipe.text
            task.augmentation = recipe.augmentation
            task.inputNormalization = normalization
            task.setupNotes = normalizationAndNote.map { [$0.note] } ?? []
            return task
        case let (data, model):
            throw WorkflowError.unsupported(file: recipe.file, what: "\(data.name) with \(model)")
        }
    }

    /// The input normalisation a run on `data` applies: none for Fashion-MNIST; for HDF5 (`data.normalization: auto`)
    /// the file's `mean`/`std`, else per-channel statistics of the training split, computed streaming (the same
    /// values on every run, so `--resume` continues with them).
    /// Also returns the line that reports it, which `run` prints once the run is known to start (so that a
    /// failing run prints its one error line only).
    func inputNormalization(for data: DataChoice, source: any ClassificationSource,
                            train: any LabelledSamples) throws -> (InputNormalization, note: String)? {
        guard case let .hdf5(_, _, _, _, mode) = data, mode == .auto else { return nil }
        if let prescribed = source.prescribedNormalization {
            return (prescribed, "input normalization: \(prescribed) (the file's mean/std attributes)")
        }
        let reporter = ProgressReporter(label: "normalization statistics", total: train.count, unit: "sample", quiet: options.quiet)
        let computed = try InputNormalization.statistics(of: train) { reporter.update($0) }
        return (computed, "input normalization: \(computed) (computed on the \(train.count) training samples; stored in the checkpoint)")
    }

    /// Teacher logits on the whole train split, or nil when the recipe does not distill (or α = 0). A teacher
    /// checkpoint sees `raw` through its own input normalisation and shape; a logits file is checked against the
    /// student's `prepared` samples.
    func teacherLogits(for recipe: TrainingRecipe, raw: any LabelledSamples, prepared: any LabelledSamples) throws -> (values: [Float], classes: Int)? {
        guard let distillation = recipe.distillation, distillation.alpha > 0 else { return nil }
        let file: LogitsFile
        if let logitsPath = distillation.teacherLogits["train"] {
            file = try TeacherLogits.fromFile(URL(fileURLWithPath: logitsPath), split: "train", data: prepared)
        } else {
            let checkpoint = try teacherCheckpoint(for: recipe, distillation)
            file = try TeacherLogits.fromCheckpoint(URL(fileURLWithPath: checkpoint), split: "train", data: raw, quiet: options.quiet)
        }
        guard file.classCount == raw.classNames.count else {
            throw ClassificationTaskError.teacherClassMismatch(teacherClasses: file.classCount, dataClasses: raw.classNames.count)
        }
        return (file.logits.scalars, file.classCount)
    }

    /// The teacher checkpoint path; a teacher recipe whose checkpoint is missing is trained first (or named).
    func teacherCheckpoint(for recipe: TrainingRecipe, _ distillation: TrainingRecipe.DistillationSection) throws -> String {
        if let path = distillation.teacherCheckpoint {
            guard FileManager.default.fileExists(atPath: path) else {
                throw WorkflowError.missingCheckpoint(path: path, key: "distillation.teacher_checkpoint", command: nil)
            }
            return path
        }
        let teacherRecipePath = RecipeDocument.resolve(distillation.teacherRecipe!, relativeTo: recipe.file)
        let teacherRecipe = try TrainingRecipe.load(path: teacherRecipePath)
        if !FileManager.default.fileExists(atPath: teacherRecipe.checkpointPath) {
            guard options.trainMissingTeacher else {
                throw WorkflowError.missingCheckpoint(path: teacherRecipe.checkpointPath, key: "distillation.teacher_recipe",
                                                      command: "ebjr train \(teacherRecipePath)")
            }
            log("teacher checkpoint \(teacherRecipe.checkpointPath) is missing: training \(teacherRecipePath) first")
            let outcome = try TrainingWorkflow(options: Options(quiet: options.quiet)).run(recipePath: teacherRecipePath)
            log(String(format: "teacher %@: test accuracy %.2f%%", teacherRecipe.name, (outcome.finalMetrics["test_accuracy"] ?? .nan) * 100))
        }
        return teacherRecipe.checkpointPath
    }
}

/// Errors assembling a workflow from recipes.
public enum WorkflowError: Error, CustomStringConvertible, Equatable {
    case missingCheckpoint(path: String, key: String, command: String?)
    case unsupported(file: String, what: String)

    public var description: String {
        switch self {
        case let .missingCheckpoint(path, key, command):
            "\(key): \(path) does not exist" + (command.map { " (run `\($0)` first)" } ?? "")
        case let .unsupported(file, what): "\(file): cannot train \(what)"
        }
    }
}
