import Testing
import Foundation
import EBJRData
import _EBJRTestSupport

/// `HDF5ImageSource` on small files written by h5py: every rank and dtype read correctly, every layout problem a
/// one-line error naming the file and the object; and a copy of Fashion-MNIST loads bit-identical to the IDX path.
@Suite("HDF5 data source")
struct HDF5SourceTests {
    /// The fixture files, written once by one h5py script.
    static let fixtures: Result<URL, Error> = Result {
        let dir = try TestSupport.temporaryDirectory("h5data")
        try TestSupport.runPython(script: """
            import sys, h5py, numpy as np
            d = sys.argv[1]
            def pixels(shape, dtype):
                n = int(np.prod(shape))
                if dtype == np.uint8:
                    return ((np.arange(n) * 7) % 256).astype(np.uint8).reshape(shape)
                return (np.arange(n, dtype=np.float32) * np.float32(0.25) - np.float32(3)).reshape(shape)
            def write(name, splits, classes=('a', 'b', 'c'), attrs={}):
                with h5py.File(f'{d}/{name}.h5', 'w') as f:
                    if classes is not None:
                        f.attrs['class_names'] = list(classes)
                    for k, v in attrs.items():
                        f.attrs[k] = v
                    for split, items in splits.items():
                        g = f.create_group(split)
                        for key, value in items.items():
                            g[key] = value
            def ok(shape, dtype, label_dtype='<i8'):
                return {'images': pixels(shape, dtype), 'labels': (np.arange(shape[0]) % 3).astype(label_dtype)}
            # Successful reads: every rank and dtype.
            write('u8_hw', {'train': ok((10, 4, 5), np.uint8), 'test': ok((3, 4, 5), np.uint8)})
            write('f32_chw', {'train': ok((6, 2, 3, 3), np.float32, 'u1'), 'validation': ok((2, 2, 3, 3), np.float32, 'u1'),
                              'test': ok((2, 2, 3, 3), np.float32, 'u1')}, attrs={'mean': [0.5, 1.0], 'std': [2.0, 4.0]})
            write('u8_d', {'train': ok((9000, 3), np.uint8, '<i4'), 'validation': ok((5, 3), np.uint8, '<i4'),
                           'test': ok((4, 3), np.uint8, '<i4')}, attrs={'mean': 0.5, 'std': 0.25})
            write('f32_d', {'train': ok((5, 7), np.float32), 'validation': ok((2, 7), np.float32), 'test': ok((2, 7), np.float32)})
            # Errors.
            write('no_test', {'train': ok((4, 2), np.uint8)})
            write('no_labels', {'train': {'images': pixels((4, 2), np.uint8)}, 'test': ok((2, 2), np.uint8)})
            write('no_images', {'train': ok((4, 2), np.uint8), 'test': {'labels': np.zeros(2, np.int64)}})
            write('no_class_names', {'train': ok((4, 2), np.uint8), 'test': ok((2, 2), np.uint8)}, classes=None)
            write('count', {'train': {'images': pixels((10, 2), np.uint8), 'labels': np.zeros(9, np.int64)}, 'test': ok((2, 2), np.uint8)})
            bad = np.zeros(6, np.int64); bad[4] = 3
            write('label_high', {'train': {'images': pixels((6, 2), np.uint8), 'labels': bad}, 'test': ok((2, 2), np.uint8)})
            neg = np.zeros(6, np.int8); neg[2] = -1
            write('label_negative', {'train': ok((6, 2), np.uint8), 'test': {'images': pixels((6, 2), np.uint8), 'labels': neg}})
            write('rank1', {'train': ok((4, 2), np.uint8), 'test': {'images': pixels((4,), np.uint8), 'labels': np.zeros(4, np.int64)}})
            write('rank5', {'train': {'images': pixels((2, 1, 1, 2, 2), np.uint8), 'labels': np.zeros(2, np.int64)}, 'test': ok((2, 2), np.uint8)})
            write('labels_rank2', {'train': {'images': pixels((2, 2), np.uint8), 'labels': np.zeros((2, 1), np.int64)}, 'test': ok((2, 2), np.uint8)})
            write('empty', {'train': ok((4, 2), np.uint8), 'test': {'images': np.zeros((0, 2), np.uint8), 'labels': np.zeros(0, np.int64)}})
            write('float64', {'train': {'images': np.zeros((2, 2), np.float64), 'labels': np.zeros(2, np.int64)}, 'test': ok((2, 2), np.uint8)})
            write('int16', {'train': {'images': np.zeros((2, 2), np.int16), 'labels': np.zeros(2, np.int64)}, 'test': ok((2, 2), np.uint8)})
            write('float_labels', {'train': {'images': pixels((2, 2), np.uint8), 'labels': np.zeros(2, np.float32)}, 'test': ok((2, 2), np.uint8)})
            write('mean_only', {'train': ok((4, 2), np.uint8), 'test': ok((2, 2), np.uint8)}, attrs={'mean': [0.5]})
            write('mean_channels', {'train': ok((4, 2, 2, 2), np.uint8), 'test': ok((2, 2, 2, 2), np.uint8)},
                  attrs={'mean': [0.1, 0.2, 0.3], 'std': [1.0, 1.0, 1.0]})
            with open(f'{d}/not_hdf5.h5', 'w') as f:
                f.write('plain text')
            """, arguments: [dir.path], in: dir)
        return dir
    }

