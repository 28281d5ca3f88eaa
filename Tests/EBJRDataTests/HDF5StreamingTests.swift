import Testing
import Foundation
import EBJRData
import _EBJRTestSupport

/// Lazy reading of HDF5 splits (`HDF5ImageSource.samples`): batches of scattered rows read through the bounded row
/// cache give exactly the values h5py wrote, whatever the cache size (none, a few rows, everything), for contiguous
/// and for chunked, compressed datasets; streamed checksums and statistics agree with independent computations.
@Suite("HDF5 streaming")
struct HDF5StreamingTests {
    /// Files written by h5py: `u8` (uint8 [1000, 2, 5, 5], contiguous), `chunked` (the same values stored in gzip'd
    /// chunks of 16 rows), `stats` (float32 [300, 3, 4, 4] random values, whose per-channel mean and population std
    /// NumPy writes to `stats.txt`).
    static let fixtures: Result<URL, Error> = Result {
        let dir = try TestSupport.temporaryDirectory("h5stream")
        try TestSupport.runPython(script: """
            import sys, h5py, numpy as np
            d = sys.argv[1]
            images = ((np.arange(1000 * 50) * 7) % 256).astype(np.uint8).reshape(1000, 2, 5, 5)
            labels = (np.arange(1000) % 3).astype(np.int64)
            for name, options in [('u8', {}), ('chunked', {'chunks': (16, 2, 5, 5), 'compression': 'gzip'})]:
                with h5py.File(f'{d}/{name}.h5', 'w') as f:
                    f.attrs['class_names'] = ['a', 'b', 'c']
                    for split in ['train', 'test']:
                        g = f.create_group(split)
                        g.create_dataset('images', data=images, **options)
                        g['labels'] = labels
            rng = np.random.default_rng(5)
            x = (rng.standard_normal((300, 3, 4, 4)) * np.array([1, 2, 3]).reshape(1, 3, 1, 1)
                 + np.array([0.5, -1, 4]).reshape(1, 3, 1, 1)).astype(np.float32)
            with h5py.File(f'{d}/stats.h5', 'w') as f:
                f.attrs['class_names'] = ['a', 'b']
                for split in ['train', 'validation', 'test']:
                    g = f.create_group(split)
                    g['images'], g['labels'] = x, np.zeros(300, np.int64)
            xd = x.astype(np.float64)
            with open(f'{d}/stats.txt', 'w') as out:
                out.write(' '.join(repr(float(v)) for v in list(xd.mean(axis=(0, 2, 3))) + list(xd.std(axis=(0, 2, 3)))))
            """, arguments: [dir.path], in: dir)
        return dir
    }

    static func file(_ name: String) throws -> String { try fixtures.get().appendingPathComponent(name).path }

    /// Row `r` of the `u8`/`chunked` images as features: `((r·50 + i)·7 mod 256) / 255`.
    static func row(_ r: Int) -> [Float] { (0..<50).map { i in Float(UInt8(((r * 50 + i) * 7) % 256)) / 255 } }

    /// Random batches (seeded; with repeats) from `samples`, compared with `expectedRow` of each index.
    static func checkBatches(_ samples: any LabelledSamples, batches: Int, expectedRow: (Int) -> [Float]) throws {
        var state: UInt64 = 11
        func next() -> Int {  // a 64-bit LCG (Knuth's MMIX constants), upper bits
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        for _ in 0..<batches {
            let indices = (0..<37).map { _ in next() % samples.count }
            let batch = try samples.batchTensor(indices)
            #expect(batch.shape == [indices.count] + samples.sampleShape)
            let expected = indices.flatMap(expectedRow)
            #expect(batch.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test(arguments: [0, 100 * 50, 1 << 20])
    func scatteredBatchesMatchWhateverTheCache(cacheBytes: Int) throws {
        let source = try HDF5ImageSource(path: try Self.file("u8.h5"), validationFraction: 0.2, cacheBytes: cacheBytes)
        let train = try source.samples(.train), validation = try source.samples(.validation)
        #expect(train.count == 800 && validation.count == 200)
        #expect(train.sampleShape == [2, 5, 5])
        let held = HDF5ImageSource.heldOutRows(trainCount: 1000, fraction: 0.2, seed: 0)
        let kept = (0..<1000).filter { !Set(held).contains($0) }
        try Self.checkBatches(train, batches: 30) { Self.row(kept[$0]) }
        try Self.checkBatches(validation, batches: 5) { Self.row(held[$0]) }
        // Views of views read the rows they name.
        let view = train.samples(at: [799, 3, 3, 500], name: "view").samples(at: [3, 0], name: "view2")
        #expect(view.labels == [kept[500] % 3, kept[799] % 3])
        #expect(try view.batchTensor(range: 0..<2).scalars == Self.row(kept[500]) + Self.row(kept[799]))
        let stats = try #require(train as? HDF5Samples).cacheStatistics
        // Train and validation share the group's one cache: 0 rows, 100 rows, or all 1,000 rows.
        #expect(stats.capacityRows == min(1000, cacheBytes / 50))
        #expect(stats.cachedRows <= stats.capacityRows)
        if cacheBytes >= 1000 * 50 { #expect(stats.hits > 0) }
        // The streamed checksum is FNV-1a of the features in order, as for an in-memory `Dataset`.
        var fnv: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64, written out here
        kept.flatMap(Self.row).withUnsafeBytes { for byte in $0 { fnv = (fnv ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 } }
        #expect(try train.featureChecksum() == fnv)
        #expect(try source.load(.train).checksum == fnv)
    }

    @Test func chunkedCompressedImagesAreReadByRows() throws {
        let source = try HDF5ImageSource(path: try Self.file("chunked.h5"), cacheBytes: 20 * 50)
        try Self.checkBatches(try source.samples(.test), batches: 20, expectedRow: Self.row)
    }

    @Test func streamedStatisticsMatchNumPy() throws {
        let source = try HDF5ImageSource(path: try Self.file("stats.h5"), cacheBytes: 0)
        let train = try source.samples(.train)
        let numpy = try String(contentsOfFile: try Self.file("stats.txt"), encoding: .utf8).split(separator: " ").compactMap { Double($0) }
        try #require(numpy.count == 6)
        // Read in blocks smaller than the split, to check that blocks add up.
        #expect(train.streamingBlockRows >= 1)
        let statistics = try InputNormalization.statistics(of: train)
        for c in 0..<3 {
            #expect(abs(Double(statistics.mean[c]) - numpy[c]) <= 1e-6 * max(1, abs(numpy[c])), "mean \(c)")
            #expect(abs(Double(statistics.std[c]) - numpy[3 + c]) <= 1e-6 * numpy[3 + c], "std \(c)")
        }
        // Applied per channel: (x − mean[c]) / std[c] on each value.
        let normalized = try NormalizedSamples(train, statistics)
        let raw = try train.batchTensor([7]).scalars, out = try normalized.batchTensor([7]).scalars
        for i in 0..<48 {
            let c = i / 16
            #expect(out[i] == (raw[i] - statistics.mean[c]) / statistics.std[c])
        }
        // Viewed flat after normalisation, the channels are kept.
        #expect(try normalized.viewed(as: [48]).batchTensor([7]).scalars == out)
        #expect(throws: DataError.self) { try NormalizedSamples(train, InputNormalization(mean: [0, 0], std: [1, 1])) }
    }
}
