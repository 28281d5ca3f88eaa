import _EBJRTestSupport
import EBJRFiles
import EBJRCheckpoint
import EBJRHDF5
import EBJRTensor
import Foundation
import Testing

@Suite struct LogitsFileTests {
    @Test func fnv1aMatchesReferenceValues() {
        #expect(FNV1a64.hash([UInt8]()) == 0xCBF2_9CE4_8422_2325)
        #expect(FNV1a64.hash(Array("a".utf8)) == 0xAF63_DC4C_8601_EC8C)
        #expect(FNV1a64.hash(Array("foobar".utf8)) == 0x8594_4171_F739_67E8)
        var pieces = FNV1a64()
        pieces.update(Array("foo".utf8))
        pieces.update(Data("bar".utf8))
        #expect(pieces.value == FNV1a64.hash(Array("foobar".utf8)))
        #expect(FNV1a64.format(0xAF63_DC4C_8601_EC8C) == "fnv1a64:af63dc4c8601ec8c")
        #expect(FNV1a64.format(1) == "fnv1a64:0000000000000001")
        #expect(FNV1a64.parse(FNV1a64.format(12345)) == 12345)
        #expect(FNV1a64.parse("crc32:1234") == nil)
    }

    @Test func logitsRoundTripAndValidate() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("teacher-train.h5")
        var generator = RandomGenerator(seed: 4)
        let logits = Tensor.normal([1000, 10], generator: &generator)
        let inputs = [UInt8](repeating: 7, count: 1000 * 784)
        let checksum = FNV1a64.hash(inputs)
        let names = (0..<10).map { "class \($0)" }
        try LogitsFile(logits: logits, split: "train", inputChecksum: checksum, classNames: names).write(to: url)

        let read = try LogitsFile.read(from: url)
        #expect(read.logits.shape == [1000, 10] && bits(read.logits) == bits(logits))
        #expect(read.split == "train" && read.inputChecksum == checksum && read.classNames == names)
        #expect(read.count == 1000 && read.classCount == 10 && read.source == url)
        try read.validate(expectedCount: 1000, expectedClasses: 10, split: "train", inputChecksum: checksum)

        #expect(throws: CheckpointError.invalidLogits(file: url.path,
                                                      detail: "logits have 1000 rows but split 'train' has 50000 samples")) {
            try read.validate(expectedCount: 50000, expectedClasses: 10, split: "train")
        }
        #expect(CheckpointError.invalidLogits(file: url.path, detail: "logits have 1000 rows but split 'train' has 50000 samples")
            .description == "\(url.path): logits have 1000 rows but split 'train' has 50000 samples")
        #expect(throws: CheckpointError.self) { try read.validate(expectedCount: 1000, expectedClasses: 11, split: "train") }
        #expect(throws: CheckpointError.self) { try read.validate(expectedCount: 1000, expectedClasses: 10, split: "test") }
        #expect(throws: CheckpointError.self) {
            try read.validate(expectedCount: 1000, expectedClasses: 10, split: "train", inputChecksum: checksum &+ 1)
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func blackBoxLogitsNeedOnlyTheDataset() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("black-box.h5")
        try HDF5File.writeAtomically(to: url) { file in
            try file.createDataset("logits", shape: [3, 2], values: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))
        }
        let read = try LogitsFile.read(from: url)
        #expect(read.split == nil && read.inputChecksum == nil && read.classNames.isEmpty)
        try read.validate(expectedCount: 3, expectedClasses: 2, split: "test", inputChecksum: 42)
    }

    @Test func malformedLogitsAreRejected() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("bad.h5")
        try HDF5File.writeAtomically(to: url) { try $0.createDataset("scores", shape: [3], values: [Float](arrayLiteral: 1, 2, 3)) }
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/logits")) { try LogitsFile.read(from: url) }
        #expect(throws: CheckpointError.invalidLogits(file: url.path, detail: "'scores' has shape [3], expected [N, K]")) {
            try LogitsFile.read(from: url, dataset: "scores")
        }
        try HDF5File.writeAtomically(to: url) { try $0.createDataset("logits", shape: [1, 2], values: [1.0, 2.0]) }
        #expect(throws: CheckpointError.invalidLogits(file: url.path, detail: "'logits' holds float64, expected float32")) {
            try LogitsFile.read(from: url)
        }
        try HDF5File.writeAtomically(to: url) { file in
            try file.createDataset("logits", shape: [1, 2], values: [Float](arrayLiteral: 1, 2))
            try file.setAttribute("count", .int64(5))
        }
        #expect(throws: CheckpointError.self) { try LogitsFile.read(from: url) }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }
}
