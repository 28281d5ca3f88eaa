import ArgumentParser
import Foundation
import EBJR

/// `ebjr bench`: the performance suite (release build), with PyTorch measured in the same run.
///
/// Each section (training, batch-1 latency, batch-256 throughput, GEMM) is measured for Swift and right after
/// for PyTorch (`benchmarks/pytorch_reference.py --only <section>` as a subprocess), so that both see the same
/// machine load. The table goes to standard output, progress lines to standard error.
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
            var swiftResults = BenchmarkResults(), torchResults: BenchmarkResults? = reference == nil ? nil : BenchmarkResults()
            for section in sections {
                Self.progress("section \(section.rawValue): Swift")
                swiftResults.merge(try bench.run(section))
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
                                      pytorchNote: note, loadAverage: [loadBefore, Self.loadAverage()]))
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

/// How to run `benchmarks/pytorch_reference.py`.
struct PyTorchReference {
    let python: String
    let script: String

    /// The python and script to use, or nil when the script cannot be found.
    static func locate(python: String?, script: String?) -> PyTorchReference? {
        let fm = FileManager.default
        var scriptPath = script
        if scriptPath == nil {
            var dir = URL(fileURLWithPath: fm.currentDirectoryPath)
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("benchmarks/pytorch_reference.py").path
                if fm.fileExists(atPath: candidate) { scriptPath = candidate; break }
                dir.deleteLastPathComponent()
            }
        }
        guard let scriptPath, fm.fileExists(atPath: scriptPath) else { return nil }
        let root = URL(fileURLWithPath: scriptPath).deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv-bench/bin/python").path
        let chosen = python ?? ProcessInfo.processInfo.environment["EBJR_TORCH_PYTHON"]
            ?? (fm.isExecutableFile(atPath: venv) ? venv : "python3")
        return PyTorchReference(python: chosen, script: scriptPath)
    }

    /// Nil when `import torch` works, otherwise a short reason.
    func check() -> String? {
        guard let (status, _) = try? execute(["-c", "import torch, numpy"], passStderr: false) else {
            return "cannot run \(python)"
        }
        return status == 0 ? nil : "\(python) cannot import torch and numpy"
    }

    /// The reference numbers of one section.
    func run(_ section: BenchmarkSection, settings: BenchmarkSettings) throws -> BenchmarkResults {
        var arguments = [script, "--threads", String(settings.threads), "--only", section.rawValue,
                         "--data-dir", DataChoice.recipeDefault.dataLocation]
        if settings.quick { arguments.append("--quick") }
        let (status, output) = try execute(arguments, passStderr: true,
                                           environment: ["OPENBLAS_NUM_THREADS": String(settings.threads)])
        guard status == 0 else { throw BenchError.pytorchFailed(status) }
        return try JSONDecoder().decode(BenchmarkResults.self, from: output)
    }

    private func execute(_ arguments: [String], passStderr: Bool, environment: [String: String] = [:]) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
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

enum BenchError: Error, CustomStringConvertible {
    case pytorchFailed(Int32)
    case pytorchRequired(String)
    var description: String {
        switch self {
        case let .pytorchFailed(status): "pytorch_reference.py exited with status \(status)"
        case let .pytorchRequired(note): "\(note) (--require-pytorch)"
        }
    }
}
