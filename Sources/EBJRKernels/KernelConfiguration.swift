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

/// A raw pointer that may cross into `concurrentPerform` workers; the caller guarantees disjoint writes.
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

public struct SendableConstPointer<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>
    public init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// Runs `body(chunkIndex)` for `chunks` chunks, on up to `threads` threads.
@inlinable
public func parallelFor(chunks: Int, threads: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || threads <= 1 {
        for index in 0..<chunks { body(index) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedBox(escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { box.value($0) }
    }
}

/// Runs `body(chunkIndex)` for `chunks` chunks on up to `threads` threads that *take* chunks one at a time
/// from a shared counter. On a shared machine a thread that is descheduled (or slow to wake) then holds back at
/// most the chunk it is working on: the others take the rest. Use more chunks than threads.
public func parallelForDynamic(chunks: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = min(threads, chunks)
    if workers <= 1 {
        for index in 0..<chunks { body(index) }
        return
    }
    let counter = ChunkCounter(limit: chunks)
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedBox(escapable)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = counter.next() { box.value(index) }
        }
    }
}

/// A lock-protected counter handing out `0..<limit` once each.
final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    private let limit: Int
    init(limit: Int) { self.limit = limit }
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

@usableFromInline
struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
