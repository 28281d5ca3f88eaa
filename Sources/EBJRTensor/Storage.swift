/// A contiguous, owned buffer of `Float` values shared by tensors (reshape shares storage).
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` elements, uninitialised unless `zeroed`.
    public init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    deinit { pointer.deallocate() }
}
