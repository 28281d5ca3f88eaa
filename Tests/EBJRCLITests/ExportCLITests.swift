import Testing
import Foundation
import EBJR
import _EBJRTestSupport

/// `ebjr export onnx` on a specialized (other-class) checkpoint: onnxruntime must accept the file and route exactly
/// as the Swift energy rule does.
@Test func exportOnnxOfASpecializedCheckpointRoutesLikeSwift() throws {
    let dir = try TestSupport.temporaryDirectory("export")
    var generator = RandomGenerator(seed: 5)
    let config = ModelConfig.mlp([784, 16, 4])
    let model = try config.makeModel(generator: &generator)
    let checkpoint = Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: model), optimizer: nil,
                                trainingState: nil, recipe: "", classNames: FashionMNIST.classNames, classSubset: [5, 7, 9],
                                subsetDesign: .otherClass, metadata: [:])
    let ckpt = dir.appendingPathComponent("side.h5"), onnx = dir.appendingPathComponent("side.onnx")
    try checkpoint.save(to: ckpt)
    let x = Tensor.uniform([50, 784], low: 0, high: 1, generator: &generator)
    let logits = noGrad { model(x) }
    // Energy over the 3 subset columns; threshold at the median so both decisions occur.
    let energies = (0..<50).map { r in -Double(Tensor(Array(logits.scalars[(r * 4)..<(r * 4 + 3)]), shape: [1, 3]).logSumExp().item) }
    let tau = energies.sorted()[25] - 1e-3
    let result = try TestSupport.ebjr(["export", "onnx", ckpt.path, "--output", onnx.path, "--energy-temperature", "1",
                                       "--energy-at-most=\(tau)"])
    #expect(result.status == 0, "\(result.standardError)")
    try x.scalars.withUnsafeBufferPointer { try Data(buffer: $0).write(to: dir.appendingPathComponent("x.f32")) }
    let script = """
        import sys, json, numpy as np, onnx, onnxruntime as ort
        onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)
        x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(50, 784)
        logits, energy, accept = ort.InferenceSession(sys.argv[1]).run(None, {"input": x})
        print(json.dumps({"logits": logits.ravel().tolist(), "accept": accept.astype(int).tolist()}))
        """
    let out = try TestSupport.runPython(script: script, arguments: [onnx.path, dir.appendingPathComponent("x.f32").path], in: dir)
    let decoded = try JSONSerialization.jsonObject(with: Data(out.standardOutput.utf8)) as! [String: [Double]]
    let maxDiff = zip(decoded["logits"]!, logits.scalars).map { abs($0 - Double($1)) }.max()!
    #expect(maxDiff <= 1e-4)
    #expect(decoded["accept"]!.map { $0 == 1 } == energies.map { $0 <= tau })
}
