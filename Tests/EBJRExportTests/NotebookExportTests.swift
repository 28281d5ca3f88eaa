import EBJREvaluation
import EBJRNN
import EBJRRouting
import EBJRTensor
import Foundation
import Testing
import _EBJRTestSupport
@testable import EBJRExport

/// A small synthetic evaluation: a 10-class problem, a general side model whose accuracy rises with its
/// confidence, and an other-class specialized side model for classes {5, 7, 9}.
private func syntheticResult(n: Int = 400) throws -> EvaluationResult {
    let validation = try SyntheticEvaluation(count: n, seed: 1)
    let test = try SyntheticEvaluation(count: n, seed: 2)
    let settings = EvaluationSettings(scores: [.energy(temperature: 1), .maxSoftmax(temperature: 2), .random(seed: 0), .oracle],
                                      criteria: EvaluationSettings.defaultCriteria + [.fixed(.negativeEnergyAtLeast(2.46))],
                                      curvePoints: 41, histogramBins: 12)
    return try Evaluator(settings: settings).evaluate(
        title: "Synthetic EBJR & <notebook>", deepName: "cnn", deepFLOPs: 23_984_896, validation: validation.split,
        test: test.split, sideModels: SyntheticEvaluation.sideModels(validation: validation, test: test),
        notes: ["seeded synthetic data"])
}

/// Writes the synthetic report into `<root>/eval` and returns that folder.
private func writeReport(_ result: EvaluationResult, in root: URL) throws -> URL {
    let directory = root.appendingPathComponent("eval")
    try ReportWriter.write(result, to: directory)
    return directory
}

/// What executing a notebook produced: printed and displayed text, the number of PNG figures, and errors.
private struct ExecutedNotebook {
    var text = ""
    var imageCount = 0
    var errors: [String] = []
}

