import Foundation
import EBJRTensor
import EBJRNN
import EBJROptimizers
import EBJRCheckpoint
import EBJRRouting

/// Where a run stands: enough to resume it exactly.
public struct TrainingProgress: Equatable, Sendable {
    /// Epochs fully completed.
    public var epoch: Int
    /// Optimizer steps taken.
    public var globalStep: Int

    public init(epoch: Int = 0, globalStep: Int = 0) {
        self.epoch = epoch
        self.globalStep = globalStep
    }
}

/// Errors that stop training or refuse to resume it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, step: Int, value: Float)
    case diverged(epoch: Int, meanLoss: Double, lowest: Double, factor: Double)
    case emptyTrainingSet(String)
    case nonFiniteMetric(epoch: Int, metric: String)
    /// A checkpoint's training state cannot be resumed from (`key` names the dataset or attribute).
    case invalidResumeState(file: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step, value):
            "training diverged: loss is \(value) at epoch \(epoch + 1), step \(step) (lower the learning rate or check the data)"
        case let .diverged(epoch, mean, lowest, factor):
            "training diverged: mean loss \(String(format: "%.4g", mean)) in epoch \(epoch + 1) is over \(String(format: "%g", factor))× the lowest so far (\(String(format: "%.4g", lowest))); lower the learning rate, or raise training.divergence_factor"
        case let .emptyTrainingSet(name): "no training samples in \(name) (check the data, the subset and the design)"
        case let .nonFiniteMetric(epoch, metric): "validation \(metric) is not a number after epoch \(epoch + 1) (is the validation split empty?)"
        case let .invalidResumeState(file, key, reason): "\(file): \(key): \(reason); cannot resume exactly from it"
        }
    }
}

/// One finished epoch.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    public var meanLoss: Double
    public var validationMetric: Double
    public var seconds: Double
    public var itemsPerSecond: Double
    /// Learning rate at the epoch's last step.
    public var learningRate: Float
}

/// What a finished run reports.
public struct TrainingOutcome: Sendable {
    public var checkpoint: String
    public var metric: ValidationMetric
    /// Validation metric of the weights kept in the checkpoint.
    public var validationMetric: Double
    /// 1-based epoch whose weights were kept.
    public var keptEpoch: Int
    /// Epochs run by this invocation (a resumed run counts only its own).
    public var records: [EpochRecord]
    /// `TrainingTask.finalMetrics()` of the kept weights (e.g. `test_accuracy`).
    public var finalMetrics: [String: Double]
    /// The epoch after which early stopping ended the run (nil: it ran every epoch of the recipe).
    public var stoppedEarlyAfter: Int?
    /// Median training throughput over the epochs run (items per second).
    public var itemsPerSecond: Double
    /// What an item is (`samples`, `words`).
    public var itemName: String
}

/// The training loop of every task: epochs of batches the task provides, the learning-rate schedule, gradient
/// clipping, a stop on non-finite or diverging losses, a checkpoint every `checkpointEvery` epochs (atomically), the
/// best-validation weights (`keep: best_validation`), `init_from`, and an exact `--resume`: the data order, the
/// per-step noise and the optimizer state depend only on the seed and the position, all of which the checkpoint
/// holds, so a resumed run produces bit-identical weights.
///
/// Checkpoint bookkeeping (`training_state/`): `epoch`, `global_step`, the task's generators, integers `seed` and
/// `best_epoch`, reals `best_validation_metric`, `lowest_loss`; while a keep-best run is in progress the best weights
/// are in `best_model_weights/`. With `early_stopping`, its best metric and count (`early_stopping_best`,
/// `early_stopping_wait`) and, once it stopped the run, `stopped_early` (the epoch).
///
/// Every epoch adds a row to the run's `TrainingLog`, rewritten beside the checkpoint (`<name>.log.csv`) before the
/// epoch's checkpoint and stored in it (`metadata/training_log`), so that `--resume` continues the log of the epochs
/// the checkpoint holds.
public final class Trainer {
    public let task: TrainingTask
    public let settings: TrainingSettings
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    /// Where checkpoints go (nil: none are written).
    public let checkpointPath: String?
    /// Written into every checkpoint's `metadata/` (name, recipe file, …).
    public var metadata: [String: String]
    public var quiet: Bool
    public var log: (String) -> Void
    public private(set) var progress = TrainingProgress()

