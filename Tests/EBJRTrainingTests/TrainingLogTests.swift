import Testing
import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
@testable import EBJRTraining
import _EBJRTestSupport

/// The per-epoch CSV beside each checkpoint and early stopping: rows match the epochs run, a run killed between
/// checkpoints and resumed has every epoch exactly once, early stopping triggers on a plateau, and a resumed run stops
/// at the same epoch with the same weights as an uninterrupted one.
@Suite("Training log and early stopping")
struct TrainingLogTests {
    /// A task that fails ("is killed") at the first step of epoch `killAtEpoch` (1-based), delegating all else.
    final class KilledTask: TrainingTask {
        struct Killed: Error {}
        let inner: ClassificationTask
        let killAtStep: Int
        private var steps = 0
        init(_ inner: ClassificationTask, killAtEpoch: Int) {
            self.inner = inner
            killAtStep = (killAtEpoch - 1) * inner.batchesPerEpoch
        }
        var model: Module { inner.model }
        var trainingCount: Int { inner.trainingCount }
        var batchesPerEpoch: Int { inner.batchesPerEpoch }
        var metric: ValidationMetric { inner.metric }
        func batches(epoch: Int) -> [[Int]] {
            steps = epoch * inner.batchesPerEpoch
            return inner.batches(epoch: epoch)
        }
        func loss(batch: [Int], noise: RandomGenerator) throws -> BatchLoss {
            guard steps < killAtStep else { throw Killed() }
            steps += 1
            return try inner.loss(batch: batch, noise: noise)
        }
        func validate() throws -> Double { try inner.validate() }
        var randomStates: [String: [UInt64]] {
            get { inner.randomStates }
            set { inner.randomStates = newValue }
        }
        func loadWeights(from checkpoint: Checkpoint, path: String) throws { try inner.loadWeights(from: checkpoint, path: path) }
        func makeCheckpoint(weights: [(name: String, tensor: Tensor)], optimizer: OptimizerSnapshot?, state: TrainingState,
                            metadata: [String: String]) throws -> Checkpoint {
            try inner.makeCheckpoint(weights: weights, optimizer: optimizer, state: state, metadata: metadata)
        }
    }

