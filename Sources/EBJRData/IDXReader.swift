import Foundation

/// Reader of the IDX format used by MNIST and Fashion-MNIST: a big-endian header
/// (magic `0x0000 08 NN` where `08` = unsigned byte and `NN` = number of dimensions, then one `UInt32` per
/// dimension) followed by the raw values. Files may be gzip-compressed (`.gz`).
///
/// Every size comes from the file, so each is checked before anything is allocated for it: every dimension must be
/// at least 1 (`0×0` images are refused), the payload (product of the dimensions, computed with overflow checks)
/// must be at most `maximumPayloadBytes`, and the data must be exactly header + payload bytes long. A plain file is
/// checked against its size on disk before it is read; a gzip file is inflated only until its first bytes give the
/// header, then no further than the size that header promises, so a gzip bomb stops after about a megabyte more
/// than the promised size.
public enum IDXReader {
    /// Magic number of a 3-D unsigned-byte array (images `[N, rows, cols]`).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of a 1-D unsigned-byte array (labels `[N]`).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Largest payload accepted: 1 GiB (Fashion-MNIST's largest file holds 47 MB).
    public static let maximumPayloadBytes = 1 << 30

    /// Reads an IDX file and checks its magic number; returns the dimensions and the raw bytes.
    public static func read(path: String, expectedMagic: UInt32, missingHint: String = "check the path") throws -> (dimensions: [Int], values: Data) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path, hint: missingHint)
        }
        if isDirectory.boolValue { throw DataError.unreadable(path: path, reason: "is a directory") }
        let rank = Int(expectedMagic & 0xff)
        let largestFile = 4 + 4 * rank + maximumPayloadBytes
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        if let size, size > largestFile { throw DataError.tooLarge(path: path, bytes: size, limit: largestFile) }
        // Too short for a magic number (an empty file is not even read: Foundation leaks a buffer reading one).
        if let size, size < 4 { throw DataError.truncated(path: path, expectedBytes: 4, actualBytes: size) }
        guard var bytes = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        if bytes.count >= 2 && bytes[bytes.startIndex] == 0x1f && bytes[bytes.startIndex + 1] == 0x8b {
            bytes = try inflate(bytes, path: path, expectedMagic: expectedMagic)
        }
        guard let header = try header(of: bytes, path: path, expectedMagic: expectedMagic) else {
            let needed = bytes.count < 4 ? 4 : 4 + 4 * rank
            throw DataError.truncated(path: path, expectedBytes: needed, actualBytes: bytes.count)
        }
        let expected = header.size + header.payload
        guard bytes.count >= expected else {
            throw DataError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        guard bytes.count == expected else {
            throw DataError.excessData(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        return (header.dimensions, bytes.subdata(in: (bytes.startIndex + header.size)..<(bytes.startIndex + expected)))
    }

    /// The header at the start of `bytes`, validated (magic, dimensions ≥ 1, payload ≤ `maximumPayloadBytes`
    /// without overflow), or nil when `bytes` is too short to hold it.
    static func header(of bytes: Data, path: String, expectedMagic: UInt32)
        throws -> (dimensions: [Int], size: Int, payload: Int)? {
        guard bytes.count >= 4 else { return nil }
        func word(_ offset: Int) -> UInt32 {
            bytes.withUnsafeBytes { raw in
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            }
        }
        let magic = word(0)
        guard magic == expectedMagic else { throw DataError.badMagic(path: path, expected: expectedMagic, found: magic) }
        let rank = Int(magic & 0xff)
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { return nil }
        let dimensions = (0..<rank).map { Int(word(4 + 4 * $0)) }
        if let bad = dimensions.firstIndex(of: 0) {
            throw DataError.invalidDimensions(path: path, dimensions: dimensions,
                                              reason: "dimension \(bad) is 0; every dimension must be at least 1")
        }
        var payload = 1
        for dimension in dimensions {
            let (product, overflow) = payload.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumPayloadBytes else {
                throw DataError.invalidDimensions(path: path, dimensions: dimensions, reason:
                    "they hold more than \(maximumPayloadBytes) bytes (IDXReader.maximumPayloadBytes)")
            }
            payload = product
        }
        return (dimensions, headerSize, payload)
    }

    /// `bytes` (a gzip stream) inflated no further than the size its IDX header promises (or, until the header
    /// has been inflated, than the largest possible IDX file).
    private static func inflate(_ bytes: Data, path: String, expectedMagic: UInt32) throws -> Data {
        var promised: Int?
        do {
            return try Gzip.decompress(bytes) { output in
                if promised == nil, let header = try header(of: output, path: path, expectedMagic: expectedMagic) {
                    promised = header.size + header.payload
                }
                return promised ?? (4 + 4 * 255 + maximumPayloadBytes)
            }
        } catch let failure as Gzip.Failure {
            switch failure {
            case .corrupt: throw DataError.corruptCompression(path: path)
            case let .exceedsLimit(limit):
                if promised != nil { throw DataError.excessData(path: path, expectedBytes: limit, actualBytes: nil) }
                throw DataError.tooLarge(path: path, bytes: nil, limit: limit)
            }
        }
    }
}
