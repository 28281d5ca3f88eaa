import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRRecipe

/// Recipes built to hang or trap the strict YAML reader: an alias bomb, integers beyond `Int`, non-finite numbers.
/// Each is one `RecipeError` naming the file (and the key where there is one), and none hangs.
@Suite("Hostile recipes")
struct HostileRecipeTests {
    private func parse(_ text: String) throws -> TrainingRecipe { try TrainingRecipe.parse(text: text, file: "r.yaml") }

    /// Nine levels of ten aliases each: a few hundred bytes that expand to 10^9 nodes inside `model.layers`
    /// (which the reader re-serialises and decodes).
    static var aliasBomb: String {
        var lines = ["model:", "  input_shape: [784]", "  layers:", "    - &a0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"]
        for level in 1...8 {
            lines.append("    - &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aliasBombIsRefusedQuickly() {
        let start = Date()
        do {
            _ = try parse(Self.aliasBomb)
            Issue.record("expected an error")
        } catch let error as RecipeError {
            guard case let .tooLarge(file, line, limit) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file == "r.yaml" && limit == RecipeDocument.maximumNodes && line >= 1)
            #expect(error.description.hasPrefix("r.yaml:\(line): ") && error.description.contains("\(RecipeDocument.maximumNodes)"))
            #expect(!error.description.contains("\n"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(Date().timeIntervalSince(start) < 10)
        // The same walk through RecipeDocument alone (every recipe kind reads its root through it).
        #expect(throws: RecipeError.self) { try RecipeDocument.root(text: Self.aliasBomb, file: "r.yaml") }
    }

    @Test func ordinaryAliasesStillWork() throws {
        let r = try parse("model: {preset: mlp, sizes: &s [784, 32, 10]}\ntraining: {epochs: 3, batch_size: 64}\n")
        #expect(r.training.epochs == 3 && r.model == .layers(.mlp([784, 32, 10])))
        let root = try RecipeDocument.root(text: "a: &x [1, 2, 3]\nb: *x\nc: *x\n", file: "r.yaml")
        #expect(try root["c"].intList() == [1, 2, 3])
    }

    @Test func integersBeyondIntAreInvalidValues() {
        #expect(throws: RecipeError.invalidValue(file: "r.yaml", path: "training.epochs", line: 2,
                                                 reason: "is 99999999999999999999, outside the integer range \(Int.min)…\(Int.max)")) {
            try parse("model: {preset: cnn}\ntraining: {epochs: 99999999999999999999}\n")
        }
        #expect(throws: RecipeError.invalidValue(file: "r.yaml", path: "model.sizes", line: 1,
                                                 reason: "is -99999999999999999999, outside the integer range \(Int.min)…\(Int.max)")) {
            try parse("model: {preset: mlp, sizes: [784, -99999999999999999999, 10]}\n")
        }
        #expect(throws: RecipeError.wrongType(file: "r.yaml", path: "training.epochs", line: 2, expected: "an integer")) {
            try parse("model: {preset: cnn}\ntraining: {epochs: ten}\n")
        }
    }

    @Test func nonFiniteNumbersAreInvalidValues() {
        for text in ["nan", "1e400", "-1e400"] {
            #expect(throws: RecipeError.invalidValue(file: "r.yaml", path: "training.learning_rate", line: 2,
                                                     reason: "is \(text), expected a finite number")) {
                try parse("model: {preset: cnn}\ntraining: {learning_rate: \(text)}\n")
            }
        }
    }
}
