import Testing
import Foundation
@testable import EBJRServe

/// A deep backend that records the batch sizes it receives; its logits are `row sum + class` so that every row's
/// answer can be checked; it can be slowed down or made to fail.
final class RecordingBackend: DeepBackend, @unchecked Sendable {
    let name = "recording"
    let classCount = 2
    let delay: Duration
    let failing: Bool
    private let lock = NSLock()
    private var sizes: [Int] = []

    init(delay: Duration = .zero, failing: Bool = false) {
        self.delay = delay
        self.failing = failing
    }

    var batchSizes: [Int] { lock.withLock { sizes } }

    func logits(_ values: [Float], count: Int) async throws -> [Float] {
        lock.withLock { sizes.append(count) }
        try await Task.sleep(for: delay)
        if failing { throw ServeError.deepUnavailable(backend: name, reason: "refused") }
        let features = values.count / count
        return (0..<count).flatMap { r -> [Float] in
            let sum = values[(r * features)..<((r + 1) * features)].reduce(0, +)
            return [sum, sum + 1]
        }
    }

    func readiness() async -> String? { nil }
}

@Suite struct BatcherTests {
    /// Runs `body` with a batcher dispatching in the background.
    func withBatcher(_ backend: RecordingBackend, _ settings: DeepBatcher.Settings,
                     _ body: @escaping @Sendable (DeepBatcher) async throws -> Void) async throws {
        let batcher = DeepBatcher(backend: backend, settings: settings, metrics: ServeMetrics(), onFailure: { _ in })
        let dispatcher = Task { try await batcher.run() }
        defer { dispatcher.cancel() }
        try await body(batcher)
    }

    @Test func concurrentRequestsShareDeepBatchesAndGetTheirOwnRows() async throws {
        let backend = RecordingBackend(delay: .milliseconds(20))
        try await withBatcher(backend, .init(maxBatchSize: 8, maxWait: .milliseconds(30), queueCapacity: 64, maxInFlight: 1)) { batcher in
            try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for i in 0..<16 {
                    group.addTask {
                        let logits = try await batcher.submit([Float(i), 1], count: 1)
                        return (i, logits)
                    }
                }
                for try await (i, logits) in group { #expect(logits == [Float(i) + 1, Float(i) + 2]) }
            }
        }
        #expect(backend.batchSizes.reduce(0, +) == 16)
        #expect(backend.batchSizes.max()! > 1, "batch sizes \(backend.batchSizes)")
        #expect(backend.batchSizes.allSatisfy { $0 <= 8 })
    }

    @Test func withoutBatchingEveryRequestGoesAlone() async throws {
        let backend = RecordingBackend(delay: .milliseconds(5))
        try await withBatcher(backend, .init(maxBatchSize: 8, maxWait: .milliseconds(30), queueCapacity: 64, maxInFlight: 1, batching: false)) { batcher in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<6 { group.addTask { _ = try await batcher.submit([Float(i), 0, Float(i), 0], count: 2) } }
                try await group.waitForAll()
            }
        }
        #expect(backend.batchSizes == [2, 2, 2, 2, 2, 2])
    }

    @Test func aFullQueueRefusesAtOnceAndBackendErrorsReachTheCaller() async throws {
        // Generous delays: on a loaded 2-core CI machine (tests run in parallel) a task may start hundreds of
        // milliseconds late, and 50 ms waits once let the third request in before the queue was full.
        let slow = RecordingBackend(delay: .milliseconds(3000))
        try await withBatcher(slow, .init(maxBatchSize: 4, maxWait: .zero, queueCapacity: 4, maxInFlight: 1)) { batcher in
            let first = Task { try await batcher.submit([0, 0, 0, 0], count: 4) }   // taken by the only in-flight slot
            try await Task.sleep(for: .milliseconds(600))
            let queued = Task { try await batcher.submit([0, 0, 0, 0], count: 4) }  // fills the queue
            try await Task.sleep(for: .milliseconds(600))
            let start = ContinuousClock.now
            await #expect(throws: ServeError.overloaded(queued: 4, capacity: 4)) { try await batcher.submit([0, 0], count: 2) }
            #expect(ContinuousClock.now - start < .milliseconds(100))
            _ = try await first.value
            _ = try await queued.value
        }
        let failing = RecordingBackend(failing: true)
        try await withBatcher(failing, .init()) { batcher in
            await #expect(throws: ServeError.deepUnavailable(backend: "recording", reason: "refused")) {
                try await batcher.submit([1], count: 1)
            }
        }
    }
}
