import Foundation

/// Process-wide settings of the numeric kernels.
public enum KernelConfiguration {
    /// Worker threads the kernels may use (default: the number of active cores, or `EBJR_THREADS`).
    nonisolated(unsafe) public static var threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["EBJR_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

/// A raw pointer that may cross into `parallelFor` workers; the caller guarantees disjoint writes.
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

public struct SendableConstPointer<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>
    public init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// Runs `body(chunkIndex)` for `chunks` chunks on the calling thread and up to `threads − 1` workers of the
/// kernels' pool (`WorkerPool`), which take chunks one at a time from a shared counter: on a shared machine a
/// descheduled thread holds back at most the chunk it is working on. Which thread runs a chunk is not fixed, so
/// results must depend only on the chunk index (every kernel's do). Returns when every chunk is done.
public func parallelFor(chunks: Int, threads: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || threads <= 1 {
        for index in 0..<chunks { body(index) }
        return
    }
    WorkerPool.shared.run(chunks: chunks, helpers: min(threads, chunks) - 1, body)
}

@usableFromInline
struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
