import Testing
import Foundation
@testable import EBJRData

/// Writes an IDX file (optionally gzip-compressed with /bin/gzip) into a fresh temporary folder.
func writeIDX(magic: UInt32, dims: [UInt32], payload: [UInt8], name: String, gzip: Bool = false, truncateTo: Int? = nil) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-idx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var bytes = Data()
    for word in [magic] + dims { withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) } }
    bytes.append(contentsOf: payload)
    if let truncateTo { bytes = bytes.prefix(truncateTo) }
    let path = dir.appendingPathComponent(name).path
    try bytes.write(to: URL(fileURLWithPath: path))
    if gzip {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", path]
        try process.run(); process.waitUntilExit()
        return path + ".gz"
    }
    return path
}

@Test func readsPlainAndGzippedIDX() throws {
    let payload: [UInt8] = (0..<(2 * 3 * 4)).map { UInt8($0) }
    for gzip in [false, true] {
        let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [2, 3, 4], payload: payload, name: "img", gzip: gzip)
        let (dims, values) = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
        #expect(dims == [2, 3, 4])
        #expect(Array(values) == payload)
    }
}

@Test func wrongMagicNamesTheFile() throws {
    let path = try writeIDX(magic: IDXReader.labelsMagic, dims: [3], payload: [1, 2, 3], name: "labels")
    do {
        _ = try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
        Issue.record("expected an error")
    } catch let error as DataError {
        guard case .badMagic(let p, _, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(p == path)
        #expect(error.description.contains(path))
    }
}

@Test func truncatedPayloadIsReported() throws {
    let path = try writeIDX(magic: IDXReader.imagesMagic, dims: [10, 28, 28], payload: [UInt8](repeating: 7, count: 100), name: "short")
    #expect(throws: DataError.truncated(path: path, expectedBytes: 16 + 7840, actualBytes: 116)) {
        try IDXReader.read(path: path, expectedMagic: IDXReader.imagesMagic)
    }
}

@Test func corruptGzipIsReported() throws {
    let good = try writeIDX(magic: IDXReader.imagesMagic, dims: [4, 8, 8], payload: [UInt8](repeating: 3, count: 256), name: "g", gzip: true)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    bytes = bytes.prefix(bytes.count / 2)
    let bad = good + ".half.gz"
    try bytes.write(to: URL(fileURLWithPath: bad))
    #expect(throws: DataError.corruptCompression(path: bad)) { try IDXReader.read(path: bad, expectedMagic: IDXReader.imagesMagic) }
}

@Test func missingFileIsReported() {
    #expect(throws: DataError.self) { try IDXReader.read(path: "/nonexistent/x.gz", expectedMagic: IDXReader.imagesMagic) }
}

@Test func imageAndLabelCountsMustAgree() throws {
    let images = try writeIDX(magic: IDXReader.imagesMagic, dims: [3, 2, 2], payload: [UInt8](repeating: 0, count: 12), name: "i")
    let labels = try writeIDX(magic: IDXReader.labelsMagic, dims: [2], payload: [0, 1], name: "l")
    #expect(throws: DataError.countMismatch(images: images, imageCount: 3, labels: labels, labelCount: 2)) {
        try FashionMNIST.loadFiles(images: images, labels: labels, flatten: true, name: "t")
    }
}

@Test func pixelsAreScaledToUnitInterval() throws {
    let images = try writeIDX(magic: IDXReader.imagesMagic, dims: [1, 1, 2], payload: [0, 255], name: "i")
    let labels = try writeIDX(magic: IDXReader.labelsMagic, dims: [1], payload: [9], name: "l")
    let data = try FashionMNIST.loadFiles(images: images, labels: labels, flatten: false, name: "t")
    #expect(data.features == [0, 1])
    #expect(data.sampleShape == [1, 1, 2])
    #expect(data.labels == [9])
}

@Test func samplerIsSeededPerEpochAndCoversEverySample() {
    let sampler = BatchSampler(count: 103, batchSize: 10, seed: 5)
    let a = sampler.batches(epoch: 2), b = sampler.batches(epoch: 2), c = sampler.batches(epoch: 3)
    #expect(a == b)
    #expect(a != c)
    #expect(a.count == 11)
    #expect(a.flatMap { $0 }.sorted() == Array(0..<103))
}

@Test func classNamesResolve() throws {
    #expect(try FashionMNIST().classIndices(["sandal", "Sneaker", "ankle boot", "8"]) == [5, 7, 9, 8])
    #expect(throws: DataError.self) { try FashionMNIST().classIndices(["sandals"]) }
}

/// The real dataset, when the Debian package is installed (CI installs it).
@Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-labels-idx1-ubyte.gz")))
func fashionMNISTSplitsHaveTheDocumentedSizes() throws {
    let validation = try FashionMNIST.load(.validation, flatten: true)
    let test = try FashionMNIST.load(.test)
    #expect(validation.count == 10_000)
    #expect(test.count == 10_000)
    #expect(test.sampleShape == [1, 28, 28])
    #expect(Set(test.labels) == Set(0..<10))
}
