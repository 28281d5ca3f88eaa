import Testing
import Foundation
@testable import EBJRLang
import _EBJRTestSupport

/// Imported-logits files with unusable values or sizes: each is one located error (file and dataset), never a
/// hang (NaN scores used to loop forever in the threshold scan), a trap or a huge allocation.
@Suite("Hostile imported logits")
struct HostileLogitsTests {
    /// Writes the hostile files with h5py into `dir`.
    static func makeFiles(in dir: URL) throws {
        let script = #"""
        import h5py, numpy as np, sys
        d = sys.argv[1]
        N, L, V = 6, 4, 5
        def sequence(path, logits, lengths=None, attrs={}):
            with h5py.File(path, "w") as f:
                f.attrs["format"] = "ebjr-routing-logits"; f.attrs["kind"] = "sequence"
                for k, v in attrs.items(): f.attrs[k] = v
                for split in ("validation", "test"):
                    g = f.create_group(split)
                    g.create_dataset("logits", data=logits)
                    g.create_dataset("lengths", data=np.full(N, L, np.int64) if lengths is None else lengths)
                    refs = -np.ones((N, 2), np.int64); refs[:, 0] = 1
                    g.create_dataset("references", data=refs); g.create_dataset("deep_correct", data=np.ones(N, np.int64))
        rng = np.random.default_rng(0)
        good = rng.normal(size=(N, L, V)).astype(np.float32)
        sequence(d + "/seq-nan.h5", np.full((N, L, V), np.nan, np.float32))
        one = good.copy(); one[3, 2, 4] = np.inf
        sequence(d + "/seq-inf.h5", one)
        padded = good.copy(); padded[:, 3, :] = np.nan                  # NaN only in padding (lengths ≤ 3)
        sequence(d + "/seq-padding.h5", padded, lengths=np.full(N, 3, np.int64))
        sequence(d + "/seq-lengths.h5", good, lengths=np.array([1, 2, 3, 4, 5, 1], np.int64))
        sequence(d + "/seq-flops.h5", good, attrs={"flops": np.nan, "deep_flops": 10.0})
        def classification(path, logits, deep=None):
            with h5py.File(path, "w") as f:
                f.attrs["format"] = "ebjr-routing-logits"; f.attrs["kind"] = "classification"
                for split in ("validation", "test"):
                    g = f.create_group(split)
                    g.create_dataset("logits", data=logits)
                    g.create_dataset("labels", data=np.zeros(len(logits), np.int64))
                    g.create_dataset("deep_logits", data=logits if deep is None else deep)
        z = rng.normal(size=(N, 3))
        bad = z.copy(); bad[4, 1] = np.nan
        classification(d + "/cls-nan.h5", bad.astype(np.float32))
        big = z.copy(); big[2, 0] = 1e300                               # finite float64, infinite as float32
        classification(d + "/cls-big.h5", big)
        classification(d + "/cls-deep.h5", z.astype(np.float32), deep=bad.astype(np.float32))
        with h5py.File(d + "/huge.h5", "w") as f:                       # [2^40, 10, 5] float32, nothing stored
            f.attrs["format"] = "ebjr-routing-logits"
            f.create_group("test").create_dataset("logits", shape=(2**40, 10, 5), dtype="f4")
        with h5py.File(d + "/overflow.h5", "w") as f:                   # 2^62 · 4 · 4 elements overflow Int
            f.attrs["format"] = "ebjr-routing-logits"
            f.create_group("test").create_dataset("logits", shape=(2**62, 4, 4), dtype="f4", chunks=(1, 4, 4))
        """#
        try TestSupport.runPython(script: script, arguments: [dir.path], in: dir)
    }

    /// `body` must throw an error whose one-line description names `file` and contains `detail`.
    func expectError(_ file: String, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error containing \(detail)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix(file + ":") && text.contains(detail) && !text.contains("\n"), "\(text)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func nonFiniteAndOutOfRangeValuesAreLocatedErrors() throws {
        let dir = try TestSupport.temporaryDirectory("hostile-logits")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeFiles(in: dir)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        // A sequence file full of NaN: refused when read (it used to hang the threshold scan and grow to GBs).
        expectError(path("seq-nan.h5"), "'test/logits'[0, 0, 0] is nan (within lengths[0] = 4); logits must be finite") {
            _ = try ImportedLogits.read(path("seq-nan.h5"))
        }
        expectError(path("seq-inf.h5"), "'test/logits'[3, 2, 4] is inf") { _ = try ImportedLogits.read(path("seq-inf.h5")) }
        expectError(path("seq-lengths.h5"), "'test/lengths'[4] = 5 is outside 0…L = 0…4") {
            _ = try ImportedLogits.read(path("seq-lengths.h5"))
        }
        expectError(path("seq-flops.h5"), "attribute flops is nan") { _ = try ImportedLogits.read(path("seq-flops.h5")) }
        expectError(path("cls-nan.h5"), "'test/logits'[4, 1] is nan") { _ = try ImportedLogits.read(path("cls-nan.h5")) }
        expectError(path("cls-big.h5"), "'test/logits'[2, 0] is 1e+300; logits must be finite (as float32)") {
            _ = try ImportedLogits.read(path("cls-big.h5"))
        }
        expectError(path("cls-deep.h5"), "'test/deep_logits'[4, 1] is nan") { _ = try ImportedLogits.read(path("cls-deep.h5")) }

        // NaN in padding (steps at or after a row's length) is ignored, and routing runs to the end.
        let padded = try ImportedLogits.read(path("seq-padding.h5"))
        guard case let .sequence(report) = try padded.evaluate() else { Issue.record("not a sequence outcome"); return }
        #expect(report.sequences == 6)
    }

    @Test func claimedSizesAreLocatedErrors() throws {
        let dir = try TestSupport.temporaryDirectory("hostile-logits")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeFiles(in: dir)
        let huge = dir.appendingPathComponent("huge.h5").path
        expectError(huge, "'/test/logits' claims shape [1099511627776, 10, 5] of float32") { _ = try ImportedLogits.read(huge) }
        let overflow = dir.appendingPathComponent("overflow.h5").path
        expectError(overflow, "'/test/logits' has an unusable shape") { _ = try ImportedLogits.read(overflow) }
    }

    @Test func firstNonFiniteLogitLooksOnlyWithinLengths() {
        var values = [Float](repeating: 0, count: 2 * 3 * 2)
        values[1 * 6 + 2 * 2 + 1] = .nan                                  // sequence 1, step 2 (padding: length 2)
        var logits = SequenceLogits(logits: values, shape: [2, 3, 2], lengths: [3, 2])
        #expect(logits.firstNonFiniteLogit() == nil)
        logits.lengths = [3, 3]
        #expect(logits.firstNonFiniteLogit().map { [$0.sequence, $0.step, $0.token] } == [1, 2, 1])
    }
}
