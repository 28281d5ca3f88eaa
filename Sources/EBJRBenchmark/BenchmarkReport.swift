import Foundation

/// Swift and reference numbers of one `ebjr bench` run side by side, as table rows, Markdown and JSON. The references
/// are PyTorch eager (training, inference), ONNX Runtime (inference: the same models exported to ONNX) and, for
/// GEMM, OpenBLAS `sgemm` (through NumPy, in the same Python process as PyTorch).
public struct BenchmarkReport: Codable, Sendable {
    /// One line of the table. `ratio` is Swift ÷ reference for rates and reference ÷ Swift for latency (so that
    /// above 1 always means Swift is faster).
    public struct Row: Codable, Sendable {
        public var section: String
        public var key: String
        public var unit: String
        public var swift: Double
        /// The engine compared against: "PyTorch", "onnxruntime" or "OpenBLAS".
        public var referenceEngine: String
        public var reference: Double?
        public var ratio: Double?
        /// For latency rows: the p90 of each engine.
        public var swiftP90: Double?
        public var referenceP90: Double?
    }

    public var threads: Int
    public var quick: Bool
    public var swift: BenchmarkResults
    /// PyTorch's numbers, nil when PyTorch was not run.
    public var pytorch: BenchmarkResults?
    /// Why PyTorch numbers are missing, if they are.
    public var pytorchNote: String?
    /// ONNX Runtime's inference numbers, nil when it was not run.
    public var onnxruntime: BenchmarkResults?
    /// Why ONNX Runtime numbers are missing, if they are.
    public var onnxruntimeNote: String?
    /// Median batch-1 time (µs) of an Identity graph through the same Python `InferenceSession.run`: the call
    /// overhead included in every onnxruntime latency.
    public var onnxruntimeCallOverhead: Double?
    /// Load averages before and after the run.
    public var loadAverage: [Double]

    public init(threads: Int, quick: Bool, swift: BenchmarkResults, pytorch: BenchmarkResults?, pytorchNote: String?,
                onnxruntime: BenchmarkResults? = nil, onnxruntimeNote: String? = nil, onnxruntimeCallOverhead: Double? = nil,
                loadAverage: [Double]) {
        self.threads = threads
        self.quick = quick
        self.swift = swift
        self.pytorch = pytorch
        self.pytorchNote = pytorchNote
        self.onnxruntime = onnxruntime
        self.onnxruntimeNote = onnxruntimeNote
        self.onnxruntimeCallOverhead = onnxruntimeCallOverhead
        self.loadAverage = loadAverage
    }

    /// The table rows, in a fixed order.
    public var rows: [Row] {
        var rows: [Row] = []
        func rate(_ section: String, _ unit: String, _ ours: [String: Double]?, _ theirs: [String: Double]?, _ keys: [String],
                  engine: String = "PyTorch") {
            for key in keys {
                guard let s = ours?[key] else { continue }
                let p = theirs?[key]
                rows.append(Row(section: section, key: key, unit: unit, swift: s, referenceEngine: engine, reference: p,
                                ratio: p.flatMap { $0 > 0 ? s / $0 : nil }))
            }
        }
        let models = [BenchmarkModel.mlp.key, BenchmarkModel.cnn.key, BenchmarkModel.side.key, BenchmarkModel.resnet20.key]
        rate("train", "samples/s", swift.train, pytorch?.train, models)
        let inferenceKeys = [SwiftBenchmark.routeKey, BenchmarkModel.side.key, BenchmarkModel.mlp.key, BenchmarkModel.cnn.key,
                             BenchmarkModel.resnet20.key]
        // PyTorch's rows stay (with "–") when no engine ran, so the table always says what was compared.
        var engines: [(name: String, results: BenchmarkResults?)] = pytorch != nil || onnxruntime == nil ? [("PyTorch", pytorch)] : []
        if let onnxruntime { engines.append(("onnxruntime", onnxruntime)) }
        for key in inferenceKeys {
            guard let s = swift.latency?[key] else { continue }
            for engine in engines where engine.results == nil || engine.results?.latency?[key] != nil {
                let p = engine.results?.latency?[key]
                rows.append(Row(section: "latency b1", key: key, unit: "µs", swift: s.median, referenceEngine: engine.name,
                                reference: p?.median, ratio: p.flatMap { s.median > 0 ? $0.median / s.median : nil },
                                swiftP90: s.p90, referenceP90: p?.p90))
            }
        }
        for key in inferenceKeys {
            for engine in engines where engine.results == nil || engine.results?.throughput?[key] != nil {
                rate("throughput b256", "samples/s", swift.throughput, engine.results?.throughput, [key], engine: engine.name)
            }
        }
        rate("gemm", "GFLOP/s", swift.gemm, pytorch?.gemm, SwiftBenchmark.gemmShapes.map(\.key))
        if pytorch?.gemmOpenBLAS != nil {
            rate("gemm vs OpenBLAS", "GFLOP/s", swift.gemm, pytorch?.gemmOpenBLAS, SwiftBenchmark.gemmShapes.map(\.key),
                 engine: "OpenBLAS")
        }
        return rows
    }

    /// The Markdown table (with a one-line header naming the settings).
    public var markdown: String {
        var text = "ebjr bench: \(threads) thread\(threads == 1 ? "" : "s")\(quick ? ", quick" : "")"
        text += String(format: ", load average %.2f → %.2f\n", loadAverage.first ?? 0, loadAverage.last ?? 0)
        if let pytorchNote { text += "\(pytorchNote)\n" }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // The load after the run includes the benchmark's own threads, so only the load before it says whether
        // something else was running.
        if let before = loadAverage.first, before > Double(cores) / 2 {
            text += String(format: "warning: the machine was busy before the run (load average %.2f on %d cores); "
                           + "multi-threaded PyTorch slows down sharply under contention, so ratios from this run are "
                           + "not quiet-machine ratios.\n", before, cores)
        }
        if let onnxruntimeNote { text += "\(onnxruntimeNote)\n" }
        text += "\n| section | key | unit | Swift | reference | engine | ratio |\n|---|---|---|---:|---:|---|---:|\n"
        for row in rows {
            var swiftText = Self.format(row.swift), torchText = row.reference.map(Self.format) ?? "–"
            if let p90 = row.swiftP90 { swiftText += " (p90 \(Self.format(p90)))" }
            if let p90 = row.referenceP90 { torchText += " (p90 \(Self.format(p90)))" }
            let ratio = row.ratio.map { String(format: "%.2f×", $0) } ?? "–"
            text += "| \(row.section) | \(row.key) | \(row.unit) | \(swiftText) | \(torchText) | \(row.referenceEngine) | \(ratio) |\n"
        }
        text += "\nreference: PyTorch eager; onnxruntime: the same models exported by `ebjr export onnx`, timed around "
            + "`InferenceSession.run` with inputs prepared beforehand"
        if let overhead = onnxruntimeCallOverhead {
            text += String(format: " (this includes the Python call, %.1f µs for an Identity graph)", overhead)
        }
        text += "; in the `gemm vs OpenBLAS` rows, OpenBLAS sgemm (NumPy's float32 matmul, same threads).\n"
        text += "ratio: Swift ÷ reference for rates, reference ÷ Swift for latency (above 1: Swift is faster).\n"
        return text
    }

    /// Pretty-printed JSON of the whole report (including the rows).
    public func jsonData() throws -> Data {
        struct Document: Encodable { var report: BenchmarkReport; var rows: [Row] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(report: self, rows: rows))
    }

    static func format(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.0f", value) : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }
}