    private var best: (epoch: Int, metric: Double, weights: [(name: String, tensor: Tensor)])?
    private var lowestLoss: Double?
    private var lastMetric: Double?
    private var earlyStopping = EarlyStopping.State()
    /// The epoch after which early stopping ended the run.
    private var stoppedEarly: Int?
    /// The per-epoch log (see `TrainingLog`).
    public private(set) var trainingLog: TrainingLog

    public init(task: TrainingTask, settings: TrainingSettings, checkpointPath: String?, metadata: [String: String] = [:],
                quiet: Bool = false, log: @escaping (String) -> Void = logLine) {
        self.task = task
        self.settings = settings
        self.checkpointPath = checkpointPath
        self.metadata = metadata
        self.quiet = quiet
        self.log = log
        trainingLog = TrainingLog(metricKey: task.metric.key, itemName: task.itemName)
        optimizer = settings.optimizer.make(parameters: task.model.namedParameters(), learningRate: settings.learningRate)
        schedule = settings.schedule.schedule(epochs: settings.epochs, batchesPerEpoch: task.batchesPerEpoch)
    }

    /// Copies the weights of the checkpoint at `path` into the model (`training.init_from`): a warm start with a new
    /// optimizer and epoch 1 of the schedule.
    public func initialize(from path: String) throws {
        let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        try task.loadWeights(from: checkpoint, path: path)
        log("starting from the weights of \(path) (training.init_from: new optimizer, epoch 1 of the schedule)")
    }

    /// Restores weights, optimizer, position, generators, the best epoch so far and the lowest loss from a checkpoint
    /// this trainer wrote, after checking that every number in its training state is one this run can continue from.
    /// Returns the checkpoint it read (e.g. to compare its recipe text), so that callers need not read it again.
    @discardableResult
    public func resume(from path: String) throws -> Checkpoint {
        let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        func invalid(_ key: String, _ reason: String) -> TrainingError { .invalidResumeState(file: path, key: key, reason: reason) }
        guard let state = checkpoint.trainingState else {
            throw invalid("training_state", "missing (a checkpoint with weights only can start a run through training.init_from)")
        }
        guard let snapshot = checkpoint.optimizer else { throw invalid("optimizer_weights", "missing") }
        guard (0...settings.epochs).contains(state.epoch) else {
            throw invalid("training_state/epoch", "\(state.epoch) is outside 0…\(settings.epochs) (the recipe's epochs)")
        }
        let (expectedStep, overflow) = state.epoch.multipliedReportingOverflow(by: task.batchesPerEpoch)
        guard !overflow, state.globalStep == expectedStep else {
            throw invalid("training_state/global_step", "\(state.globalStep) ≠ \(state.epoch) epochs × \(task.batchesPerEpoch) batches")
        }
        if let seed = state.integers["seed"], seed != Int64(bitPattern: settings.seed) {
            throw invalid("training_state/seed", "\(seed) ≠ the recipe's seed \(settings.seed) (the data order and noise would differ)")
        }
        guard state.batchIndex == 0 else { throw invalid("training_state/batch_index", "\(state.batchIndex) (checkpoints are taken between epochs)") }
        guard snapshot.stepCount == state.globalStep else {
            throw invalid("optimizer_weights", "step count \(snapshot.stepCount) ≠ global step \(state.globalStep)")
        }
        // Stored hyperparameters must be numbers, and the ones the schedule does not set must be the recipe's: the
        // run continues with the recipe's optimizer, so any other value would silently change the result.
        let current = optimizer.hyperparameters
        for (name, value) in snapshot.hyperparameters.sorted(by: { $0.key < $1.key }) {
            guard value.isFinite else { throw invalid("optimizer_weights@\(name)", "is \(value), not a number the run can continue with") }
            if name != "lr", let expected = current[name], expected != value {
                throw invalid("optimizer_weights@\(name)", "\(value) ≠ the recipe's \(expected)")
            }
        }
        let names = task.model.namedParameters().map(\.name)
        if state.globalStep > 0 && (snapshot.name.hasPrefix("adam") || !snapshot.state.isEmpty) {
            let slots = Set(snapshot.state.values.first?.keys.map { $0 } ?? [])
            for name in names {
                guard let stored = snapshot.state[name], Set(stored.keys) == slots, !slots.isEmpty else {
                    throw invalid("optimizer_weights/\(name)", "missing or incomplete state (slots \(slots.sorted()))")
                }
                for (slot, tensor) in stored where !tensor.scalars.allSatisfy(\.isFinite) {
                    throw invalid("optimizer_weights/\(name)/\(slot)", "holds NaN or infinity")
                }
            }
        }
        try task.loadWeights(from: checkpoint, path: path)
        try snapshot.restore(into: optimizer, file: path)
        progress = TrainingProgress(epoch: state.epoch, globalStep: state.globalStep)
        if !state.randomStates.isEmpty {
            for (role, words) in state.randomStates where words.count != 4 || words.allSatisfy({ $0 == 0 }) {
                throw invalid("training_state/random_states/\(role)", "not a generator state (\(words.count) words)")
            }
            task.randomStates = state.randomStates
        }
        if let lowest = state.reals[Self.lowestLossKey] {
            guard lowest.isFinite, lowest >= 0 else { throw invalid("training_state/\(Self.lowestLossKey)", "\(lowest) is not a loss") }
            lowestLoss = lowest
        }
        if let bestEpoch = state.integers[Self.bestEpochKey] {
            guard let metric = state.reals[Self.bestMetricKey], metric.isFinite else {
                throw invalid("training_state/\(Self.bestMetricKey)", "missing or not finite beside best_epoch")
            }
            guard (1...Int64(max(state.epoch, 1))).contains(bestEpoch) else {
                throw invalid("training_state/\(Self.bestEpochKey)", "\(bestEpoch) is outside 1…\(state.epoch)")
            }
            guard let weights = checkpoint.bestModelState else { throw invalid("best_model_weights", "missing beside best_epoch") }
            best = (Int(bestEpoch), metric, weights)
        } else if settings.keep == .bestValidation && state.epoch > 0 {
            throw invalid("training_state/\(Self.bestEpochKey)", "missing, but the recipe keeps the best validation epoch")
        }
        if let metric = state.reals[Self.lastMetricKey], metric.isFinite { lastMetric = metric }
        try restoreEarlyStopping(state, invalid: invalid)
        restoreLog(checkpoint: checkpoint, epochs: state.epoch)
        log("resumed from \(path) at epoch \(progress.epoch), step \(progress.globalStep)")
        return checkpoint
    }

