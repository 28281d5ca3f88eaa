import EBJRFiles
import EBJRHDF5
import EBJRTensor
import Foundation

/// A teacher's logits for one data split, `[N, K]` float32 aligned with the split's samples by index, as an HDF5
/// file: dataset `logits`, string dataset `class_names`, root attributes `format = "ebjr-logits"`,
/// `format_version`, `split`, `count`, `input_checksum` (`fnv1a64:<hex>` of the split's raw input bytes).
///
/// Files from a black-box teacher need only the `logits` dataset; the other fields are then nil or empty and
/// `validate` checks what it can.
public struct LogitsFile {
    /// Value of the root attribute `format`.
    public static let formatName = "ebjr-logits"
    /// Value of the root attribute `format_version`.
    public static let formatVersion: Int64 = 1

    /// The logits, `[N, K]`.
    public var logits: Tensor
    /// Name of the split the logits belong to (`train`, `test`, …).
    public var split: String?
    /// `FNV1a64` of the split's raw input bytes, in sample order.
    public var inputChecksum: UInt64?
    /// The teacher's class names, one per column (may be empty).
    public var classNames: [String]
    /// The file the logits were read from (nil if built in memory).
    public internal(set) var source: URL?

    /// Number of rows (samples).
    public var count: Int { logits.shape[0] }
    /// Number of columns (classes).
    public var classCount: Int { logits.shape[1] }

    /// Logits for a split; `logits` must be two-dimensional.
    public init(logits: Tensor, split: String?, inputChecksum: UInt64?, classNames: [String] = []) {
        precondition(logits.rank == 2, "LogitsFile: logits must be [N, K], got \(logits.shape)")
        precondition(classNames.isEmpty || classNames.count == logits.shape[1],
                     "LogitsFile: \(classNames.count) class names for \(logits.shape[1]) columns")
        self.logits = logits
        self.split = split
        self.inputChecksum = inputChecksum
        self.classNames = classNames
    }

    /// Writes the file atomically (see `HDF5File.writeAtomically`).
    public func write(to url: URL) throws {
        try HDF5File.writeAtomically(to: url) { file in
            try file.setAttribute("format", .string(Self.formatName))
            try file.setAttribute("format_version", .int64(Self.formatVersion))
            if let split { try file.setAttribute("split", .string(split)) }
            try file.setAttribute("count", .int64(Int64(count)))
            if let inputChecksum { try file.setAttribute("input_checksum", .string(FNV1a64.format(inputChecksum))) }
            try file.createDataset("logits", tensor: logits)
            try file.createStringDataset("class_names", values: classNames)
        }
    }

    /// Reads logits from `url`: the dataset `dataset` must exist and be two-dimensional float32 with at least one
    /// row and one column, every value finite (a NaN or infinite logit is an error naming its row and column);
    /// the optional attributes must agree with it (`count` = rows, one class name per column). The shape is
    /// validated against what the file can hold before the values are read (see `HDF5Dataset.shape()`).
    public static func read(from url: URL, dataset: String = "logits") throws -> LogitsFile {
        let file = try HDF5File.open(url)
        defer { try? file.close() }
        let logitsDataset = try file.dataset(dataset)
        let shape = try logitsDataset.shape()
        guard shape.count == 2 else {
            throw CheckpointError.invalidLogits(file: url.path, detail: "'\(dataset)' has shape \(shape), expected [N, K]")
        }
        guard shape[0] >= 1, shape[1] >= 1 else {
            throw CheckpointError.invalidLogits(file: url.path, detail:
                "'\(dataset)' has shape \(shape), expected [N, K] with N ≥ 1 and K ≥ 1")
        }
        let stored = try logitsDataset.dataType()
        guard stored == .float32 else {
            throw CheckpointError.invalidLogits(file: url.path, detail: "'\(dataset)' holds \(stored), expected float32")
        }
        if file.hasAttribute("count") {
            let count = try file.int64Attribute("count")
            guard count == shape[0] else {
                throw CheckpointError.invalidLogits(file: url.path,
                                                    detail: "attribute count is \(count) but '\(dataset)' has \(shape[0]) rows")
            }
        }
        let logits = try logitsDataset.readTensor(key: dataset)
        let values = UnsafeBufferPointer(start: logits.data, count: logits.count)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError.invalidLogits(file: url.path, detail:
                "'\(dataset)' row \(bad / shape[1]) column \(bad % shape[1]) is \(values[bad]); logits must be finite")
        }
        let split = file.hasAttribute("split") ? try file.stringAttribute("split") : nil
        var checksum: UInt64?
        if file.hasAttribute("input_checksum") {
            let text = try file.stringAttribute("input_checksum")
            guard let value = FNV1a64.parse(text) else {
                throw CheckpointError.invalidLogits(file: url.path,
                                                    detail: "input_checksum '\(text)' is not 'fnv1a64:<16 hex digits>'")
            }
            checksum = value
        }
        let classNames = file.contains("class_names") ? try file.dataset("class_names").readStrings() : []
        guard classNames.isEmpty || classNames.count == shape[1] else {
            throw CheckpointError.invalidLogits(file: url.path, detail:
                "\(classNames.count) class names for \(shape[1]) logit columns")
        }
        var result = LogitsFile(logits: logits, split: split, inputChecksum: checksum, classNames: classNames)
        result.source = url
        return result
    }

    /// Checks that these logits fit the data they will be used with: `expectedCount` rows, `expectedClasses`
    /// columns, and (when both sides know them) the same split name and input checksum. Errors read like
    /// `<file>: logits have 1000 rows but split 'train' has 50000 samples`.
    public func validate(expectedCount: Int, expectedClasses: Int, split expectedSplit: String,
                         inputChecksum expectedChecksum: UInt64? = nil) throws {
        let file = source?.path ?? "<logits>"
        func fail(_ detail: String) -> CheckpointError { .invalidLogits(file: file, detail: detail) }
        if let split, split != expectedSplit {
            throw fail("logits are for split '\(split)' but are used for split '\(expectedSplit)'")
        }
        guard count == expectedCount else {
            throw fail("logits have \(count) rows but split '\(expectedSplit)' has \(expectedCount) samples")
        }
        guard classCount == expectedClasses else {
            throw fail("logits have \(classCount) columns but the task has \(expectedClasses) classes")
        }
        if let inputChecksum, let expectedChecksum, inputChecksum != expectedChecksum {
            throw fail("logits were computed for different inputs than split '\(expectedSplit)' "
                + "(input_checksum \(FNV1a64.format(inputChecksum)), data \(FNV1a64.format(expectedChecksum)))")
        }
    }
}