    static func file(_ name: String) throws -> String { try fixtures.get().appendingPathComponent("\(name).h5").path }

    /// What the fixture script writes: uint8 `(i·7) mod 256`, float32 `0.25·i − 3`.
    static func pixels(_ count: Int, uint8: Bool) -> [Float] {
        (0..<count).map { i in uint8 ? Float(UInt8((i * 7) % 256)) / 255 : Float(i) * 0.25 - 3 }
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    /// The error `body` throws, as its one-line description.
    static func message(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return "\(error)" }
    }

    // MARK: Successful reads

    @Test func uint8ImagesOfRank3WithASeededValidationSplitOfTrain() throws {
        let path = try Self.file("u8_hw")
        let source = try HDF5ImageSource(path: path, validationFraction: 0.2)
        #expect(source.classNames == ["a", "b", "c"])
        #expect(!source.hasValidationGroup)
        let all = Self.pixels(10 * 20, uint8: true)
        let train = try source.load(.train), validation = try source.load(.validation), test = try source.load(.test)
        #expect(train.sampleShape == [1, 4, 5])
        #expect(train.count == 8 && validation.count == 2 && test.count == 3)
        let held = HDF5ImageSource.heldOutRows(trainCount: 10, fraction: 0.2, seed: 0)
        let kept = (0..<10).filter { !held.contains($0) }
        #expect(Self.bits(train.features) == Self.bits(kept.flatMap { all[($0 * 20)..<($0 * 20 + 20)] }))
        #expect(Self.bits(validation.features) == Self.bits(held.flatMap { all[($0 * 20)..<($0 * 20 + 20)] }))
        #expect(train.labels == kept.map { $0 % 3 })
        #expect(validation.labels == held.map { $0 % 3 })
        #expect(Self.bits(test.features) == Self.bits(Self.pixels(60, uint8: true)))
        #expect(try source.classIndices(["B", "2"]) == [1, 2])
        // The default fraction 0.1 holds out round(10 · 0.1) = 1 sample.
        #expect(try HDF5ImageSource(path: path).load(.validation).count == 1)
    }

    @Test func heldOutRowsAreASeededSampleNotTheEndOfTrain() throws {
        let rows = HDF5ImageSource.heldOutRows(trainCount: 1000, fraction: 0.1, seed: 0)
        #expect(rows.count == 100 && rows == rows.sorted() && Set(rows).count == 100)
        #expect(rows.allSatisfy { (0..<1000).contains($0) })
        #expect(rows == HDF5ImageSource.heldOutRows(trainCount: 1000, fraction: 0.1, seed: 0))
        #expect(rows != HDF5ImageSource.heldOutRows(trainCount: 1000, fraction: 0.1, seed: 1))
        // Spread over the file: a file sorted by class (10 blocks of 100) gets every class in validation.
        #expect(Set(rows.map { $0 / 100 }).count == 10)
        #expect(rows != Array(900..<1000))
        // Sizes at the edges: at least 1, at most N − 1.
        #expect(HDF5ImageSource.heldOutRows(trainCount: 2, fraction: 0.01, seed: 3).count == 1)
        #expect(HDF5ImageSource.heldOutRows(trainCount: 2, fraction: 0.99, seed: 3).count == 1)
    }

