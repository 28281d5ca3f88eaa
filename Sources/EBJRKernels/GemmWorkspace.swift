import Foundation

/// Packing buffers of one GEMM worker: a packed `A` block and a packed `B` block, 64-byte aligned.
/// They only grow, so a worker that is reused does not allocate on the hot path.
final class GemmWorkspace {
    private(set) var a: UnsafeMutablePointer<Float>
    private(set) var b: UnsafeMutablePointer<Float>
    private var aCapacity = 0, bCapacity = 0

    init() {
        a = GemmWorkspace.allocate(0)
        b = GemmWorkspace.allocate(0)
    }

    deinit {
        a.deallocate()
        b.deallocate()
    }

    /// Makes room for at least `aCount` and `bCount` floats (contents are not preserved).
    func reserve(a aCount: Int, b bCount: Int) {
        if aCount > aCapacity {
            a.deallocate()
            a = GemmWorkspace.allocate(aCount)
            aCapacity = aCount
        }
        if bCount > bCapacity {
            b.deallocate()
            b = GemmWorkspace.allocate(bCount)
            bCapacity = bCount
        }
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 16))
    }
}

/// A small lock-protected stack of idle workspaces: a GEMM call (or each of its workers) takes one and
/// returns it, so concurrent callers never share buffers and steady-state calls reuse old ones.
enum GemmWorkspacePool {
    /// Idle workspaces beyond this many are freed instead of kept.
    static let maximumIdle = 8
    private static let lock = NSLock()
    nonisolated(unsafe) private static var idle: [GemmWorkspace] = []

    /// Runs `body` with a workspace that no other thread uses meanwhile.
    static func withWorkspace<R>(_ body: (GemmWorkspace) -> R) -> R {
        lock.lock()
        let workspace = idle.popLast() ?? GemmWorkspace()
        lock.unlock()
        defer {
            lock.lock()
            if idle.count < maximumIdle { idle.append(workspace) }
            lock.unlock()
        }
        return body(workspace)
    }
}
