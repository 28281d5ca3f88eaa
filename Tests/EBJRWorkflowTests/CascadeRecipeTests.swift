import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRRecipe
import EBJRNN
import _EBJRTestSupport

private let header = """
deep: {recipe: cnn.yaml}
side_models:
  - {name: small, recipe: small.yaml}
  - {name: mid, recipe: mid.yaml}
  - {name: shoes, recipe: shoes.yaml}
  - {name: pair, recipe: pair.yaml}

"""

private func parse(_ text: String, file: String = "e.yaml") throws -> EvaluationRecipe {
    try EvaluationRecipe.parse(text: header + text, file: file)
}

/// The recipe error of `text`, or a recorded issue.
private func recipeError(_ text: String) -> RecipeError? {
    do {
        _ = try parse(text)
        Issue.record("expected an error for:\n\(text)")
    } catch let error as RecipeError {
        #expect(!error.description.contains("\n"))
        return error
    } catch { Issue.record("unexpected \(error)") }
    return nil
}

@Suite struct CascadeRecipeTests {
    @Test func cascadesAreDecoded() throws {
        let r = try parse("""
        cascades:
          - name: three
            stages:
              - {model: small, score: max-softmax}
              - {model: mid, score: energy, temperature: 2}
            steps: 40
          - stages:
              - {models: [shoes, pair]}
              - {model: small, score: margin}
            compare_shorter: false
        """)
        #expect(r.cascades.count == 2)
        #expect(r.cascades[0].name == "three" && r.cascades[0].steps == 40 && r.cascades[0].compareShorter)
        #expect(r.cascades[0].stages.map(\.members) == [["small"], ["mid"]])
        #expect(r.cascades[0].stages.map(\.score) == [.maxSoftmax(temperature: 1), .energy(temperature: 2)])
        #expect(r.cascades[0].configurations.map { $0.map(\.members) } == [[["small"], ["mid"]], [["small"]], [["mid"]]])
        #expect(r.cascades[1].name == "cascade 1" && !r.cascades[1].compareShorter)
        #expect(r.cascades[1].stages[0].score == .energy(temperature: 1))
        #expect(r.cascades[1].configurations.count == 1)
        var shorter = r.cascades[1]
        shorter.compareShorter = true
        // {shoes, pair}, {shoes}, {pair}, dropped  ×  {small}, dropped  − (nothing at all) = 7
        #expect(shorter.configurations.count == 7)
        #expect(try parse("").cascades.isEmpty)
    }

    @Test func cascadeMistakesAreLocatedOneLineErrors() {
        let typo = recipeError("cascades:\n  - stages: [{model: small}]\n    step: 4\n")
        #expect(typo.map { if case .unknownKey(_, "cascades[0].step", .some, _) = $0 { true } else { false } } == true)
        let unknown = recipeError("cascades:\n  - stages: [{model: tiny}]\n")
        #expect(unknown?.description.contains("'tiny'") == true)
        #expect(unknown?.description.contains("cascades[0].stages[0].model") == true)
        #expect(recipeError("cascades:\n  - stages: [{model: small, score: oracle}]\n")?.description.contains("score") == true)
        #expect(recipeError("cascades:\n  - stages: [{model: small, models: [mid]}]\n")?.description.contains("exactly one") == true)
        #expect(recipeError("cascades:\n  - stages: [{model: small}, {models: [mid, small]}]\n")?.description.contains("second time") == true)
        #expect(recipeError("cascades:\n  - stages: [{model: small}]\n    steps: 0\n")?.description.contains("steps") == true)
        #expect(recipeError("cascades:\n  - stages: []\n")?.description.contains("stages") == true)
        #expect(recipeError("cascades:\n  - {name: a, stages: [{model: small}]}\n  - {name: a, stages: [{model: mid}]}\n")?
            .description.contains("repeats") == true)
        #expect(recipeError("cascades: {stages: []}\n") != nil)
        #expect(recipeError("cascades:\n  - stages: [{model: small, temperature: -1}]\n")?.description.contains("temperature") == true)
    }

    @Test func sideSweepMakesOneVariantPerCombination() throws {
        let dir = try TestSupport.temporaryDirectory("sweep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base.yaml")
        try """
        # the base side model
        name: base
        model: {preset: mlp, sizes: [784, 32, 10]}
        training: {epochs: 2}
        distillation: {teacher_recipe: cnn.yaml, alpha: 0.5, temperature: 4}
        output: {checkpoint: ck/base.h5}
        """.write(to: base, atomically: true, encoding: .utf8)
        let r = try parse("side_sweep: {recipe: base.yaml, hidden: [32, 64], alpha: [0.5, 0.9]}\n",
                          file: dir.appendingPathComponent("e.yaml").path)
        let sweep = try #require(r.sideSweep)
        #expect(sweep.variants.map(\.name) == ["base-h32-T4-a0.5", "base-h32-T4-a0.9", "base-h64-T4-a0.5", "base-h64-T4-a0.9"])
        #expect(sweep.variants[3].hidden == [64] && sweep.variants[3].temperature == 4 && sweep.variants[3].alpha == 0.9)
        let sources = r.sideModels.suffix(4)
        #expect(r.sideModels.count == 8)
        // The variant equal to the base is the base recipe, checkpoint and all.
        let baseRecipe = try TrainingRecipe.load(path: base.path)
        #expect(sources.first?.trainingRecipe == baseRecipe)
        let wide = try #require(sources.last?.trainingRecipe)
        if case let .layers(config) = wide.model { #expect(config.mlpSizes == [784, 64, 10]) } else { Issue.record("not an MLP") }
        #expect(wide.distillation?.alpha == 0.9 && wide.distillation?.temperature == 4)
        #expect(wide.checkpointPath == "ck/base-h64-T4-a0.9.h5")
        #expect(wide.training == baseRecipe.training)
        // The text the checkpoint will record reads back as exactly this recipe.
        #expect(try TrainingRecipe.parse(text: wide.text, file: base.path) == wide)
    }

    @Test func sideSweepMistakesAreLocated() throws {
        let dir = try TestSupport.temporaryDirectory("sweep-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "model: {preset: mlp, sizes: [784, 32, 10]}\n".write(to: dir.appendingPathComponent("plain.yaml"), atomically: true, encoding: .utf8)
        try "model: {preset: cnn}\n".write(to: dir.appendingPathComponent("cnn.yaml"), atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("e.yaml").path
        func error(_ text: String) -> String? {
            do { _ = try parse(text, file: file) } catch { return "\(error)" }
            Issue.record("expected an error for \(text)")
            return nil
        }
        #expect(error("side_sweep: {recipe: plain.yaml, alpha: [0.5]}\n")?.contains("no distillation") == true)
        #expect(error("side_sweep: {recipe: cnn.yaml, hidden: [64]}\n")?.contains("MLP") == true)
        #expect(error("side_sweep: {recipe: plain.yaml, hidden: [0]}\n")?.contains("side_sweep.hidden") == true)
        #expect(error("side_sweep: {recipe: plain.yaml, widths: [64]}\n")?.contains("side_sweep.widths") == true)
        #expect(error("side_sweep: {hidden: [64]}\n")?.contains("side_sweep.recipe") == true)
    }
}
