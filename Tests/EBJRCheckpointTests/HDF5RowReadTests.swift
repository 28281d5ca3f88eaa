import Testing
import Foundation
import EBJRHDF5
import _EBJRTestSupport

/// `HDF5Dataset.readRows(runs:into:)`: several row ranges in one selection, checked against what NumPy wrote.
@Suite struct HDF5RowReadTests {
    @Test func runsOfRowsInOneSelection() throws {
        let dir = try TestSupport.temporaryDirectory("h5rows")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestSupport.runPython(script: """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1] + '/rows.h5', 'w') as f:
                f.create_dataset('plain', data=np.arange(10 * 6, dtype=np.float32).reshape(10, 2, 3))
                f.create_dataset('chunked', data=np.arange(10 * 6, dtype=np.float32).reshape(10, 2, 3), chunks=(3, 2, 3),
                                 compression='gzip')
            """, arguments: [dir.path], in: dir)
        let file = try HDF5File.open(dir.appendingPathComponent("rows.h5"))
        defer { try? file.close() }
        for name in ["plain", "chunked"] {
            let dataset = try file.dataset(name)
            var buffer = [Float](repeating: 0, count: 4 * 6)
            try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(runs: [1..<2, 5..<6, 7..<9], into: $0) }
            // Row r holds 6r ..< 6r + 6.
            let rows: [Int] = [1, 5, 7, 8]
            var expected: [Float] = []
            for r in rows { for i in 0..<6 { expected.append(Float(6 * r + i)) } }
            #expect(buffer == expected, "\(name)")
            // Runs out of order, overlapping, empty, past the end, or a buffer of the wrong size: refused.
            let refused: [[Range<Int>]] = [[2..<4, 1..<3], [1..<3, 2..<4], [1..<1, 2..<5], [8..<12]]
            for runs in refused {
                #expect(throws: HDF5Error.self) { try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(runs: runs, into: $0) } }
            }
            #expect(throws: HDF5Error.self) { try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(runs: [0..<3], into: $0) } }
        }
    }
}
