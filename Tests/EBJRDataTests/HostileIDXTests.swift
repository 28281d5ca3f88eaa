import Testing
import Foundation
@testable import EBJRData

/// IDX files whose header lies: every one is a `DataError` naming the file, never a trap on overflow, an
/// allocation of the claimed size, or a gzip stream inflated to the end.
@Suite("Hostile IDX files")
struct HostileIDXTests {
    /// `body` must throw a `DataError` equal to `expected`, whose description is one line naming `path`.
    func expect(_ expected: DataError, _ path: String, sourceLocation: SourceLocation = #_sourceLocation,
                _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(expected)", sourceLocation: sourceLocation)
        } catch let error as DataError {
            #expect(error == expected, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(path + ":") && !error.description.contains("\n"), "\(error)",
                    sourceLocation: sourceLocation)
        } catch { Issue.record("unexpected \(error)", sourceLocation: sourceLocation) }
    }

    @Test func dimensionsOfAllOnesOverflowWithoutTrapping() throws {
        let max = UInt32.max
        for gzip in [false, true] {
            let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [max, max, max], payload: [1, 2, 3], name: "ones", gzip: gzip)
            expect(.invalidDimensions(path: path, dimensions: [Int(max), Int(max), Int(max)], reason:
                    "they hold more than \(IDXReader.maximumPayloadBytes) bytes (IDXReader.maximumPayloadBytes)"), path) {
                _ = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
            }
        }
        // Below Int overflow but far beyond the limit: refused from the header alone.
        let labels = try writeIDX(magic: IDXReader.labelsMagic, dims: [max], payload: [1], name: "labels")
        expect(.invalidDimensions(path: labels, dimensions: [Int(max)], reason:
                "they hold more than \(IDXReader.maximumPayloadBytes) bytes (IDXReader.maximumPayloadBytes)"), labels) {
            _ = try IDXReader.read(path: labels, expectedMagic: IDXReader.labelsMagic)
        }
    }

    @Test func zeroDimensionsAreRefused() throws {
        let empty = try writeIDX(magic: IDXReader.imagesMagic, dims: [5, 0, 0], payload: [], name: "zero")
        expect(.invalidDimensions(path: empty, dimensions: [5, 0, 0], reason: "dimension 1 is 0; every dimension must be at least 1"),
               empty) { _ = try IDXReader.read(path: empty, expectedMagic: IDXReader.imagesMagic) }
        let none = try writeIDX(magic: IDXReader.labelsMagic, dims: [0], payload: [], name: "none", gzip: true)
        expect(.invalidDimensions(path: none, dimensions: [0], reason: "dimension 0 is 0; every dimension must be at least 1"),
               none) { _ = try IDXReader.read(path: none, expectedMagic: IDXReader.labelsMagic) }
    }

    @Test func payloadMustMatchTheHeaderExactly() throws {
        let long = try writeIDX(magic: IDXReader.imagesMagic, dims: [2, 2, 2], payload: [UInt8](repeating: 1, count: 20), name: "long")
        expect(.excessData(path: long, expectedBytes: 16 + 8, actualBytes: 16 + 20), long) {
            _ = try IDXReader.read(path: long, expectedMagic: IDXReader.imagesMagic)
        }
        let header = try writeIDX(magic: IDXReader.imagesMagic, dims: [2, 2, 2], payload: [], name: "cut", truncateTo: 9)
        expect(.truncated(path: header, expectedBytes: 16, actualBytes: 9), header) {
            _ = try IDXReader.read(path: header, expectedMagic: IDXReader.imagesMagic)
        }
    }

    /// A gzip stream that inflates far past what its header promises (64 MiB of zeros after a header promising
    /// 7,840 bytes) stops after one piece of output, not at the end of the stream.
    @Test func gzipBombStopsAtThePromisedSize() throws {
        let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [10, 28, 28],
                                payload: [UInt8](repeating: 0, count: 64 << 20), name: "bomb", gzip: true)
        let compressed = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(compressed.count < 1 << 20)
        expect(.excessData(path: path, expectedBytes: 16 + 7840, actualBytes: nil), path) {
            _ = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
        }
        // The bound is enforced while inflating: the output handed to the limit never grows past one piece beyond it.
        var largest = 0
        #expect(throws: Gzip.Failure.exceedsLimit(limit: 7856)) {
            _ = try Gzip.decompress(compressed) { output in largest = max(largest, output.count); return 7856 }
        }
        #expect(largest <= Gzip.chunkSize)
    }

    /// A header promising more than the limit is refused as soon as the header has been inflated.
    @Test func gzipWithHugeHeaderIsRefusedFromTheHeader() throws {
        let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [60_000, 28_000, 28], payload: [UInt8](repeating: 0, count: 1000),
                                name: "huge", gzip: true)
        expect(.invalidDimensions(path: path, dimensions: [60_000, 28_000, 28], reason:
                "they hold more than \(IDXReader.maximumPayloadBytes) bytes (IDXReader.maximumPayloadBytes)"), path) {
            _ = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
        }
    }

    @Test func validFilesStillRead() throws {
        let payload: [UInt8] = (0..<(3 * 2 * 2)).map { UInt8($0) }
        for gzip in [false, true] {
            let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [3, 2, 2], payload: payload, name: "ok", gzip: gzip)
            let (dims, values) = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
            #expect(dims == [3, 2, 2] && Array(values) == payload)
        }
    }
}
