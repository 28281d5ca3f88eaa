/// Errors reading or preparing data; each names the file or item it concerns.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String, hint: String)
    case unreadable(path: String, reason: String)
    case corruptCompression(path: String)
    case badMagic(path: String, expected: UInt32, found: UInt32)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
    case unknownClass(name: String, known: [String])
    case invalidSplit(String)
    case shapeMismatch(name: String, sampleShape: [Int], requested: [Int])

    public var description: String {
        switch self {
        case let .missingFile(path, hint): "\(path): file not found (\(hint))"
        case let .unreadable(path, reason): "\(path): cannot read (\(reason))"
        case let .corruptCompression(path): "\(path): corrupt or truncated gzip stream"
        case let .badMagic(path, expected, found):
            "\(path): not an IDX file of the expected kind (magic 0x\(String(found, radix: 16)), expected 0x\(String(expected, radix: 16)))"
        case let .truncated(path, expected, actual):
            "\(path): truncated IDX data (header promises \(expected) bytes, file has \(actual))"
        case let .countMismatch(images, ic, labels, lc):
            "\(images) has \(ic) images but \(labels) has \(lc) labels"
        case let .labelOutOfRange(path, index, label, classes):
            "\(path): label \(label) at index \(index) is outside 0..<\(classes)"
        case let .unknownClass(name, known): "unknown class '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .invalidSplit(name): "unknown split '\(name)' (expected train, validation or test)"
        case let .shapeMismatch(name, shape, requested):
            "\(name): samples of shape \(shape) cannot be viewed as \(requested)"
        }
    }
}
