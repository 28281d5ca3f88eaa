import Foundation

/// A contiguous, owned buffer of `Float` values shared by tensors (reshape shares storage).
///
/// Large buffers are recycled through `StoragePool`: a training step allocates the same activation and
/// gradient sizes every time, and handing freed pages back to the kernel and faulting them in again costs
/// more than the arithmetic of small layers.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` elements, uninitialised unless `zeroed`.
    public init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = StoragePool.shared.take(count)
        if zeroed { pointer.update(repeating: 0, count: count) }
    }

    deinit { StoragePool.shared.give(pointer, count: count) }
}

/// Free lists of large `Float` buffers by exact size, bounded in total bytes.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()
    /// Buffers smaller than this (in elements) go straight to malloc.
    private let minimumCount = 4096
    /// Upper bound of the memory held by the pool.
    private let capacityBytes = 1 << 30
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var heldBytes = 0
    private let lock = NSLock()

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= minimumCount {
            lock.lock()
            if var list = free[count], let pointer = list.popLast() {
                free[count] = list
                heldBytes -= count * 4
                lock.unlock()
                return pointer
            }
            lock.unlock()
        }
        return UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= minimumCount {
            lock.lock()
            if heldBytes + count * 4 <= capacityBytes {
                free[count, default: []].append(pointer)
                heldBytes += count * 4
                lock.unlock()
                return
            }
            lock.unlock()
        }
        pointer.deallocate()
    }
}