    @Test func float32ImagesOfRank4AreNormalizedPerChannel() throws {
        let source = try HDF5ImageSource(path: try Self.file("f32_chw"))
        #expect(source.hasValidationGroup)
        #expect(source.normalization == .init(mean: [0.5, 1.0], std: [2.0, 4.0]))
        let train = try source.load(.train)
        #expect(train.sampleShape == [2, 3, 3])
        #expect(train.count == 6)
        let raw = Self.pixels(6 * 18, uint8: false)
        let expected = raw.indices.map { i in (i % 18) < 9 ? (raw[i] - 0.5) / 2 : (raw[i] - 1) / 4 }
        #expect(Self.bits(train.features) == Self.bits(expected))
        #expect(train.labels == [0, 1, 2, 0, 1, 2])  // stored as uint8
        #expect(try source.load(.validation).count == 2)
    }

    @Test func uint8VectorsAcrossSeveralBlocksWithOneMeanAndStd() throws {
        let source = try HDF5ImageSource(path: try Self.file("u8_d"))
        let train = try source.load(.train)
        let blockRows = try source.samples(.train).streamingBlockRows
        #expect(train.count == 9000 && 9000 > 2 * blockRows)
        #expect(train.sampleShape == [3])
        let expected = Self.pixels(9000 * 3, uint8: true).map { ($0 - 0.5) / 0.25 }
        #expect(Self.bits(train.features) == Self.bits(expected))
        #expect(train.labels == (0..<9000).map { $0 % 3 })  // stored as int32
    }

    @Test func float32Vectors() throws {
        let source = try HDF5ImageSource(path: try Self.file("f32_d"))
        let test = try source.load(.test)
        #expect(test.sampleShape == [7])
        #expect(Self.bits(test.features) == Self.bits(Self.pixels(14, uint8: false)))
        #expect(try source.load(.train).reshaped(sampleShape: [7]).count == 5)
    }

    // MARK: Errors: one line, naming the file and the object

    @Test func missingOrForeignFile() throws {
        let missing = try Self.fixtures.get().appendingPathComponent("nowhere.h5").path
        #expect(Self.message { try HDF5ImageSource(path: missing) } == "\(missing): no such file")
        let text = try Self.file("not_hdf5")
        #expect(Self.message { try HDF5ImageSource(path: text) } == "\(text): not an HDF5 file")
    }

    @Test func missingGroupDatasetOrClassNames() throws {
        let noTest = try Self.file("no_test")
        #expect(Self.message { try HDF5ImageSource(path: noTest) } == "\(noTest): object '/test' not found")
        let noLabels = try Self.file("no_labels")
        #expect(Self.message { try HDF5ImageSource(path: noLabels).load(.train) } == "\(noLabels): object '/train/labels' not found")
        let noImages = try Self.file("no_images")
        #expect(Self.message { try HDF5ImageSource(path: noImages).load(.test) } == "\(noImages): object '/test/images' not found")
        let noNames = try Self.file("no_class_names")
        #expect(Self.message { try HDF5ImageSource(path: noNames) } == "\(noNames): object '/' has no attribute 'class_names'")
    }

