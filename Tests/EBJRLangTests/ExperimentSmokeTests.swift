import Testing
import Foundation
@testable import EBJRLang

/// The whole experiment pipeline on 300 lexicon lines and two tiny one-epoch recipes: every file is written and
/// the numbers are consistent.
@Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
func experimentPipelineRunsEndToEnd() throws {
    let dir = NSTemporaryDirectory() + "elang-smoke-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let lines = try String(contentsOfFile: CMULexicon.defaultPath, encoding: .utf8).split(separator: "\n").prefix(300)
    try (lines.joined(separator: "\n") + "\n").write(toFile: "\(dir)/lexicon.out", atomically: true, encoding: .utf8)
    for (name, hidden) in [("tiny-swift", 4), ("tiny-super", 8)] {
        try "name: \(name)\nembedding_size: 4\nhidden_size: \(hidden)\nepochs: 1\nbatch_size: 16\nlearning_rate: 0.01\nvalidation_words: 0\n"
            .write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
    }
    let report = try G2PExperiment.run(swiftRecipePath: "\(dir)/tiny-swift.yaml", superRecipePath: "\(dir)/tiny-super.yaml",
                                       outputDir: dir, lexiconPath: "\(dir)/lexicon.out", beamWords: 3, log: { _ in })
    #expect(report.importedLogitsRoundTrip)
    #expect(report.scores.count == SequenceScore.allCases.count)
    for file in ["report.md", "report.json", "curve-test.csv", "operating-points.csv", "tiny-swift.params", "tiny-super.params"] {
        #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "\(file)")
    }
    // A second run loads the cached parameters instead of training.
    var logged: [String] = []
    _ = try G2PExperiment.run(swiftRecipePath: "\(dir)/tiny-swift.yaml", superRecipePath: "\(dir)/tiny-super.yaml",
                              outputDir: dir, lexiconPath: "\(dir)/lexicon.out", beamWidth: 0, log: { logged.append($0) })
    #expect(logged.contains { $0.contains("loaded") })
    try? FileManager.default.removeItem(atPath: dir)
}
