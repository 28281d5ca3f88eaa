import Foundation
import Metrics
import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry that `/metrics` renders:
///
/// - `ebjr_requests_total{status}`: answered requests by HTTP status; `ebjr_request_errors_total{status}` those ≥ 400;
/// - `ebjr_samples_total{answered_by}`: samples answered by `side`, `deep` or `side_fallback` (deep down,
///   `--on-deep-failure side`);
/// - `ebjr_routed_fraction`: samples sent to the deep model / samples answered, since start;
/// - `ebjr_deep_batch_size`: histogram of the batch sizes sent to the deep backend;
/// - `ebjr_queue_depth`: samples waiting for a deep batch; `ebjr_deep_in_flight`: batches at the backend;
///   `ebjr_rejected_total`: requests refused because the queue was full;
/// - `ebjr_request_duration_seconds{answered_by}`: latency histograms of requests answered wholly by the side model
///   (`side`) and of those with at least one deep-answered sample (`deep`);
/// - `ebjr_deep_backend_ready`: 1 when the deep backend passes its readiness check.
public final class ServeMetrics: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var sideSamples = 0
    private var deepSamples = 0
    private let routedFraction: Metrics.Gauge
    private let queueDepth: Metrics.Gauge
    private let inFlight: Metrics.Gauge
    private let ready: Metrics.Gauge
    private let batchSize: Metrics.Recorder
    private let rejected: Metrics.Counter
    private let sideTimer: Metrics.Timer
    private let deepTimer: Metrics.Timer
    private var byStatus: [Int: Metrics.Counter] = [:]
    private var errorsByStatus: [Int: Metrics.Counter] = [:]
    private var byAnswer: [String: Metrics.Counter] = [:]

    /// Latency buckets, 50 µs to 10 s.
    static let latencyBuckets: [Duration] = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000,
                                             250_000, 500_000, 1_000_000, 2_500_000, 10_000_000].map { .microseconds($0) }
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["ebjr_request_duration_seconds"] = Self.latencyBuckets
        factory.valueHistogramBuckets["ebjr_deep_batch_size"] = Self.batchBuckets
        self.factory = factory
        routedFraction = Metrics.Gauge(label: "ebjr_routed_fraction", factory: factory)
        queueDepth = Metrics.Gauge(label: "ebjr_queue_depth", factory: factory)
        inFlight = Metrics.Gauge(label: "ebjr_deep_in_flight", factory: factory)
        ready = Metrics.Gauge(label: "ebjr_deep_backend_ready", factory: factory)
        batchSize = Metrics.Recorder(label: "ebjr_deep_batch_size", dimensions: [], aggregate: true, factory: factory)
        rejected = Metrics.Counter(label: "ebjr_rejected_total", factory: factory)
        sideTimer = Metrics.Timer(label: "ebjr_request_duration_seconds", dimensions: [("answered_by", "side")], factory: factory)
        deepTimer = Metrics.Timer(label: "ebjr_request_duration_seconds", dimensions: [("answered_by", "deep")], factory: factory)
        for status in [200, 400, 404, 413, 429, 503] { _ = counter(status: status) }
        for answer in ["side", "deep", "side_fallback"] { _ = counter(answeredBy: answer) }
        routedFraction.record(0)
        queueDepth.record(0)
        inFlight.record(0)
        ready.record(0)
    }

    private func counter(status: Int) -> Metrics.Counter {
        lock.withLock {
            if let c = byStatus[status] { return c }
            let c = Metrics.Counter(label: "ebjr_requests_total", dimensions: [("status", "\(status)")], factory: factory)
            byStatus[status] = c
            if status >= 400 {
                errorsByStatus[status] = Metrics.Counter(label: "ebjr_request_errors_total", dimensions: [("status", "\(status)")], factory: factory)
            }
            return c
        }
    }

    private func counter(answeredBy answer: String) -> Metrics.Counter {
        lock.withLock {
            if let c = byAnswer[answer] { return c }
            let c = Metrics.Counter(label: "ebjr_samples_total", dimensions: [("answered_by", answer)], factory: factory)
            byAnswer[answer] = c
            return c
        }
    }

    /// One answered request, with its status and (for 200) how its samples were answered and its latency.
    public func recordRequest(status: Int, side: Int = 0, deep: Int = 0, fallback: Int = 0, duration: Duration? = nil) {
        counter(status: status).increment()
        if status >= 400 { lock.withLock { errorsByStatus[status] }?.increment() }
        guard status == 200 else { return }
        if side > 0 { counter(answeredBy: "side").increment(by: side) }
        if deep > 0 { counter(answeredBy: "deep").increment(by: deep) }
        if fallback > 0 { counter(answeredBy: "side_fallback").increment(by: fallback) }
        let fraction: Double = lock.withLock {
            sideSamples += side + fallback
            deepSamples += deep
            let total = sideSamples + deepSamples
            return total == 0 ? 0 : Double(deepSamples) / Double(total)
        }
        routedFraction.record(fraction)
        if let duration { (deep > 0 ? deepTimer : sideTimer).recordNanoseconds(Self.nanoseconds(duration)) }
    }

    public func recordDeepBatch(size: Int) { batchSize.record(size) }
    public func recordRejected() { rejected.increment() }
    public func setQueueDepth(_ samples: Int) { queueDepth.record(samples) }
    public func setDeepInFlight(_ batches: Int) { inFlight.record(batches) }
    public func setBackendReady(_ isReady: Bool) { ready.record(isReady ? 1 : 0) }

    /// The Prometheus text exposition of every metric.
    public func render() -> String { registry.emitToString() }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