    @Test func countsThatDisagree() throws {
        let path = try Self.file("count")
        #expect(Self.message { try HDF5ImageSource(path: path).load(.train) }
                == "\(path):/train/images has 10 images but \(path):/train/labels has 9 labels")
        // Checked before the validation split is taken from train.
        #expect(Self.message { try HDF5ImageSource(path: path).load(.validation) }?.contains("has 9 labels") == true)
    }

    @Test func labelsOutsideTheClasses() throws {
        let high = try Self.file("label_high")
        #expect(Self.message { try HDF5ImageSource(path: high).load(.train) } == "\(high):/train/labels: label 3 at index 4 is outside 0..<3")
        // The whole group is checked, whichever part of it a split takes: validation held out of train fails too.
        #expect(Self.message { try HDF5ImageSource(path: high).load(.validation) } == "\(high):/train/labels: label 3 at index 4 is outside 0..<3")
        let negative = try Self.file("label_negative")
        #expect(Self.message { try HDF5ImageSource(path: negative).load(.test) } == "\(negative):/test/labels: label -1 at index 2 is outside 0..<3")
    }

    @Test func wrongRanks() throws {
        let rank1 = try Self.file("rank1")
        #expect(Self.message { try HDF5ImageSource(path: rank1).load(.test) }
                == "\(rank1): '/test/images' has rank 1 (shape [4]), expected [N, D], [N, H, W] or [N, C, H, W]")
        let rank5 = try Self.file("rank5")
        #expect(Self.message { try HDF5ImageSource(path: rank5).load(.train) }
                == "\(rank5): '/train/images' has rank 5 (shape [2, 1, 1, 2, 2]), expected [N, D], [N, H, W] or [N, C, H, W]")
        let labels = try Self.file("labels_rank2")
        #expect(Self.message { try HDF5ImageSource(path: labels).load(.train) }
                == "\(labels): '/train/labels' has rank 2 (shape [2, 1]), expected [N]")
    }

    @Test func emptySplit() throws {
        let empty = try Self.file("empty")
        #expect(Self.message { try HDF5ImageSource(path: empty).load(.test) } == "\(empty): '/test/images' has no samples (shape [0, 2])")
    }

    @Test func unsupportedTypes() throws {
        let float64 = try Self.file("float64")
        #expect(Self.message { try HDF5ImageSource(path: float64).load(.train) }
                == "\(float64): '/train/images' holds float64, expected uint8 or float32")
        let int16 = try Self.file("int16")
        #expect(Self.message { try HDF5ImageSource(path: int16).load(.train) }
                == "\(int16): '/train/images' holds int16, expected uint8 or float32")
        let floatLabels = try Self.file("float_labels")
        #expect(Self.message { try HDF5ImageSource(path: floatLabels).load(.train) }
                == "\(floatLabels): '/train/labels' holds float32, expected an integer type")
    }

    @Test func normalizationThatDoesNotFit() throws {
        let meanOnly = try Self.file("mean_only")
        #expect(Self.message { try HDF5ImageSource(path: meanOnly) } == "\(meanOnly): '/@mean' is given without std (give both or neither)")
        let channels = try Self.file("mean_channels")
        #expect(Self.message { try HDF5ImageSource(path: channels).load(.train) }
                == "\(channels): '/@mean' has 3 values but /train/images has 2 channel(s) (give 1 or 2)")
        #expect(Self.message { try HDF5ImageSource(path: channels, validationFraction: 1) }?.contains("must be in (0, 1)") == true)
    }

    // MARK: The same data as the IDX path

    /// A 2,000/1,000/1,000 slice of Fashion-MNIST written to HDF5 (uint8 bytes, and the float32 features) loads
    /// exactly as `FashionMNIST.load` gives it: features bit for bit, labels, sample shape.
    @Test func fashionMNISTCopyIsBitIdenticalToTheIDXPath() throws {
        guard TestSupport.hasFashionMNIST else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("fmnist-h5")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counts: [DataSplit: Int] = [.train: 2000, .validation: 1000, .test: 1000]
        let idx = try Dictionary(uniqueKeysWithValues: counts.map { split, n in (split, try FashionMNIST.load(split).subset(Array(0..<n))) })
        for float32 in [false, true] {
            let file = dir.appendingPathComponent(float32 ? "f32.h5" : "u8.h5")
            try TestSupport.writeFashionMNISTHDF5(to: file, train: 2000, validation: 1000, test: 1000, float32: float32)
            let source = try HDF5ImageSource(path: file.path)
            #expect(source.classNames == FashionMNIST.classNames)
            for split in DataSplit.allCases {
                let h5 = try source.load(split), reference = idx[split]!
                #expect(h5.sampleShape == reference.sampleShape)
                #expect(h5.labels == reference.labels)
                #expect(h5.features.count == reference.features.count)
                #expect(h5.features.elementsEqual(reference.features) { $0.bitPattern == $1.bitPattern }, "\(split), float32 \(float32)")
                #expect(h5.checksum == reference.checksum)
            }
        }
    }
}
