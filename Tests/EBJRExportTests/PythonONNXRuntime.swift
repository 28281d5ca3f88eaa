import _EBJRTestSupport
import Foundation

/// Runs an exported model through the reference Python stack (onnx.checker with `full_check=True`, then
/// onnxruntime on the CPU) and returns what it saw.
///
/// The interpreter is `TestSupport.python()`; a missing interpreter or package is a test failure, not a skip.
enum PythonONNXRuntime {
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

    /// Checks and runs `model` on `inputs` (row-major float32 of shape `shape`, batch first) with the interop
    /// interpreter of `TestSupport.python()`.
    static func run(model: URL, inputs: [Float], shape: [Int], in directory: URL) throws -> Report {
        let inputURL = directory.appendingPathComponent("input.f32")
        let reportURL = directory.appendingPathComponent("report.json")
        try inputs.withUnsafeBufferPointer { buffer in
            precondition(1.littleEndian == 1, "the test writes float32 in host order; host must be little-endian")
            try Data(buffer: buffer).write(to: inputURL)
        }
        try TestSupport.runPython(script: pythonScript,
                                  arguments: [model.path, inputURL.path, shape.map(String.init).joined(separator: ","),
                                              reportURL.path],
                                  in: directory)
        return try JSONDecoder().decode(Report.self, from: Data(contentsOf: reportURL))
    }

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
