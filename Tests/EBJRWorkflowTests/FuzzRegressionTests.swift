import Testing
import Foundation
import EBJRCheckpoint
import EBJRData
import EBJRLang
import EBJRWorkflow
import _EBJRTestSupport

/// Inputs the fuzzers (`fuzz/`, docs/fuzzing.md) found to crash a reader, minimised and kept in
/// `Tests/Fixtures/fuzz-regressions/<harness>/`. Each is fed to the readers its harness calls, in this process: every
/// one must be refused with an error whose description is one line naming the file (a crash fails the whole run).
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let root = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions")

    /// The regression inputs of `harness`, by name.
    static func inputs(_ harness: String) -> [URL] {
        let folder = root.appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Runs every reader in `reads`; at least one must throw, and every error must be one line naming `file`.
    func expectRefused(_ file: String, _ reads: [() throws -> Void], sourceLocation: SourceLocation = #_sourceLocation) {
        var refused = false
        for read in reads {
            do { try read() } catch {
                refused = true
                let text = "\(error)"
                #expect(text.contains(file) && !text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
            }
        }
        #expect(refused, "\(file) was read without an error", sourceLocation: sourceLocation)
    }

    @Test func checkpoints() throws {
        for url in Self.inputs("checkpoint") {
            expectRefused(url.path, [
                {
                    let checkpoint = try Checkpoint.load(from: url)
                    if checkpoint.modelKind == G2PCheckpoint.modelKind {
                        _ = try G2PCheckpoint.load(from: url.path)
                    } else {
                        _ = try checkpoint.makeModel()
                    }
                },
                { _ = try inspect(url) },
                { _ = try verifyFile(url) },
            ])
        }
    }

    @Test func logits() throws {
        for url in Self.inputs("logits") {
            expectRefused(url.path, [
                {
                    let teacher = try LogitsFile.read(from: url)
                    try teacher.validate(expectedCount: teacher.count, expectedClasses: teacher.classCount,
                                         split: teacher.split ?? "train", inputChecksum: 1)
                },
                {
                    let imported = try ImportedLogits.read(url.path)
                    _ = try imported.scoresCSV()
                    _ = try imported.evaluate()
                },
            ])
        }
    }

    @Test func recipes() throws {
        for url in Self.inputs("recipe") {
            let text = try String(decoding: Data(contentsOf: url), as: UTF8.self)
            expectRefused(url.path, [
                { _ = try TrainingRecipe.parse(text: text, file: url.path) },
                { _ = try EvaluationRecipe.parse(text: text, file: url.path) },
                { _ = try G2PEvaluationRecipe.parse(text: text, file: url.path) },
            ])
        }
    }

    @Test func idxFiles() throws {
        for url in Self.inputs("idx") {
            expectRefused(url.path, [
                { _ = try IDXReader.read(path: url.path, expectedMagic: IDXReader.imagesMagic) },
                { _ = try IDXReader.read(path: url.path, expectedMagic: IDXReader.labelsMagic) },
            ])
        }
    }
}
