// Fuzzes the IDX reader (`IDXReader.read`, what the Fashion-MNIST source reads): the header's dimensions, the
// payload size, and gzip inflation bounded by the size the header promises. The input is read both as images
// (rank 3) and as labels (rank 1); a gzip input (magic 1f 8b) is inflated first.
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
    Fuzz.initialize(writingSeeds: IDXSeeds.write)
    return 0
}

@_cdecl("fuzz_idx_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    Fuzz.main(argc, argv) { data, size in fuzzTestOneInput(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = Fuzz.file(data, size, name: "input-idx-ubyte")
    for magic in [IDXReader.imagesMagic, IDXReader.labelsMagic] {
        Fuzz.expectLocatedError(naming: url.path) {
            let (dimensions, values) = try IDXReader.read(path: url.path, expectedMagic: magic)
            let count = dimensions.reduce(1, *)
            if values.count != count { Fuzz.fail("\(dimensions) read with \(values.count) values") }
        }
    }
    return 0
}

/// Small valid IDX files (images `[3, 2, 2]`, labels `[3]`); `scripts/fuzz.sh` adds gzip copies.
enum IDXSeeds {
    static func write(to folder: URL) throws {
        func idx(_ magic: UInt32, _ dims: [UInt32], _ payload: [UInt8]) -> Data {
            var bytes: [UInt8] = []
            for word in [magic] + dims { bytes += withUnsafeBytes(of: word.bigEndian) { Array($0) } }
            return Data(bytes + payload)
        }
        try idx(IDXReader.imagesMagic, [3, 2, 2], Array(0..<12)).write(to: folder.appendingPathComponent("images-idx3-ubyte"))
        try idx(IDXReader.labelsMagic, [3], [0, 1, 2]).write(to: folder.appendingPathComponent("labels-idx1-ubyte"))
        try idx(IDXReader.imagesMagic, [2, 28, 28], (0..<1568).map { UInt8($0 % 251) })
            .write(to: folder.appendingPathComponent("images-28x28-idx3-ubyte"))
    }
}
