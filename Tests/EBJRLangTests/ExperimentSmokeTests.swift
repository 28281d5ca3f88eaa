import Testing
import Foundation
@testable import EBJRLang
import _EBJRTestSupport

/// A 300-line lexicon and two tiny YAML recipes, for training and evaluation tests.
struct TinyG2P {
    let dir: URL
    var lexicon: String { dir.appendingPathComponent("lexicon.out").path }

    init() throws {
        dir = try TestSupport.temporaryDirectory("elang-smoke")
        let lines = try String(contentsOfFile: CMULexicon.defaultPath, encoding: .utf8).split(separator: "\n").prefix(300)
        try (lines.joined(separator: "\n") + "\n").write(toFile: lexicon, atomically: true, encoding: .utf8)
        for (name, hidden) in [("tiny-swift", 4), ("tiny-super", 8)] {
            try recipe(name: name, hidden: hidden, epochs: 1).write(toFile: path(name), atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { dir.appendingPathComponent("\(name).yaml").path }

    func recipe(name: String, hidden: Int, epochs: Int) -> String {
        """
        name: \(name)
        data:
          dataset: cmudict
          lexicon: \(lexicon)
          validation_words: 0
        model:
          embedding_size: 4
          hidden_size: \(hidden)
        training:
          epochs: \(epochs)
          batch_size: 16
          learning_rate: 0.01
        output:
          checkpoint: \(dir.path)/\(name).h5
        """
    }
}

/// Training writes checkpoints that resume exactly where they stopped, and the whole evaluation writes every file.
@Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
func experimentPipelineRunsEndToEnd() throws {
    let tiny = try TinyG2P()
    defer { try? FileManager.default.removeItem(at: tiny.dir) }
    let dataset = try G2PExperiment.loadDataset(lexiconPath: tiny.lexicon, log: { _ in })
    for name in ["tiny-swift", "tiny-super"] {
        _ = try G2PExperiment.train(try G2PRecipe(contentsOf: tiny.path(name)), dataset: dataset, log: { _ in })
    }
    // Two epochs in one go equal one epoch, then a resumed second epoch (same weights, Adam state, data order and
    // dropout masks).
    let twoEpochs = tiny.recipe(name: "two", hidden: 4, epochs: 2)
    var straight = try G2PRecipe(text: twoEpochs, path: tiny.path("two"))
    straight.validationWords = 5
    straight.dropout = 0.3
    let (_, straightRecords) = try G2PExperiment.train(straight, dataset: dataset, log: { _ in })
    var first = straight
    first.epochs = 1
    first.checkpointPath = tiny.dir.appendingPathComponent("first.h5").path
    _ = try G2PExperiment.train(first, dataset: dataset, log: { _ in })
    var second = straight
    second.checkpointPath = tiny.dir.appendingPathComponent("second.h5").path
    var logged: [String] = []
    let (_, records) = try G2PExperiment.train(second, resumePath: first.checkpointPath, dataset: dataset, log: { logged.append($0) })
    #expect(records.map(\.epoch) == [2] && logged.contains { $0.contains("resuming from") && $0.contains("after epoch 1") })
    #expect(abs(records[0].meanLoss - straightRecords[1].meanLoss) < 1e-6, "\(records[0].meanLoss) vs \(straightRecords[1].meanLoss)")
    let last = try G2PCheckpoint.load(from: second.checkpointPath).checkpoint
    #expect(last.trainingState?.epoch == 2 && last.optimizer?.stepCount == last.trainingState?.globalStep)

    let evaluation = """
    data:
      dataset: cmudict
      lexicon: \(tiny.lexicon)
    swift:
      recipe: tiny-swift.yaml
    super:
      checkpoint: \(tiny.dir.path)/tiny-super.h5
    beam:
      words: 3
    output: \(tiny.dir.path)/report
    """
    let report = try G2PExperiment.run(try G2PEvaluationRecipe.parse(text: evaluation, file: tiny.path("elang")), log: { _ in })
    #expect(report.importedLogitsRoundTrip == true)
    #expect(report.scores.count == SequenceScore.allCases.count)
    for s in report.scores { #expect(abs(s.testBounds.jointWERIdentity - s.test.jointWER) < 1e-12) }
    // Every score has an actual batched joint run; the chosen score's runs are repeated 3 times in both modes, and
    // the joint WER of a real run equals the one computed from the routing table.
    #expect(report.scores.allSatisfy { ($0.testRelativeWallBatched ?? 0) > 0 })
    for run in [report.measuredBatched, report.measuredSingle] {
        #expect(run.relativeWallRuns.count == 3 && run.relativeWallRuns.sorted()[1] == run.relativeWall)
        let table = report.scores.first { $0.score == run.score }!
        #expect(abs(run.jointWER - table.test.jointWER) < 1e-12 && abs(run.routedFraction - table.test.routedFraction) < 1e-12)
    }
    for file in ["report.md", "report.json", "curve-test.csv", "operating-points.csv", "wer-vs-cost.svg", "tiny-swift-test-logits.h5"] {
        #expect(FileManager.default.fileExists(atPath: "\(tiny.dir.path)/report/\(file)"), "\(file)")
    }
}

/// `training.init_from` starts a new run (epoch 1, fresh Adam) from another checkpoint's weights; a missing file is
/// one error naming it.
@Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
func initFromStartsAWarmRestart() throws {
    let tiny = try TinyG2P()
    defer { try? FileManager.default.removeItem(at: tiny.dir) }
    let dataset = try G2PExperiment.loadDataset(lexiconPath: tiny.lexicon, log: { _ in })
    try tiny.recipe(name: "base", hidden: 4, epochs: 2).write(toFile: tiny.path("base"), atomically: true, encoding: .utf8)
    var base = try G2PRecipe(contentsOf: tiny.path("base"))
    base.validationWords = 5
    let (trained, _) = try G2PExperiment.train(base, dataset: dataset, log: { _ in })

    // A learning rate of 1e-12 leaves the weights where init_from put them.
    let text = tiny.recipe(name: "tuned", hidden: 4, epochs: 1)
        .replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: 1.0e-12\n  dropout: 0.1\n  init_from: \(base.checkpointPath)")
    var tuned = try G2PRecipe(text: text, path: tiny.path("tuned"))
    tuned.validationWords = 5
    #expect(tuned.initialCheckpoint == base.checkpointPath)
    var logged: [String] = []
    let (model, records) = try G2PExperiment.train(tuned, dataset: dataset, log: { logged.append($0) })
    #expect(records.map(\.epoch) == [1] && logged.contains { $0.contains("starting from the weights of") })
    var largest: Float = 0
    for (a, b) in zip(model.parameters, trained.parameters) {
        for i in 0..<a.count { largest = max(largest, abs(a.data[i] - b.data[i])) }
    }
    #expect(largest < 1e-6, "weights moved by \(largest)")
    let fresh = G2PModel(config: tuned.modelConfig, seed: tuned.seed)
    #expect(zip(fresh.parameters, trained.parameters).contains { $0.scalars != $1.scalars })
    let saved = try G2PCheckpoint.load(from: tuned.checkpointPath).checkpoint
    #expect(saved.trainingState?.epoch == 1 && saved.optimizer?.stepCount == saved.trainingState?.globalStep)

    var missing = tuned
    missing.initialCheckpoint = tiny.dir.appendingPathComponent("nope.h5").path
    do {
        _ = try G2PExperiment.train(missing, dataset: dataset, log: { _ in })
        Issue.record("missing init_from accepted")
    } catch {
        #expect("\(error)".contains("nope.h5") && !"\(error)".contains("run `"), "\(error)")
    }
    // When a recipe next to this one writes the missing checkpoint, the error names the command that makes it.
    try FileManager.default.removeItem(atPath: base.checkpointPath)
    do {
        _ = try G2PExperiment.train(tuned, dataset: dataset, log: { _ in })
        Issue.record("missing init_from accepted")
    } catch {
        #expect("\(error)" == "checkpoint \(base.checkpointPath) does not exist: run `ebjr train \(tiny.path("base"))` first", "\(error)")
    }
}
