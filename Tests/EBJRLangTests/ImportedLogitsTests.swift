import Testing
import Foundation
@testable import EBJRLang
import _EBJRTestSupport

/// Imported logits from HDF5 files written by h5py: scores equal NumPy's, routing runs, and bad files give one
/// line naming the dataset.
@Suite("Imported logits (HDF5)")
struct ImportedLogitsTests {
    /// Sequence logits `[N, L, V]` with lengths, references and deep outputs; the script prints its own scores.
    @Test func sequenceFileFromH5pyMatchesNumPy() throws {
        let dir = try TestSupport.temporaryDirectory("imported-seq")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import h5py, numpy as np, sys, json
        rng = np.random.default_rng(0)
        N, L, V, END = 6, 5, 7, 2
        def split(group, n, seed):
            r = np.random.default_rng(seed)
            z = (r.normal(size=(n, L, V)) * 3).astype(np.float32)
            lengths = r.integers(1, L + 1, size=n).astype(np.int64)
            refs = -np.ones((n, 4), np.int64)
            deep = -np.ones((n, 4), np.int64)
            small_ok, deep_ok = [], []
            for i in range(n):
                out = [int(t) for t in z[i, :lengths[i]].argmax(1)]
                out = out[:out.index(END)] if END in out else out
                ref = out[:4] if i % 2 == 0 else [3, 4]
                refs[i, :len(ref)] = ref
                dv = ref if i % 3 != 2 else [5]
                deep[i, :len(dv)] = dv
                small_ok.append(out == ref); deep_ok.append(dv == ref)
            group.create_dataset("logits", data=z); group.create_dataset("lengths", data=lengths)
            group.create_dataset("references", data=refs); group.create_dataset("deep_tokens", data=deep)
            return z, lengths, small_ok, deep_ok
        with h5py.File(sys.argv[1], "w") as f:
            f.attrs["format"] = "ebjr-routing-logits"; f.attrs["kind"] = "sequence"; f.attrs["end_token"] = END
            f.attrs["flops"] = 1.0; f.attrs["deep_flops"] = 10.0
            split(f.create_group("validation"), 8, 1)
            z, lengths, small_ok, deep_ok = split(f.create_group("test"), N, 2)
        rows = []
        for n in range(N):
            x = z[n, :lengths[n]].astype(np.float64)
            m = x.max(1, keepdims=True); lse = (m + np.log(np.exp(x - m).sum(1, keepdims=True)))[:, 0]
            e = -lse; p = np.exp(x.max(1) - lse)
            rows.append([e.mean(), e.max(), e.sum(), e[0], -p.mean(), -p.min(), -(x.max(1) - lse).sum()])
        print(json.dumps({"scores": rows, "small_wer": 1 - np.mean(small_ok), "deep_wer": 1 - np.mean(deep_ok)}))
        """
        struct Expected: Decodable { var scores: [[Double]]; var small_wer: Double; var deep_wer: Double }
        let file = dir.appendingPathComponent("seq.h5").path
        let output = try TestSupport.runPython(script: script, arguments: [file], in: dir)
        let expectation = try JSONDecoder().decode(Expected.self, from: Data(output.standardOutput.utf8))
        let expected = expectation.scores
        let imported = try ImportedLogits.read(file)
        guard case let .sequence(splits) = imported.content, let test = splits["test"] else { Issue.record("not sequence"); return }
        #expect(imported.endToken == 2 && imported.deepFLOPs == 10)
        for (k, kind) in SequenceScore.allCases.enumerated() {
            let scores = test.logits.scores(kind)
            for n in 0..<6 { #expect(abs(scores[n] - expected[n][k]) < 1e-4, "\(kind) sequence \(n)") }
        }
        // Routing: every score gets a validation threshold and a test point; the correctness follows the file.
        guard case let .sequence(report) = try imported.evaluate(outputDirectory: dir.appendingPathComponent("report").path) else {
            Issue.record("not a sequence outcome"); return
        }
        #expect(report.scores.count == SequenceScore.allCases.count && report.sequences == 6 && report.costIsFLOPs)
        #expect(abs(report.smallWER - expectation.small_wer) < 1e-12 && abs(report.deepWER - expectation.deep_wer) < 1e-12)
        for name in ["report.md", "report.json", "operating-points.csv", "curve-test.csv", "wer-vs-cost.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report/\(name)").path), "\(name)")
        }
        // The Swift writer produces a file the reader takes back unchanged.
        let again = dir.appendingPathComponent("again.h5").path
        try test.writeFile(to: again, endToken: 2)
        guard case let .sequence(reread) = try ImportedLogits.read(again).content else { Issue.record("not sequence"); return }
        #expect(reread["test"]!.logits.scores(.energyMax) == test.logits.scores(.energyMax))
        #expect(reread["test"]!.references == test.references)
    }

    /// Classification logits `[N, K]` with labels and deep predictions: scores equal NumPy's energy and the same
    /// evaluator as `ebjr evaluate` runs.
    @Test func classificationFileFromH5py() throws {
        let dir = try TestSupport.temporaryDirectory("imported-cls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import h5py, numpy as np, sys, json
        r = np.random.default_rng(3)
        with h5py.File(sys.argv[1], "w") as f:
            f.attrs["flops"] = 1.0; f.attrs["deep_flops"] = 4.0
            for name, n in [("validation", 200), ("test", 100)]:
                g = f.create_group(name)
                labels = r.integers(0, 4, size=n)
                z = r.normal(size=(n, 4)); z[np.arange(n), labels] += 2.0
                g.create_dataset("logits", data=z)  # float64 on purpose
                g.create_dataset("labels", data=labels.astype(np.int32))
                deep = labels.copy(); deep[:n // 10] = (deep[:n // 10] + 1) % 4
                g.create_dataset("deep_predictions", data=deep)
        m = z.max(1, keepdims=True)
        print(json.dumps((-(m[:, 0] + np.log(np.exp(z - m).sum(1)))).tolist()))
        """
        let file = dir.appendingPathComponent("cls.h5").path
        let output = try TestSupport.runPython(script: script, arguments: [file], in: dir)
        let expected = try JSONDecoder().decode([Double].self, from: Data(output.standardOutput.utf8))
        let imported = try ImportedLogits.read(file)
        #expect(imported.kind == "classification")
        let csv = try imported.scoresCSV(scoreNames: ["energy"]).split(separator: "\n").dropFirst()
        #expect(csv.count == 100)
        for (row, value) in zip(csv, expected) { #expect(abs(Double(row.split(separator: ",")[1])! - value) < 1e-4) }
        guard case let .classification(result) = try imported.evaluate(scoreNames: ["energy", "max-softmax"]) else {
            Issue.record("not classification"); return
        }
        #expect(result.sideModels.count == 1 && result.sideModels[0].scores.count == 2)
        #expect(abs(result.deep.accuracy.test - 0.9) < 1e-9)
    }

    /// Wrong shapes, missing datasets and lengths beyond L: one line naming the dataset.
    @Test func malformedFilesNameTheProblem() throws {
        let dir = try TestSupport.temporaryDirectory("imported-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import h5py, numpy as np, sys
        d = sys.argv[1]
        with h5py.File(d + "/long.h5", "w") as f:
            g = f.create_group("test"); g.create_dataset("logits", data=np.zeros((2, 3, 4), np.float32))
            g.create_dataset("lengths", data=np.array([3, 4]))
        with h5py.File(d + "/nolengths.h5", "w") as f:
            f.create_group("test").create_dataset("logits", data=np.zeros((2, 3, 4), np.float32))
        with h5py.File(d + "/rank.h5", "w") as f:
            f.attrs["kind"] = "sequence"
            f.create_group("test").create_dataset("logits", data=np.zeros((2, 3), np.float32))
        with h5py.File(d + "/labels.h5", "w") as f:
            g = f.create_group("test"); g.create_dataset("logits", data=np.zeros((2, 3), np.float32))
            g.create_dataset("labels", data=np.array([0, 1, 2]))
        with h5py.File(d + "/nosplit.h5", "w") as f:
            f.create_dataset("logits", data=np.zeros((2, 3), np.float32))
        """
        _ = try TestSupport.runPython(script: script, arguments: [dir.path], in: dir)
        for (name, fragment) in [("long", "'test/lengths'[1] = 4 is outside 0…L = 0…3"), ("nolengths", "missing dataset 'test/lengths'"),
                                 ("rank", "'test/logits' has shape [2, 3], expected [N, L, V]"),
                                 ("labels", "'test/labels' has shape [3], expected [2]"), ("nosplit", "missing group 'test'")] {
            let path = dir.appendingPathComponent("\(name).h5").path
            do {
                _ = try ImportedLogits.read(path)
                Issue.record("\(name): no error")
            } catch {
                let text = "\(error)"
                #expect(text.contains(fragment) && text.hasPrefix(path) && !text.contains("\n"), "\(name): \(text)")
            }
        }
    }
}
