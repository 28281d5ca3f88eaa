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
    for file in ["report.md", "report.json", "curve-test.csv", "operating-points.csv", "wer-vs-cost.svg", "tiny-swift-test-logits.h5"] {
        #expect(FileManager.default.fileExists(atPath: "\(tiny.dir.path)/report/\(file)"), "\(file)")
    }
}
