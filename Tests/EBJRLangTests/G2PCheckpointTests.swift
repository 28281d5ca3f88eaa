import Testing
import Foundation
@testable import EBJRLang
import EBJRCheckpoint
import EBJRRecipe
import _EBJRTestSupport

@Suite("G2P recipes and checkpoints")
struct G2PCheckpointTests {
    static let words = ["cat", "phoneme", "energy", "routing", "swift"]
    func decodes(_ model: G2PModel) throws -> [[Int]] {
        try model.greedyDecode(Self.words.map { try G2PVocabulary.standard.encode(word: $0) }).map(\.tokens)
    }

    @Test func recipesAreStrictYAML() throws {
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
        let recipe = try G2PRecipe(text: text, path: "r.yaml")
        #expect(recipe.modelConfig == G2PModelConfig(embeddingSize: 32, hiddenSize: 64) && recipe.gradientClip == 5)
        #expect(recipe.checkpointPath == "checkpoints/r.h5" && recipe.learningRate == 1e-3)
        #expect(throws: RecipeError.wrongType(file: "r.yaml", path: "training.epochs", line: 8, expected: "an integer")) {
            try G2PRecipe(text: text.replacingOccurrences(of: "epochs: 2", with: "epochs: two"), path: "r.yaml")
        }
        do {
            _ = try G2PRecipe(text: text.replacingOccurrences(of: "batch_size", with: "batchsize"), path: "r.yaml")
            Issue.record("unknown key accepted")
        } catch {
            #expect("\(error)".hasPrefix("r.yaml:9: unknown key 'training.batchsize'"), "\(error)")
        }
        #expect(throws: RecipeError.self) { try G2PRecipe(text: text.replacingOccurrences(of: "hidden_size: 64", with: "hidden_size: 63"), path: "r.yaml") }
        #expect(throws: RecipeError.self) { try G2PRecipe(text: text.replacingOccurrences(of: "cmudict", with: "fashion-mnist"), path: "r.yaml") }
        #expect(recipe.dropout == 0)
        #expect(try G2PRecipe(text: text + "\n  dropout: 0.25", path: "r.yaml").dropout == 0.25)
        do {
            _ = try G2PRecipe(text: text + "\n  dropout: 1.5", path: "r.yaml")
            Issue.record("dropout 1.5 accepted")
        } catch {
            #expect("\(error)".hasPrefix("r.yaml:10: 'training.dropout' must be in") && "\(error)".contains("1.5"), "\(error)")
        }
        let root = TestSupport.packageRoot.appendingPathComponent("recipes")
        // Super is trained in stages: each starts from the checkpoint the previous stage writes; the last one is g2p-super.
        let superChain = (1...5).map { "g2p-super-stage\($0).yaml" } + ["g2p-super.yaml"]
        var previousOutput: String?
        for path in ["g2p-swift.yaml"] + superChain {
            let parsed = try G2PRecipe(contentsOf: root.appendingPathComponent(path).path)
            let parameters = G2PModel(config: parsed.modelConfig, seed: 0).parameterCount
            #expect(parsed.hiddenSize == 64 ? parameters == 51_563 : parameters == 722_219)
            #expect(parsed.checkpointPath == "checkpoints/\(parsed.name).h5")
            if path.hasPrefix("g2p-super") {
                #expect(parsed.initialCheckpoint == previousOutput, "\(path) starts from \(parsed.initialCheckpoint ?? "scratch")")
                previousOutput = parsed.checkpointPath
            }
        }
        let evaluation = try G2PEvaluationRecipe.load(path: root.appendingPathComponent("g2p-elang.yaml").path)
        #expect(evaluation.swift.checkpoint == "checkpoints/g2p-swift.h5" && evaluation.super.checkpoint == "checkpoints/g2p-super.h5")
        #expect(evaluation.tolerance == 0.01 && evaluation.swift.trainCommand!.hasPrefix("ebjr train "))
    }

    /// save → load → identical weights and greedy decodes; h5py sees the dotted names, the kind and the config.
    @Test func checkpointRoundTripAndH5py() throws {
        let dir = try TestSupport.temporaryDirectory("g2p-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 6, hiddenSize: 8), seed: 3)
        let path = dir.appendingPathComponent("m.h5").path
        var recipe = G2PRecipe(name: "tiny", embeddingSize: 6, hiddenSize: 8, epochs: 1, batchSize: 4, learningRate: 0.01)
        recipe.text = "name: tiny\n"
        try G2PCheckpoint.save(model, to: path, recipe: recipe)
        let loaded = try G2PCheckpoint.load(from: path)
        #expect(loaded.model.parameters.map(\.scalars) == model.parameters.map(\.scalars))
        #expect(try decodes(loaded.model) == decodes(model))
        #expect(loaded.checkpoint.recipe == "name: tiny\n" && loaded.checkpoint.metadata["name"] == "tiny")
        // A layer-stack loader refuses it with a clear message; a missing file names the command.
        #expect(throws: CheckpointError.self) { try Checkpoint.readModelConfig(from: URL(fileURLWithPath: path)) }
        #expect(throws: LangError.missingCheckpoint(path: "nope.h5", command: "ebjr train x.yaml")) {
            try G2PCheckpoint.load(from: "nope.h5", trainCommand: "ebjr train x.yaml")
        }
        let script = """
        import h5py, json, sys
        names = []
        with h5py.File(sys.argv[1], "r") as f:
            f.visit(names.append)
            print(json.dumps({"names": names, "kind": f["model_kind"][()].decode(), "config": json.loads(f["model_config"][()].decode()),
                              "layers": [s.decode() if isinstance(s, bytes) else s for s in f["model_weights"].attrs["layer_names"]],
                              "shape": list(f["model_weights/decoder/weight_hh"].shape)}))
        """
        let output = try TestSupport.runPython(script: script, arguments: [path], in: dir)
        struct Tree: Decodable { var names: [String]; var kind: String; var config: [String: Int]; var layers: [String]; var shape: [Int] }
        let tree = try JSONDecoder().decode(Tree.self, from: Data(output.standardOutput.utf8))
        #expect(tree.kind == "g2p" && tree.config["hiddenSize"] == 8 && tree.shape == [24, 8])
        #expect(tree.layers == ["source_embedding", "encoder_forward", "encoder_backward", "target_embedding", "decoder", "output"])
        #expect(tree.names.contains("model_weights/encoder_forward/weight_ih") && tree.names.contains("recipe"))
    }

    /// The retired stopgap format is still importable (for models trained before the HDF5 checkpoints).
    @Test func legacyParameterFileImports() throws {
        let dir = try TestSupport.temporaryDirectory("g2p-legacy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 5, hiddenSize: 6), seed: 9)
        struct Header: Encodable { var name: String; var shape: [Int] }
        var data = Data("EBJR-LANG-PARAMETERS 1\n".utf8)
        data.append(try JSONEncoder().encode(model.namedParameters().map { Header(name: $0.name, shape: $0.tensor.shape) }))
        data.append(UInt8(ascii: "\n"))
        for (_, tensor) in model.namedParameters() { data.append(Data(bytes: tensor.data, count: tensor.count * 4)) }
        let path = dir.appendingPathComponent("m.params").path
        try data.write(to: URL(fileURLWithPath: path))
        let imported = try G2PCheckpoint.importLegacyParameters(from: path)
        #expect(imported.config == model.config && imported.parameters.map(\.scalars) == model.parameters.map(\.scalars))
        try data.dropLast(4).write(to: URL(fileURLWithPath: path))
        #expect(throws: LangError.self) { try G2PCheckpoint.importLegacyParameters(from: path) }
    }
}
