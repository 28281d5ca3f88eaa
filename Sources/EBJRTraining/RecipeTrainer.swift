import Foundation
import EBJRRecipe
import EBJRTensor
import EBJRNN
import EBJROptimizers
import EBJRData
import EBJRCheckpoint

/// Runs a recipe end to end: resolves (and if needed trains) the teacher, builds the run, resumes from a
/// checkpoint if asked, trains with a checkpoint every `checkpoint_every` epochs and at the end, and reports
/// validation and test accuracy. With `training.keep: best_validation` the final checkpoint (and the test figure)
/// is the epoch with the highest validation accuracy.
public struct RecipeTrainer {
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

    /// What a finished run reports.
    public struct Outcome: Sendable {
        public var checkpoint: String
        public var validationAccuracy: Double
        public var testAccuracy: Double
        public var samplesPerSecond: Double
    }

    /// The best-validation weights of a run that keeps them.
    struct BestEpoch {
        var validationAccuracy: Double
        /// 1-based epoch after which the weights were taken.
        var epoch: Int
        var state: [(name: String, tensor: Tensor)]
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Loads the recipe at `path` with the command-line overrides applied.
    public func loadRecipe(_ path: String) throws -> Recipe {
        var recipe = try Recipe.load(path: path)
        if let epochs = options.epochs { recipe.training.epochs = epochs }
        if let alpha = options.alpha {
            guard (0...1).contains(alpha) else {
                throw RecipeError.invalidValue(file: path, path: "--alpha", line: nil, reason: "must be in [0, 1]")
            }
            if recipe.distillation != nil { recipe.distillation!.alpha = alpha }
        }
        if let checkpoint = options.checkpoint { recipe.checkpointPath = checkpoint }
        return recipe
    }

    @discardableResult
    public func run(recipePath: String) throws -> Outcome {
        let recipe = try loadRecipe(recipePath)
        let teacher = try teacherLogits(for: recipe)
        let run = try TrainingRun(recipe: recipe, teacherLogits: teacher)
        run.trainer.quiet = options.quiet
        var best: BestEpoch?
        if let resume = options.resume { best = try restore(run, from: resume) }
        logLine("\(recipe.name): \(run.model.parameterCount) parameters, \(recipe.model.flops) FLOPs/sample, "
                + "\(run.trainData.count) training samples, epochs \(run.trainer.progress.epoch + 1)…\(recipe.training.epochs)")
        var rates: [Double] = []
        var validationAccuracy = run.trainer.progress.epoch > 0 ? run.accuracy(on: run.validation) : 0
        while run.trainer.progress.epoch < recipe.training.epochs {
            let summary = try run.trainer.runEpoch()
            rates.append(summary.samplesPerSecond)
            validationAccuracy = run.accuracy(on: run.validation)
            logLine(String(format: "epoch %d/%d: loss %.4f, %.0f samples/s, validation accuracy %.2f%%", summary.epoch + 1,
                           recipe.training.epochs, summary.meanLoss, summary.samplesPerSecond, validationAccuracy * 100))
            if recipe.training.keep == .bestValidation, validationAccuracy > best?.validationAccuracy ?? -1 {
                best = BestEpoch(validationAccuracy: validationAccuracy, epoch: run.trainer.progress.epoch,
                                 state: Checkpoint.modelState(of: run.model))
            }
            let every = recipe.training.checkpointEvery
            let isLast = run.trainer.progress.epoch == recipe.training.epochs
            if isLast || (every > 0 && run.trainer.progress.epoch % every == 0) {
                try save(run, metrics: ["validation_accuracy": validationAccuracy], best: best)
            }
        }
        var kept: [String: Double] = [:]
        if recipe.training.keep == .bestValidation, let best {
            _ = try Checkpoint(modelConfig: recipe.model, modelState: best.state)
                .apply(to: run.model, architecture: recipe.model, strict: true)
            logLine(String(format: "keeping epoch %d (best validation accuracy %.2f%%; the last epoch had %.2f%%)",
                           best.epoch, best.validationAccuracy * 100, validationAccuracy * 100))
            kept = ["last_epoch_validation_accuracy": validationAccuracy, "kept_epoch": Double(best.epoch)]
            validationAccuracy = best.validationAccuracy
        }
        let test = try FashionMNIST.load(.test, directory: recipe.data.directory ?? FashionMNIST.defaultDirectory,
                                         flatten: recipe.model.inputShape.count == 1)
        let testAccuracy = run.accuracy(on: test)
        try save(run, metrics: kept.merging(["validation_accuracy": validationAccuracy, "test_accuracy": testAccuracy]) { $1 },
                 best: nil)
        let rate = rates.isEmpty ? 0 : rates.sorted()[rates.count / 2]
        return Outcome(checkpoint: recipe.checkpointPath, validationAccuracy: validationAccuracy, testAccuracy: testAccuracy,
                       samplesPerSecond: rate)
    }

    /// Teacher logits on the train split, or nil when the recipe does not distill (or α = 0).
    func teacherLogits(for recipe: Recipe) throws -> (values: [Float], classes: Int)? {
        guard let distillation = recipe.distillation, distillation.alpha > 0 else { return nil }
        let directory = recipe.data.directory ?? FashionMNIST.defaultDirectory
        let file: LogitsFile
        if let logitsPath = distillation.teacherLogits["train"] {
            let train = try FashionMNIST.load(.train, directory: directory, flatten: true)
            file = try TeacherLogits.fromFile(URL(fileURLWithPath: logitsPath), split: "train", data: train)
        } else {
            let checkpoint = try teacherCheckpoint(for: recipe, distillation)
            let config = try Checkpoint.readModelConfig(from: URL(fileURLWithPath: checkpoint))
            let train = try FashionMNIST.load(.train, directory: directory, flatten: config.inputShape.count == 1)
            file = try TeacherLogits.fromCheckpoint(URL(fileURLWithPath: checkpoint), split: "train", data: train,
                                                    quiet: options.quiet)
        }
        let k = file.classCount
        guard k == FashionMNIST.classNames.count else {
            throw TrainingRunError.teacherClassMismatch(teacherClasses: k, dataClasses: FashionMNIST.classNames.count)
        }
        return (Array(UnsafeBufferPointer(start: file.logits.data, count: file.logits.count)), k)
    }