    /// Runs the remaining epochs, saves checkpoints, and finishes with the kept weights (the last epoch's, or the
    /// best validation epoch's) in the model and in the final checkpoint.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        guard task.trainingCount > 0, task.batchesPerEpoch > 0 else { throw TrainingError.emptyTrainingSet(metadata["name"] ?? "the run") }
        var records: [EpochRecord] = []
        while progress.epoch < settings.epochs && stoppedEarly == nil {
            let record = try runEpoch()
            records.append(record)
            log(String(format: "epoch %d/%d: loss %.4f, %.0f %@/s, %.1f s, validation %@ %.2f%%", record.epoch, settings.epochs,
                       record.meanLoss, record.itemsPerSecond, task.itemName, record.seconds, task.metric.label,
                       record.validationMetric * 100))
            if settings.keep == .bestValidation, task.metric.isBetter(record.validationMetric, than: best?.metric) {
                best = (record.epoch, record.validationMetric, Checkpoint.modelState(of: task.model))
            }
            if let rule = settings.earlyStopping, rule.observe(record.validationMetric, metric: task.metric, state: &earlyStopping) {
                stoppedEarly = record.epoch
                log(String(format: "early stopping after epoch %d: validation %@ has not improved by more than %g for %d epoch%@ (best %.2f%%)",
                           record.epoch, task.metric.label, rule.minDelta, rule.patience, rule.patience == 1 ? "" : "s",
                           (earlyStopping.best ?? .nan) * 100))
            }
            trainingLog.append(record, finishedAt: Date())
            if let checkpointPath { try trainingLog.write(to: TrainingLog.path(forCheckpoint: checkpointPath)) }
            let every = settings.checkpointEvery
            if progress.epoch == settings.epochs || stoppedEarly != nil || (every > 0 && progress.epoch % every == 0) {
                try save(final: nil)
            }
        }
        var validation = try lastMetric ?? task.validate()
        lastMetric = validation
        var keptEpoch = progress.epoch
        var kept: [String: Double] = [:]
        if settings.keep == .bestValidation, let best {
            for (parameter, stored) in zip(task.model.namedState(), best.weights) {
                parameter.tensor.data.update(from: stored.tensor.data, count: stored.tensor.count)
            }
            log(String(format: "keeping epoch %d (best validation %@ %.2f%%; the last epoch had %.2f%%)", best.epoch,
                       task.metric.label, best.metric * 100, validation * 100))
            kept["last_epoch_validation_\(task.metric.key)"] = validation
            validation = best.metric
            keptEpoch = best.epoch
        }
        let final = try task.finalMetrics()
        kept["validation_\(task.metric.key)"] = validation
        kept["kept_epoch"] = Double(keptEpoch)
        try save(final: kept.merging(final) { $1 })
        return TrainingOutcome(checkpoint: checkpointPath ?? "", metric: task.metric, validationMetric: validation, keptEpoch: keptEpoch,
                               records: records, finalMetrics: final, stoppedEarlyAfter: stoppedEarly,
                               itemsPerSecond: median(records.map(\.itemsPerSecond)), itemName: task.itemName)
    }

    /// Trains the next epoch and validates.
    func runEpoch() throws -> EpochRecord {
        let epoch = progress.epoch
        task.model.train()
        let batches = task.batches(epoch: epoch)
        let reporter = ProgressReporter(label: "epoch \(epoch + 1)/\(settings.epochs)", total: batches.count, unit: "batch", quiet: quiet)
        let start = Date()
        var lossSum = 0.0, lossCount = 0, items = 0
        for (b, batch) in batches.enumerated() {
            optimizer.learningRate = schedule.learningRate(base: settings.learningRate, step: progress.globalStep)
            let batchLoss = try task.loss(batch: batch, noise: settings.noiseGenerator(step: progress.globalStep))
            let value = batchLoss.loss.item
            guard value.isFinite, batchLoss.sum.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: epoch, step: progress.globalStep, value: value)
            }
            if progress.globalStep == 0 { lowestLoss = batchLoss.sum / Double(max(batchLoss.count, 1)) }
            optimizer.zeroGrad()
            batchLoss.loss.backward()
            if let clip = settings.clipNorm { clipGradientNorm(task.model.parameters, maxNorm: clip) }
            optimizer.step()
            lossSum += batchLoss.sum
            lossCount += batchLoss.count
            items += batch.count
            progress.globalStep += 1
            reporter.update(b + 1, status: String(format: "loss %.4f", lossSum / Double(max(lossCount, 1))))
        }
        optimizer.zeroGrad()
        let seconds = Date().timeIntervalSince(start)
        let meanLoss = lossSum / Double(max(lossCount, 1))
        if settings.divergenceFactor > 0, let lowest = lowestLoss, meanLoss > settings.divergenceFactor * max(lowest, Self.lossFloor) {
            throw TrainingError.diverged(epoch: epoch, meanLoss: meanLoss, lowest: lowest, factor: settings.divergenceFactor)
        }
        lowestLoss = min(lowestLoss ?? meanLoss, meanLoss)
        progress.epoch += 1
        let metric = try task.validate()
        guard metric.isFinite else { throw TrainingError.nonFiniteMetric(epoch: epoch, metric: task.metric.label) }
        lastMetric = metric
        return EpochRecord(epoch: epoch + 1, meanLoss: meanLoss, validationMetric: metric, seconds: seconds,
                           itemsPerSecond: Double(items) / max(seconds, 1e-9), learningRate: optimizer.learningRate)
    }

    /// Writes the checkpoint: the current weights, optimizer and position; mid-run (`final == nil`) the best weights
    /// so far beside them; at the end the metrics of the kept weights.
    func save(final: [String: Double]?) throws {
        guard let checkpointPath else { return }
        var state = TrainingState(epoch: progress.epoch, globalStep: progress.globalStep, randomStates: task.randomStates,
                                  integers: ["seed": Int64(bitPattern: settings.seed)])
        if let lowestLoss { state.reals[Self.lowestLossKey] = lowestLoss }
        if let lastMetric { state.reals[Self.lastMetricKey] = lastMetric }
        if let best, final == nil {
            state.integers[Self.bestEpochKey] = Int64(best.epoch)
            state.reals[Self.bestMetricKey] = best.metric
        }
        if settings.earlyStopping != nil, let bestMetric = earlyStopping.best {
            state.reals[Self.earlyStoppingBestKey] = bestMetric
            state.integers[Self.earlyStoppingWaitKey] = Int64(earlyStopping.wait)
        }
        if let stoppedEarly { state.integers[Self.stoppedEarlyKey] = Int64(stoppedEarly) }
        var metadata = self.metadata
        metadata[TrainingLog.metadataKey] = trainingLog.text
        metadata["kept_weights"] = settings.keep.rawValue
        metadata["validation_metric"] = task.metric.key
        for (key, value) in final ?? [:] { metadata[key] = String(value) }
        if final == nil { metadata["weights"] = "epoch \(progress.epoch) (latest; training in progress)" }
        var checkpoint = try task.makeCheckpoint(weights: Checkpoint.modelState(of: task.model), optimizer: OptimizerSnapshot(optimizer),
                                                 state: state, metadata: metadata)
        if final == nil, settings.keep == .bestValidation { checkpoint.bestModelState = best?.weights }
        let url = URL(fileURLWithPath: checkpointPath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try checkpoint.save(to: url)
    }

    /// Losses below this count as this much in the divergence test, so that a loss near zero followed by ordinary
    /// noise is not mistaken for divergence.
    static let lossFloor = 0.05
    static let bestEpochKey = "best_epoch"
    static let bestMetricKey = "best_validation_metric"
    static let lowestLossKey = "lowest_loss"
    static let lastMetricKey = "last_validation_metric"
    static let earlyStoppingBestKey = "early_stopping_best"
    static let earlyStoppingWaitKey = "early_stopping_wait"
    static let stoppedEarlyKey = "stopped_early"

    /// Restores the early-stopping count and best metric (and whether it already stopped the run), checking that they
    /// are values this run can continue from.
    private func restoreEarlyStopping(_ state: TrainingState, invalid: (String, String) -> TrainingError) throws {
        guard let rule = settings.earlyStopping else { return }
        if let stopped = state.integers[Self.stoppedEarlyKey] {
            guard Int64(state.epoch) == stopped else {
                throw invalid("training_state/\(Self.stoppedEarlyKey)", "\(stopped) ≠ the stored epoch \(state.epoch)")
            }
            stoppedEarly = Int(stopped)
        }
        guard let bestMetric = state.reals[Self.earlyStoppingBestKey] else {
            if state.epoch > 0 { log("the checkpoint has no early-stopping state: counting epochs without improvement from epoch \(state.epoch + 1)") }
            return
        }
        guard bestMetric.isFinite else { throw invalid("training_state/\(Self.earlyStoppingBestKey)", "\(bestMetric) is not finite") }
        let wait = state.integers[Self.earlyStoppingWaitKey] ?? -1
        let limit = stoppedEarly == nil ? rule.patience - 1 : rule.patience
        guard (0...Int64(min(limit, state.epoch))).contains(wait) else {
            throw invalid("training_state/\(Self.earlyStoppingWaitKey)", "\(wait) is outside 0…\(min(limit, state.epoch)) (patience \(rule.patience))")
        }
        earlyStopping = EarlyStopping.State(best: bestMetric, wait: Int(wait))
    }

    /// The log rows of the epochs the checkpoint holds: its own copy, else the CSV beside the output (an older
    /// checkpoint), else none (the log then starts at the resumed epoch, and says so).
    private func restoreLog(checkpoint: Checkpoint, epochs: Int) {
        if let text = checkpoint.metadata[TrainingLog.metadataKey], trainingLog.restore(from: text, epochs: epochs) { return }
        if let checkpointPath, let text = try? String(contentsOfFile: TrainingLog.path(forCheckpoint: checkpointPath), encoding: .utf8),
           trainingLog.restore(from: text, epochs: epochs) { return }
        if epochs > 0 { log("no training log of epochs 1…\(epochs) in the checkpoint or beside it: the log starts at epoch \(epochs + 1)") }
    }
}
