import Foundation
import Logging
import ServiceLifecycle

/// Tracks whether the deep backend is ready: its readiness check every `interval`, and every failed call marks it
/// down at once. While it is down, routed samples fail fast (or fall back to the side model); the next successful
/// check brings it back, without a restart. State changes are logged.
public final class BackendMonitor: Service, @unchecked Sendable {
    public let backend: any DeepBackend
    public let interval: Duration
    private let lock = NSLock()
    private var ready = false
    private var reason = "not checked yet"
    private let logger: Logger
    private let metrics: ServeMetrics

    public init(backend: any DeepBackend, interval: Duration, logger: Logger, metrics: ServeMetrics) {
        self.backend = backend
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    /// Whether routed samples may be sent to the backend now.
    public var isReady: Bool { lock.withLock { ready } }
    /// Why the backend is not ready (nil when it is).
    public var notReadyReason: String? { lock.withLock { ready ? nil : reason } }

    /// Checks readiness once and records the result.
    @discardableResult
    public func check() async -> Bool {
        let problem = await backend.readiness()
        update(ready: problem == nil, reason: problem ?? "")
        return problem == nil
    }

    /// A call to the backend failed: mark it down until the next successful check.
    public func reportFailure(_ reason: String) {
        update(ready: false, reason: reason)
    }

    private func update(ready newValue: Bool, reason newReason: String) {
        let changed: Bool = lock.withLock {
            let changed = ready != newValue
            ready = newValue
            if !newValue { reason = newReason }
            return changed
        }
        metrics.setBackendReady(newValue)
        guard changed else { return }
        if newValue {
            logger.info("deep backend ready", metadata: ["backend": "\(backend.name)"])
        } else {
            logger.warning("deep backend down: \(newReason)", metadata: ["backend": "\(backend.name)"])
        }
    }

    /// Checks every `interval` until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await check()
            try? await Task.sleep(for: interval)
        }
    }
}
