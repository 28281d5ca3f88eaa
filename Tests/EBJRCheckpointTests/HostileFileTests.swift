import EBJRCheckpoint
import EBJRHDF5
import Foundation
import Testing
import _EBJRTestSupport

/// Files that lie about their sizes or hold unusable values: every read gives one located error (a one-line
/// description naming the file and the object), never a trap, an allocation abort, a crash or a hang.
@Suite("Hostile HDF5 files")
struct HostileFileTests {
    /// Writes the hostile files with h5py into `dir` (see the script for what each holds).
    static func makeFiles(in dir: URL) throws {
        let script = #"""
        import h5py, numpy as np, sys
        d = sys.argv[1]
        # A logits file whose dataset claims [2^40, 10] float32 (44 TB) with no storage allocated.
        with h5py.File(d + "/huge.h5", "w") as f:
            f.attrs["format"] = "ebjr-logits"; f.attrs["format_version"] = 1
            f.create_dataset("logits", shape=(2**40, 10), dtype="f4")
        # A chunked dataset claiming [2^62, 4] float32: 2^64 elements, more than Int can count.
        with h5py.File(d + "/overflow.h5", "w") as f:
            f.create_dataset("weights", shape=(2**62, 4), dtype="f4", chunks=(1, 4))
        # The same claim inside a logits file.
        with h5py.File(d + "/overflow-logits.h5", "w") as f:
            f.attrs["format"] = "ebjr-logits"; f.attrs["format_version"] = 1
            f.create_dataset("logits", shape=(2**62, 4), dtype="f4", chunks=(1, 4))
        # A chunked dataset of 16 GiB (above the default EBJR_MAX_DATASET_BYTES of 8 GiB), nothing written.
        with h5py.File(d + "/chunked.h5", "w") as f:
            f.create_dataset("logits", shape=(2**32, 1), dtype="f4", chunks=(1024, 1))
        # Teacher logits with a NaN and with an infinity.
        for name, bad in (("nan", np.nan), ("inf", -np.inf)):
            with h5py.File(d + "/" + name + ".h5", "w") as f:
                z = np.arange(12, dtype=np.float32).reshape(4, 3); z[2, 1] = bad
                f.attrs["format"] = "ebjr-logits"; f.attrs["format_version"] = 1; f.attrs["count"] = 4
                f.create_dataset("logits", data=z)
        # Logits with no rows.
        with h5py.File(d + "/empty.h5", "w") as f:
            f.create_dataset("logits", shape=(0, 3), dtype="f4")
        # A contiguous dataset [3, 77777] whose dimension is patched below to claim 1000 times more than is stored.
        with h5py.File(d + "/patched.h5", "w", libver="earliest") as f:
            f.create_dataset("w", data=np.ones((3, 77777), np.float32))
        data = bytearray(open(d + "/patched.h5", "rb").read())
        needle = (77777).to_bytes(8, "little")
        assert data.count(needle) >= 1
        data = data.replace(needle, (77777 * 1000).to_bytes(8, "little"))
        open(d + "/patched.h5", "wb").write(bytes(data))
        # Variable-length string attributes and a string dataset, for the fuzzing test.
        with h5py.File(d + "/strings.h5", "w", libver="earliest") as f:
            f.attrs["note"] = "hello world, a string to find"
            f.attrs.create("names", data=np.array(["alpha-one", "beta-two"], dtype=h5py.string_dtype()))
            f.attrs.create("fixed", data=np.array([b"fixed-one", b"fixed-2"], dtype="S12"))
            f.create_dataset("class_names", data=np.array(["gamma-three", "delta-four"], dtype=h5py.string_dtype()))
        """#
        try TestSupport.runPython(script: script, arguments: [dir.path], in: dir)
    }

    /// Runs `body`, which must throw an error whose description is one line naming `file` and `object`.
    static func expectLocatedError(_ file: URL, _ object: String, sourceLocation: SourceLocation = #_sourceLocation,
                                   _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error naming \(object)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            #expect(text.contains(file.path), "\(text)", sourceLocation: sourceLocation)
            #expect(text.contains(object), "\(text)", sourceLocation: sourceLocation)
            #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func claimedSizesAreCheckedBeforeAllocating() throws {
        let folder = try TemporaryDirectory()
        try Self.makeFiles(in: folder.url)

        // [2^40, 10] with no storage: the shape is refused (44 TB is beyond EBJR_MAX_DATASET_BYTES), not allocated.
        let huge = folder.file("huge.h5")
        do {
            let file = try HDF5File.open(huge)
            _ = try file.dataset("logits").shape()
            Issue.record("expected implausibleSize")
        } catch let error as HDF5Error {
            guard case let .implausibleSize(file, path, shape, type, bytes, _, limit) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(file == huge.path && path == "/logits" && shape == [1 << 40, 10] && type == "float32")
            #expect(bytes == (1 << 40) * 40 && limit == HDF5Limits.maximumDatasetBytes)
        }
        Self.expectLocatedError(huge, "'/logits'") { _ = try LogitsFile.read(from: huge) }
        Self.expectLocatedError(huge, "'/logits'") { _ = try HDF5File.open(huge).dataset("logits").read(Float.self) }
        Self.expectLocatedError(huge, "'/logits'") { _ = try inspect(huge) }

        // [2^62, 4]: the element count overflows Int; no trap, even in inspect's tree of a foreign file.
        let overflow = folder.file("overflow.h5")
        do {
            _ = try HDF5File.open(overflow).dataset("weights").elementCount()
            Issue.record("expected invalidShape")
        } catch let error as HDF5Error {
            guard case .invalidShape(overflow.path, "/weights", _) = error else { Issue.record("wrong error \(error)"); return }
        }
        Self.expectLocatedError(overflow, "'/weights'") { _ = try inspect(overflow) }
        let overflowLogits = folder.file("overflow-logits.h5")
        Self.expectLocatedError(overflowLogits, "'/logits'") { _ = try inspect(overflowLogits) }
        Self.expectLocatedError(overflowLogits, "'/logits'") { _ = try LogitsFile.read(from: overflowLogits) }

        // 16 GiB chunked: above the documented limit.
        let chunked = folder.file("chunked.h5")
        Self.expectLocatedError(chunked, "EBJR_MAX_DATASET_BYTES") { _ = try LogitsFile.read(from: chunked) }

        // A contiguous dataset whose dimension claims more than its storage (or libhdf5 refuses to open it).
        let patched = folder.file("patched.h5")
        Self.expectLocatedError(patched, "'/w'") { _ = try HDF5File.open(patched).dataset("w").read(Float.self) }

        for url in [huge, overflow, overflowLogits, chunked, patched] { #expect(HDF5.openObjectCount(inFile: url) == 0) }
    }

    @Test func nonFiniteAndEmptyTeacherLogitsAreLocatedErrors() throws {
        let folder = try TemporaryDirectory()
        try Self.makeFiles(in: folder.url)
        for (name, value) in [("nan", "nan"), ("inf", "-inf")] {
            let url = folder.file("\(name).h5")
            #expect(throws: CheckpointError.invalidLogits(file: url.path,
                                                          detail: "'logits' row 2 column 1 is \(value); logits must be finite")) {
                try LogitsFile.read(from: url)
            }
        }
        let empty = folder.file("empty.h5")
        Self.expectLocatedError(empty, "'logits' has shape [0, 3]") { _ = try LogitsFile.read(from: empty) }
    }

    /// Byte-level damage to the global heap where variable-length strings live (the collection's size, every
    /// object's size, the free-space object) gives strings or located errors, never a crash: libhdf5 1.10 trusts
    /// those sizes and reads past the collection (a segmentation fault before `HDF5GlobalHeap` checked them). The
    /// undamaged file reads back exactly.
    @Test func fuzzedVariableLengthStrings() throws {
        let folder = try TemporaryDirectory()
        try Self.makeFiles(in: folder.url)
        let original = try Data(contentsOf: folder.file("strings.h5"))
        do {
            let file = try HDF5File.open(folder.file("strings.h5"))
            #expect(try file.stringAttribute("note") == "hello world, a string to find")
            #expect(try file.stringsAttribute("names") == ["alpha-one", "beta-two"])
            #expect(try file.stringsAttribute("fixed") == ["fixed-one", "fixed-2"])
            #expect(try file.dataset("class_names").readStrings() == ["gamma-three", "delta-four"])
        }

        // Offsets to damage: the collection's size and the 8-byte size of every object in it, including the
        // free-space object after the last string.
        let bytes = [UInt8](original)
        func find(_ needle: [UInt8]) -> Int? {
            bytes.indices.first { bytes[$0..<min($0 + needle.count, bytes.count)].elementsEqual(needle) }
        }
        guard let heap = find(Array("GCOL".utf8)) else { Issue.record("no global heap in the file"); return }
        var sizeFields = [heap + 8]
        for text in ["hello world", "alpha-one", "beta-two", "gamma-three", "delta-four"] {
            if let at = find(Array(text.utf8)) { sizeFields.append(at - 8) }
        }
        if let last = find(Array("delta-four".utf8)) { sizeFields.append(last + 16 + 8) }
        #expect(sizeFields.count == 7)

        let values: [UInt64] = [0, 1, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 40, UInt64(Int64.max), UInt64.max]
        var mutations: [(offset: Int, width: Int, value: UInt64)] = []
        for offset in sizeFields { for value in values { mutations.append((offset, 8, value)) } }
        for (index, mutation) in mutations.enumerated() {
            var damaged = bytes
            for k in 0..<mutation.width { damaged[mutation.offset + k] = UInt8(truncatingIfNeeded: mutation.value >> (8 * UInt64(k))) }
            let url = folder.file("fuzz-\(index).h5")
            try Data(damaged).write(to: url)
            for read in [{ _ = try HDF5File.open(url).stringAttribute("note") },
                         { _ = try HDF5File.open(url).stringsAttribute("names") },
                         { _ = try HDF5File.open(url).dataset("class_names").readStrings() }] as [() throws -> Void] {
                do { try read() } catch {
                    #expect("\(error)".contains(url.path) && !"\(error)".contains("\n"), "\(error)")
                }
            }
            #expect(HDF5.openObjectCount(inFile: url) == 0)
        }
    }

    /// Hard links that make a group its own descendant (a cycle) and a dataset reachable twice: `verifyFile` reads each
    /// object once and returns (it recursed without end before), `inspect` shows a bounded tree.
    @Test func cyclicGroupsAreWalkedOnce() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("cycle.h5")
        try TestSupport.runPython(script: """
            import h5py, numpy as np, sys
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("a/b/w", data=np.arange(6, dtype=np.float32))
                f["a/b/loop"] = f["a"]
                f["a/b/again"] = f["a/b/w"]
                f["a/self"] = f["a"]
            """, arguments: [url.path], in: folder.url)
        #expect(try verifyFile(url) == "\(url.path): OK, 1 datasets read (0 with checksums)")
        let tree = try inspect(url)
        #expect(tree.split(separator: "\n").count < 210)
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }
}