    /// The teacher checkpoint path; a teacher recipe whose checkpoint is missing is trained first (or named).
    func teacherCheckpoint(for recipe: Recipe, _ distillation: Recipe.DistillationSection) throws -> String {
        if let path = distillation.teacherCheckpoint {
            guard FileManager.default.fileExists(atPath: path) else {
                throw RecipeError.invalidValue(file: recipe.file, path: "distillation.teacher_checkpoint", line: nil,
                                               reason: "names \(path), which does not exist")
            }
            return path
        }
        let teacherRecipePath = Self.resolve(distillation.teacherRecipe!, relativeTo: recipe.file)
        let teacherRecipe = try Recipe.load(path: teacherRecipePath)
        if !FileManager.default.fileExists(atPath: teacherRecipe.checkpointPath) {
            guard options.trainMissingTeacher else {
                throw RecipeError.invalidValue(file: recipe.file, path: "distillation.teacher_recipe", line: nil,
                    reason: "teacher checkpoint \(teacherRecipe.checkpointPath) is missing: run `ebjr train \(teacherRecipePath)` first")
            }
            logLine("teacher checkpoint \(teacherRecipe.checkpointPath) is missing: training \(teacherRecipePath) first")
            let teacherTrainer = RecipeTrainer(options: Options(quiet: options.quiet))
            let outcome = try teacherTrainer.run(recipePath: teacherRecipePath)
            logLine(String(format: "teacher %@: test accuracy %.2f%%", teacherRecipe.name, outcome.testAccuracy * 100))
        }
        return teacherRecipe.checkpointPath
    }

    /// A path from a recipe, relative to the recipe's folder unless it exists relative to the working directory.
    static func resolve(_ path: String, relativeTo recipeFile: String) -> String {
        RecipeDocument.resolve(path, relativeTo: recipeFile)
    }

    /// Writes the run's checkpoint; `best` (mid-run, when keeping the best-validation weights) goes into
    /// `best_model_weights/` and the training state so that `--resume` keeps tracking it.
    func save(_ run: TrainingRun, metrics: [String: Double], best: BestEpoch?) throws {
        let recipe = run.recipe
        let url = URL(fileURLWithPath: recipe.checkpointPath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var metadata = ["name": recipe.name, "recipe_file": recipe.file]
        for (key, value) in metrics { metadata[key] = String(value) }
        if let d = recipe.distillation { metadata["distillation_alpha"] = String(d.alpha); metadata["distillation_temperature"] = String(d.temperature) }
        metadata["kept_weights"] = recipe.training.keep.rawValue
        let progress = run.trainer.progress
        var state = TrainingState(epoch: progress.epoch, globalStep: progress.globalStep, batchIndex: progress.batchInEpoch,
                                  integers: ["seed": Int64(bitPattern: recipe.seed)])
        if let best {
            state.integers[Self.bestEpochKey] = Int64(best.epoch)
            state.reals[Self.bestAccuracyKey] = best.validationAccuracy
        }
        var checkpoint = Checkpoint(
            modelConfig: recipe.model, modelState: Checkpoint.modelState(of: run.model),
            optimizer: OptimizerSnapshot(run.optimizer), trainingState: state,
            recipe: recipe.text, classNames: FashionMNIST.classNames, classSubset: recipe.specialization?.subset,
            subsetDesign: recipe.specialization?.design.rawValue, metadata: metadata)
        checkpoint.bestModelState = best?.state
        try checkpoint.save(to: url)
    }

    static let bestEpochKey = "best_epoch"
    static let bestAccuracyKey = "best_validation_accuracy"

    /// The best-validation weights stored in a mid-run checkpoint, if any.
    static func bestEpoch(in checkpoint: Checkpoint) -> BestEpoch? {
        guard let state = checkpoint.bestModelState, let training = checkpoint.trainingState,
              let epoch = training.integers[bestEpochKey], let accuracy = training.reals[bestAccuracyKey] else { return nil }
        return BestEpoch(validationAccuracy: accuracy, epoch: Int(epoch), state: state)
    }

    /// Restores model, optimizer and progress; returns the best-validation weights the checkpoint tracks, if any.
    func restore(_ run: TrainingRun, from path: String) throws -> BestEpoch? {
        let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        _ = try checkpoint.apply(to: run.model, architecture: run.recipe.model, strict: true)
        if let snapshot = checkpoint.optimizer { try snapshot.restore(into: run.optimizer, file: path) }
        if let state = checkpoint.trainingState {
            run.trainer.progress = TrainingProgress(epoch: state.epoch, globalStep: state.globalStep, batchInEpoch: state.batchIndex)
        }
        if checkpoint.recipe != run.recipe.text {
            logLine("warning: \(path) was written by a different recipe text than \(run.recipe.file); continuing with the latter")
        }
        logLine("resumed from \(path) at epoch \(run.trainer.progress.epoch), step \(run.trainer.progress.globalStep)")
        return Self.bestEpoch(in: checkpoint)
    }
}