/// nbformat-validates `notebook`, then executes it headless with nbconvert from its own folder (with
/// `MPLBACKEND=Agg`, as on a machine without a display) and collects the outputs.
private func validateAndExecute(_ notebook: URL) throws -> ExecutedNotebook {
    let folder = notebook.deletingLastPathComponent()
    let validation = try TestSupport.runPython(script: """
        import sys, nbformat
        nb = nbformat.read(sys.argv[1], as_version=4)
        nbformat.validate(nb)
        print(nb.nbformat, nb.nbformat_minor, nb.metadata.kernelspec.name)
        """, arguments: [notebook.path], in: folder)
    #expect(validation.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "4 5 python3")

    let run = try TestSupport.run(try TestSupport.python(), [
        "-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120",
        "--output", "executed.ipynb", notebook.lastPathComponent,
    ], environment: ["MPLBACKEND": "Agg"], currentDirectory: folder)
    guard run.status == 0 else {
        throw TestSupport.Failure("nbconvert --execute failed (\(run.status)):\n\(run.standardError.suffix(4000))")
    }
    let data = try Data(contentsOf: folder.appendingPathComponent("executed.ipynb"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    func joined(_ value: Any?) -> String {
        if let s = value as? String { return s }
        return (value as? [String])?.joined() ?? ""
    }
    var executed = ExecutedNotebook()
    for cell in json["cells"] as? [[String: Any]] ?? [] {
        for output in cell["outputs"] as? [[String: Any]] ?? [] {
            switch output["output_type"] as? String {
            case "stream": executed.text += joined(output["text"])
            case "display_data", "execute_result":
                let bundle = output["data"] as? [String: Any] ?? [:]
                if bundle["image/png"] != nil { executed.imageCount += 1 }
                executed.text += joined(bundle["text/plain"]) + "\n"
            case "error": executed.errors.append("\(output["ename"] ?? ""): \(output["evalue"] ?? "")")
            default: break
            }
        }
    }
    return executed
}

/// Writes an `ebjr-checkpoint` HDF5 file with h5py from a model description and named parameters (in model
/// order), as docs/checkpoint-format.md lays it out.
private func writeCheckpoint(config: ModelConfig, parameters: [(name: String, shape: [Int], values: [Float])],
                             classNames: [String], to url: URL) throws {
    let spec: [String: Any] = [
        "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
        "class_names": classNames,
        "params": parameters.map { ["name": $0.name, "shape": $0.shape, "values": $0.values.map(Double.init)] as [String: Any] },
    ]
    let specURL = url.deletingPathExtension().appendingPathExtension("json")
    try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
    try TestSupport.runPython(script: """
        import json, sys
        import h5py
        import numpy as np

        spec = json.load(open(sys.argv[1]))
        text = h5py.string_dtype()
        with h5py.File(sys.argv[2], "w") as f:
            f.attrs["format"] = "ebjr-checkpoint"
            f.attrs["format_version"] = 1
            f.attrs["weight_layout"] = "torch"
            f.create_dataset("model_config", data=spec["config"], dtype=text)
            f.create_dataset("class_names", data=np.array(spec["class_names"], dtype=object), dtype=text)
            weights = f.create_group("model_weights")
            layers = []
            for p in spec["params"]:
                layer, _, name = p["name"].rpartition(".")
                if layer not in layers:
                    layers.append(layer)
                    weights.create_group(layer).attrs["weight_names"] = np.array([], dtype=object).astype(text)
                group = weights[layer]
                group[name] = np.array(p["values"], dtype=np.float32).reshape(p["shape"])
                group.attrs["weight_names"] = np.array(list(group.attrs["weight_names"]) + [name], dtype=object).astype(text)
            weights.attrs["layer_names"] = np.array(layers, dtype=object).astype(text)
        """, arguments: [specURL.path, url.path], in: url.deletingLastPathComponent())
}

/// The checkpoint cell's deterministic inputs: `np.linspace(-1, 1, count).astype(np.float32)`.
private func linspaceInputs(count: Int) -> [Float] {
    let step = 2.0 / Double(count - 1)
    return (0..<count).map { Float($0 == count - 1 ? 1.0 : Double($0) * step - 1.0) }
}

/// Parses the checkpoint cell's `input i: energy E, logits [z0, z1, …]` lines.
private func printedLogits(_ text: String) -> [(energy: Double, logits: [Double])] {
    text.split(separator: "\n").compactMap { line -> (Double, [Double])? in
        guard line.hasPrefix("input "), let energyRange = line.range(of: "energy "), let open = line.firstIndex(of: "["),
              let close = line.lastIndex(of: "]"), let comma = line[energyRange.upperBound...].firstIndex(of: ","),
              let energy = Double(line[energyRange.upperBound..<comma]) else { return nil }
        let logits = line[line.index(after: open)..<close].split(separator: ",").compactMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        return (energy, logits)
    }
}

private func logSumExp(_ z: [Double]) -> Double {
    let m = z.max()!
    return m + log(z.map { exp($0 - m) }.reduce(0, +))
}

@Suite struct NotebookExportTests {
    /// The exported notebook is valid nbformat 4.5, runs headless from wherever its folder is moved to, draws one
    /// figure per plot cell, and prints numbers it read from report.json that agree with the Swift result.
    @Test func notebookValidatesAndExecutes() throws {
        let root = try TestSupport.temporaryDirectory("notebook")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try syntheticResult()
        let evaluation = try writeReport(result, in: root)
        let output = root.appendingPathComponent("export/notebooks-export/demo.ipynb")
        let written = try NotebookExporter.export(evaluationDirectory: evaluation, output: output)

        let data = root.appendingPathComponent("export/notebooks-export/demo_files")
        let reportFiles = try FileManager.default.contentsOfDirectory(atPath: evaluation.path).sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted() == reportFiles)
        #expect(written.first == output.standardizedFileURL)
        #expect(written.count == 1 + reportFiles.count)
        #expect(try Data(contentsOf: data.appendingPathComponent("report.json")) ==
                Data(contentsOf: evaluation.appendingPathComponent("report.json")))
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(!text.contains(root.path), "the notebook must refer to its data by relative paths only")
        #expect(text.contains(#"DATA = Path(\"demo_files\")"#))

        // Moving the notebook with its folder keeps it working.
        let moved = root.appendingPathComponent("moved")
        try FileManager.default.moveItem(at: output.deletingLastPathComponent(), to: moved)
        let executed = try validateAndExecute(moved.appendingPathComponent("demo.ipynb"))
        #expect(executed.errors.isEmpty, "\(executed.errors)")
        #expect(executed.imageCount == NotebookContent.plotCellCount)

        for side in result.sideModels {
            let score = side.scores[0], point = score.operatingPoints[0], test = point.test
            let line = "\(side.name): \(score.score.description), \(point.criterion.description) → test acceptance "
                + String(format: "%.2f%%, A_joint %.2f%% (Δ %+.2f pp), relative cost %.3f", 100 * test.statistics.acceptance,
                         100 * test.measuredJointAccuracy, 100 * (test.measuredJointAccuracy - test.statistics.deepAccuracy),
                         test.relativeCost)
            #expect(executed.text.contains(line), "missing: \(line)")
        }
        let operatingPoints = result.sideModels.flatMap(\.scores).map(\.operatingPoints.count).reduce(0, +)
        #expect(executed.text.contains("\(2 * operatingPoints) operating points × splits"))
        #expect(executed.text.contains("No measured value lies outside its bound."))
        #expect(executed.text.contains("footwear <other-class>"))
    }

    /// The checkpoint cell walks an HDF5 file by layer_names / weight_names and prints the logits and energies
    /// of an MLP 4-3-2 with known weights, computed here by hand.
    @Test func checkpointCellPrintsTheExpectedLogits() throws {
        let root = try TestSupport.temporaryDirectory("notebook-mlp")
        defer { try? FileManager.default.removeItem(at: root) }
        let w1: [[Double]] = [[0.5, -1, 0.25, 2], [-0.75, 0.5, 1, -0.5], [1.5, 0.25, -0.5, 0.75]]
        let b1: [Double] = [0.1, -0.2, 0.3]
        let w2: [[Double]] = [[1, -2, 0.5], [-1.5, 0.75, 2]]
        let b2: [Double] = [0.25, -0.5]
        let checkpoint = root.appendingPathComponent("side.h5")
        try writeCheckpoint(config: .mlp([4, 3, 2]), parameters: [
            ("layers.0.weight", [3, 4], w1.flatMap { $0.map(Float.init) }), ("layers.0.bias", [3], b1.map(Float.init)),
            ("layers.2.weight", [2, 3], w2.flatMap { $0.map(Float.init) }), ("layers.2.bias", [2], b2.map(Float.init)),
        ], classNames: ["left", "right"], to: checkpoint)

        let inputs = linspaceInputs(count: NotebookContent.checkpointInputCount * 4).map(Double.init)
        func logits(relu: Bool) -> [[Double]] {
            (0..<NotebookContent.checkpointInputCount).map { i in
                let x = Array(inputs[(4 * i)..<(4 * i + 4)])
                let hidden = zip(w1, b1).map { row, b in
                    let h = zip(row, x).map(*).reduce(b, +)
                    return relu ? max(0, h) : h
                }
                return zip(w2, b2).map { row, b in zip(row, hidden).map(*).reduce(b, +) }
            }
        }
        let expected = logits(relu: true)
        #expect(expected != logits(relu: false), "the inputs must exercise the ReLU")

        let output = root.appendingPathComponent("nb/mlp.ipynb")
        let written = try NotebookExporter.export(evaluationDirectory: try writeReport(try syntheticResult(), in: root),
                                                  output: output, checkpoint: checkpoint, title: "MLP side model")
        #expect(written.last?.lastPathComponent == "side.h5")
        let executed = try validateAndExecute(output)
        #expect(executed.errors.isEmpty, "\(executed.errors)")
        #expect(executed.text.contains("layers.2.weight: [2, 3]"))
        let printed = printedLogits(executed.text)
        try #require(printed.count == expected.count, "\(executed.text)")
        for (row, want) in zip(printed, expected) {
            #expect(row.logits.count == 2)
            for (got, value) in zip(row.logits, want) { #expect(abs(got - value) < 1e-6, "\(row.logits) vs \(want)") }
            #expect(abs(row.energy + logSumExp(want)) < 1e-6)
        }
    }

    /// Convolution (stride and padding), max pooling, tanh, flatten, dropout and bias-free linear layers: the
    /// NumPy forward pass of the notebook matches the Swift model the weights came from.
    @Test func checkpointCellMatchesTheSwiftForwardPass() throws {
        let root = try TestSupport.temporaryDirectory("notebook-cnn")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = ModelConfig(inputShape: [2, 7, 7], layers: [
            .conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, bias: true), .relu,
            .maxPool2d(kernelSize: 2, stride: 1),
            .conv2d(inputChannels: 3, outputChannels: 2, kernelSize: 2, stride: 1, padding: 0, bias: false), .tanh,
            .flatten, .dropout(probability: 0.5),
            .linear(inputFeatures: 8, outputFeatures: 5, bias: true), .relu,
            .linear(inputFeatures: 5, outputFeatures: 3, bias: false),
        ])
        var generator = RandomGenerator(seed: 7)
        let model = try config.makeModel(generator: &generator)
        model.eval()
        let n = NotebookContent.checkpointInputCount
        let x = Tensor(linspaceInputs(count: n * 2 * 7 * 7), shape: [n, 2, 7, 7])
        let logits = model(x).scalars.map(Double.init)
        let checkpoint = root.appendingPathComponent("cnn.h5")
        try writeCheckpoint(config: config, parameters: model.namedParameters().map { ($0.name, $0.tensor.shape, $0.tensor.scalars) },
                            classNames: ["a", "b", "c"], to: checkpoint)

        let output = root.appendingPathComponent("cnn.ipynb")
        try NotebookExporter.export(evaluationDirectory: try writeReport(try syntheticResult(), in: root), output: output,
                                    checkpoint: checkpoint, title: nil)
        let executed = try validateAndExecute(output)
        #expect(executed.errors.isEmpty, "\(executed.errors)")
        let printed = printedLogits(executed.text)
        try #require(printed.count == n, "\(executed.text)")
        for (i, row) in printed.enumerated() {
            let want = Array(logits[(3 * i)..<(3 * i + 3)])
            #expect(row.logits.count == 3)
            for (got, value) in zip(row.logits, want) { #expect(abs(got - value) < 1e-4, "input \(i): \(row.logits) vs \(want)") }
            #expect(abs(row.energy + logSumExp(want)) < 1e-4)
        }
    }

    /// Exporting twice gives identical bytes; a second export replaces the data folder whole; nothing temporary
    /// is left behind; the title is escaped for markdown.
    @Test func reexportIsDeterministicAndReplacesTheDataFolder() throws {
        let root = try TestSupport.temporaryDirectory("notebook-again")
        defer { try? FileManager.default.removeItem(at: root) }
        let evaluation = try writeReport(try syntheticResult(n: 200), in: root)
        let output = root.appendingPathComponent("out/report.ipynb")
        try NotebookExporter.export(evaluationDirectory: evaluation, output: output, title: "A <b>bold</b> *claim*")
        let first = try Data(contentsOf: output)
        let stale = root.appendingPathComponent("out/report_files/stale.svg")
        try Data("old".utf8).write(to: stale)
        try NotebookExporter.export(evaluationDirectory: evaluation, output: output, title: "A <b>bold</b> *claim*")
        #expect(try Data(contentsOf: output) == first)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("out").path).sorted()
                == ["report.ipynb", "report_files"])

        let notebook = try #require(try JSONSerialization.jsonObject(with: first) as? [String: Any])
        #expect(notebook["nbformat"] as? Int == 4 && notebook["nbformat_minor"] as? Int == 5)
        let cells = try #require(notebook["cells"] as? [[String: Any]])
        #expect(Set(cells.compactMap { $0["id"] as? String }).count == cells.count)
        let heading = (cells.first?["source"] as? [String])?.first
        #expect(heading == "# A &lt;b&gt;bold&lt;/b&gt; \\*claim\\*\n")
        let code = cells.filter { $0["cell_type"] as? String == "code" }
        #expect(code.allSatisfy { ($0["outputs"] as? [Any])?.isEmpty == true && $0["execution_count"] is NSNull })
        #expect(!code.contains { ($0["source"] as? [String])?.joined().contains("h5py") == true },
                "no checkpoint cell without a checkpoint")
    }

    /// Missing or unreadable inputs fail with one line naming the path, and write nothing.
    @Test func errorsNameTheFileAndWriteNothing() throws {
        let root = try TestSupport.temporaryDirectory("notebook-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("out/x.ipynb")
        func failure(_ evaluation: URL, output: URL = output, checkpoint: URL? = nil) -> NotebookExportError? {
            do {
                try NotebookExporter.export(evaluationDirectory: evaluation, output: output, checkpoint: checkpoint)
                return nil
            } catch {
                #expect(!"\(error)".contains("\n"), "one line: \(error)")
                return error as? NotebookExportError
            }
        }

        let missing = root.appendingPathComponent("no-such-evaluation")
        #expect(failure(missing) == .missingEvaluationDirectory(path: missing.path))
        #expect(failure(missing)?.description.contains(missing.path) == true)

        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let emptyReport = empty.appendingPathComponent("report.json").path
        #expect(failure(empty) == .missingReport(path: emptyReport))
        #expect(failure(empty)?.description == "notebook export: no report.json at '\(emptyReport)' (write the evaluation report there first)")

        let evaluation = try writeReport(try syntheticResult(n: 200), in: root)
        let report = evaluation.appendingPathComponent("report.json")
        let original = try Data(contentsOf: report)
        var object = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        object["schemaVersion"] = 0
        try JSONSerialization.data(withJSONObject: object).write(to: report)
        #expect(failure(evaluation) == .unsupportedSchema(path: report.path, found: 0, supported: EvaluationResult.currentSchemaVersion))
        object["schemaVersion"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: report)
        #expect(failure(evaluation) == .unsupportedSchema(path: report.path, found: nil, supported: EvaluationResult.currentSchemaVersion))
        object["schemaVersion"] = EvaluationResult.currentSchemaVersion
        object["deep"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: report)
        guard case let .unreadableReport(path, reason) = failure(evaluation) else {
            Issue.record("a report without 'deep' must be unreadable")
            return
        }
        #expect(path == report.path && reason.contains("deep"))
        try Data("{ not json".utf8).write(to: report)
        #expect(failure(evaluation) == .unreadableReport(path: report.path, reason: "not a JSON object"))
        try original.write(to: report)

        let curves = evaluation.appendingPathComponent("curves.csv")
        let curvesData = try Data(contentsOf: curves)
        try FileManager.default.removeItem(at: curves)
        #expect(failure(evaluation) == .missingFile(path: curves.path))
        try curvesData.write(to: curves)

        let noCheckpoint = root.appendingPathComponent("side.h5")
        #expect(failure(evaluation, checkpoint: noCheckpoint) == .invalidCheckpoint(path: noCheckpoint.path, reason: "does not exist"))
        try Data("not hdf5 at all, just text".utf8).write(to: noCheckpoint)
        #expect(failure(evaluation, checkpoint: noCheckpoint) == .invalidCheckpoint(path: noCheckpoint.path, reason: "is not an HDF5 file"))
        let json = root.appendingPathComponent("out/x.json")
        #expect(failure(evaluation, output: json) == .invalidOutput(path: json.path, reason: "the file name must end in .ipynb"))

        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path), "nothing may be written")
        // The inputs were fine all along: the same call now succeeds.
        #expect(failure(evaluation) == nil)
        #expect(FileManager.default.fileExists(atPath: output.path))
    }
}
