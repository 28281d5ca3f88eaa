import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRTraining
import EBJRRouting
import EBJREvaluation
import EBJRRecipe
import EBJRNN
import EBJRLang
import _EBJRTestSupport

private func parse(_ text: String) throws -> TrainingRecipe { try TrainingRecipe.parse(text: text, file: "r.yaml") }
private func layers(_ r: TrainingRecipe) -> ModelConfig? { if case let .layers(c) = r.model { c } else { nil } }

@Test func minimalRecipeGetsDefaults() throws {
    let r = try parse("model: {preset: mlp, sizes: [784, 32, 10]}\n")
    #expect(r.training.epochs == 10)
    #expect(r.training.batchSize == 128)
    #expect(r.training.optimizer == .adamDefaults && r.training.schedule == .constant)
    #expect(r.data == .fashionMNIST(directory: nil))
    #expect(layers(r)?.flops == 50_816)
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
        // typed choices: no silent defaults for mistyped values, and keys of another choice are refused
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {optimizer: sdg}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {optimizer: adam, momentum: 0.9}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {schedule: cosinus}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {schedule: constant, gamma: 0.5}\n",
        "model: {preset: mlp, sizes: [784, 4]}\nspecialization: {subset: [5, 7, 9], design: other-clas}\n",
        "model: {preset: mlp, sizes: [784, 4]}\nspecialization: {subset: [5, 7, 9], design: other-class, margin: {m_in: -3}}\n",
        "data: {dataset: mnist}\nmodel: {preset: mlp, sizes: [784, 10]}\n",
        "data: {dataset: cmudict}\nmodel: {preset: mlp, sizes: [784, 10]}\n",
        "model: {preset: g2p, embedding_size: 8, hidden_size: 8}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {dropout: 0.5}\n",
        // sizes that would trap or allocate terabytes
        "model: {preset: mlp, sizes: [784, 1000000000000, 10]}\n",
        "model: {preset: mlp, sizes: [784, -32, 10]}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {batch_size: 9223372036854775807}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ndata: {train_limit: -5}\n",
        "model:\n  input_shape: [-784]\n  layers: [{type: linear, in: 784, out: 10}]\n",
        "model:\n  input_shape: [1, 28, 28]\n  layers: [{type: conv2d, in_channels: 1, out_channels: 2, kernel_size: 3, stride: 0}, {type: flatten}, {type: linear, in: 1352, out: 10}]\n",
        "model:\n  input_shape: [784]\n  layers: [{type: dropout, p: 1.5}, {type: linear, in: 784, out: 10}]\n",
        "model: {preset: mlp, sizes: [784, 10]}\ndistillation: {teacher_recipe: x.yaml, temperature: .inf}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {learning_rate: .nan}\n",
        "model: {preset: mlp, sizes: [784, 10]}\ntraining: {divergence_factor: 0.5}\n",
    ].filter({ !$0.contains("[700, 10]") }) {
        #expect(throws: RecipeError.self, "\(text)") { try parse(text) }
    }
}

@Test func missingRecipeFileIsReported() {
    #expect(throws: RecipeError.unreadable(file: "/nonexistent.yaml", reason: "no such file")) {
        try TrainingRecipe.load(path: "/nonexistent.yaml")
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
    #expect(layers(r)?.layers.count == 5)
    #expect(throws: RecipeError.self) {
        try parse("model:\n  input_shape: [4]\n  layers:\n    - {type: lstm}\n")
    }
}

@Test func everyShippedRecipeParses() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("recipes")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
    #expect(files.count > 10)
    for file in files {
        let path = folder.appendingPathComponent(file).path
        // Its data file is written by the user (docs/datasets.md), relative to the working directory; without it the
        // recipe fails on exactly that (HDF5RecipeTests parses it with a stand-in file).
        if file == "hdf5-example.yaml" || file == "fmnist-mlp-hdf5.yaml", !FileManager.default.fileExists(atPath: "data/fashion-mnist.h5") {
            #expect(throws: RecipeError.self) { try TrainingRecipe.load(path: path) }
            continue
        }
        if file.hasPrefix("fmnist-ebjr") || file == "g2p-elang.yaml" { _ = try AnyEvaluationRecipe.load(path: path) } else { _ = try TrainingRecipe.load(path: path) }
    }
}

extension RecipeError {
    var knownKeys: [String] { if case let .unknownKey(_, _, _, known) = self { return known } else { return [] } }
}

