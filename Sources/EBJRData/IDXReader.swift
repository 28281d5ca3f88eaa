import Foundation

/// Reader of the IDX format used by MNIST and Fashion-MNIST: a big-endian header
/// (magic `0x0000 08 NN` where `08` = unsigned byte and `NN` = number of dimensions, then one `UInt32` per
/// dimension) followed by the raw values. Files may be gzip-compressed (`.gz`).
public enum IDXReader {
    /// Magic number of a 3-D unsigned-byte array (images `[N, rows, cols]`).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of a 1-D unsigned-byte array (labels `[N]`).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an IDX file and checks its magic number; returns the dimensions and the raw bytes.
    public static func read(path: String, expectedMagic: UInt32) throws -> (dimensions: [Int], values: Data) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "install Debian's dataset-fashion-mnist or set the data directory")
        }
        guard var bytes = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        if bytes.count >= 2 && bytes[bytes.startIndex] == 0x1f && bytes[bytes.startIndex + 1] == 0x8b {
            guard let inflated = Gzip.decompress(bytes) else { throw DataError.corruptCompression(path: path) }
            bytes = inflated
        }
        guard bytes.count >= 4 else { throw DataError.truncated(path: path, expectedBytes: 4, actualBytes: bytes.count) }
        func word(_ offset: Int) -> UInt32 {
            bytes.withUnsafeBytes { raw in
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            }
        }
        let magic = word(0)
        guard magic == expectedMagic else { throw DataError.badMagic(path: path, expected: expectedMagic, found: magic) }
        let rank = Int(magic & 0xff)
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        let dimensions = (0..<rank).map { Int(word(4 + 4 * $0)) }
        let expected = headerSize + dimensions.reduce(1, *)
        guard bytes.count >= expected else {
            throw DataError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        return (dimensions, bytes.subdata(in: headerSize..<expected))
    }
}
