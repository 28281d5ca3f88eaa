import Foundation
import EBJRHDF5
import EBJRTensor

/// A classification data set stored in one HDF5 file (`data.dataset: hdf5`; layout in docs/datasets.md):
///
/// - a group per split, `train`, optional `validation`, `test`, each with `images` (`uint8` or `float32`, shape
///   `[N, D]`, `[N, H, W]` or `[N, C, H, W]`) and `labels` (any integer type, shape `[N]`, values in `0..<K`);
/// - the root attribute `class_names` (a list of K strings);
/// - optional root attributes `mean` and `std` (1 or C numbers): per-channel normalisation.
///
/// Without a `validation` group, validation is a seeded random `round(N·validationFraction)` of `train`'s N rows
/// (the first rows of a permutation of `0..<N` drawn with `validationSeed`; the split depends only on the file, the
/// fraction and the seed, never on the model's seed, so a teacher and its side models share it) and train the rest;
/// both keep file order. Features are `uint8 / 255` (exactly as
/// Fashion-MNIST's) or the stored `float32`, then `(x − mean[c]) / std[c]` for channel `c` when `mean`/`std`
/// are present. Samples are `[D]`, `[1, H, W]` or `[C, H, W]`.
///
/// Training and inference read a split through `samples(_:)`: a lazy `HDF5Samples` whose batches are read from the
/// file by HDF5 selections through a bounded cache of stored rows (`cacheBytes` for all splits together: the first
/// split opened takes what it needs, the next ones what is left), so a data set larger than memory can be trained
/// on. `load(_:)` reads a split whole into a `Dataset` (with the file's normalisation), for small data and tests.
public struct HDF5ImageSource: ClassificationSource {
    /// Per-channel normalisation `(x − mean[c]) / std[c]` (one value applies to every channel).
    public typealias Normalization = InputNormalization

    /// The file, as given (a relative path is relative to the working directory).
    public let path: String
    /// Share of `train` held out as validation when the file has no `validation` group.
    public let validationFraction: Double
    /// Seed of the permutation that picks the held-out rows (`data.validation_seed`).
    public let validationSeed: UInt64
    public let classNames: [String]
    /// From the root attributes `mean` and `std`, nil when the file has neither.
    public let normalization: Normalization?
    /// Whether the file has its own `validation` group (then `validationFraction` is not used).
    public let hasValidationGroup: Bool

    /// Bytes of stored rows the splits may keep in memory together (`data.cache_mb`).
    public let cacheBytes: Int
    /// The readers of the split groups opened so far, sharing `cacheBytes`.
    private let readers: ReaderPool

    public static let defaultValidationFraction = 0.1
    /// Default of `cacheBytes`: 512 MiB.
    public static let defaultCacheBytes = 512 << 20

    /// Opens the file and reads its metadata (class names, normalisation, which groups exist); the samples are
    /// read by `load`. Errors name the file and the object (`…: object '/train' not found`).
    public init(path: String, validationFraction: Double = defaultValidationFraction, validationSeed: UInt64 = 0,
                cacheBytes: Int = defaultCacheBytes) throws {
        guard validationFraction > 0, validationFraction < 1 else {
            throw DataError.invalidHDF5Layout(file: path, object: "/", reason:
                "cannot be split with validation fraction \(validationFraction) (must be in (0, 1))")
        }
        self.path = path
        self.validationFraction = validationFraction
        self.validationSeed = validationSeed
        self.cacheBytes = max(0, cacheBytes)
        readers = ReaderPool(budget: self.cacheBytes)
        let file = try HDF5File.open(URL(fileURLWithPath: path))
        defer { try? file.close() }
        classNames = try file.stringsAttribute("class_names")
        guard !classNames.isEmpty else {
            throw DataError.invalidHDF5Layout(file: path, object: "/@class_names", reason: "is empty (needs one name per class)")
        }
        for split in ["train", "test"] { _ = try file.group(split) }
        hasValidationGroup = file.contains("validation")
        if hasValidationGroup { _ = try file.group("validation") }
        switch (file.hasAttribute("mean"), file.hasAttribute("std")) {
        case (false, false): normalization = nil
        case (true, true):
            let candidate = Normalization(mean: try Self.numbers(file, "mean"), std: try Self.numbers(file, "std"))
            if let problem = candidate.problem {
                throw DataError.invalidHDF5Layout(file: path, object: problem.hasPrefix("std") ? "/@std" : "/@mean", reason: problem)
            }
            normalization = candidate
        case (let hasMean, _):
            throw DataError.invalidHDF5Layout(file: path, object: hasMean ? "/@mean" : "/@std", reason:
                "is given without \(hasMean ? "std" : "mean") (give both or neither)")
        }
    }

