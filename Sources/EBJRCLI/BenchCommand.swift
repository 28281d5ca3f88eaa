import ArgumentParser
import Foundation
import EBJR

/// `ebjr bench`: the performance suite (release build), with PyTorch and ONNX Runtime measured in the same run.
///
/// Each section (training, batch-1 latency, batch-256 throughput, GEMM) is measured for Swift and right after
/// for PyTorch (`benchmarks/pytorch_reference.py --only <section>` as a subprocess), and the inference sections
/// also for ONNX Runtime on the same models exported to ONNX (`benchmarks/onnxruntime_reference.py`), so that
/// every engine sees the same machine load. The table goes to standard output, progress lines to standard error.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmark training, inference and GEMM against PyTorch.")

    @Option(help: "Threads for both engines (1 or 2; default: the kernel default).")
    var threads: Int?

    @Flag(help: "Short run (smoke test; noisy numbers).")
    var quick = false

    @Flag(help: "Measure Swift only.")
    var noPytorch = false

    @Flag(help: "Fail when PyTorch cannot be run.")
    var requirePytorch = false

    @Option(help: "Only these sections (train, latency, throughput, gemm; repeatable).")
    var only: [String] = []

    @Option(help: "Python with torch (default: $EBJR_TORCH_PYTHON, then .venv-bench/bin/python, then python3).")
    var python: String?

    @Option(help: "The PyTorch reference script (default: benchmarks/pytorch_reference.py found from the current directory).")
    var pytorchScript: String?

    @Flag(help: "Do not run the onnxruntime inference rows.")
    var noOnnxruntime = false

    @Option(help: "Python with onnxruntime, onnx and numpy (default: $EBJR_PYTHON, then .venv/bin/python, then python3).")
    var onnxruntimePython: String?

    @Option(help: "Write the report as JSON here.")
    var json: String?

    @Option(help: "Write the Markdown table here.")
    var markdown: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for section in only where BenchmarkSection(rawValue: section) == nil {
            throw ValidationError("unknown section '\(section)' (train, latency, throughput, gemm)")
        }
    }

    func run() throws {
        try runReportingErrors {
            let threadCount = threads ?? KernelConfiguration.threadCount
            let settings = BenchmarkSettings(threads: threadCount, quick: quick, data: try DataChoice.recipeDefault.classificationSource!)
            let sections = only.isEmpty ? BenchmarkSection.allCases : only.compactMap(BenchmarkSection.init(rawValue:))
            let loadBefore = Self.loadAverage()
            let bench = SwiftBenchmark(settings: settings) { Self.progress("swift: \($0)") }
            var reference: PyTorchReference?
            var note: String?
            if noPytorch {
                note = "PyTorch not run (--no-pytorch)."
            } else if let found = PyTorchReference.locate(python: python, script: pytorchScript) {
                if let problem = found.check() { note = "PyTorch unavailable (\(problem)): Swift numbers only." } else { reference = found }
            } else {
                note = "PyTorch unavailable (benchmarks/pytorch_reference.py not found): Swift numbers only."
            }
            if let note, !noPytorch { Self.progress(note) }
            if requirePytorch, reference == nil { throw BenchError.pytorchRequired(note ?? "PyTorch unavailable") }
            var onnx: OnnxRuntimeReference?, onnxNote: String?
            if noOnnxruntime {
                onnxNote = "onnxruntime not run (--no-onnxruntime)."
            } else {
                switch OnnxRuntimeReference.prepare(python: onnxruntimePython, near: reference?.process.script) {
                case let .success(prepared): onnx = prepared
                case let .failure(problem): onnxNote = "onnxruntime unavailable (\(problem.reason)): no onnxruntime rows."
                }
            }
            if let onnxNote, !noOnnxruntime { Self.progress(onnxNote) }
            var onnxResults: BenchmarkResults?, onnxOverhead: Double?
            var swiftResults = BenchmarkResults(), torchResults: BenchmarkResults? = reference == nil ? nil : BenchmarkResults()
            for section in sections {
                Self.progress("section \(section.rawValue): Swift")
                swiftResults.merge(try bench.run(section))
                if let onnx, section == .latency || section == .throughput {
                    Self.progress("section \(section.rawValue): onnxruntime")
                    do {
                        let (results, overhead) = try onnx.run(section, settings: settings)
                        if onnxResults == nil { onnxResults = BenchmarkResults() }
                        onnxResults?.merge(results)
                        onnxOverhead = overhead
                    } catch {
                        onnxNote = "onnxruntime failed (\(error)): its remaining numbers are missing."
                        Self.progress(onnxNote!)
                    }
                }
                guard let current = reference else { continue }
                Self.progress("section \(section.rawValue): PyTorch")
                do {
                    torchResults?.merge(try current.run(section, settings: settings))
                } catch {
                    note = "PyTorch failed (\(error)): its remaining numbers are missing."
                    Self.progress(note!)
                    reference = nil
                }
            }
            try write(BenchmarkReport(threads: threadCount, quick: quick, swift: swiftResults, pytorch: torchResults,
                                      pytorchNote: note, onnxruntime: onnxResults, onnxruntimeNote: onnxNote,
                                      onnxruntimeCallOverhead: onnxOverhead, loadAverage: [loadBefore, Self.loadAverage()]))
        }
    }

    private func write(_ report: BenchmarkReport) throws {
        if requirePytorch, let note = report.pytorchNote { throw BenchError.pytorchRequired(note) }
        print(report.markdown, terminator: "")
        if let json { try report.jsonData().write(to: URL(fileURLWithPath: json)) }
        if let markdown { try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: markdown)) }
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
    }

    static func loadAverage() -> Double {
        var values = [Double](repeating: 0, count: 3)
        return getloadavg(&values, 3) > 0 ? (values[0] * 100).rounded() / 100 : 0
    }
}

