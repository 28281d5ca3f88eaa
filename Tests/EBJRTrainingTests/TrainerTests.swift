import Testing
import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
@testable import EBJRTraining
import _EBJRTestSupport

/// The one training loop with a classification task on synthetic data: it learns, resumes bit-identically, keeps
/// the best epoch, starts from `init_from` weights, stops on divergence, and refuses training states it cannot
/// continue from exactly.
@Suite("Trainer")
struct TrainerTests {
    /// Three Gaussian blobs in 8 dimensions (seeded), split 300 / 90.
    static func data() -> (train: Dataset, validation: Dataset) {
        var generator = RandomGenerator(seed: 42)
        func split(_ n: Int, _ name: String) -> Dataset {
            var features: [Float] = [], labels: [Int] = []
            for i in 0..<n {
                let label = i % 3
                for d in 0..<8 { features.append(Float(d % 3 == label ? 1.5 : 0) + generator.nextUniform() - 0.5) }
                labels.append(label)
            }
            return Dataset(features: features, labels: labels, sampleShape: [8], classNames: ["a", "b", "c"], name: name)
        }
        return (split(300, "train"), split(90, "validation"))
    }

    static func task(seed: UInt64 = 1) throws -> ClassificationTask {
        let (train, validation) = data()
        return try ClassificationTask(config: .mlp([8, 16, 3]), train: train, validation: validation, test: nil, batchSize: 32, seed: seed)
    }

    static func settings(epochs: Int, keep: KeptWeights = .last, learningRate: Float = 0.01) -> TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: 32, learningRate: learningRate, keep: keep, seed: 1)
    }

    static func weights(_ path: String) throws -> [[Float]] {
        try Checkpoint.load(from: URL(fileURLWithPath: path)).modelState.map(\.tensor.scalars)
    }

    @Test func learnsAndResumesBitIdentically() throws {
        let dir = try TemporaryDirectory("trainer")
        let straight = Trainer(task: try Self.task(), settings: Self.settings(epochs: 4), checkpointPath: dir.file("straight.h5").path,
                               quiet: true, log: { _ in })
        let outcome = try straight.run()
        #expect(outcome.validationMetric > 0.9, "validation accuracy \(outcome.validationMetric)")
        #expect(outcome.records.last!.meanLoss < outcome.records.first!.meanLoss)

        let half = dir.file("half.h5").path
        _ = try Trainer(task: try Self.task(), settings: Self.settings(epochs: 2), checkpointPath: half, quiet: true, log: { _ in }).run()
        let resumed = Trainer(task: try Self.task(), settings: Self.settings(epochs: 4), checkpointPath: half, quiet: true, log: { _ in })
        try resumed.resume(from: half)
        let rest = try resumed.run()
        #expect(rest.records.map(\.epoch) == [3, 4])
        #expect(try Self.weights(half) == Self.weights(dir.file("straight.h5").path))
    }

    @Test func keepsTheBestEpochAndStartsFromInitWeights() throws {
        let dir = try TemporaryDirectory("trainer-keep")
        let path = dir.file("best.h5").path
        // A learning rate high enough that validation accuracy moves between epochs.
        let trainer = Trainer(task: try Self.task(), settings: Self.settings(epochs: 5, keep: .bestValidation, learningRate: 0.3),
                              checkpointPath: path, quiet: true, log: { _ in })
        let outcome = try trainer.run()
        let best = outcome.records.max { $0.validationMetric < $1.validationMetric || ($0.validationMetric == $1.validationMetric && $0.epoch > $1.epoch) }!
        #expect(outcome.keptEpoch == best.epoch && outcome.validationMetric == best.validationMetric)
        let saved = try Checkpoint.load(from: URL(fileURLWithPath: path))
        #expect(saved.metadata["kept_epoch"] == String(Double(best.epoch)) && saved.bestModelState == nil)

        // init_from: the weights of the checkpoint, a new optimizer at step 0.
        let tuned = Trainer(task: try Self.task(seed: 9), settings: Self.settings(epochs: 1, learningRate: 1e-12), checkpointPath: nil,
                            quiet: true, log: { _ in })
        try tuned.initialize(from: path)
        #expect(tuned.task.model.namedParameters().map(\.tensor.scalars) == saved.modelState.map(\.tensor.scalars))
        #expect(tuned.progress.globalStep == 0 && tuned.optimizer.stepCount == 0)
    }

    @Test func divergenceStopsTheRun() throws {
        let trainer = Trainer(task: try Self.task(), settings: Self.settings(epochs: 3, learningRate: 1e5), checkpointPath: nil,
                              quiet: true, log: { _ in })
        do {
            _ = try trainer.run()
            Issue.record("a learning rate of 1e5 trained without complaint")
        } catch let error as TrainingError {
            switch error {
            case .diverged, .nonFiniteLoss: #expect(error.description.hasPrefix("training diverged"))
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    /// Training states that cannot be continued exactly are one located error each.
    @Test(arguments: ["negative epoch", "epoch beyond the run", "step mismatch", "step overflow", "batch index", "missing Adam slot",
                      "NaN Adam state", "other seed", "weights only"])
    func invalidResumeStatesAreRefused(_ damage: String) throws {
        let dir = try TemporaryDirectory("trainer-resume")
        let path = dir.file("run.h5").path
        _ = try Trainer(task: try Self.task(), settings: Self.settings(epochs: 1), checkpointPath: path, quiet: true, log: { _ in }).run()
        var checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        switch damage {
        case "negative epoch": checkpoint.trainingState!.epoch = -1
        case "epoch beyond the run": checkpoint.trainingState!.epoch = 99
        case "step mismatch": checkpoint.trainingState!.globalStep += 1
        case "step overflow": checkpoint.trainingState!.globalStep = .max
        case "batch index": checkpoint.trainingState!.batchIndex = 5
        case "missing Adam slot":
            let name = checkpoint.optimizer!.state.keys.sorted()[0]
            checkpoint.optimizer!.state[name]!["exp_avg"] = nil
        case "NaN Adam state":
            let name = checkpoint.optimizer!.state.keys.sorted()[0]
            checkpoint.optimizer!.state[name]!["exp_avg"]!.data[0] = .nan
        case "other seed": checkpoint.trainingState!.integers["seed"] = 2
        default: checkpoint.trainingState = nil
        }
        try checkpoint.save(to: URL(fileURLWithPath: path))
        let trainer = Trainer(task: try Self.task(), settings: Self.settings(epochs: 3), checkpointPath: nil, quiet: true, log: { _ in })
        do {
            try trainer.resume(from: path)
            Issue.record("\(damage): resumed")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(path) && !message.contains("\n"), "\(damage): \(message)")
        }
    }
}