    public var summary: String {
        "HDF5 data set \(path), \(classNames.count) classes; validation = "
            + (hasValidationGroup ? "its validation group" : "a random \(validationFraction) of train (seed \(validationSeed))")
    }

    /// Loads one split whole, normalised with the file's `mean`/`std` when it has them (see the type's documentation).
    public func load(_ split: DataSplit) throws -> Dataset {
        let raw = try samples(split)
        return try (normalization.map { try NormalizedSamples(raw, $0) } ?? raw).materialized()
    }

    public var prescribedNormalization: InputNormalization? { normalization }

    /// One split as lazy `HDF5Samples` (features as stored, not normalised). Every size, type and label is checked
    /// before anything is allocated for the samples; the labels are read (and checked) now, the images batch by batch.
    public func samples(_ split: DataSplit) throws -> any LabelledSamples {
        let file = try HDF5File.open(URL(fileURLWithPath: path))
        defer { try? file.close() }
        let groupName = split == .validation && !hasValidationGroup ? "train" : split.rawValue
        let group = try file.group(groupName)
        let images = try group.dataset("images"), labels = try group.dataset("labels")

        let imageType = try images.dataType()
        guard imageType == .uint8 || imageType == .float32 else {
            throw DataError.invalidHDF5Layout(file: path, object: images.path, reason: "holds \(imageType), expected uint8 or float32")
        }
        let labelType = try labels.dataType()
        guard labelType.isInteger else {
            throw DataError.invalidHDF5Layout(file: path, object: labels.path, reason: "holds \(labelType), expected an integer type")
        }
        let imageShape = try images.shape(), labelShape = try labels.shape()
        guard (2...4).contains(imageShape.count) else {
            throw DataError.invalidHDF5Layout(file: path, object: images.path, reason:
                "has rank \(imageShape.count) (shape \(imageShape)), expected [N, D], [N, H, W] or [N, C, H, W]")
        }
        guard labelShape.count == 1 else {
            throw DataError.invalidHDF5Layout(file: path, object: labels.path, reason:
                "has rank \(labelShape.count) (shape \(labelShape)), expected [N]")
        }
        guard imageShape[0] == labelShape[0] else {
            throw DataError.countMismatch(images: "\(path):\(images.path)", imageCount: imageShape[0],
                                          labels: "\(path):\(labels.path)", labelCount: labelShape[0])
        }
        guard imageShape[0] > 0 else {
            throw DataError.invalidHDF5Layout(file: path, object: images.path, reason: "has no samples (shape \(imageShape))")
        }
        let sampleShape = imageShape.count == 3 ? [1] + imageShape.dropFirst() : Array(imageShape.dropFirst())
        guard sampleShape.allSatisfy({ $0 > 0 }) else {
            throw DataError.invalidHDF5Layout(file: path, object: images.path, reason: "has shape \(imageShape): samples are empty")
        }
        let channels = InputNormalization.channels(of: sampleShape)
        if let normalization, !normalization.fits(sampleShape: sampleShape) {
            throw DataError.invalidHDF5Layout(file: path, object: "/@mean", reason:
                "has \(normalization.mean.count) values but \(images.path) has \(channels) channel(s) (give 1 or \(channels))")
        }
        let rows = try self.rows(of: split, count: imageShape[0], group: group.path)

        // All of the group's labels are read and checked (a held-out split draws its rows from the whole group).
        var labelValues = [Int64](repeating: 0, count: imageShape[0])
        try labelValues.withUnsafeMutableBufferPointer { try labels.readRows(0..<imageShape[0], into: $0, convertingIntegers: true) }
        if let bad = labelValues.firstIndex(where: { !(0..<Int64(classNames.count)).contains($0) }) {
            throw DataError.labelOutOfRange(path: "\(path):\(labels.path)", index: bad,
                                            label: Int(labelValues[bad]), classes: classNames.count)
        }
        // The reader keeps its own handle on the dataset (and so the file) open after `file` is closed here: reopen.
        let reader = try readers.reader(for: groupName) {
            let own = try HDF5File.open(URL(fileURLWithPath: path))
            return HDF5SplitReader(images: try own.group(groupName).dataset("images"), isUInt8: imageType == .uint8,
                                   sampleShape: sampleShape, rows: imageShape[0], cacheBytes: $0)
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + "/" + split.rawValue
        return HDF5Samples(reader: reader, rowOffset: 0, rowList: rows, labels: (rows ?? Array(0..<imageShape[0])).map { Int(labelValues[$0]) },
                           classNames: classNames, name: name)
    }

    /// The rows of the split's group that form `split`, in file order: nil for all of them, or (no `validation`
    /// group) the held-out or the remaining rows of `train` (`heldOutRows`).
    private func rows(of split: DataSplit, count: Int, group: String) throws -> [Int]? {
        guard split != .test, !hasValidationGroup else { return nil }
        guard count >= 2 else {
            throw DataError.invalidHDF5Layout(file: path, object: group, reason:
                "has \(count) sample(s), too few to hold out validation samples (add a validation group)")
        }
        let held = Self.heldOutRows(trainCount: count, fraction: validationFraction, seed: validationSeed)
        if split == .validation { return held }
        var isHeld = [Bool](repeating: false, count: count)
        for row in held { isHeld[row] = true }
        return (0..<count).filter { !isHeld[$0] }
    }

    /// The rows of a `train` group of `trainCount` held out as validation, ascending: the first
    /// `validationCount(trainCount:fraction:)` entries of a Fisher–Yates permutation of `0..<trainCount` drawn with
    /// `RandomGenerator(seed:)`.
    public static func heldOutRows(trainCount: Int, fraction: Double, seed: UInt64) -> [Int] {
        let held = validationCount(trainCount: trainCount, fraction: fraction)
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<trainCount)
        for i in 0..<held {
            let j = i + Int(generator.next() % UInt64(trainCount - i))
            order.swapAt(i, j)
        }
        return order[0..<held].sorted()
    }

