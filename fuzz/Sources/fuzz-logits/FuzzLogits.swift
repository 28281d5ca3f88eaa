// Fuzzes the logits readers: classification and teacher logits (`LogitsFile.read` and `validate`, what
// `ebjr distill` and `ebjr evaluate` read), and imported routing logits (`ImportedLogits.read`, classification and
// sequence `SequenceLogits`, then `evaluate` and `scoresCSV`, what `ebjr route-logits` runs).
import EBJRCheckpoint
import EBJRData
import EBJRHDF5
import EBJRLang
import EBJRNN
import EBJROptimizers
import EBJRRouting
import EBJRTensor
import EBJRWorkflow
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutableRawPointer?) -> Int32 {
    Fuzz.initialize(writingSeeds: LogitsSeeds.write)
    return 0
}

@_cdecl("fuzz_logits_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    Fuzz.main(argc, argv) { data, size in fuzzTestOneInput(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = Fuzz.file(data, size, name: "logits.h5")
    Fuzz.expectLocatedError(naming: url.path) {
        let teacher = try LogitsFile.read(from: url)
        try teacher.validate(expectedCount: teacher.count, expectedClasses: teacher.classCount,
                             split: teacher.split ?? "train", inputChecksum: 1)
    }
    Fuzz.expectLocatedError(naming: url.path) {
        let imported = try ImportedLogits.read(url.path)
        _ = try imported.scoresCSV()
        _ = try imported.evaluate()
    }
    Fuzz.expectNoOpenObjects(in: url)
    return 0
}

/// Small valid logits files: a teacher `LogitsFile` and imported classification and sequence routing logits.
enum LogitsSeeds {
    static func write(to folder: URL) throws {
        var generator = SeededGenerator(seed: 11)
        func normals(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -3...3, using: &generator) } }

        let teacher = LogitsFile(logits: Tensor(normals(12), shape: [4, 3]), split: "train", inputChecksum: 0x1234,
                                 classNames: ["a", "b", "c"])
        try teacher.write(to: folder.appendingPathComponent("teacher.h5"))
        try LogitsFile(logits: Tensor(normals(6), shape: [3, 2]), split: nil, inputChecksum: nil)
            .write(to: folder.appendingPathComponent("teacher-bare.h5"))

        let (n, k) = (24, 3)
        try HDF5File.writeAtomically(to: folder.appendingPathComponent("imported-classification.h5")) { file in
            try file.setAttribute("format", .string(ImportedLogits.formatName))
            try file.setAttribute("format_version", .int64(ImportedLogits.formatVersion))
            try file.setAttribute("kind", .string("classification"))
            try file.setAttribute("flops", .double(10))
            try file.setAttribute("deep_flops", .double(100))
            for split in ["validation", "test"] {
                let group = try file.createGroup(split)
                try group.createDataset("logits", shape: [n, k], values: normals(n * k))
                try group.createDataset("labels", shape: [n], values: (0..<n).map { Int64($0 % k) })
                try group.createDataset("deep_logits", shape: [n, k], values: normals(n * k))
            }
        }

        let (l, v) = (4, 5)
        try HDF5File.writeAtomically(to: folder.appendingPathComponent("imported-sequence.h5")) { file in
            try file.setAttribute("format", .string(ImportedLogits.formatName))
            try file.setAttribute("format_version", .int64(ImportedLogits.formatVersion))
            try file.setAttribute("kind", .string("sequence"))
            try file.setAttribute("end_token", .int64(2))
            for split in ["validation", "test"] {
                let group = try file.createGroup(split)
                try group.createDataset("logits", shape: [8, l, v], values: normals(8 * l * v))
                try group.createDataset("lengths", shape: [8], values: (0..<8).map { Int64(1 + $0 % l) })
                try group.createDataset("tokens", shape: [8, l], values: (0..<(8 * l)).map { Int64($0 % v) })
                try group.createDataset("references", shape: [8, 2], values: (0..<16).map { Int64($0 % 3 == 0 ? -1 : $0 % v) })
                try group.createDataset("deep_tokens", shape: [8, 2], values: (0..<16).map { Int64($0 % v) })
                try group.createDataset("deep_correct", shape: [8], values: (0..<8).map { Int64($0 % 2) })
            }
        }
        let sequence = ImportedSequenceSplit(
            logits: SequenceLogits(logits: normals(3 * l * v), shape: [3, l, v], lengths: [4, 2, 0]),
            references: [[1, 2], [3], []], deepCorrect: [true, false, true])
        try sequence.writeFile(to: folder.appendingPathComponent("imported-sequence-test.h5").path, endToken: 4, flops: 1,
                               deepFLOPs: 8)
    }
}
