import EBJRTensor

/// Seeded shuffling and batching. The order of epoch `e` depends only on `(seed, e)`, so a resumed run
/// sees exactly the batches an uninterrupted run would.
public struct BatchSampler: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    public let dropLast: Bool

    public init(count: Int, batchSize: Int, seed: UInt64, shuffle: Bool = true, dropLast: Bool = false) {
        precondition(batchSize > 0, "BatchSampler: batch size must be positive")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.dropLast = dropLast
    }

    /// Number of batches in one epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The sample order of `epoch` (a Fisher–Yates shuffle seeded by `seed` and `epoch`).
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<count)
        guard shuffle else { return indices }
        var generator = RandomGenerator(seed: seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                indices.swapAt(i, j)
            }
        }
        return indices
    }

    /// The batches of `epoch`, as index lists.
    public func batches(epoch: Int) -> [[Int]] {
        let order = order(epoch: epoch)
        return (0..<batchesPerEpoch).map { b in Array(order[(b * batchSize)..<min(count, (b + 1) * batchSize)]) }
    }
}

extension Dataset {
    /// The features of `indices` as a tensor `[indices.count, *sampleShape]`.
    public func batchTensor(_ indices: [Int]) -> Tensor {
        let size = sampleSize
        let out = Tensor.uninitialized([indices.count] + sampleShape)
        features.withUnsafeBufferPointer { src in
            for (row, index) in indices.enumerated() {
                (out.data + row * size).update(from: src.baseAddress! + index * size, count: size)
            }
        }
        return out
    }

    /// Features of the contiguous range of samples as a tensor.
    public func batchTensor(range: Range<Int>) -> Tensor { batchTensor(Array(range)) }
}
