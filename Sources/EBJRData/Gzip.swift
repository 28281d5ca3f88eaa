import CZlib
import Foundation

/// Decompression of gzip (`.gz`) files through zlib, bounded so that a small file cannot inflate into gigabytes.
enum Gzip {
    /// Why decompression stopped without a result.
    enum Failure: Error, Equatable {
        /// The stream is corrupt or truncated.
        case corrupt
        /// The output grew past `limit` bytes (the last bound `limit(_:)` returned); decompression stopped there.
        case exceedsLimit(limit: Int)
    }

    /// Size of the pieces the output is inflated in; the output never exceeds the current limit by more than this.
    static let chunkSize = 1 << 20

    /// The decompressed bytes of `data` (a gzip or zlib stream).
    ///
    /// After every piece of at most `chunkSize` bytes, `limit(outputSoFar)` gives the largest total the output may
    /// reach (it may throw to stop early, e.g. once a header in the first bytes proves the data unusable); as soon as
    /// the output is larger, decompression stops with `.exceedsLimit` — nothing like the full inflated size is ever
    /// allocated.
    static func decompress(_ data: Data, limit: (Data) throws -> Int) throws -> Data {
        if data.isEmpty { throw Failure.corrupt }
        var stream = z_stream()
        // 15 + 32: accept gzip or zlib headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
            stream.avail_in = uInt(input.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(buffer.baseAddress!, count: chunkSize - Int(stream.avail_out))
                }
                let bound = try limit(output)
                if output.count > bound { throw Failure.exceedsLimit(limit: bound) }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw Failure.corrupt }
        return output
    }
}
