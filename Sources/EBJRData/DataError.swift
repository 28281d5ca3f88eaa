/// Errors reading or preparing data; each names the file or item it concerns, and reads as one line.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String, hint: String)
    case unreadable(path: String, reason: String)
    case corruptCompression(path: String)
    case badMagic(path: String, expected: UInt32, found: UInt32)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The IDX header's dimensions cannot describe usable data (a dimension of 0, or more than
    /// `IDXReader.maximumPayloadBytes` in total); `reason` says which.
    case invalidDimensions(path: String, dimensions: [Int], reason: String)
    /// The data is longer than the IDX header promises: `actualBytes` of them, or (nil) a gzip stream that
    /// inflates past `expectedBytes`, where decompression stopped.
    case excessData(path: String, expectedBytes: Int, actualBytes: Int?)
    /// The file (`bytes` on disk, or nil: a gzip stream inflating past `limit` before its header was complete) is
    /// larger than any acceptable IDX file.
    case tooLarge(path: String, bytes: Int?, limit: Int)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
    case unknownClass(name: String, known: [String])
    case invalidSplit(String)
    case shapeMismatch(name: String, sampleShape: [Int], requested: [Int])
    /// A normalisation with `values` means/stds for samples whose channels are neither 1 nor that many.
    case normalizationMismatch(name: String, sampleShape: [Int], values: Int)
    /// An HDF5 data set whose layout (`docs/datasets.md`) does not fit: `object` is the group, dataset or
    /// attribute inside `file` (e.g. `/train/images`), `reason` what is wrong with it.
    case invalidHDF5Layout(file: String, object: String, reason: String)
    /// A split that would hold no samples (training with it would report a meaningless 0 % or NaN); `path` is the
    /// file it is cut from, `reason` how the split is defined.
    case emptySplit(path: String, split: String, reason: String)

    public var description: String {
        switch self {
        case let .missingFile(path, hint): "\(path): file not found (\(hint))"
        case let .unreadable(path, reason): "\(path): cannot read (\(reason))"
        case let .corruptCompression(path): "\(path): corrupt or truncated gzip stream"
        case let .badMagic(path, expected, found):
            "\(path): not an IDX file of the expected kind (magic 0x\(String(found, radix: 16)), expected 0x\(String(expected, radix: 16)))"
        case let .truncated(path, expected, actual):
            "\(path): truncated IDX data (header promises \(expected) bytes, file has \(actual))"
        case let .invalidDimensions(path, dimensions, reason):
            "\(path): IDX header has unusable dimensions \(dimensions) (\(reason))"
        case let .excessData(path, expected, actual?):
            "\(path): IDX data is \(actual) bytes but its header promises \(expected)"
        case let .excessData(path, expected, nil):
            "\(path): gzip stream inflates to more than the \(expected) bytes its IDX header promises (stopped there)"
        case let .tooLarge(path, bytes?, limit):
            "\(path): \(bytes) bytes is larger than any acceptable IDX file (limit \(limit) bytes)"
        case let .tooLarge(path, nil, limit):
            "\(path): gzip stream inflates to more than \(limit) bytes, larger than any acceptable IDX file (stopped there)"
        case let .countMismatch(images, ic, labels, lc):
            "\(images) has \(ic) images but \(labels) has \(lc) labels"
        case let .labelOutOfRange(path, index, label, classes):
            "\(path): label \(label) at index \(index) is outside 0..<\(classes)"
        case let .unknownClass(name, known): "unknown class '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .invalidSplit(name): "unknown split '\(name)' (expected train, validation or test)"
        case let .shapeMismatch(name, shape, requested):
            "\(name): samples of shape \(shape) cannot be viewed as \(requested)"
        case let .normalizationMismatch(name, shape, values):
            "\(name): a normalisation of \(values) channel(s) does not fit samples of shape \(shape) (\(InputNormalization.channels(of: shape)) channel(s))"
        case let .invalidHDF5Layout(file, object, reason): "\(file): '\(object)' \(reason)"
        case let .emptySplit(path, split, reason): "\(path): the \(split) split is empty (\(reason))"
        }
    }
}
