import Foundation
import Logging
import ServiceLifecycle

/// Dynamic batching of the samples routed to the deep model, with a bounded queue.
///
/// Requests append their routed samples to one queue of at most `queueCapacity` samples; a request that would
/// overflow it is refused at once (`ServeError.overloaded`), so memory stays bounded and nothing waits forever.
/// A dispatcher takes whole requests from the head of the queue into a batch of at most `maxBatchSize` samples
/// (a single larger request goes alone) as soon as the batch is full or the oldest request has waited `maxWait`,
/// and keeps at most `maxInFlight` batches at the backend. With batching off every request is its own batch.
/// Requests whose samples the side model answers never come here.
public actor DeepBatcher: Service {
    public struct Settings: Sendable {
        public var maxBatchSize: Int
        public var maxWait: Duration
        public var queueCapacity: Int
        public var maxInFlight: Int
        public var batching: Bool

        public init(maxBatchSize: Int = 32, maxWait: Duration = .milliseconds(2), queueCapacity: Int = 256,
                    maxInFlight: Int = 4, batching: Bool = true) {
            self.maxBatchSize = maxBatchSize
            self.maxWait = maxWait
            self.queueCapacity = queueCapacity
            self.maxInFlight = maxInFlight
            self.batching = batching
        }
    }

    private struct Job {
        let values: [Float]
        let count: Int
        let arrival: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Float], Error>
    }

    public let settings: Settings
    public nonisolated let backend: any DeepBackend
    private let metrics: ServeMetrics
    private let onFailure: @Sendable (String) -> Void
    private var queue: [Job] = []
    private var queuedSamples = 0
    private var inFlight = 0
    private var stopping = false
    private var wake: CheckedContinuation<Void, Never>?
    private var timerDeadline: ContinuousClock.Instant?

    public init(backend: any DeepBackend, settings: Settings, metrics: ServeMetrics,
                onFailure: @escaping @Sendable (String) -> Void) {
        self.backend = backend
        self.settings = settings
        self.metrics = metrics
        self.onFailure = onFailure
    }

    /// The deep logits `[count, K]` of `count` routed samples, once their batch has run.
    /// - Throws: `ServeError.overloaded` at once when the queue cannot take them, `.shuttingDown` after shutdown
    ///   began, or the backend's error.
    public func submit(_ values: [Float], count: Int) async throws -> [Float] {
        guard !stopping else { throw ServeError.shuttingDown }
        guard queuedSamples + count <= settings.queueCapacity else {
            metrics.recordRejected()
            throw ServeError.overloaded(queued: queuedSamples, capacity: settings.queueCapacity)
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Job(values: values, count: count, arrival: .now, continuation: continuation))
            queuedSamples += count
            metrics.setQueueDepth(queuedSamples)
            signal()
        }
    }

    private func signal() {
        wake?.resume()
        wake = nil
    }

    private func sleep() async {
        await withCheckedContinuation { wake = $0 }
    }

    /// Dispatches until graceful shutdown, then finishes the queue and the batches in flight.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await dispatch()
        } onGracefulShutdown: {
            Task { await self.beginShutdown() }
        }
    }

    private func beginShutdown() {
        stopping = true
        signal()
    }

    private func dispatch() async {
        while true {
            if queue.isEmpty {
                if stopping && inFlight == 0 { return }
                await sleep()
                continue
            }
            if inFlight >= settings.maxInFlight {
                await sleep()
                continue
            }
            if settings.batching && !stopping && queuedSamples < settings.maxBatchSize {
                let deadline = queue[0].arrival + settings.maxWait
                if deadline > .now {
                    armTimer(deadline)
                    await sleep()
                    continue
                }
            }
            let jobs = takeBatch()
            inFlight += 1
            metrics.setDeepInFlight(inFlight)
            Task { await self.execute(jobs) }
        }
    }

    private func armTimer(_ deadline: ContinuousClock.Instant) {
        if let current = timerDeadline, current <= deadline { return }
        timerDeadline = deadline
        Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self.timerFired(deadline)
        }
    }

    private func timerFired(_ deadline: ContinuousClock.Instant) {
        if timerDeadline == deadline { timerDeadline = nil }
        signal()
    }

    private func takeBatch() -> [Job] {
        var taken = 0, samples = 0
        if settings.batching {
            while taken < queue.count && (taken == 0 || samples + queue[taken].count <= settings.maxBatchSize) {
                samples += queue[taken].count
                taken += 1
            }
        } else {
            taken = 1
            samples = queue[0].count
        }
        let jobs = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        queuedSamples -= samples
        metrics.setQueueDepth(queuedSamples)
        return jobs
    }

    private func execute(_ jobs: [Job]) async {
        let count = jobs.reduce(0) { $0 + $1.count }
        var values: [Float] = []
        values.reserveCapacity(jobs.reduce(0) { $0 + $1.values.count })
        for job in jobs { values.append(contentsOf: job.values) }
        metrics.recordDeepBatch(size: count)
        do {
            let logits = try await backend.logits(values, count: count)
            let k = backend.classCount
            var offset = 0
            for job in jobs {
                job.continuation.resume(returning: Array(logits[(offset * k)..<((offset + job.count) * k)]))
                offset += job.count
            }
        } catch {
            let reason = (error as? ServeError).map { if case let .deepUnavailable(_, r) = $0 { return r } else { return "\($0)" } } ?? "\(error)"
            onFailure(reason)
            for job in jobs { job.continuation.resume(throwing: ServeError.deepUnavailable(backend: backend.name, reason: reason)) }
        }
        inFlight -= 1
        metrics.setDeepInFlight(inFlight)
        signal()
    }
}
