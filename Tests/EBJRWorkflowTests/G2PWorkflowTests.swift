import Testing
import Foundation
import EBJRLang
import EBJRTraining
import EBJRCheckpoint
@testable import EBJRWorkflow
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

    func recipe(name: String, hidden: Int, epochs: Int, validationWords: Int = 0, training extra: String = "") -> String {
        """
        name: \(name)
        data:
          dataset: cmudict
          lexicon: \(lexicon)
          validation_words: \(validationWords)
        model:
          embedding_size: 4
          hidden_size: \(hidden)
        training:
          epochs: \(epochs)
          batch_size: 16
          learning_rate: 0.01
          keep: best_validation\(extra)
        output:
          checkpoint: \(dir.path)/\(name).h5
        """
    }
}

/// Trains a recipe file through the one workflow, quietly.
func train(_ path: String, resume: String? = nil, log: @escaping (String) -> Void = { _ in }) throws -> TrainingOutcome {
    var workflow = TrainingWorkflow(options: .init(resume: resume, quiet: true))
    workflow.log = log
    return try workflow.run(recipePath: path)
}

func weights(_ path: String) throws -> [[Float]] {
    try Checkpoint.load(from: URL(fileURLWithPath: path)).modelState.map(\.tensor.scalars)
}

/// Training writes checkpoints that resume exactly where they stopped, and the whole evaluation writes every file.
@Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
func experimentPipelineRunsEndToEnd() throws {
    let tiny = try TinyG2P()
    defer { try? FileManager.default.removeItem(at: tiny.dir) }
    for name in ["tiny-swift", "tiny-super"] { _ = try train(tiny.path(name)) }
    // Two epochs in one go equal one epoch, then a resumed second epoch: the same weights bit for bit (same Adam
    // state, data order and dropout masks), through the same Trainer as classification.
    let extra = "\n  dropout: 0.3\n  keep: last"
    func write(_ name: String, epochs: Int) throws -> String {
        let text = tiny.recipe(name: name, hidden: 4, epochs: epochs, validationWords: 5, training: extra)
            .replacingOccurrences(of: "  keep: best_validation\n", with: "")
        try text.write(toFile: tiny.path(name), atomically: true, encoding: .utf8)
        return tiny.path(name)
    }
    let straight = try train(try write("two", epochs: 2))
    _ = try train(try write("first", epochs: 1))
    try FileManager.default.copyItem(atPath: "\(tiny.dir.path)/first.h5", toPath: "\(tiny.dir.path)/second.h5")
    var logged: [String] = []
    let resumed = try train(try write("second", epochs: 2), resume: "\(tiny.dir.path)/first.h5", log: { logged.append($0) })
    #expect(resumed.records.map(\.epoch) == [2] && logged.contains { $0.contains("resumed from") && $0.contains("at epoch 1") })
    #expect(resumed.records[0].meanLoss == straight.records[1].meanLoss, "\(resumed.records[0].meanLoss) vs \(straight.records[1].meanLoss)")
    #expect(try weights("\(tiny.dir.path)/second.h5") == weights("\(tiny.dir.path)/two.h5"))
    let last = try G2PCheckpoint.load(from: "\(tiny.dir.path)/second.h5").checkpoint
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
    let report = try G2PEvaluationRecipe.parse(text: evaluation, file: tiny.path("elang")).run(log: { _ in })
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
/// one error naming it (and the recipe that writes it, when one is next to this recipe).
@Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
func initFromStartsAWarmRestart() throws {
    let tiny = try TinyG2P()
    defer { try? FileManager.default.removeItem(at: tiny.dir) }
    try tiny.recipe(name: "base", hidden: 4, epochs: 2, validationWords: 5).write(toFile: tiny.path("base"), atomically: true, encoding: .utf8)
    _ = try train(tiny.path("base"))
    let basePath = "\(tiny.dir.path)/base.h5"
    let trained = try weights(basePath)

    // A learning rate of 1e-12 leaves the weights where init_from put them.
    let text = tiny.recipe(name: "tuned", hidden: 4, epochs: 1, validationWords: 5)
        .replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: 1.0e-12\n  dropout: 0.1\n  init_from: \(basePath)")
    try text.write(toFile: tiny.path("tuned"), atomically: true, encoding: .utf8)
    var logged: [String] = []
    let outcome = try train(tiny.path("tuned"), log: { logged.append($0) })
    #expect(outcome.records.map(\.epoch) == [1] && logged.contains { $0.contains("starting from the weights of") })
    var largest: Float = 0
    for (a, b) in zip(try weights("\(tiny.dir.path)/tuned.h5"), trained) {
        for i in a.indices { largest = max(largest, abs(a[i] - b[i])) }
    }
    #expect(largest < 1e-6, "weights moved by \(largest)")
    let fresh = G2PModel(config: G2PModelConfig(embeddingSize: 4, hiddenSize: 4), seed: 0)
    #expect(zip(fresh.parameters.map(\.scalars), trained).contains { $0 != $1 })
    let saved = try G2PCheckpoint.load(from: "\(tiny.dir.path)/tuned.h5").checkpoint
    #expect(saved.trainingState?.epoch == 1 && saved.optimizer?.stepCount == saved.trainingState?.globalStep)

    try text.replacingOccurrences(of: basePath, with: "\(tiny.dir.path)/nope.h5").write(toFile: tiny.path("missing"), atomically: true, encoding: .utf8)
    do {
        _ = try train(tiny.path("missing"))
        Issue.record("missing init_from accepted")
    } catch {
        #expect("\(error)".contains("nope.h5") && !"\(error)".contains("run `"), "\(error)")
    }
    // When a recipe next to this one writes the missing checkpoint, the error names the command that makes it.
    try FileManager.default.removeItem(atPath: basePath)
    do {
        _ = try train(tiny.path("tuned"))
        Issue.record("missing init_from accepted")
    } catch {
        #expect("\(error)" == "training.init_from: \(basePath) does not exist (run `ebjr train \(tiny.path("base"))` first)", "\(error)")
    }
}