@Test func typedChoicesAreDecoded() throws {
    let sgd = try parse("model: {preset: mlp, sizes: [784, 10]}\ntraining: {optimizer: sgd, momentum: 0.9, nesterov: true, schedule: step, step_size: 3, gamma: 0.5}\n")
    #expect(sgd.training.optimizer == .sgd(momentum: 0.9, nesterov: true, weightDecay: 0))
    #expect(sgd.training.schedule == .step(stepEpochs: 3, gamma: 0.5))
    let spec = try parse("model: {preset: mlp, sizes: [784, 32, 3]}\nspecialization: {subset: [sandal, sneaker, ankle boot], design: energy-margin, margin: {m_in: -4, m_out: -1, lambda: 0.2}}\n")
    #expect(spec.specialization == Specialization(subset: [5, 7, 9], design: .energyMargin, marginIn: -4, marginOut: -1, marginWeight: 0.2))
}

/// A G2P recipe is the same recipe type: data cmudict, model g2p, the exponential schedule.
@Test func sequenceRecipesAreStrictYAML() throws {
    let text = """
    name: s
    data:
      dataset: cmudict
    model:
      embedding_size: 32
      hidden_size: 64
    training:
      epochs: 2
      batch_size: 8
    """
    let recipe = try parse(text)
    #expect(recipe.model == .g2p(G2PModelConfig(embeddingSize: 32, hiddenSize: 64)) && recipe.training.clipNorm == nil)
    #expect(recipe.checkpointPath == "checkpoints/r.h5" && recipe.training.learningRate == 1e-3)
    #expect(recipe.data == .cmudict(lexicon: CMULexicon.defaultPath, validationWords: 2000))
    #expect(throws: RecipeError.wrongType(file: "r.yaml", path: "training.epochs", line: 8, expected: "an integer")) {
        try parse(text.replacingOccurrences(of: "epochs: 2", with: "epochs: two"))
    }
    do {
        _ = try parse(text.replacingOccurrences(of: "batch_size", with: "batchsize"))
        Issue.record("unknown key accepted")
    } catch {
        #expect("\(error)".hasPrefix("r.yaml:9: unknown key 'training.batchsize'"), "\(error)")
    }
    #expect(throws: RecipeError.self) { try parse(text.replacingOccurrences(of: "hidden_size: 64", with: "hidden_size: 63")) }
    #expect(recipe.dropout == 0)
    #expect(try parse(text + "\n  dropout: 0.25").dropout == 0.25)
    do {
        _ = try parse(text + "\n  dropout: 1.5")
        Issue.record("dropout 1.5 accepted")
    } catch {
        #expect("\(error)".hasPrefix("r.yaml:10: 'training.dropout' must be in") && "\(error)".contains("1.5"), "\(error)")
    }
    let decayed = try parse(text + "\n  schedule: exponential\n  gamma: 0.8\n  decay_start_epoch: 3")
    #expect(decayed.training.schedule == .exponential(gamma: 0.8, startEpoch: 3))
    let root = TestSupport.packageRoot.appendingPathComponent("recipes")
    // Super is trained in stages: each starts from the checkpoint the previous stage writes; the last one is g2p-super.
    let superChain = (1...5).map { "g2p-super-stage\($0).yaml" } + ["g2p-super.yaml"]
    var previousOutput: String?
    for path in ["g2p-swift.yaml"] + superChain {
        let parsed = try TrainingRecipe.load(path: root.appendingPathComponent(path).path)
        guard case let .g2p(config) = parsed.model else { Issue.record("\(path) is not a g2p recipe"); continue }
        let parameters = G2PModel(config: config, seed: 0).parameterCount
        #expect(config.hiddenSize == 64 ? parameters == 51_563 : parameters == 722_219)
        #expect(parsed.checkpointPath == "checkpoints/\(parsed.name).h5" && parsed.training.keep == .bestValidation)
        if path.hasPrefix("g2p-super") {
            #expect(parsed.training.initFrom == previousOutput, "\(path) starts from \(parsed.training.initFrom ?? "scratch")")
            previousOutput = parsed.checkpointPath
        }
    }
    guard case let .sequence(evaluation) = try AnyEvaluationRecipe.load(path: root.appendingPathComponent("g2p-elang.yaml").path) else {
        Issue.record("g2p-elang.yaml is not a sequence evaluation"); return
    }
    #expect(evaluation.swift.checkpoint == "checkpoints/g2p-swift.h5" && evaluation.super.checkpoint == "checkpoints/g2p-super.h5")
    #expect(evaluation.tolerance == 0.01 && evaluation.swift.trainCommand!.hasPrefix("ebjr train "))
}

