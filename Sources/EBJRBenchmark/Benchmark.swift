import Foundation
import EBJRKernels
import EBJRTensor
import EBJRNN
import EBJROptimizers
import EBJRData
import EBJRRouting

/// Batch-1 latency statistics in microseconds.
public struct LatencyStatistics: Codable, Sendable, Equatable {
    public var median: Double
    public var p90: Double
    public var calls: Int

    public init(median: Double, p90: Double, calls: Int) {
        self.median = median
        self.p90 = p90
        self.calls = calls
    }

    /// Median and 90th percentile of `samples` (µs).
    public init(samples: [Double]) {
        let sorted = samples.sorted()
        median = EBJRRouting.median(sorted)
        p90 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
        calls = sorted.count
    }
}

/// One engine's benchmark numbers, with the keys of `benchmarks/pytorch_reference.py`'s JSON report so that
/// the same type decodes both.
public struct BenchmarkResults: Codable, Sendable {
    /// Training samples/s by model key.
    public var train: [String: Double]?
    /// Batch-1 latency by key.
    public var latency: [String: LatencyStatistics]?
    /// Batch-256 inference samples/s by key.
    public var throughput: [String: Double]?
    /// GEMM GFLOP/s by `"MxKxN"`.
    public var gemm: [String: Double]?
    /// The same shapes through OpenBLAS `sgemm` (the Python reference only: NumPy's bundled OpenBLAS).
    public var gemmOpenBLAS: [String: Double]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case train, latency = "latency_b1_us", throughput = "throughput_b256", gemm = "gemm_gflops"
        case gemmOpenBLAS = "gemm_openblas_gflops"
    }

    /// Adds the sections present in `other` (keys of `other` win).
    public mutating func merge(_ other: BenchmarkResults) {
        if let t = other.train { train = (train ?? [:]).merging(t) { $1 } }
        if let l = other.latency { latency = (latency ?? [:]).merging(l) { $1 } }
        if let t = other.throughput { throughput = (throughput ?? [:]).merging(t) { $1 } }
        if let g = other.gemm { gemm = (gemm ?? [:]).merging(g) { $1 } }
        if let g = other.gemmOpenBLAS { gemmOpenBLAS = (gemmOpenBLAS ?? [:]).merging(g) { $1 } }
    }
}

/// The sections of the benchmark, named as the PyTorch script's `--only` values.
public enum BenchmarkSection: String, CaseIterable, Sendable {
    case train, latency, throughput, gemm
}

/// Settings shared by the Swift measurement and the PyTorch reference run (same defaults as the script).
public struct BenchmarkSettings: Sendable {
    public var threads: Int
    public var quick: Bool
    public var passes: Int
    /// Cap on one training pass or warm-up, in seconds (latency: twice this per model).
    public var maxPassSeconds: Double
    /// Target duration of one throughput or GEMM pass, in seconds.
    public var passSeconds: Double
    /// The image data the models train and infer on (28×28 grey images, 10 classes).
    public var data: any ClassificationSource

    public init(threads: Int, quick: Bool, data: any ClassificationSource) {
        self.threads = threads
        self.quick = quick
        passes = quick ? 2 : 5
        maxPassSeconds = quick ? 0.5 : 2
        passSeconds = quick ? 0.05 : 0.25
        self.data = data
    }

    /// Training steps per pass for a model (the script's defaults, a fifth with `quick`).
    func steps(_ model: BenchmarkModel) -> Int {
        let base = [BenchmarkModel.cnn: 25, .mlp: 100, .side: 400, .resnet20: 10][model]!
        return max(2, quick ? base / 5 : base)
    }

    /// Batch-1 calls timed per model.
    func latencyCalls(_ model: BenchmarkModel) -> Int {
        switch model {
        case .resnet20: quick ? 50 : 200
        case .cnn: quick ? 200 : 500
        default: quick ? 200 : 2000
        }
    }
}

/// The benchmarked models.
public enum BenchmarkModel: String, CaseIterable, Sendable {
    case mlp, cnn, side, resnet20

    /// The report key (as in the PyTorch script).
    public var key: String {
        switch self {
        case .mlp: "mlp-784-512-512-10"
        case .cnn: "cnn"
        case .side: "side-784-32-10"
        case .resnet20: "resnet20"
        }
    }

