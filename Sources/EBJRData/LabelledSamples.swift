import EBJRTensor
import EBJRFiles

/// Labelled samples that training and inference read in batches: an in-memory `Dataset`, or a view that reads its
/// features from a file only when a batch asks for them (`HDF5Samples`), so that a split larger than memory can be
/// trained on. Labels are always in memory (`count` integers); features are what may be lazy.
///
/// A batch of `indices` is the tensor `[indices.count, *sampleShape]` whose row `r` holds sample `indices[r]`; every
/// conforming type returns the same Float32 values for the same data, whichever way they are read.
public protocol LabelledSamples {
    var count: Int { get }
    /// Label of each sample, in `0..<classNames.count`.
    var labels: [Int] { get }
    /// Shape of one sample (e.g. `[1, 28, 28]`).
    var sampleShape: [Int] { get }
    /// Class names, indexed by label.
    var classNames: [String] { get }
    /// A short name for messages and files (e.g. `fmnist/validation`).
    var name: String { get }

    /// The features of the samples at `indices` (any order, repeats allowed), as `[indices.count, *sampleShape]`.
    func batchTensor(_ indices: [Int]) throws -> Tensor
    /// The features of a contiguous range of samples.
    func batchTensor(range: Range<Int>) throws -> Tensor
    /// The samples at `indices`, in that order (a view when the samples are lazy).
    func samples(at indices: [Int], name: String) -> any LabelledSamples
    /// The same samples with another sample shape of the same size (`DataError.shapeMismatch` otherwise).
    func viewed(as sampleShape: [Int]) throws -> any LabelledSamples
    /// 64-bit FNV-1a over the Float32 feature bytes of every sample in order: `Dataset.checksum`, computed without
    /// holding more than one block of samples when the samples are lazy.
    func featureChecksum() throws -> UInt64
}

extension LabelledSamples {
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// Samples per block when a whole split is streamed (checksums, statistics, inference): about 4 MB of features.
    public var streamingBlockRows: Int { max(1, min(4096, (1 << 20) / max(sampleSize, 1))) }

    /// The checksum of `featureChecksum()`, block by block.
    public func streamedChecksum() throws -> UInt64 {
        var hasher = FNV1a64()
        for start in stride(from: 0, to: count, by: streamingBlockRows) {
            let block = try batchTensor(range: start..<min(count, start + streamingBlockRows))
            hasher.update(UnsafeRawBufferPointer(start: block.data, count: block.count * MemoryLayout<Float>.stride))
        }
        return hasher.value
    }

    /// Every sample's features in one in-memory `Dataset` (`count × sampleSize` floats: only for splits that fit).
    public func materialized() throws -> Dataset {
        if let dataset = self as? Dataset { return dataset }
        var features = [Float]()
        features.reserveCapacity(count * sampleSize)
        for start in stride(from: 0, to: count, by: streamingBlockRows) {
            let block = try batchTensor(range: start..<min(count, start + streamingBlockRows))
            features.append(contentsOf: UnsafeBufferPointer(start: block.data, count: block.count))
        }
        return Dataset(features: features, labels: labels, sampleShape: sampleShape, classNames: classNames, name: name)
    }
}

extension Dataset: LabelledSamples {
    public func samples(at indices: [Int], name: String) -> any LabelledSamples { subset(indices, name: name) }
    public func viewed(as sampleShape: [Int]) throws -> any LabelledSamples { try reshaped(sampleShape: sampleShape) }
    public func featureChecksum() -> UInt64 { checksum }
}