    /// Samples of a `train` group of `trainCount` held out as validation: `round(trainCount × fraction)`, at least
    /// 1 and at most `trainCount − 1`.
    public static func validationCount(trainCount: Int, fraction: Double) -> Int {
        min(max(1, Int((Double(trainCount) * fraction).rounded())), max(trainCount - 1, 0))
    }

    /// A numeric root attribute as a list of Float (a scalar gives one value).
    private static func numbers(_ file: HDF5File, _ name: String) throws -> [Float] {
        switch try file.attribute(name) {
        case let .double(value): return [Float(value)]
        case let .doubles(values): return values.map(Float.init)
        case let .int64(value): return [Float(value)]
        case let .int64s(values): return values.map(Float.init)
        case let other:
            throw DataError.invalidHDF5Layout(file: file.filePath, object: "/@\(name)", reason:
                "holds a \(other.kindName), expected numbers")
        }
    }
}

/// The readers of one source's split groups, created on first use; each takes from the remaining cache budget at
/// most the bytes of its whole group.
final class ReaderPool: @unchecked Sendable {
    private var readers: [String: HDF5SplitReader] = [:]
    private var remaining: Int
    private let lock = NSLock()

    init(budget: Int) { remaining = budget }

    func reader(for group: String, make: (_ cacheBytes: Int) throws -> HDF5SplitReader) throws -> HDF5SplitReader {
        lock.lock()
        defer { lock.unlock() }
        if let reader = readers[group] { return reader }
        let reader = try make(remaining)
        remaining -= reader.cache.capacity * reader.cache.rowBytes
        readers[group] = reader
        return reader
    }
}