    /// The architecture.
    public var config: ModelConfig {
        switch self {
        case .mlp: .mlp([784, 512, 512, 10])
        case .cnn: .fashionCNN()
        case .side: .mlp([784, 32, 10])
        case .resnet20: .resnet(inputShape: [1, 28, 28], classes: 10)
        }
    }

    var isFlat: Bool { self != .cnn && self != .resnet20 }
}

/// The Swift half of `ebjr bench` (docs/method.md §11): training, batch-1 latency, batch-256 throughput and GEMM,
/// timed like `benchmarks/pytorch_reference.py`.
public struct SwiftBenchmark {
    /// The key of the side model + energy + routing decision measurement.
    public static let routeKey = "side+energy+route"
    /// The routing threshold used for timing (its value does not change the cost).
    public static let energyThreshold: Float = -5
    /// The GEMM shapes `(key, m, k, n, A transposed)` of the script.
    public static let gemmShapes: [(key: String, m: Int, k: Int, n: Int, transposedA: Bool)] = [
        ("128x784x512", 128, 784, 512, false), ("128x512x512", 128, 512, 512, false),
        ("512x128x784", 512, 128, 784, true), ("128x512x784", 128, 512, 784, false), ("1x784x32", 1, 784, 32, false),
    ]

    public let settings: BenchmarkSettings
    /// Receives one progress line per measurement.
    public let log: (String) -> Void

    public init(settings: BenchmarkSettings, log: @escaping (String) -> Void) {
        self.settings = settings
        self.log = log
    }

    /// Runs one section with `KernelConfiguration.threadCount` set to the settings' threads (restored afterwards).
    public func run(_ section: BenchmarkSection) throws -> BenchmarkResults {
        let saved = KernelConfiguration.threadCount
        KernelConfiguration.threadCount = settings.threads
        defer { KernelConfiguration.threadCount = saved }
        var results = BenchmarkResults()
        switch section {
        case .train: results.train = try train()
        case .latency: results.latency = try latency()
        case .throughput: results.throughput = try throughput()
        case .gemm: results.gemm = gemm()
        }
        return results
    }

    // MARK: Sections

    /// A split with flat `[784]` samples or `[1, 28, 28]` images (the same values), loaded once.
    private func load(_ split: DataSplit, flat: Bool) throws -> Dataset {
        let data = try settings.data.load(split)
        return try data.reshaped(sampleShape: flat ? [data.sampleSize] : [1, 28, 28])
    }

