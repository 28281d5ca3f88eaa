import _EBJRTestSupport
import EBJRCheckpoint
import EBJRHDF5
import EBJRNN
import EBJRTensor
import Foundation
import Testing

/// Checks that a checkpoint can be used from Python with nothing but h5py and NumPy: the script walks
/// `model_weights` by `layer_names` / `weight_names`, runs the forward pass described by `model_config`, and its
/// logits must match the Swift model's.
@Suite struct PythonInteropTests {
    /// Walks the checkpoint as a Python user would and writes the logits as raw little-endian float32.
    static let script = #"""
    import json, sys
    import h5py, numpy as np

    checkpoint, inputs, output = sys.argv[1:4]
    with h5py.File(checkpoint, "r") as f:
        for key in ("format", "toolkit_version", "weight_layout"):
            assert isinstance(f.attrs[key], str), f"root attribute {key} is {type(f.attrs[key])}, not str"
        assert f.attrs["format"] == "ebjr-checkpoint" and f.attrs["weight_layout"] == "torch"
        assert int(f.attrs["format_version"]) == 1
        weights = f["model_weights"]
        params = {}
        for layer in weights.attrs["layer_names"]:
            assert isinstance(layer, str), f"layer name {layer!r} is not str"
            group = weights[layer]
            for name in group.attrs["weight_names"]:
                assert isinstance(name, str), f"weight name {name!r} is not str"
                dataset = group[name]
                assert dataset.dtype == np.float32, f"{layer}/{name} is {dataset.dtype}"
                params[f"{layer}.{name}"] = dataset[()]
        for name in ("model_config", "recipe", "class_names"):
            info = h5py.check_string_dtype(f[name].dtype)
            assert info is not None and info.encoding == "utf-8", f"{name} is not a UTF-8 string dataset"
        config = json.loads(f["model_config"].asstr()[()])
        class_names = list(f["class_names"].asstr()[()])
        assert all(isinstance(n, str) for n in class_names) and class_names[0] == "T-shirt/top", class_names
        assert isinstance(f["recipe"].asstr()[()], str)
        assert f["optimizer_weights"].attrs["optimizer"] == "adam"
        assert f["optimizer_weights/layers.0.weight/exp_avg"].shape == params["layers.0.weight"].shape
        assert int(f["training_state"].attrs["global_step"]) == 1234

    with h5py.File(inputs, "r") as f:
        h = f["x"][()].astype(np.float32)
    for index, layer in enumerate(config["layers"]):
        kind = layer["type"]
        if kind == "linear":
            h = h @ params[f"layers.{index}.weight"].T + params[f"layers.{index}.bias"]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "tanh":
            h = np.tanh(h)
        else:
            sys.exit(f"layer type {kind} not handled by this test")
    np.ascontiguousarray(h, dtype="<f4").tofile(output)
    print("python logits", h.shape)
    """#

    @Test func numpyForwardPassMatchesSwift() throws {
        let python = try Self.findPython()
        let folder = try TemporaryDirectory()
        let trained = try TrainedModel(.mlp([784, 32, 10]))
        let checkpointURL = folder.file("mlp.h5"), inputsURL = folder.file("inputs.h5")
        let scriptURL = folder.file("forward.py"), outputURL = folder.file("logits.f32")
        try trained.checkpoint().save(to: checkpointURL)
        let x = trained.inputs(count: 100)
        try HDF5File.writeAtomically(to: inputsURL) { file in
            try file.createDataset("x", shape: x.shape, values: x.scalars)
        }
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = python
        process.arguments = [scriptURL.path, checkpointURL.path, inputsURL.path, outputURL.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python failed:\n\(errorText)")

        let data = try Data(contentsOf: outputURL)
        let pythonLogits = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let swiftLogits = trained.model(x)
        try #require(pythonLogits.count == swiftLogits.count, "python wrote \(pythonLogits.count) values")
        let maxDifference = zip(pythonLogits, swiftLogits.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxDifference <= 1e-4, "max |python - swift| = \(maxDifference)")
    }

    /// Why the test cannot run; it fails rather than passing silently.
    struct PythonNotFound: Error, CustomStringConvertible {
        let description: String
    }

    /// `EBJR_PYTHON`, else `.venv/bin/python` in the package root.
    static func findPython() throws -> URL {
        if let configured = ProcessInfo.processInfo.environment["EBJR_PYTHON"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw PythonNotFound(description: "EBJR_PYTHON=\(configured) is not an executable; "
                    + "run scripts/python-env.sh or point EBJR_PYTHON at a Python with h5py and NumPy")
            }
            return URL(fileURLWithPath: configured)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venvPython = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venvPython.path) else {
            throw PythonNotFound(description: "no Python with h5py and NumPy for the interoperability test: run "
                + "scripts/python-env.sh (creates \(venvPython.path)) or set EBJR_PYTHON to a Python that has them")
        }
        return venvPython
    }
}
