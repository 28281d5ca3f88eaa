import Foundation

/// Runs an exported model through the reference Python stack (onnx.checker with `full_check=True`, then
/// onnxruntime on the CPU) and returns what it saw.
///
/// The interpreter is `$EBJR_PYTHON`, else `${EBJR_PYTHON_ENV:-<package root>/.venv}/bin/python` — the environment
/// `scripts/python-env.sh` creates. A missing interpreter or package is a test failure, not a skip.
enum PythonONNXRuntime {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What the script reports.
    struct Report: Decodable {
        struct Input: Decodable {
            let name: String
            /// Dimensions as strings: a number or the symbolic name.
            let shape: [String]
            let type: String
        }
        struct Output: Decodable {
            let shape: [Int]
            let dtype: String
            /// Values row-major, as float64 (bools as 0/1).
            let values: [Double]
        }
        let irVersion: Int
        let opset: [String: Int]
        let inputs: [Input]
        let outputs: [String: Output]
        let outputOrder: [String]
        /// Max |difference| between the first row of the full batch and a separate batch of one.
        let batchOfOneMaxAbsDiff: Double
        let metadata: [String: String]
        let producerName: String
        let producerVersion: String

        enum CodingKeys: String, CodingKey {
            case irVersion = "ir_version", opset, inputs, outputs, outputOrder = "output_order",
                 batchOfOneMaxAbsDiff = "batch_of_one_max_abs_diff", metadata, producerName = "producer_name",
                 producerVersion = "producer_version"
        }
    }

    /// Checks and runs `model` on `inputs` (row-major float32 of shape `shape`, batch first).
    static func run(model: URL, inputs: [Float], shape: [Int], in directory: URL) throws -> Report {
        let python = try interpreter()
        let script = directory.appendingPathComponent("run_onnx.py")
        let inputURL = directory.appendingPathComponent("input.f32")
        let reportURL = directory.appendingPathComponent("report.json")
        let logURL = directory.appendingPathComponent("python.log")
        try Data(pythonScript.utf8).write(to: script)
        try inputs.withUnsafeBufferPointer { buffer in
            precondition(1.littleEndian == 1, "the test writes float32 in host order; host must be little-endian")
            try Data(buffer: buffer).write(to: inputURL)
        }
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, model.path, inputURL.path, shape.map(String.init).joined(separator: ","),
                             reportURL.path]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            throw Failure(description: """
                \(python.path) \(script.lastPathComponent) exited with status \(process.terminationStatus):
                \(output)
                (if onnx, onnxruntime or numpy are missing, run scripts/python-env.sh)
                """)
        }
        return try JSONDecoder().decode(Report.self, from: Data(contentsOf: reportURL))
    }

    /// The Python interpreter, or a failure telling how to create it.
    static func interpreter() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        if let explicit = environment["EBJR_PYTHON"], !explicit.isEmpty {
            path = explicit
        } else {
            let venv = environment["EBJR_PYTHON_ENV"].flatMap { $0.isEmpty ? nil : $0 }
                ?? packageRoot.appendingPathComponent(".venv").path
            path = URL(fileURLWithPath: venv).appendingPathComponent("bin/python").path
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: """
                no Python interpreter at \(path): run scripts/python-env.sh to create .venv with onnx, onnxruntime \
                and numpy (or set EBJR_PYTHON to a python that has them)
                """)
        }
        return URL(fileURLWithPath: path)
    }

    /// The package root (this file is `<root>/Tests/EBJRExportTests/PythonONNXRuntime.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// argv: model path, input .f32 path, input shape "N,d1,d2,…", report path.
    static let pythonScript = #"""
        import json
        import sys

        import numpy as np
        import onnx
        import onnxruntime as ort

        model_path, input_path, shape, report_path = sys.argv[1:5]
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)

        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        x = np.fromfile(input_path, dtype="<f4").reshape([int(d) for d in shape.split(",")])
        input_name = session.get_inputs()[0].name
        names = [o.name for o in session.get_outputs()]
        outputs = session.run(None, {input_name: x})
        single = session.run(None, {input_name: x[:1]})
        batch_diff = max(float(np.max(np.abs(a[:1].astype(np.float64) - b.astype(np.float64))))
                         for a, b in zip(outputs, single))
        meta = session.get_modelmeta()
        report = {
            "ir_version": model.ir_version,
            "opset": {o.domain: o.version for o in model.opset_import},
            "inputs": [{"name": i.name, "shape": [str(d) for d in i.shape], "type": i.type}
                       for i in session.get_inputs()],
            "outputs": {n: {"shape": list(v.shape), "dtype": str(v.dtype),
                            "values": v.astype(np.float64).reshape(-1).tolist()}
                        for n, v in zip(names, outputs)},
            "output_order": names,
            "batch_of_one_max_abs_diff": batch_diff,
            "metadata": dict(meta.custom_metadata_map),
            "producer_name": meta.producer_name,
            "producer_version": model.producer_version,
        }
        with open(report_path, "w") as f:
            json.dump(report, f)
        """#
}
