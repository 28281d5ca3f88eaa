import Testing
import Foundation
@testable import EBJRBenchmark

/// The reference script's JSON keys decode into `BenchmarkResults`, and the report compares Swift with PyTorch and,
/// for GEMM, with OpenBLAS (rows, ratios, Markdown).
@Test func benchmarkReportComparesWithPyTorchAndOpenBLAS() throws {
    let json = """
    {"gemm_gflops": {"128x784x512": 100.0, "128x512x512": 50.0},
     "gemm_openblas_gflops": {"128x784x512": 80.0, "128x512x512": 40.0},
     "latency_b1_us": {"side+energy+route": {"median": 60.0, "p90": 70.0, "calls": 10}},
     "passes": {}, "meta": {"torch": "x"}}
    """
    let reference = try JSONDecoder().decode(BenchmarkResults.self, from: Data(json.utf8))
    var swift = BenchmarkResults()
    swift.gemm = ["128x784x512": 90, "128x512x512": 60]
    swift.latency = ["side+energy+route": LatencyStatistics(median: 2, p90: 3, calls: 10)]
    let report = BenchmarkReport(threads: 2, quick: false, swift: swift, pytorch: reference, pytorchNote: nil,
                                 loadAverage: [0.1, 0.1])
    let rows = report.rows
    let torch = try #require(rows.first { $0.section == "gemm" && $0.key == "128x784x512" })
    let blas = try #require(rows.first { $0.section == "gemm vs OpenBLAS" && $0.key == "128x784x512" })
    #expect(torch.referenceEngine == "PyTorch" && abs(torch.ratio! - 0.9) < 1e-12)
    #expect(blas.referenceEngine == "OpenBLAS" && blas.reference == 80 && abs(blas.ratio! - 1.125) < 1e-12)
    let latency = try #require(rows.first { $0.section == "latency b1" })
    #expect(latency.ratio == 30 && latency.referenceP90 == 70)
    #expect(report.markdown.contains("| gemm vs OpenBLAS | 128x512x512 | GFLOP/s | 60.0 | 40.0 | OpenBLAS | 1.50× |"), "\(report.markdown)")

    // Without OpenBLAS numbers (an older script) there are no OpenBLAS rows.
    var olderReference = reference
    olderReference.gemmOpenBLAS = nil
    let older = BenchmarkReport(threads: 2, quick: false, swift: swift, pytorch: olderReference, pytorchNote: nil,
                                loadAverage: [0.1, 0.1])
    #expect(!older.rows.contains { $0.section == "gemm vs OpenBLAS" })
}

/// onnxruntime numbers add their own latency and throughput rows next to PyTorch's, with the ratio against them,
/// and the measured Python call overhead is stated under the table.
@Test func benchmarkReportAddsOnnxRuntimeRows() throws {
    let json = """
    {"latency_b1_us": {"cnn": {"median": 350.0, "p90": 400.0, "calls": 10}},
     "throughput_b256": {"cnn": 4000.0}, "meta": {"onnxruntime": "1.x", "call_overhead_us": 6.5}}
    """
    let onnx = try JSONDecoder().decode(BenchmarkResults.self, from: Data(json.utf8))
    var swift = BenchmarkResults()
    swift.latency = ["cnn": LatencyStatistics(median: 280, p90: 300, calls: 10)]
    swift.throughput = ["cnn": 5000]
    let report = BenchmarkReport(threads: 2, quick: false, swift: swift, pytorch: nil, pytorchNote: "PyTorch not run.",
                                 onnxruntime: onnx, onnxruntimeCallOverhead: 6.5, loadAverage: [0.1, 0.1])
    let latency = try #require(report.rows.first { $0.section == "latency b1" && $0.referenceEngine == "onnxruntime" })
    #expect(abs(latency.ratio! - 350.0 / 280.0) < 1e-12)
    let rate = try #require(report.rows.first { $0.section == "throughput b256" && $0.referenceEngine == "onnxruntime" })
    #expect(abs(rate.ratio! - 1.25) < 1e-12)
    #expect(!report.rows.contains { $0.referenceEngine == "PyTorch" }, "no PyTorch rows when only onnxruntime ran")
    #expect(report.markdown.contains("| throughput b256 | cnn | samples/s | 5000 | 4000 | onnxruntime | 1.25× |"), "\(report.markdown)")
    #expect(report.markdown.contains("6.5 µs for an Identity graph"))
}