    static func settings(epochs: Int, learningRate: Float = 0.01, checkpointEvery: Int = 1, earlyStopping: EarlyStopping? = nil)
        -> TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: 32, learningRate: learningRate, checkpointEvery: checkpointEvery, seed: 1,
                         earlyStopping: earlyStopping)
    }

    static func trainer(_ task: TrainingTask, _ settings: TrainingSettings, _ path: String) -> Trainer {
        Trainer(task: task, settings: settings, checkpointPath: path, quiet: true, log: { _ in })
    }

    /// The CSV's rows as fields (header dropped), and the header.
    static func csv(_ checkpoint: String) throws -> (header: String, rows: [[String]]) {
        let text = try String(contentsOfFile: TrainingLog.path(forCheckpoint: checkpoint), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        return (lines[0], lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
    }

    /// The columns that do not depend on timing: epoch, loss, validation metric, learning rate.
    static func deterministic(_ rows: [[String]]) -> [[String]] { rows.map { Array($0.prefix(4)) } }

    @Test func csvHasOneRowPerEpochBesideTheCheckpoint() throws {
        let dir = try TemporaryDirectory("log")
        let path = dir.file("run.h5").path
        #expect(TrainingLog.path(forCheckpoint: path) == dir.file("run.log.csv").path)
        #expect(TrainingLog.path(forCheckpoint: "model") == "model.log.csv")
        let outcome = try Self.trainer(try TrainerTests.task(), Self.settings(epochs: 3), path).run()
        let (header, rows) = try Self.csv(path)
        #expect(header == "epoch,loss,validation_accuracy,learning_rate,samples_per_second,seconds,finished_at")
        try #require(rows.count == 3 && rows.allSatisfy { $0.count == 7 })
        for (row, record) in zip(rows, outcome.records) {
            #expect(Int(row[0]) == record.epoch && Double(row[1]) == record.meanLoss && Double(row[2]) == record.validationMetric)
            #expect(Float(row[3]) == record.learningRate && Double(row[4])! > 0 && Double(row[5])! >= 0)
            #expect(ISO8601DateFormatter().date(from: row[6]) != nil, "\(row[6])")
        }
        // The checkpoint holds the same log.
        let saved = try Checkpoint.load(from: URL(fileURLWithPath: path))
        #expect(saved.metadata[TrainingLog.metadataKey] == (try String(contentsOfFile: TrainingLog.path(forCheckpoint: path), encoding: .utf8)))
    }

    /// Checkpoints every 2 epochs; the run is killed during epoch 4, after the CSV got epoch 3's row but before a
    /// checkpoint held epoch 3. The resumed run's CSV has epochs 1…5 once each, equal to an uninterrupted run's.
    @Test func killedAndResumedRunLogsEveryEpochOnce() throws {
        let dir = try TemporaryDirectory("log-resume")
        let straight = dir.file("straight.h5").path
        _ = try Self.trainer(try TrainerTests.task(), Self.settings(epochs: 5, checkpointEvery: 2), straight).run()

        let path = dir.file("killed.h5").path
        let killed = Self.trainer(KilledTask(try TrainerTests.task(), killAtEpoch: 4), Self.settings(epochs: 5, checkpointEvery: 2), path)
        #expect(throws: KilledTask.Killed.self) { try killed.run() }
        #expect(try Self.csv(path).rows.map { $0[0] } == ["1", "2", "3"])
        #expect(try Checkpoint.load(from: URL(fileURLWithPath: path)).trainingState?.epoch == 2)

        let resumed = Self.trainer(try TrainerTests.task(), Self.settings(epochs: 5, checkpointEvery: 2), path)
        try resumed.resume(from: path)
        #expect(resumed.trainingLog.rows.count == 2)
        _ = try resumed.run()
        let rows = try Self.csv(path).rows
        #expect(rows.map { $0[0] } == ["1", "2", "3", "4", "5"])
        #expect(Self.deterministic(rows) == Self.deterministic(try Self.csv(straight).rows))
        #expect(try TrainerTests.weights(path) == TrainerTests.weights(straight))
    }

    /// The rule itself, both directions: an improvement must exceed `min_delta`; the run stops after `patience`
    /// epochs without one.
    @Test func earlyStoppingRuleCountsEpochsWithoutImprovement() {
        let rule = EarlyStopping(patience: 2, minDelta: 0.02)
        func stops(_ values: [Double], _ metric: ValidationMetric) -> [Bool] {
            var state = EarlyStopping.State()
            return values.map { rule.observe($0, metric: metric, state: &state) }
        }
        // WER (lower is better): 0.45 improves on 0.5 by more than 0.02; 0.44 and 0.43 do not improve on 0.45 by more.
        #expect(stops([0.5, 0.45, 0.44, 0.43], .wordErrorRate) == [false, false, false, true])
        #expect(stops([0.5, 0.45, 0.44, 0.42], .wordErrorRate) == [false, false, false, false])
        // Accuracy (higher is better): the mirror image.
        #expect(stops([0.5, 0.55, 0.56, 0.57], .accuracy) == [false, false, false, true])
        #expect(stops([0.5, 0.55, 0.56, 0.58], .accuracy) == [false, false, false, false])
        #expect(stops([0.9, 0.5, 0.4], .accuracy) == [false, false, true])
    }

    /// A learning rate of 1e-12 leaves the validation accuracy flat: with patience 2 the run ends after epoch 3 of 10.
    @Test func earlyStoppingTriggersOnAPlateau() throws {
        let dir = try TemporaryDirectory("early")
        let path = dir.file("plateau.h5").path
        let outcome = try Self.trainer(try TrainerTests.task(), Self.settings(epochs: 10, learningRate: 1e-12,
                                                                               earlyStopping: EarlyStopping(patience: 2)), path).run()
        #expect(outcome.records.map(\.epoch) == [1, 2, 3] && outcome.stoppedEarlyAfter == 3)
        let saved = try Checkpoint.load(from: URL(fileURLWithPath: path))
        #expect(saved.trainingState?.epoch == 3 && saved.trainingState?.integers["stopped_early"] == 3)
        #expect(try Self.csv(path).rows.count == 3)
        // Without early stopping the same run goes on.
        let full = try Self.trainer(try TrainerTests.task(), Self.settings(epochs: 4, learningRate: 1e-12), dir.file("full.h5").path).run()
        #expect(full.records.count == 4 && full.stoppedEarlyAfter == nil)
    }

    /// On a plateau with patience 3 an uninterrupted run stops after epoch 4. Killed during epoch 3 (checkpoint at
    /// epoch 2, one epoch without improvement) and resumed, it stops after epoch 4 too, with the same weights and log —
    /// which needs the stored count (counting afresh from the resumed epoch would stop after epoch 6).
    @Test func resumedRunStopsAtTheSameEpoch() throws {
        let dir = try TemporaryDirectory("early-resume")
        let settings = Self.settings(epochs: 10, learningRate: 1e-12, earlyStopping: EarlyStopping(patience: 3))
        let straight = dir.file("straight.h5").path
        let outcome = try Self.trainer(try TrainerTests.task(), settings, straight).run()
        #expect(outcome.stoppedEarlyAfter == 4)

        let path = dir.file("killed.h5").path
        #expect(throws: KilledTask.Killed.self) {
            try Self.trainer(KilledTask(try TrainerTests.task(), killAtEpoch: 3), settings, path).run()
        }
        let stored = try #require(try Checkpoint.load(from: URL(fileURLWithPath: path)).trainingState)
        #expect(stored.epoch == 2 && stored.integers["early_stopping_wait"] == 1 && stored.reals["early_stopping_best"] != nil)
        let resumed = Self.trainer(try TrainerTests.task(), settings, path)
        try resumed.resume(from: path)
        let rest = try resumed.run()
        #expect(rest.records.map(\.epoch) == [3, 4] && rest.stoppedEarlyAfter == 4)
        #expect(try TrainerTests.weights(path) == TrainerTests.weights(straight))
        #expect(Self.deterministic(try Self.csv(path).rows) == Self.deterministic(try Self.csv(straight).rows))

        // Resuming the finished run trains nothing more.
        let again = Self.trainer(try TrainerTests.task(), settings, path)
        try again.resume(from: path)
        #expect(try again.run().records.isEmpty)
    }

    /// An early-stopping count the recipe's patience cannot have produced is refused with one located line.
    @Test func impossibleEarlyStoppingStateIsRefused() throws {
        let dir = try TemporaryDirectory("early-state")
        let path = dir.file("run.h5").path
        let settings = Self.settings(epochs: 5, learningRate: 1e-12, earlyStopping: EarlyStopping(patience: 3))
        #expect(throws: KilledTask.Killed.self) { try Self.trainer(KilledTask(try TrainerTests.task(), killAtEpoch: 3), settings, path).run() }
        var checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: path))
        checkpoint.trainingState!.integers["early_stopping_wait"] = 7
        try checkpoint.save(to: URL(fileURLWithPath: path))
        do {
            try Self.trainer(try TrainerTests.task(), settings, path).resume(from: path)
            Issue.record("resumed with early_stopping_wait 7")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(path) && message.contains("early_stopping_wait") && !message.contains("\n"), "\(message)")
        }
    }
}