    /// Samples/s of Adam (lr 1e-3) steps at batch 128 on 64 shuffled training batches prepared before timing (the
    /// ResNet in training mode: batch statistics and running-statistics updates included).
    func train() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for model in Self.trainModels() {
            let data = try load(.train, flat: model.isFlat)
            let sampler = BatchSampler(count: data.count, batchSize: 128, seed: 0, shuffle: true, dropLast: true)
            let pool = sampler.batches(epoch: 0).prefix(64).map { (data.batchTensor($0), $0.map { data.labels[$0] }) }
            var generator = RandomGenerator(seed: 0)
            let network = try model.config.makeModel(generator: &generator)
            let optimizer = Adam(parameters: network.namedParameters(), learningRate: 1e-3)
            var cursor = 0
            func step() {
                let (x, y) = pool[cursor % pool.count]
                cursor += 1
                let loss = Losses.crossEntropy(logits: network(x), labels: y)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            }
            let steps = settings.steps(model)
            _ = Self.runCapped(max(3, steps / 5), maxSeconds: settings.maxPassSeconds, step)
            var rates: [Double] = []
            for _ in 0..<settings.passes {
                let (done, seconds) = Self.runCapped(steps, maxSeconds: settings.maxPassSeconds, step)
                rates.append(Double(done * 128) / seconds)
            }
            result[model.key] = median(rates)
            log(String(format: "train %@: %.0f samples/s (%d steps x %d)", model.key, result[model.key]!, steps, settings.passes))
        }
        return result
    }

    /// The models of every section: all, or those named in `EBJR_BENCH_MODELS` (comma-separated `cnn`, `mlp`,
    /// `side`, `resnet20`; a profiling aid, e.g. `EBJR_BENCH_MODELS=mlp perf record … bench --no-pytorch`). The
    /// route row belongs to `side`.
    static func trainModels() -> [BenchmarkModel] {
        let all: [BenchmarkModel] = [.cnn, .mlp, .side, .resnet20]
        guard let text = ProcessInfo.processInfo.environment["EBJR_BENCH_MODELS"], !text.isEmpty else { return all }
        let names = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return all.filter { names.contains($0.rawValue) }
    }

    /// The timed inference functions over the test split: key, model, and a call on `rows` samples at an offset.
    private func inferenceFunctions(maxBatch: Int) throws -> [(key: String, model: BenchmarkModel, call: (Int, Int) -> Void)] {
        let flat = try load(.test, flat: true), images = try load(.test, flat: false)
        let models = try Self.inferenceModels()
        let side = models[.side]!, mlp = models[.mlp]!, cnn = models[.cnn]!, resnet = models[.resnet20]!
        guard let sidePlan = side.inferencePlan(maxBatch: maxBatch), let mlpPlan = mlp.inferencePlan(maxBatch: maxBatch),
              let cnnPlan = cnn.inferencePlan(inputShape: images.sampleShape, maxBatch: maxBatch),
              let resnetPlan = resnet.inferencePlan(inputShape: images.sampleShape, maxBatch: maxBatch) else {
            preconditionFailure("SwiftBenchmark: a benchmark model without an inference plan")
        }
        let imageFeatures = UnsafeMutablePointer<Float>.allocate(capacity: images.features.count)
        imageFeatures.initialize(from: images.features, count: images.features.count)
        let imageKeeper = PointerOwner(imageFeatures)
        // The features stay alive in this box for as long as the closures.
        let features = UnsafeMutablePointer<Float>.allocate(capacity: flat.features.count)
        features.initialize(from: flat.features, count: flat.features.count)
        let keeper = PointerOwner(features)
        let decisions = UnsafeMutablePointer<Float>.allocate(capacity: maxBatch)
        let decisionKeeper = PointerOwner(decisions)
        var routed = [Bool](repeating: false, count: maxBatch)
        let threshold = Self.energyThreshold
        return [
            (Self.routeKey, .side, { start, rows in
                _ = keeper
                if rows == 1 {
                    routed[0] = sidePlan.routes(features + start * 784, threshold: threshold)
                } else {
                    sidePlan.energies(features + start * 784, rows: rows, into: decisionKeeper.pointer)
                    for r in 0..<rows { routed[r] = decisions[r] > threshold }
                }
            }),
            (BenchmarkModel.side.key, .side, { start, rows in _ = sidePlan.logits(features + start * 784, rows: rows) }),
            (BenchmarkModel.mlp.key, .mlp, { start, rows in _ = mlpPlan.logits(features + start * 784, rows: rows) }),
            (BenchmarkModel.cnn.key, .cnn, { start, rows in
                _ = cnnPlan.logits(imageKeeper.pointer + start * 784, rows: rows)
            }),
            (BenchmarkModel.resnet20.key, .resnet20, { start, rows in
                _ = resnetPlan.logits(imageKeeper.pointer + start * 784, rows: rows)
            }),
        ]
    }

    /// The models of the inference rows (weights from seed 0, in eval mode): what the Swift rows time and what
    /// `ebjr bench` exports to ONNX for the onnxruntime rows.
    public static func inferenceModels() throws -> [BenchmarkModel: Sequential] {
        var generator = RandomGenerator(seed: 0)
        var models: [BenchmarkModel: Sequential] = [:]
        for model in [BenchmarkModel.side, .mlp, .cnn, .resnet20] {
            let network = try model.config.makeModel(generator: &generator)
            network.eval()
            models[model] = network
        }
        return models
    }

    /// Batch-1 latency in µs over single calls, each on a different test image.
    func latency() throws -> [String: LatencyStatistics] {
        var result: [String: LatencyStatistics] = [:]
        let chosen = Set(Self.trainModels())
        for (key, model, call) in try inferenceFunctions(maxBatch: 1) where chosen.contains(model) {
            let calls = settings.latencyCalls(model)
            _ = Self.runCapped(max(20, calls / 10), maxSeconds: settings.maxPassSeconds) { call(0, 1) }
            var samples: [Double] = []
            samples.reserveCapacity(calls)
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(2 * settings.maxPassSeconds * 1e9)
            for i in 0..<calls {
                let start = DispatchTime.now().uptimeNanoseconds
                call(i % 1000, 1)
                let end = DispatchTime.now().uptimeNanoseconds
                samples.append(Double(end - start) / 1000)
                if end > deadline && samples.count >= 20 { break }
            }
            let stats = LatencyStatistics(samples: samples)
            result[key] = stats
            log(String(format: "latency b1 %@: median %.2f us, p90 %.2f us", key, stats.median, stats.p90))
        }
        return result
    }

    /// Batch-256 inference samples/s, cycling over the test batches.
    func throughput() throws -> [String: Double] {
        var result: [String: Double] = [:]
        let batches = 10_000 / 256
        let chosen = Set(Self.trainModels())
        for (key, model, call) in try inferenceFunctions(maxBatch: 256) where chosen.contains(model) {
            var cursor = 0
            let body = { call((cursor % batches) * 256, 256); cursor += 1 }
            let calls = Self.calibrate(targetSeconds: settings.passSeconds, body)
            let rates = (0..<settings.passes).map { _ in
                let (done, seconds) = Self.runCapped(calls, maxSeconds: .infinity, body)
                return Double(done * 256) / seconds
            }
            result[key] = median(rates)
            log(String(format: "throughput b256 %@: %.0f samples/s", key, result[key]!))
        }
        return result
    }

    /// `sgemm` GFLOP/s at the script's shapes, into a preallocated output.
    func gemm() -> [String: Double] {
        var result: [String: Double] = [:]
        var generator = RandomGenerator(seed: 0)
        for shape in Self.gemmShapes {
            let a = Tensor.uniform([shape.m * shape.k], low: -1, high: 1, generator: &generator)
            let b = Tensor.uniform([shape.k * shape.n], low: -1, high: 1, generator: &generator)
            let c = Tensor.uninitialized([shape.m * shape.n])
            let body = {
                sgemm(transA: shape.transposedA, transB: false, m: shape.m, n: shape.n, k: shape.k, a: a.data,
                      lda: shape.transposedA ? shape.m : shape.k, b: b.data, ldb: shape.n, c: c.data, ldc: shape.n)
            }
            let calls = Self.calibrate(targetSeconds: settings.passSeconds, body)
            let flops = 2.0 * Double(shape.m * shape.k * shape.n) / 1e9
            let rates = (0..<settings.passes).map { _ in
                let (done, seconds) = Self.runCapped(calls, maxSeconds: .infinity, body)
                return Double(done) * flops / seconds
            }
            result[shape.key] = median(rates)
            log(String(format: "gemm %@: %.1f GFLOP/s", shape.key, result[shape.key]!))
        }
        return result
    }

    // MARK: Timing helpers

    /// Calls `body` up to `calls` times, stopping once `maxSeconds` have passed; returns (calls made, seconds).
    static func runCapped(_ calls: Int, maxSeconds: Double, _ body: () -> Void) -> (Int, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0, elapsed = 0.0
        while done < calls {
            body()
            done += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if elapsed > maxSeconds { break }
        }
        return (done, max(elapsed, 1e-9))
    }

    /// Number of calls of `body` that take about `targetSeconds` (at least 1).
    static func calibrate(targetSeconds: Double, _ body: () -> Void) -> Int {
        body()
        var calls = 1
        var (_, elapsed) = runCapped(1, maxSeconds: .infinity, body)
        while elapsed < targetSeconds / 4 && calls < 1 << 20 {
            calls *= 2
            (_, elapsed) = runCapped(calls, maxSeconds: .infinity, body)
        }
        return max(1, Int((Double(calls) * targetSeconds / elapsed).rounded()))
    }

}

/// Datasets kept between the sections of one benchmark run.

/// Owns a buffer captured by benchmark closures and frees it with the last of them.
private final class PointerOwner {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
