import Foundation
import EBJRHDF5

/// A classification data set stored in one HDF5 file (`data.dataset: hdf5`; layout in docs/datasets.md):
///
/// - a group per split, `train`, optional `validation`, `test`, each with `images` (`uint8` or `float32`, shape
///   `[N, D]`, `[N, H, W]` or `[N, C, H, W]`) and `labels` (any integer type, shape `[N]`, values in `0..<K`);
/// - the root attribute `class_names` (a list of K strings);
/// - optional root attributes `mean` and `std` (1 or C numbers): per-channel normalisation.
///
/// Without a `validation` group, validation is the *last* `validationFraction` of `train` (no shuffling: the
/// split depends only on the file and the fraction) and train the rest. Features are `uint8 / 255` (exactly as
/// Fashion-MNIST's) or the stored `float32`, then `(x − mean[c]) / std[c]` for channel `c` when `mean`/`std`
/// are present. Samples are `[D]`, `[1, H, W]` or `[C, H, W]`.
///
/// A split is loaded whole into a `Dataset`, read from the file in blocks of `blockRows` samples (HDF5
/// hyperslab selections), so that a `uint8` file never has a second full-size buffer beside the features.
public struct HDF5ImageSource: ClassificationSource {
    /// Per-channel normalisation `(x − mean[c]) / std[c]` (one value applies to every channel).
    public struct Normalization: Equatable, Sendable {
        public var mean: [Float]
        public var std: [Float]
        public init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }
    }

    /// The file, as given (a relative path is relative to the working directory).
    public let path: String
    /// Share of `train` held out as validation when the file has no `validation` group.
    public let validationFraction: Double
    public let classNames: [String]
    /// From the root attributes `mean` and `std`, nil when the file has neither.
    public let normalization: Normalization?
    /// Whether the file has its own `validation` group (then `validationFraction` is not used).
    public let hasValidationGroup: Bool

    public static let defaultValidationFraction = 0.1
    /// Samples read per hyperslab.
    public static let blockRows = 4096

    /// Opens the file and reads its metadata (class names, normalisation, which groups exist); the samples are
    /// read by `load`. Errors name the file and the object (`…: object '/train' not found`).
    public init(path: String, validationFraction: Double = defaultValidationFraction) throws {
        guard validationFraction > 0, validationFraction < 1 else {
            throw DataError.invalidHDF5Layout(file: path, object: "/", reason:
                "cannot be split with validation fraction \(validationFraction) (must be in (0, 1))")
        }
        self.path = path
        self.validationFraction = validationFraction
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
            let mean = try Self.numbers(file, "mean"), std = try Self.numbers(file, "std")
            guard !mean.isEmpty, mean.count == std.count else {
                throw DataError.invalidHDF5Layout(file: path, object: "/@mean", reason:
                    "has \(mean.count) values but std has \(std.count) (needs the same number, one or one per channel)")
            }
            guard mean.allSatisfy(\.isFinite) else {
                throw DataError.invalidHDF5Layout(file: path, object: "/@mean", reason: "must be finite numbers (got \(mean))")
            }
            guard std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw DataError.invalidHDF5Layout(file: path, object: "/@std", reason: "must be positive finite numbers (got \(std))")
            }
            normalization = Normalization(mean: mean, std: std)
        case (let hasMean, _):
            throw DataError.invalidHDF5Layout(file: path, object: hasMean ? "/@mean" : "/@std", reason:
                "is given without \(hasMean ? "std" : "mean") (give both or neither)")
        }
    }

    public var summary: String {
        "HDF5 data set \(path), \(classNames.count) classes; validation = "
            + (hasValidationGroup ? "its validation group" : "the last \(validationFraction) of train")
    }

    /// Loads one split whole (see the type's documentation).
    public func load(_ split: DataSplit) throws -> Dataset {
        let file = try HDF5File.open(URL(fileURLWithPath: path))
        defer { try? file.close() }
        let groupName = split == .validation && !hasValidationGroup ? "train" : split.rawValue
        let group = try file.group(groupName)
        let images = try group.dataset("images"), labels = try group.dataset("labels")

        // Everything about sizes and types is checked before anything is allocated for the samples.
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
        let channels = sampleShape.count == 3 ? sampleShape[0] : 1
        if let normalization, normalization.mean.count != 1, normalization.mean.count != channels {
            throw DataError.invalidHDF5Layout(file: path, object: "/@mean", reason:
                "has \(normalization.mean.count) values but \(images.path) has \(channels) channel(s) (give 1 or \(channels))")
        }
        let rows = try self.rows(of: split, count: imageShape[0], group: group.path)

        var labelValues = [Int64](repeating: 0, count: rows.count)
        try labelValues.withUnsafeMutableBufferPointer { try labels.readRows(rows, into: $0, convertingIntegers: true) }
        if let bad = labelValues.firstIndex(where: { !(0..<Int64(classNames.count)).contains($0) }) {
            throw DataError.labelOutOfRange(path: "\(path):\(labels.path)", index: rows.lowerBound + bad,
                                            label: Int(labelValues[bad]), classes: classNames.count)
        }

        let sampleSize = sampleShape.reduce(1, *)
        var features = [Float](repeating: 0, count: rows.count * sampleSize)
        try features.withUnsafeMutableBufferPointer { features in
            var bytes = imageType == .uint8 ? [UInt8](repeating: 0, count: min(Self.blockRows, rows.count) * sampleSize) : []
            for start in stride(from: rows.lowerBound, to: rows.upperBound, by: Self.blockRows) {
                let block = start..<min(start + Self.blockRows, rows.upperBound)
                let offset = (start - rows.lowerBound) * sampleSize, count = block.count * sampleSize
                let target = UnsafeMutableBufferPointer(rebasing: features[offset..<offset + count])
                if imageType == .float32 {
                    try images.readRows(block, into: target)
                } else {
                    try bytes.withUnsafeMutableBufferPointer { bytes in
                        let source = UnsafeMutableBufferPointer(rebasing: bytes[0..<count])
                        try images.readRows(block, into: source)
                        for i in 0..<count { target[i] = Float(source[i]) / 255 }
                    }
                }
            }
            if let normalization { Self.normalize(features, normalization, channels: channels, sampleSize: sampleSize) }
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + "/" + split.rawValue
        return Dataset(features: features, labels: labelValues.map { Int($0) }, sampleShape: sampleShape,
                       classNames: classNames, name: name)
    }

    /// The rows of the split's group that form `split`: all of them, or (no `validation` group) the first or the
    /// last part of `train`.
    private func rows(of split: DataSplit, count: Int, group: String) throws -> Range<Int> {
        guard split != .test, !hasValidationGroup else { return 0..<count }
        let held = Self.validationCount(trainCount: count, fraction: validationFraction)
        guard count >= 2 else {
            throw DataError.invalidHDF5Layout(file: path, object: group, reason:
                "has \(count) sample(s), too few to hold out validation samples (add a validation group)")
        }
        return split == .train ? 0..<(count - held) : (count - held)..<count
    }

    /// Samples of a `train` group of `trainCount` held out as validation: `round(trainCount × fraction)`, at least
    /// 1 and at most `trainCount − 1`.
    public static func validationCount(trainCount: Int, fraction: Double) -> Int {
        min(max(1, Int((Double(trainCount) * fraction).rounded())), max(trainCount - 1, 0))
    }

    /// `(x − mean[c]) / std[c]` in place (channel-major samples).
    private static func normalize(_ features: UnsafeMutableBufferPointer<Float>, _ n: Normalization, channels: Int, sampleSize: Int) {
        let perChannel = sampleSize / channels
        for sample in stride(from: 0, to: features.count, by: sampleSize) {
            for c in 0..<channels {
                let mean = n.mean.count == 1 ? n.mean[0] : n.mean[c], std = n.std.count == 1 ? n.std[0] : n.std[c]
                let base = sample + c * perChannel
                for i in base..<base + perChannel { features[i] = (features[i] - mean) / std }
            }
        }
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
