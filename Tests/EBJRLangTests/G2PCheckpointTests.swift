import Testing
import Foundation
@testable import EBJRLang
import EBJRCheckpoint
import EBJRHDF5
import EBJRTensor
import _EBJRTestSupport

@Suite("G2P recipes and checkpoints")
struct G2PCheckpointTests {
    static let words = ["cat", "phoneme", "energy", "routing", "swift"]
    func decodes(_ model: G2PModel) throws -> [[Int]] {
        try model.greedyDecode(Self.words.map { try G2PVocabulary.standard.encode(word: $0) }).map(\.tokens)
    }

    /// save → load → identical weights and greedy decodes; h5py sees the dotted names, the kind and the config.
    @Test func checkpointRoundTripAndH5py() throws {
        let dir = try TestSupport.temporaryDirectory("g2p-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 6, hiddenSize: 8), seed: 3)
        let path = dir.appendingPathComponent("m.h5").path
        try G2PCheckpoint.save(model, to: path, recipeText: "name: tiny\n", metadata: ["name": "tiny"])
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

    /// G2P checkpoints store weights and Adam moments with the Fletcher32 checksum, as classification checkpoints
    /// do: one flipped bit in a stored weight is a located error on load (naming the dataset), `verifyFile` finds it,
    /// and h5py still reads the undamaged file's weights exactly.
    @Test func weightsAndOptimizerStateAreChecksummed() throws {
        let dir = try TestSupport.temporaryDirectory("g2p-checksum")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = G2PModel(config: G2PModelConfig(embeddingSize: 6, hiddenSize: 8), seed: 4)
        let weights = Checkpoint.modelState(of: model)
        let moments = Dictionary(uniqueKeysWithValues: weights.map { item in
            (item.name, ["m": Tensor(repeating: 0.5, shape: item.tensor.shape), "v": Tensor(repeating: 0.25, shape: item.tensor.shape)])
        })
        let url = dir.appendingPathComponent("g2p.h5")
        try G2PCheckpoint.make(config: model.config, weights: weights,
                               optimizer: OptimizerSnapshot(name: "adam", stepCount: 2, hyperparameters: ["learning_rate": 0.001],
                                                            state: moments),
                               trainingState: TrainingState(epoch: 1, globalStep: 2)).save(to: url)
        do {
            let file = try HDF5File.open(url)
            defer { try? file.close() }
            for layer in try file.group("model_weights").childNames() {
                let group = try file.group("model_weights/\(layer)")
                for weight in try group.childNames() { #expect(try group.dataset(weight).isChecksummed(), "\(layer)/\(weight)") }
            }
            for parameter in try file.group("optimizer_weights").childNames() {
                let group = try file.group("optimizer_weights/\(parameter)")
                for slot in try group.childNames() { #expect(try group.dataset(slot).isChecksummed(), "\(parameter)/\(slot)") }
            }
        }

        // h5py applies the filter: the decoder's recurrent weights read back as stored.
        let (name, tensor) = try #require(weights.first { $0.name == "decoder.weight_hh" })
        try Data(buffer: UnsafeBufferPointer(start: tensor.data, count: tensor.count)).write(to: dir.appendingPathComponent("w.f32"))
        let script = """
        import h5py, numpy as np, sys
        with h5py.File(sys.argv[1] + "/g2p.h5", "r") as f:
            d = f["model_weights/decoder/weight_hh"]
            assert d.fletcher32 and d.chunks is not None
            assert np.array_equal(d[()], np.fromfile(sys.argv[1] + "/w.f32", dtype="<f4").reshape(d.shape))
        print("ok")
        """
        #expect(try TestSupport.runPython(script: script, arguments: [dir.path], in: dir).standardOutput.contains("ok"))

        // Flip one bit inside the stored weight (Fletcher32 leaves the data bytes as they are, so they can be found).
        var bytes = try Data(contentsOf: url)
        let needle = Data(buffer: UnsafeBufferPointer(start: tensor.data, count: tensor.count))
        let range = try #require(bytes.range(of: needle))
        bytes[range.lowerBound + 13] ^= 0x10
        try bytes.write(to: url)
        let path = "/model_weights/decoder/weight_hh"
        #expect(throws: HDF5Error.checksumMismatch(file: url.path, path: path)) { try G2PCheckpoint.load(from: url.path) }
        #expect(throws: HDF5Error.checksumMismatch(file: url.path, path: path)) { try verifyFile(url) }
        #expect(HDF5Error.checksumMismatch(file: url.path, path: path).description.contains(path), "\(name)")
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
