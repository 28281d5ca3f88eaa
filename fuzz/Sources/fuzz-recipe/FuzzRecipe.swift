// Fuzzes the recipe reader: the strict YAML layer (`RecipeDocument`, alias and size limits) and the typed recipes
// built on it (`TrainingRecipe`, `EvaluationRecipe`, `G2PEvaluationRecipe`), as `ebjr train`, `distill`,
// `evaluate` and `g2p-evaluate` read them.
import EBJRCheckpoint
import EBJRData
import EBJRHDF5
import EBJRLang
import EBJRNN
import EBJROptimizers
import EBJRRouting
import EBJRTensor
import EBJRWorkflow
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutableRawPointer?) -> Int32 {
    Fuzz.initialize(writingSeeds: RecipeSeeds.write)
    return 0
}

@_cdecl("fuzz_recipe_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    Fuzz.main(argc, argv) { data, size in fuzzTestOneInput(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let file = Fuzz.directory.appendingPathComponent("recipe.yaml").path
    Fuzz.expectLocatedError(naming: file) { _ = try TrainingRecipe.parse(text: text, file: file) }
    Fuzz.expectLocatedError(naming: file) { _ = try EvaluationRecipe.parse(text: text, file: file) }
    Fuzz.expectLocatedError(naming: file) { _ = try G2PEvaluationRecipe.parse(text: text, file: file) }
    return 0
}

/// The repository's recipes (`recipes/*.yaml`) and a few that use the keys they do not.
enum RecipeSeeds {
    static func write(to folder: URL) throws {
        let recipes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("recipes")
        for name in try FileManager.default.contentsOfDirectory(atPath: recipes.path) where name.hasSuffix(".yaml") {
            try FileManager.default.copyItem(at: recipes.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let extra = [
            "custom.yaml": """
                name: custom
                seed: 3
                model:
                  input_shape: [1, 28, 28]
                  layers:
                    - {type: conv2d, in_channels: 1, out_channels: 4, kernel_size: 3, stride: 2, padding: 1}
                    - {type: relu}
                    - {type: maxpool2d, kernel_size: 2}
                    - {type: flatten}
                    - {type: dropout, p: 0.25}
                    - {type: linear, in: 196, out: 10, bias: false}
                data: {train_limit: 100}
                training: {epochs: 2, batch_size: 8, optimizer: sgd, momentum: 0.9, schedule: step, step_size: 1, gamma: 0.5}
                """,
            "distill.yaml": """
                model: {preset: mlp, sizes: [784, 16, 10]}
                training: {epochs: 1, optimizer: adamw, weight_decay: 0.01, schedule: cosine, min_learning_rate: 0.0001}
                distillation: {teacher_logits: {train: t.h5}, alpha: 0.5, temperature: 4}
                output: {checkpoint: out.h5}
                """,
            "aliases.yaml": "model: {preset: mlp, sizes: &s [784, 32, 10]}\ntraining: &t {epochs: 3, batch_size: 64}\n",
        ]
        for (name, text) in extra { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    }
}
