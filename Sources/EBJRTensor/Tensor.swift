/// An n-dimensional, contiguous, row-major array of `Float32` values that can take part in
/// reverse-mode automatic differentiation.
///
/// A tensor produced by an operation on tensors that require gradients remembers that operation
/// (its `gradientNode`); `backward()` on a scalar result then fills `grad` of every leaf with
/// `∂result/∂leaf`. Tensors are immutable in shape; their values may be updated in place by optimizers.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    /// Extent of each dimension (`[]` for a scalar).
    public let shape: [Int]
    /// The values, row-major. Shared with views made by `reshaped`.
    public let storage: TensorStorage
    /// Whether gradients flow to this tensor (true for parameters and results of tracked operations).
    public var requiresGrad: Bool
    /// Accumulated gradient `∂L/∂self` after `backward()`, same shape as `self`.
    public var grad: Tensor?
    /// The operation that produced this tensor, when recorded.
    public internal(set) var gradientNode: GradientNode?
    /// Set on gradient buffers that the backward pass owns alone (`Tensor.exclusiveGradient`).
    var isExclusiveGradient = false

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Pointer to the first value.
    @inlinable public var data: UnsafeMutablePointer<Float> { storage.pointer }

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == storage.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// An uninitialised tensor whose every value the caller writes before reading.
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
    }

    /// A tensor filled with `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        let storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
        storage.pointer.initialize(repeating: value, count: storage.count)
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A tensor holding `values` (row-major) with the given shape.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        let storage = TensorStorage(count: values.count, zeroed: false)
        values.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A scalar tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// The values as an array, row-major.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) values")
        return data[0]
    }

    /// A copy that shares no storage and records no history.
    public func copy() -> Tensor {
        let out = Tensor.uninitialized(shape)
        out.data.update(from: data, count: count)
        return out
    }

    /// This tensor's values with no gradient history (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Product of the dimensions after `axis` (the row stride of that axis).
    public func stride(ofAxis axis: Int) -> Int { shape[(axis + 1)...].reduce(1, *) }

    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
