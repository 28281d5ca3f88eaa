import Foundation
import EBJRTensor
import EBJRHDF5

/// Reads the `images` of one split group of an HDF5 data set row by row, through a `RowCache`.
///
/// A batch is read in one HDF5 selection: its rows that are not cached are sorted, merged into runs of consecutive
/// rows, and selected as the union of one hyperslab per run (`HDF5Dataset.readRows(runs:into:)`); the bytes read
/// are cached, then converted to Float32 (`uint8 / 255`, or `float32` as stored). Memory besides the cache: the
/// batch being assembled and its stored bytes. Thread-safe (one lock per group).
final class HDF5SplitReader: @unchecked Sendable {
    let images: HDF5Dataset
    let isUInt8: Bool
    /// Shape of one sample as the model sees it (`[1, H, W]` for `[N, H, W]` images).
    let sampleShape: [Int]
    let sampleSize: Int
    let cache: RowCache
    private let lock = NSLock()

    init(images: HDF5Dataset, isUInt8: Bool, sampleShape: [Int], rows: Int, cacheBytes: Int) {
        self.images = images
        self.isUInt8 = isUInt8
        self.sampleShape = sampleShape
        sampleSize = sampleShape.reduce(1, *)
        let rowBytes = sampleSize * (isUInt8 ? 1 : 4)
        cache = RowCache(rows: rows, rowBytes: rowBytes, capacity: cacheBytes / rowBytes)
    }

    /// Writes the features of file rows `rows` (any order, repeats allowed) to `out`, `rows.count × sampleSize`
    /// floats.
    func read(rows: [Int], into out: UnsafeMutablePointer<Float>) throws {
        lock.lock()
        defer { lock.unlock() }
        let rowBytes = cache.rowBytes
        var missing: [(row: Int, position: Int)] = []
        for (position, row) in rows.enumerated() {
            if let bytes = cache.lookup(row) { convert(bytes, to: out + position * sampleSize) } else { missing.append((row, position)) }
        }
        guard !missing.isEmpty else { return }
        missing.sort { $0.row < $1.row }
        var unique: [Int] = []
        var runs: [Range<Int>] = []
        for (row, _) in missing where unique.last != row {
            unique.append(row)
            if let last = runs.last, last.upperBound == row { runs[runs.count - 1] = last.lowerBound..<(row + 1) } else { runs.append(row..<(row + 1)) }
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: unique.count * rowBytes, alignment: 64)
        defer { buffer.deallocate() }
        if isUInt8 {
            try images.readRows(runs: runs, into: UnsafeMutableBufferPointer(start: buffer.assumingMemoryBound(to: UInt8.self),
                                                                              count: unique.count * sampleSize))
        } else {
            try images.readRows(runs: runs, into: UnsafeMutableBufferPointer(start: buffer.assumingMemoryBound(to: Float.self),
                                                                              count: unique.count * sampleSize))
        }
        var u = -1
        var previous = -1
        for (row, position) in missing {
            if row != previous {
                u += 1
                previous = row
                cache.insert(row, bytes: buffer + u * rowBytes)
            }
            convert(UnsafeRawPointer(buffer + u * rowBytes), to: out + position * sampleSize)
        }
    }

    /// One stored row as Float32 features: `Float(v) / 255` for uint8 (exactly as the IDX reader), a copy for float32.
    private func convert(_ bytes: UnsafeRawPointer, to out: UnsafeMutablePointer<Float>) {
        if isUInt8 {
            let values = bytes.assumingMemoryBound(to: UInt8.self)
            for i in 0..<sampleSize { out[i] = Float(values[i]) / 255 }
        } else {
            out.update(from: bytes.assumingMemoryBound(to: Float.self), count: sampleSize)
        }
    }
}

/// The samples of one split of an HDF5 data set, read from the file batch by batch (see `HDF5SplitReader`): the
/// labels are in memory, the features are not. Views (`samples(at:)`, validation held out of `train`) share the
/// reader and its cache. Features are as stored (`uint8 / 255` or `float32`), without normalisation
/// (`NormalizedSamples` adds it).
public struct HDF5Samples: LabelledSamples {
    let reader: HDF5SplitReader
    /// File row of each sample: `rowOffset + i`, or `rowList[i]` for a view of chosen samples.
    let rowOffset: Int
    let rowList: [Int]?
    public let labels: [Int]
    public let classNames: [String]
    public let name: String

    init(reader: HDF5SplitReader, rowOffset: Int, rowList: [Int]?, labels: [Int], classNames: [String], name: String) {
        self.reader = reader
        self.rowOffset = rowOffset
        self.rowList = rowList
        self.labels = labels
        self.classNames = classNames
        self.name = name
    }

    public var count: Int { labels.count }
    public var sampleShape: [Int] { reader.sampleShape }

    /// File row of sample `i`.
    func fileRow(_ i: Int) -> Int { rowList?[i] ?? rowOffset + i }

    public func batchTensor(_ indices: [Int]) throws -> Tensor {
        let out = Tensor.uninitialized([indices.count] + sampleShape)
        try reader.read(rows: indices.map(fileRow), into: out.data)
        return out
    }

    public func batchTensor(range: Range<Int>) throws -> Tensor { try batchTensor(Array(range)) }

    public func samples(at indices: [Int], name: String) -> any LabelledSamples {
        HDF5Samples(reader: reader, rowOffset: 0, rowList: indices.map(fileRow), labels: indices.map { labels[$0] },
                    classNames: classNames, name: name)
    }

    public func viewed(as sampleShape: [Int]) throws -> any LabelledSamples {
        sampleShape == self.sampleShape ? self : try ReshapedSamples(self, sampleShape)
    }

    public func featureChecksum() throws -> UInt64 { try streamedChecksum() }

    /// Cache statistics of the split group's reader: lookups served from memory and read from the file, rows held.
    public var cacheStatistics: (hits: Int, misses: Int, cachedRows: Int, capacityRows: Int) {
        (reader.cache.hits, reader.cache.misses, reader.cache.cachedRows, reader.cache.capacity)
    }
}
