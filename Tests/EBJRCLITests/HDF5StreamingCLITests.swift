import Testing
import Foundation
import EBJR
import _EBJRTestSupport

/// HDF5 data through every command, read lazily through a bounded cache: the h5py copy of Fashion-MNIST that
/// `scripts/fmnist-to-hdf5.py` writes trains to the IDX path's weights bit for bit; `--resume` with a cache smaller
/// than the split is bit-identical; the normalisation computed on the training split is stored in the checkpoint
/// and applied by `ebjr logits` (checked against NumPy); every layout problem is one line and exit 1.
@Suite(.serialized) struct HDF5StreamingCLITests {
    func write(_ text: String, to dir: URL, _ name: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Runs `script` with its working directory `dir` (where the test's files are).
    @discardableResult
    func python(_ script: String, _ arguments: [String] = [], in dir: URL) throws -> TestSupport.ProcessResult {
        try TestSupport.runPython(script: "import os, sys\nos.chdir(os.path.dirname(os.path.abspath(sys.argv[0])))\n" + script,
                                  arguments: arguments, in: dir)
    }

    /// Standard error without the debug build's native-CPU warning.
    func errorLines(_ result: TestSupport.ProcessResult) -> [Substring] {
        result.standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ebjr was built without") }
    }

    /// Python: exits non-zero unless every model weight of the two checkpoints has the same bytes.
    static let sameWeights = """
        import sys, h5py, numpy as np
        a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
        names = list(a["model_weights"].attrs["layer_names"])
        assert names and names == list(b["model_weights"].attrs["layer_names"])
        for layer in names:
            for w in a["model_weights"][layer].attrs["weight_names"]:
                x, y = a["model_weights"][layer][w][()], b["model_weights"][layer][w][()]
                assert x.tobytes() == y.tobytes(), f"{layer}/{w} differs: max {np.abs(x - y).max()}"
        print("identical")
        """

    /// The logistic-regression recipe on 3,000 training images for one epoch, through the IDX files and through the
    /// HDF5 copy (`normalization: none`: the same features): identical weights, and `ebjr logits` on the test split
    /// gives identical logits files (values and input checksum).
    @Test func fashionMNISTCopyTrainsToTheSameWeightsAsTheIDXFiles() throws {
        guard TestSupport.hasFashionMNIST else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("hdf5-same")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/fmnist-to-hdf5.py").path
        try TestSupport.runPython(script: "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                  arguments: [script, dir.appendingPathComponent("fmnist.h5").path, "--chunk-rows", "100"], in: dir)
        let logreg = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("recipes/fmnist-logreg.yaml"), encoding: .utf8)
        let idx = try write(logreg + "data: {train_limit: 3000}\n", to: dir, "idx.yaml")
        let hdf5 = try write(logreg + "data: {dataset: hdf5, path: fmnist.h5, normalization: none, cache_mb: 1, train_limit: 3000}\n",
                             to: dir, "hdf5.yaml")
        for (recipe, name) in [(idx, "idx"), (hdf5, "hdf5")] {
            let run = try TestSupport.ebjr(["train", recipe, "--quiet", "--epochs", "1", "--output", "\(name).ckpt.h5"], currentDirectory: dir)
            #expect(run.status == 0, "\(run.standardError)")
            let logits = try TestSupport.ebjr(["logits", "--checkpoint", "\(name).ckpt.h5", "--split", "test", "--data-recipe", recipe,
                                               "--output", "\(name).logits.h5"], currentDirectory: dir)
            #expect(logits.status == 0, "\(logits.standardError)")
        }
        let weights = try python(Self.sameWeights, ["idx.ckpt.h5", "hdf5.ckpt.h5"], in: dir)
        #expect(weights.standardOutput.contains("identical"), "\(weights.standardError)")
        let logits = try python("""
            import h5py
            a, b = h5py.File("idx.logits.h5", "r"), h5py.File("hdf5.logits.h5", "r")
            ka, kb = sorted(a.keys()), sorted(b.keys())
            assert ka == kb, (ka, kb)
            def datasets(f):
                out = {}
                f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
                return out
            da, db = datasets(a), datasets(b)
            logits = [n for n in da if n.endswith("logits")]
            assert logits and all(da[n].tobytes() == db[n].tobytes() for n in logits), logits
            assert dict(a.attrs).get("input_checksum") == dict(b.attrs).get("input_checksum")
            print("identical", dict(a.attrs).get("input_checksum"))
            """, in: dir)
        #expect(logits.standardOutput.contains("identical"), "\(logits.standardError)")
    }

    /// A 3-channel float32 data set without mean/std attributes: training computes per-channel statistics (checked
    /// against NumPy), stores them in the checkpoint, and `ebjr logits` on the test split applies them: the logits
    /// equal NumPy's forward pass of the stored weights on the normalised images. Training 2 epochs straight and
    /// 1 + `--resume` 1, with a 1 MiB cache smaller than the split, gives the same bytes.
    @Test func computedNormalizationIsStoredUsedByLogitsAndResumeIsExact() throws {
        let dir = try TestSupport.temporaryDirectory("hdf5-norm")
        defer { try? FileManager.default.removeItem(at: dir) }
        try python("""
            import h5py, numpy as np
            rng = np.random.default_rng(1)
            shift, scale = np.array([0.5, -1, 4]).reshape(1, 3, 1, 1), np.array([1, 2, 3]).reshape(1, 3, 1, 1)
            with h5py.File("data.h5", "w") as f:
                f.attrs["class_names"] = ["a", "b", "c"]
                for split, n in [("train", 3000), ("test", 500)]:
                    x = (rng.standard_normal((n, 3, 8, 8)) * scale + shift).astype(np.float32)
                    y = rng.integers(0, 3, n)
                    x[np.arange(n), y % 3, 0, 0] += 3  # learnable
                    g = f.create_group(split)
                    g.create_dataset("images", data=x, chunks=(64, 3, 8, 8))
                    g["labels"] = y
            """, in: dir)
        let recipe = try write("""
            name: norm
            seed: 4
            model: {preset: mlp, sizes: [192, 3]}
            data: {dataset: hdf5, path: data.h5, validation_fraction: 0.2, cache_mb: 1}
            training: {epochs: 2, batch_size: 50, learning_rate: 0.01, checkpoint_every: 1}
            """, to: dir, "norm.yaml")
        let straight = try TestSupport.ebjr(["train", recipe, "--quiet", "--output", "straight.h5"], currentDirectory: dir)
        #expect(straight.status == 0, "\(straight.standardError)")
        #expect(straight.standardError.contains("input normalization: mean"), "\(straight.standardError)")
        let first = try TestSupport.ebjr(["train", recipe, "--quiet", "--epochs", "1", "--output", "resumed.h5"], currentDirectory: dir)
        #expect(first.status == 0, "\(first.standardError)")
        let resumed = try TestSupport.ebjr(["train", recipe, "--quiet", "--resume", "resumed.h5", "--output", "resumed.h5"],
                                           currentDirectory: dir)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("resumed from"), "\(resumed.standardError)")
        let same = try python(Self.sameWeights, ["straight.h5", "resumed.h5"], in: dir)
        #expect(same.standardOutput.contains("identical"), "\(same.standardError)")

        let logits = try TestSupport.ebjr(["logits", "--checkpoint", "straight.h5", "--split", "test", "--data-recipe", recipe,
                                           "--output", "test.logits.h5"], currentDirectory: dir)
        #expect(logits.status == 0, "\(logits.standardError)")
        let check = try python("""
            import h5py, numpy as np
            d, c, l = h5py.File("data.h5", "r"), h5py.File("straight.h5", "r"), h5py.File("test.logits.h5", "r")
            M = (1 << 64) - 1
            def held_out(n, fraction, seed):  # docs/datasets.md: Fisher–Yates with xoshiro256** seeded by SplitMix64
                def splitmix(s):
                    s = (s + 0x9E3779B97F4A7C15) & M
                    z = s
                    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                    return s, z ^ (z >> 31)
                st = []
                for _ in range(4):
                    seed, v = splitmix(seed)
                    st.append(v)
                rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
                def nxt():
                    r = (rotl((st[1] * 5) & M, 7) * 9) & M
                    t = (st[1] << 17) & M
                    st[2] ^= st[0]; st[3] ^= st[1]; st[1] ^= st[2]; st[0] ^= st[3]; st[2] ^= t
                    st[3] = rotl(st[3], 45)
                    return r
                held = min(max(1, round(n * fraction)), n - 1)
                order = list(range(n))
                for i in range(held):
                    j = i + nxt() % (n - i)
                    order[i], order[j] = order[j], order[i]
                return sorted(order[:held])
            held = set(held_out(3000, 0.2, 0))
            assert len(held) == 600 and max(held) > 100 and min(held) < 2900, sorted(held)[:5]
            rows = [i for i in range(3000) if i not in held]
            train = d["train/images"][()][rows].astype(np.float64)  # validation = a seeded 20 % (docs/datasets.md)
            mean, std = train.mean(axis=(0, 2, 3)), train.std(axis=(0, 2, 3))
            stored_mean, stored_std = c["input_normalization/mean"][()], c["input_normalization/std"][()]
            assert np.allclose(stored_mean, mean, rtol=1e-5, atol=1e-6), (stored_mean, mean)
            assert np.allclose(stored_std, std, rtol=1e-5), (stored_std, std)
            x = (d["test/images"][()] - stored_mean.reshape(1, 3, 1, 1).astype(np.float32)) / stored_std.reshape(1, 3, 1, 1).astype(np.float32)
            layer = c["model_weights"].attrs["layer_names"][0]
            w, b = c["model_weights"][layer]["weight"][()], c["model_weights"][layer]["bias"][()]
            expected = x.reshape(len(x), -1).astype(np.float64) @ w.T.astype(np.float64) + b
            got = [o[()] for n, o in l.items() if isinstance(o, h5py.Dataset) and n.endswith("logits")][0]
            assert got.shape == expected.shape, (got.shape, expected.shape)
            err = np.abs(got - expected).max()
            assert err < 1e-4, err
            accuracy = (got.argmax(1) == d["test/labels"][()]).mean()
            assert accuracy > 0.5, accuracy
            print("ok", err, accuracy)
            """, in: dir)
        #expect(check.standardOutput.hasPrefix("ok"), "\(check.standardError)")
        // The exported graph applies the stored normalisation itself: raw test images in, the same logits out.
        let export = try TestSupport.ebjr(["export", "onnx", "straight.h5", "--output", "straight.onnx"], currentDirectory: dir)
        #expect(export.status == 0, "\(export.standardError)")
        let onnx = try python("""
            import json, h5py, numpy as np, onnx, onnxruntime as ort
            onnx.checker.check_model(onnx.load("straight.onnx"), full_check=True)
            session = ort.InferenceSession("straight.onnx")
            meta = json.loads(session.get_modelmeta().custom_metadata_map["ebjr.input_normalization"])
            stored = h5py.File("straight.h5", "r")["input_normalization/mean"][()]
            assert np.allclose(meta["mean"], stored, rtol=1e-6), (meta, stored)
            x = h5py.File("data.h5", "r")["test/images"][()].reshape(500, -1)  # the MLP takes flat samples
            got = session.run(["logits"], {"input": x})[0]
            l = h5py.File("test.logits.h5", "r")
            expected = [o[()] for n, o in l.items() if isinstance(o, h5py.Dataset) and n.endswith("logits")][0]
            err = np.abs(got - expected).max()
            assert err <= 1e-4, err
            print("ok", err)
            """, in: dir)
        #expect(onnx.standardOutput.hasPrefix("ok"), "\(onnx.standardError)")
        let inspect = try TestSupport.ebjr(["inspect", "straight.h5"], currentDirectory: dir)
        #expect(inspect.standardOutput.contains("normalization  input mean ["), "\(inspect.standardOutput)")
    }

    /// Each layout problem: `ebjr train` (or `ebjr distill`) exits 1 with one line naming the file and the object.
    @Test func layoutProblemsAreOneLineAndExitOne() throws {
        let dir = try TestSupport.temporaryDirectory("hdf5-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        try python("""
            import h5py, numpy as np
            def write(name, train, test=None):
                with h5py.File(f"{name}.h5", "w") as f:
                    f.attrs["class_names"] = ["boot", "shirt", "sandal"]
                    for split, items in [("train", train), ("test", test)]:
                        if items is None: continue
                        g = f.create_group(split)
                        for k, v in items.items(): g[k] = v
            ok = {"images": np.zeros((6, 4), np.uint8), "labels": np.arange(6) % 3}
            write("no_test", ok)
            write("count", {"images": np.zeros((6, 4), np.uint8), "labels": np.zeros(5, np.int64)}, ok)
            bad = np.zeros(6, np.int64); bad[4] = 7
            write("label", {"images": np.zeros((6, 4), np.uint8), "labels": bad}, ok)
            write("rank", {"images": np.zeros((6, 1, 1, 2, 2), np.uint8), "labels": np.zeros(6, np.int64)}, ok)
            write("dtype", {"images": np.zeros((6, 4), np.float64), "labels": np.zeros(6, np.int64)}, ok)
            write("fine", ok, ok)
            """, in: dir)
        let cases: [(file: String, extra: String, expected: String)] = [
            ("no_test", "", "'/test'"),
            ("count", "", "count.h5:/train/images has 6 images but"),
            ("label", "", "label 7 at index 4 is outside 0..<3"),
            ("rank", "", "'/train/images' has rank 5"),
            ("dtype", "", "'/train/images' holds float64, expected uint8 or float32"),
            ("fine", "specialization: {subset: [sandal, sneaker], design: other-class}\n", "unknown class 'sneaker'"),
        ]
        for (file, extra, expected) in cases {
            let recipe = try write("""
                name: bad
                model: {preset: mlp, sizes: [4, 3]}
                data: {dataset: hdf5, path: \(file).h5}
                training: {epochs: 1}
                \(extra)
                """, to: dir, "\(file).yaml")
            let result = try TestSupport.ebjr([extra.isEmpty ? "train" : "distill", recipe, "--quiet", "--output", "out.h5"],
                                              currentDirectory: dir)
            #expect(result.status == 1, "\(file): \(result.standardError)")
            let lines = errorLines(result)
            #expect(lines.count == 1, "\(file): \(result.standardError)")
            #expect(result.standardError.contains(expected), "\(file): \(result.standardError)")
            #expect(result.standardError.contains("\(file).h5") || result.standardError.contains("\(file).yaml"), "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.h5").path))
        }
    }
}