/// A Python script run as a subprocess: JSON on its standard output, progress passed through on standard error.
struct PythonScript {
    let python: String
    let script: String

    /// `benchmarks/<name>` found from the current directory or up to five of its parents.
    static func find(_ name: String) -> String? {
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: fm.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("benchmarks/\(name)").path
            if fm.fileExists(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// Nil when `python -c "import <modules>"` works, otherwise a short reason.
    func checkImports(_ modules: String) -> String? {
        guard let (status, _) = try? execute(["-c", "import \(modules)"], passStderr: false, withScript: false) else {
            return "cannot run \(python)"
        }
        return status == 0 ? nil : "\(python) cannot import \(modules)"
    }

    func execute(_ arguments: [String], passStderr: Bool, environment: [String: String] = [:],
                 withScript: Bool = true) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + (withScript ? [script] : []) + arguments
        // e.g. OPENBLAS_NUM_THREADS: OpenBLAS (behind NumPy) reads it at load time; the script also uses threadpoolctl.
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = passStderr ? FileHandle.standardError : FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

/// How to run `benchmarks/pytorch_reference.py`.
struct PyTorchReference {
    let process: PythonScript

    /// The python and script to use, or nil when the script cannot be found.
    static func locate(python: String?, script: String?) -> PyTorchReference? {
        let fm = FileManager.default
        guard let scriptPath = script ?? PythonScript.find("pytorch_reference.py"), fm.fileExists(atPath: scriptPath) else { return nil }
        let root = URL(fileURLWithPath: scriptPath).deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv-bench/bin/python").path
        let chosen = python ?? ProcessInfo.processInfo.environment["EBJR_TORCH_PYTHON"]
            ?? (fm.isExecutableFile(atPath: venv) ? venv : "python3")
        return PyTorchReference(process: PythonScript(python: chosen, script: scriptPath))
    }

    /// Nil when `import torch` works, otherwise a short reason.
    func check() -> String? { process.checkImports("torch, numpy") }

    /// The reference numbers of one section.
    func run(_ section: BenchmarkSection, settings: BenchmarkSettings) throws -> BenchmarkResults {
        var arguments = ["--threads", String(settings.threads), "--only", section.rawValue,
                         "--data-dir", DataChoice.recipeDefault.dataLocation]
        if settings.quick { arguments.append("--quick") }
        let (status, output) = try process.execute(arguments, passStderr: true,
                                                   environment: ["OPENBLAS_NUM_THREADS": String(settings.threads)])
        guard status == 0 else { throw BenchError.referenceFailed("pytorch_reference.py", status) }
        return try JSONDecoder().decode(BenchmarkResults.self, from: output)
    }
}

/// How to run `benchmarks/onnxruntime_reference.py` on the benchmark's own models, exported to ONNX once into a
/// temporary folder (removed when the process ends).
final class OnnxRuntimeReference {
    let process: PythonScript
    let models: URL

    private init(process: PythonScript, models: URL) {
        self.process = process
        self.models = models
    }

    deinit { try? FileManager.default.removeItem(at: models) }

    /// Why the onnxruntime rows cannot be measured.
    struct Unavailable: Error { let reason: String }

    /// A ready reference (python checked, models exported), or why onnxruntime cannot be run.
    static func prepare(python: String?, near pytorchScript: String?) -> Result<OnnxRuntimeReference, Unavailable> {
        let fm = FileManager.default
        let sibling = pytorchScript.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("onnxruntime_reference.py").path }
        guard let script = sibling.flatMap({ fm.fileExists(atPath: $0) ? $0 : nil }) ?? PythonScript.find("onnxruntime_reference.py") else {
            return .failure(Unavailable(reason: "benchmarks/onnxruntime_reference.py not found"))
        }
        let root = URL(fileURLWithPath: script).deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv/bin/python").path
        let chosen = python ?? ProcessInfo.processInfo.environment["EBJR_PYTHON"] ?? (fm.isExecutableFile(atPath: venv) ? venv : "python3")
        let process = PythonScript(python: chosen, script: script)
        if let problem = process.checkImports("onnxruntime, onnx, numpy") { return .failure(Unavailable(reason: "\(chosen): \(problem)")) }
        let models = fm.temporaryDirectory.appendingPathComponent("ebjr-bench-onnx-\(getpid())")
        do {
            try fm.createDirectory(at: models, withIntermediateDirectories: true)
            let reference = OnnxRuntimeReference(process: process, models: models)
            try reference.export()
            return .success(reference)
        } catch {
            return .failure(Unavailable(reason: "could not export the benchmark models: \(error)"))
        }
    }

    /// Writes `<key>.onnx` for every inference row (the route row: the side model with its energy and `accept`
    /// outputs in the graph) and `shapes.json` (sample shape per key).
    private func export() throws {
        let networks = try SwiftBenchmark.inferenceModels()
        var shapes: [String: [Int]] = [:]
        func write(_ key: String, _ model: BenchmarkModel, _ options: ONNXExportOptions) throws {
            try ONNXExporter(config: model.config, options: options)
                .write(weights: networks[model]!.namedState(), to: models.appendingPathComponent("\(key).onnx"))
            shapes[key] = model.config.inputShape
        }
        for model in [BenchmarkModel.side, .mlp, .cnn, .resnet20] { try write(model.key, model, ONNXExportOptions()) }
        try write(SwiftBenchmark.routeKey, .side,
                  ONNXExportOptions(energy: .init(temperature: 1, threshold: SwiftBenchmark.energyThreshold)))
        try JSONEncoder().encode(shapes).write(to: models.appendingPathComponent("shapes.json"))
    }

    /// The onnxruntime numbers of one inference section, and the measured Python call overhead (µs).
    func run(_ section: BenchmarkSection, settings: BenchmarkSettings) throws -> (BenchmarkResults, Double?) {
        var arguments = ["--models", models.path, "--threads", String(settings.threads), "--only", section.rawValue,
                         "--data-dir", DataChoice.recipeDefault.dataLocation]
        if settings.quick { arguments.append("--quick") }
        let (status, output) = try process.execute(arguments, passStderr: true)
        guard status == 0 else { throw BenchError.referenceFailed("onnxruntime_reference.py", status) }
        struct Meta: Decodable { var call_overhead_us: Double? }
        struct Envelope: Decodable { var meta: Meta? }
        let overhead = try JSONDecoder().decode(Envelope.self, from: output).meta?.call_overhead_us
        return (try JSONDecoder().decode(BenchmarkResults.self, from: output), overhead)
    }
}

enum BenchError: Error, CustomStringConvertible {
    case referenceFailed(String, Int32)
    case pytorchRequired(String)
    var description: String {
        switch self {
        case let .referenceFailed(script, status): "\(script) exited with status \(status)"
        case let .pytorchRequired(note): "\(note) (--require-pytorch)"
        }
    }
}