/// Energy-margin m_in / m_out default to `auto` (set from data before training); numbers still work; a bad value
/// or m_in ≥ m_out is one located error.
@Test func energyMarginMarginsDefaultToAuto() throws {
    let base = "model: {preset: mlp, sizes: [784, 32, 3]}\nspecialization: {subset: [sandal, sneaker, ankle boot], design: energy-margin"
    let implicit = try #require(try parse(base + "}\n").specialization)
    #expect(implicit.isMarginInAuto && implicit.isMarginOutAuto && implicit.needsMarginCalibration)
    let mixed = try #require(try parse(base + ", margin: {m_in: auto, m_out: -1}}\n").specialization)
    #expect(mixed.isMarginInAuto && !mixed.isMarginOutAuto && mixed.marginOut == -1)
    let given = try #require(try parse(base + ", margin: {m_in: -4, m_out: -1}}\n").specialization)
    #expect(!given.needsMarginCalibration)
    let other = try #require(try parse("model: {preset: mlp, sizes: [784, 32, 4]}\nspecialization: {subset: [5, 7, 9], design: other-class}\n").specialization)
    #expect(!other.needsMarginCalibration)
    for (bad, fragment) in [(", margin: {m_in: lots}}\n", "must be auto or a number"), (", margin: {m_in: -1, m_out: -2}}\n", "needs m_in < m_out")] {
        do {
            _ = try parse(base + bad)
            Issue.record("expected an error for \(bad)")
        } catch {
            #expect("\(error)".contains(fragment))
            #expect("\(error)".contains("specialization.margin"))
            #expect(!"\(error)".contains("\n"))
        }
    }
}

/// Evaluation recipes: learned scores, the family correction and the coverage study are typed keys; bad values are
/// one located line.
@Test func evaluationRecipeReadsLearnedScoresFamilyAndCoverage() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let recipe = try EvaluationRecipe.load(path: root.appendingPathComponent("recipes/fmnist-ebjr.yaml").path)
    #expect(recipe.settings.scores.contains(.learned(hidden: 0, seed: 0)))
    #expect(recipe.settings.scores.contains(.learned(hidden: Score.learnedMLPWidth, seed: 0)))
    #expect(recipe.settings.familyCorrection == .bonferroni)
    #expect(recipe.settings.familySize == 3 * 4 + 1 + 2)
    #expect(recipe.coverage == CoverageSettings(repartitions: 20, seed: 0))
    let base = "deep: {checkpoint: d.h5}\nside_models: [{checkpoint: s.h5}]\n"
    let none = try EvaluationRecipe.parse(text: base + "criteria: {family_correction: none}\n", file: "e.yaml")
    #expect(none.settings.familyCorrection == FamilyCorrection.none && none.coverage == nil)
    for (bad, fragment) in [("criteria: {family_correction: holm}\n", "criteria.family_correction"),
                            ("coverage: {repartitions: 0}\n", "coverage.repartitions"),
                            ("coverage: {rounds: 3}\n", "rounds"),
                            ("scores: [energy, learnt]\n", "learnt")] {
        do {
            _ = try EvaluationRecipe.parse(text: base + bad, file: "e.yaml")
            Issue.record("expected an error for \(bad)")
        } catch {
            #expect("\(error)".contains(fragment))
            #expect(!"\(error)".contains("\n"))
        }
    }
}

/// `training.early_stopping` is decoded strictly: patience required in 1…, min_delta a fraction in [0, 1], no other
/// keys, a mapping; each mistake is one located line naming the key.
@Test func earlyStoppingIsDecodedStrictly() throws {
    let base = "model: {preset: mlp, sizes: [784, 10]}\ntraining:\n  early_stopping: "
    #expect(try parse(base + "{patience: 3, min_delta: 0.001}\n").training.earlyStopping == EarlyStopping(patience: 3, minDelta: 0.001))
    #expect(try parse(base + "{patience: 2}\n").training.earlyStopping == EarlyStopping(patience: 2, minDelta: 0))
    #expect(try parse("model: {preset: mlp, sizes: [784, 10]}\n").training.earlyStopping == nil)
    for (value, path) in [("{patience: 0}", "training.early_stopping.patience"), ("{min_delta: 0.1}", "training.early_stopping"),
                          ("{patience: 2, min_delta: -0.1}", "training.early_stopping.min_delta"),
                          ("{patience: 2, min_delta: 2}", "training.early_stopping.min_delta"),
                          ("{patience: 2, min_delta: .nan}", "training.early_stopping.min_delta"),
                          ("{patience: 2, metric: loss}", "training.early_stopping.metric"),
                          ("{patience: two}", "training.early_stopping.patience"), ("5", "training.early_stopping")] {
        do {
            _ = try parse(base + value + "\n")
            Issue.record("\(value) was accepted")
        } catch let error as RecipeError {
            let message = error.description
            #expect(message.hasPrefix("r.yaml:3") && message.contains(path) && !message.contains("\n"), "\(value): \(message)")
        }
    }
}
