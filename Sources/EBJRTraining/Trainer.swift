import Foundation
import EBJRTensor
import EBJRNN
import EBJROptimizers
import EBJRData

/// Where a run stands: enough to resume it exactly.
public struct TrainingProgress: Equatable, Sendable {
    /// Epochs fully completed.
    public var epoch: Int
    /// Optimizer steps taken.
    public var globalStep: Int
    /// Batches completed within the current epoch (0 at epoch boundaries).
    public var batchInEpoch: Int

    public init(epoch: Int = 0, globalStep: Int = 0, batchInEpoch: Int = 0) {
        self.epoch = epoch
        self.globalStep = globalStep
        self.batchInEpoch = batchInEpoch
    }
}

/// Errors that stop training.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, step: Int, value: Float)
    case emptyTrainingSet(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step, value):
            "training diverged: loss is \(value) at epoch \(epoch + 1), step \(step) (lower the learning rate or check the data)"
        case let .emptyTrainingSet(name): "no training samples in \(name) (check the subset and design)"
        }
    }
}

/// Summary of one finished epoch.
public struct EpochSummary: Sendable {
    public var epoch: Int
    public var meanLoss: Double
    public var samplesPerSecond: Double
    public var validationAccuracy: Double?
}

/// Mini-batch training of a `Module` with an optimizer, a learning-rate schedule and an objective.
/// The data order of every epoch depends only on `(seed, epoch)`, so a run resumed from an epoch
/// checkpoint produces bit-identical weights.
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    public let baseLearningRate: Float
    public let sampler: BatchSampler
    public let data: Dataset
    public let objective: TrainingObjective
    public var clipNorm: Float?
    public var progress = TrainingProgress()
    public var quiet = false

    public init(model: Module, optimizer: Optimizer, schedule: LearningRateSchedule = .constant, sampler: BatchSampler,
                data: Dataset, objective: TrainingObjective, clipNorm: Float? = nil) {
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        baseLearningRate = optimizer.learningRate
        self.sampler = sampler
        self.data = data
        self.objective = objective
        self.clipNorm = clipNorm
    }

    /// Trains one epoch (the next one after `progress.epoch`) and returns its summary.
    public func runEpoch() throws -> EpochSummary {
        guard data.count > 0 else { throw TrainingError.emptyTrainingSet(data.name) }
        model.train()
        let epoch = progress.epoch
        let batches = sampler.batches(epoch: epoch)
        let reporter = ProgressReporter(label: "epoch \(epoch + 1)", total: batches.count, unit: "batch", quiet: quiet)
        let start = Date()
        var lossSum = 0.0, seen = 0
        for b in progress.batchInEpoch..<batches.count {
            let indices = batches[b]
            optimizer.learningRate = schedule.learningRate(base: baseLearningRate, step: progress.globalStep)
            let input = data.batchTensor(indices)
            let loss = objective.loss(logits: model(input), indices: indices)
            let value = loss.item
            guard value.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: epoch, step: progress.globalStep, value: value)
            }
            optimizer.zeroGrad()
            loss.backward()
            if let clipNorm { clipGradientNorm(model.parameters, maxNorm: clipNorm) }
            optimizer.step()
            lossSum += Double(value) * Double(indices.count)
            seen += indices.count
            progress.globalStep += 1
            progress.batchInEpoch = b + 1
            reporter.update(b + 1, status: String(format: "loss %.4f", lossSum / Double(max(seen, 1))))
        }
        progress.epoch += 1
        progress.batchInEpoch = 0
        let elapsed = Date().timeIntervalSince(start)
        return EpochSummary(epoch: epoch, meanLoss: lossSum / Double(max(seen, 1)),
                            samplesPerSecond: Double(seen) / max(elapsed, 1e-9), validationAccuracy: nil)
    }
}

/// Inference over a dataset in batches, with gradient recording off.
public enum Inference {
    /// Logits `[N, K]` row-major of `model` on every sample of `data`.
    public static func logits(of model: Module, on data: Dataset, batchSize: Int = 512) -> (values: [Float], classes: Int) {
        model.eval()
        defer { model.train() }
        var values: [Float] = []
        var classes = 0
        noGrad {
            var start = 0
            while start < data.count {
                let end = min(start + batchSize, data.count)
                let out = model(data.batchTensor(range: start..<end))
                classes = out.shape[1]
                values.append(contentsOf: UnsafeBufferPointer(start: out.data, count: out.count))
                start = end
            }
        }
        return (values, classes)
    }

    /// Top-1 accuracy of row-wise argmax of `logits` against `labels`.
    public static func accuracy(logits: [Float], classes: Int, labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 0 }
        var correct = 0
        for (r, label) in labels.enumerated() {
            var best = 0
            for j in 1..<classes where logits[r * classes + j] > logits[r * classes + best] { best = j }
            if best == label { correct += 1 }
        }
        return Double(correct) / Double(labels.count)
    }
}
