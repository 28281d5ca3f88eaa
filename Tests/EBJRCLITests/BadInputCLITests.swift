import Testing
import Foundation
import _EBJRTestSupport

/// The bad-input table (issue #17): every class of hostile or nonsensical input, run through the `ebjr` executable.
/// Each must exit with status 1 (no signal), print exactly one line on standard error that names the file and the
/// object or key at fault, and leave every file in its working folder as it was (nothing created, changed or
/// removed).
@Suite("Bad inputs: one located line, exit 1, nothing written")
struct BadInputCLITests {
    /// One row: a command run in a fresh copy of the fixtures, and what its one error line must contain.
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        /// Substrings of the error line: the file, then the object or key.
        var mentions: [String]
        /// Extra set-up in the row's folder before the command runs (links).
        var prepare: (@Sendable (URL) throws -> Void)?
        var testDescription: String { name }

        init(_ name: String, _ arguments: [String], mentions: [String], prepare: (@Sendable (URL) throws -> Void)? = nil) {
            self.name = name
            self.arguments = arguments
            self.mentions = mentions
            self.prepare = prepare
        }
    }

    static let tiny = "data: {dataset: hdf5, path: tiny.h5}\n"
    static let logits = ["logits", "--split", "test", "--output", "out.h5", "--data-recipe", "tiny.yaml", "--checkpoint"]
    static func train(_ recipe: String, _ extra: [String] = []) -> [String] { ["train", recipe, "--quiet"] + extra }
    static func resume(_ checkpoint: String) -> [String] {
        train("tiny.yaml", ["--resume", checkpoint, "--epochs", "3", "--output", "resumed.h5"])
    }

    static let rows: [Row] = [
        // Sizes claimed by files, checked before anything is allocated.
        Row("logits: a weight claims [2^40, 10]", logits + ["ckpt-huge.h5"], mentions: ["ckpt-huge.h5", "/model_weights/"]),
        Row("logits: a weight claims [2^62, 4]", logits + ["ckpt-overflow.h5"], mentions: ["ckpt-overflow.h5", "/model_weights/"]),
        Row("route-logits: test/logits claims [2^40, 10, 5]", ["route-logits", "imported-huge.h5", "--output", "report"],
            mentions: ["imported-huge.h5", "test/logits"]),
        Row("route-logits: test/logits claims [2^62, 4, 4]", ["route-logits", "imported-overflow.h5", "--output", "report"],
            mentions: ["imported-overflow.h5", "test/logits"]),
        Row("evaluate: deep logits claim [2^40, 10]", ["evaluate", "evaluate-huge.yaml", "--quiet", "--no-latency"],
            mentions: ["logits-huge.h5", "/logits"]),
        Row("evaluate: deep logits claim [2^62, 4]", ["evaluate", "evaluate-overflow.yaml", "--quiet", "--no-latency"],
            mentions: ["logits-overflow.h5", "/logits"]),
        Row("distill: teacher logits claim [2^40, 10]", train("distill-huge.yaml"), mentions: ["logits-huge.h5", "/logits"]),
        Row("inspect: a dataset claims [2^40, 10]", ["inspect", "logits-huge.h5"], mentions: ["logits-huge.h5", "/logits"]),
        Row("inspect: a dataset claims [2^62, 4]", ["inspect", "logits-overflow.h5"], mentions: ["logits-overflow.h5", "/logits"]),
        Row("inspect: a checkpoint weight claims [2^62, 4]", ["inspect", "ckpt-overflow.h5"],
            mentions: ["ckpt-overflow.h5", "/model_weights/"]),

        // Hostile model configurations and recipe values.
        Row("logits: model_config width 1e12", logits + ["ckpt-width.h5"], mentions: ["ckpt-width.h5", "model_config"]),
        Row("export onnx: model_config width 1e12", ["export", "onnx", "ckpt-width.h5", "--output", "m.onnx"],
            mentions: ["ckpt-width.h5", "model_config"]),
        Row("train: layer width 1e12", train("width.yaml"), mentions: ["width.yaml", "model.sizes"]),
        Row("train: conv stride 0", train("stride.yaml"), mentions: ["stride.yaml", "model", "stride"]),
        Row("train: dropout p 1.5", train("dropout.yaml"), mentions: ["dropout.yaml", "model", "probability"]),
        Row("train: input_shape [-784]", train("shape.yaml"), mentions: ["shape.yaml", "model.input_shape"]),
        Row("train: batch_size Int.max", train("batch.yaml"), mentions: ["batch.yaml", "training.batch_size"]),
        Row("train: train_limit -5", train("limit.yaml"), mentions: ["limit.yaml", "data.train_limit"]),
        Row("train: YAML alias bomb in model.layers", train("bomb.yaml"), mentions: ["bomb.yaml"]),
        Row("distill: temperature inf", train("temperature.yaml"), mentions: ["temperature.yaml", "distillation.temperature"]),
        Row("train: NaN margin", train("margin.yaml"), mentions: ["margin.yaml", "specialization.margin.m_in"]),
        Row("train: --epochs 0", train("tiny.yaml", ["--epochs", "0"]), mentions: ["--epochs"]),

        // IDX and gzip.
        Row("train: IDX dimensions 0xFFFFFFFF", train("idx-ones.yaml"), mentions: ["idx-ones/train-images-idx3-ubyte.gz", "dimensions"]),
        Row("train: IDX images of 0×0", train("idx-zero.yaml"), mentions: ["idx-zero/train-images-idx3-ubyte.gz", "dimension"]),
        Row("train: gzip bomb", train("idx-bomb.yaml"), mentions: ["idx-bomb/train-images-idx3-ubyte.gz"]),

        // Degenerate data.
        Row("train: empty validation split (HDF5)", train("empty-validation.yaml"),
            mentions: ["empty-validation.h5", "validation"]),
        Row("train: empty validation split (IDX with 100 training images)", train("idx-small.yaml"), mentions: ["validation"]),
        Row("train: empty lexicon", train("g2p-empty.yaml"), mentions: ["empty.dict"]),

        // Resume states.
        Row("resume: negative epoch", resume("resume-epoch.h5"), mentions: ["resume-epoch.h5", "training_state/epoch"]),
        Row("resume: batch index beyond the epoch", resume("resume-batch.h5"), mentions: ["resume-batch.h5", "training_state/batch_index"]),
        Row("resume: Int64.max step", resume("resume-step.h5"), mentions: ["resume-step.h5", "training_state/global_step"]),
        Row("resume: missing Adam slot", resume("resume-slot.h5"), mentions: ["resume-slot.h5", "optimizer_weights/"]),
        Row("resume: NaN learning rate", resume("resume-lr.h5"), mentions: ["resume-lr.h5", "optimizer_weights@lr"]),

        // Non-finite values.
        Row("distill: NaN teacher logits", train("distill-nan.yaml"), mentions: ["teacher-nan.h5", "logits"]),
        Row("route-logits: sequence logits full of NaN", ["route-logits", "sequence-nan.h5", "--output", "report"],
            mentions: ["sequence-nan.h5", "test/logits"]),

        // Outputs that are inputs.
        Row("train: --output is the recipe", train("tiny.yaml", ["--output", "tiny.yaml"]), mentions: ["refusing to write tiny.yaml", "recipe"]),
        Row("train: --output is a symlink to the recipe", train("tiny.yaml", ["--output", "link.yaml"]),
            mentions: ["refusing to write link.yaml", "recipe"],
            prepare: { try FileManager.default.createSymbolicLink(atPath: $0.appendingPathComponent("link.yaml").path, withDestinationPath: "tiny.yaml") }),
        Row("train: --output is a hard link to the recipe", train("tiny.yaml", ["--output", "hard.yaml"]),
            mentions: ["refusing to write hard.yaml", "recipe"],
            prepare: { try FileManager.default.linkItem(at: $0.appendingPathComponent("tiny.yaml"), to: $0.appendingPathComponent("hard.yaml")) }),
        Row("logits: --output is the checkpoint", ["logits", "--checkpoint", "run.h5", "--split", "test", "--output", "run.h5",
                                                    "--data-recipe", "tiny.yaml"], mentions: ["refusing to write", "run.h5", "checkpoint"]),
        Row("logits: --output is a symlink to the checkpoint", ["logits", "--checkpoint", "run.h5", "--split", "test", "--output", "link.h5",
                                                                "--data-recipe", "tiny.yaml"], mentions: ["refusing to write", "link.h5", "checkpoint"],
            prepare: { try FileManager.default.createSymbolicLink(atPath: $0.appendingPathComponent("link.h5").path, withDestinationPath: "run.h5") }),
        Row("export onnx: --output is a hard link to the checkpoint", ["export", "onnx", "run.h5", "--output", "hard.onnx"],
            mentions: ["refusing to write hard.onnx", "checkpoint"],
            prepare: { try FileManager.default.linkItem(at: $0.appendingPathComponent("run.h5"), to: $0.appendingPathComponent("hard.onnx")) }),
        Row("distill: --output is the teacher's logits", train("distill-teacher.yaml", ["--output", "teacher.h5"]),
            mentions: ["refusing to write teacher.h5"]),
    ]

    /// The fixtures, written once per test process (see `makeFixtures`).
    static let fixtures: Result<URL, any Error> = Result { try makeFixtures() }

    @Test(arguments: rows)
    func badInputIsOneLocatedLineAndWritesNothing(_ row: Row) throws {
        let source = try Self.fixtures.get()
        let dir = try TestSupport.temporaryDirectory("bad-input")
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try row.prepare?(dir)
        let before = try Self.snapshot(dir)
        let result = try TestSupport.ebjr(row.arguments, currentDirectory: dir)
        #expect(!result.signaled, "\(row.name): killed by a signal\n\(result.standardError)")
        #expect(result.status == 1, "\(row.name): exit \(result.status)\n\(result.standardError)")
        let lines = result.errorLines
        #expect(lines.count == 1, "\(row.name): \(lines.count) lines on standard error:\n\(result.standardError)")
        let line = lines.first ?? ""
        for mention in row.mentions { #expect(line.contains(mention), "\(row.name): '\(line)' does not mention \(mention)") }
        #expect(try Self.snapshot(dir) == before, "\(row.name): files were created, changed or removed")
    }

    /// Every entry under `dir` (recursively, links not followed) with its kind, size, modification time and bytes.
    static func snapshot(_ dir: URL) throws -> [String: String] {
        var entries: [String: String] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: dir.path) else { return entries }
        for case let relative as String in walker {
            let path = dir.appendingPathComponent(relative).path
            let attributes = try manager.attributesOfItem(atPath: path)
            let type = attributes[.type] as? FileAttributeType
            var entry = "\(type?.rawValue ?? "?") \(attributes[.size] ?? 0) \(attributes[.modificationDate] ?? "")"
            if type == .typeRegular { entry += " \(try Data(contentsOf: URL(fileURLWithPath: path)).hashValue)" }
            if type == .typeSymbolicLink { entry += " -> \(try manager.destinationOfSymbolicLink(atPath: path))" }
            entries[relative] = entry
        }
        return entries
    }

    /// Writes every fixture into a new folder: a tiny HDF5 data set and its recipe, a checkpoint trained from it
    /// (then damaged copies of it: training states, claimed shapes, model widths), hostile logits files, hostile
    /// recipes, and IDX folders.
    static func makeFixtures() throws -> URL {
        let dir = try TestSupport.temporaryDirectory("bad-input-fixtures")
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try TestSupport.runPython(script: dataScript, arguments: [dir.path], in: dir)
        try write("tiny.yaml", "model: {preset: mlp, sizes: [4, 3]}\n" + tiny + "training: {epochs: 2, batch_size: 8}\noutput: {checkpoint: run.h5}\n")
        let trained = try TestSupport.ebjr(["train", "tiny.yaml", "--quiet"], currentDirectory: dir)
        guard trained.status == 0 else { throw TestSupport.Failure("training the fixture checkpoint failed: \(trained.standardError)") }
        try TestSupport.runPython(script: checkpointScript, arguments: [dir.path], in: dir)

        func recipe(_ name: String, model: String = "{preset: mlp, sizes: [4, 3]}", data: String = tiny, rest: String = "") throws {
            try write(name, "model: \(model)\n" + data + rest)
        }
        try recipe("width.yaml", model: "{preset: mlp, sizes: [4, 1000000000000, 3]}")
        try recipe("stride.yaml", model: "{input_shape: [1, 2, 2], layers: [{type: conv2d, in_channels: 1, out_channels: 2, kernel_size: 1, stride: 0}, {type: flatten}, {type: linear, in: 8, out: 3}]}")
        try recipe("dropout.yaml", model: "{input_shape: [4], layers: [{type: dropout, p: 1.5}, {type: linear, in: 4, out: 3}]}")
        try recipe("shape.yaml", model: "{input_shape: [-784], layers: [{type: linear, in: 4, out: 3}]}")
        try recipe("batch.yaml", rest: "training: {batch_size: 9223372036854775807}\n")
        try write("limit.yaml", "model: {preset: mlp, sizes: [4, 3]}\ndata: {dataset: hdf5, path: tiny.h5, train_limit: -5}\n")
        var bomb = ["model:", "  input_shape: [4]", "  layers:", "    - &a0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"]
        for level in 1...8 { bomb.append("    - &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]") }
        try write("bomb.yaml", bomb.joined(separator: "\n") + "\n" + tiny)
        try recipe("temperature.yaml", rest: "distillation: {teacher_logits: {train: teacher.h5}, temperature: .inf}\n")
        try recipe("margin.yaml", model: "{preset: mlp, sizes: [4, 3]}",
                   rest: "specialization: {subset: [a, b], design: energy-margin, margin: {m_in: .nan}}\n")
        try recipe("distill-huge.yaml", rest: "distillation: {teacher_logits: {train: logits-huge.h5}}\noutput: {checkpoint: d.h5}\n")
        try recipe("distill-nan.yaml", rest: "distillation: {teacher_logits: {train: teacher-nan.h5}}\noutput: {checkpoint: d.h5}\n")
        try recipe("distill-teacher.yaml", rest: "distillation: {teacher_logits: {train: teacher.h5}}\n")
        try recipe("empty-validation.yaml", data: "data: {dataset: hdf5, path: empty-validation.h5}\n")
        for name in ["idx-ones", "idx-zero", "idx-bomb", "idx-small"] {
            try recipe("\(name).yaml", model: "{preset: mlp, sizes: [784, 10]}", data: "data: {directory: \(name)}\n")
        }
        try write("g2p-empty.yaml", "model: {preset: g2p, embedding_size: 4, hidden_size: 4}\ndata: {dataset: cmudict, lexicon: empty.dict}\n")
        try write("empty.dict", "")
        for (name, logits) in [("evaluate-huge.yaml", "logits-huge.h5"), ("evaluate-overflow.yaml", "logits-overflow.h5")] {
            try write(name, tiny + """
                deep: {name: deep, logits: {validation: \(logits), test: \(logits)}, flops: 100}
                side_models: [{name: side, checkpoint: run.h5}]
                scores: [energy]
                output: report
                """)
        }
        return dir
    }

    /// The data set, the logits files and the IDX folders (h5py, NumPy, gzip).
    static let dataScript = #"""
    import gzip, h5py, numpy as np, os, struct, sys
    d = sys.argv[1]
    rng = np.random.default_rng(0)
    def dataset(path, counts):
        with h5py.File(path, "w") as f:
            f.attrs["class_names"] = ["a", "b", "c"]
            for split, n in counts.items():
                g = f.create_group(split)
                g["images"] = rng.integers(0, 256, size=(n, 4), dtype=np.uint8)
                g["labels"] = (np.arange(n) % 3).astype(np.int64)
    dataset(d + "/tiny.h5", {"train": 24, "validation": 12, "test": 12})
    dataset(d + "/empty-validation.h5", {"train": 24, "validation": 0, "test": 12})
    def logits(path, **kw):
        with h5py.File(path, "w") as f:
            f.attrs["format"] = "ebjr-logits"; f.attrs["format_version"] = 1
            f.create_dataset("logits", **kw)
    logits(d + "/logits-huge.h5", shape=(2**40, 10), dtype="f4")
    logits(d + "/logits-overflow.h5", shape=(2**62, 4), dtype="f4", chunks=(1, 4))
    z = rng.normal(size=(24, 3)).astype(np.float32)
    logits(d + "/teacher.h5", data=z)
    z[5, 1] = np.nan
    logits(d + "/teacher-nan.h5", data=z)
    def imported(path, **kw):
        with h5py.File(path, "w") as f:
            f.attrs["format"] = "ebjr-routing-logits"
            f.create_group("test").create_dataset("logits", **kw)
    imported(d + "/imported-huge.h5", shape=(2**40, 10, 5), dtype="f4")
    imported(d + "/imported-overflow.h5", shape=(2**62, 4, 4), dtype="f4", chunks=(1, 4, 4))
    with h5py.File(d + "/sequence-nan.h5", "w") as f:
        f.attrs["format"] = "ebjr-routing-logits"; f.attrs["kind"] = "sequence"
        for split in ("validation", "test"):
            g = f.create_group(split)
            g["logits"] = np.full((6, 4, 5), np.nan, np.float32)
            g["lengths"] = np.full(6, 4, np.int64)
            refs = -np.ones((6, 2), np.int64); refs[:, 0] = 1
            g["references"] = refs; g["deep_correct"] = np.ones(6, np.int64)
    def idx(folder, images, labels, test=(10, 28, 28), raw=None):
        os.makedirs(d + "/" + folder)
        def put(name, magic, dims, payload):
            with gzip.open(d + "/" + folder + "/" + name, "wb") as f:
                f.write(struct.pack(">I" + "I" * len(dims), magic, *dims) + payload)
        put("train-images-idx3-ubyte.gz", 0x803, images, raw if raw is not None else bytes(int(np.prod(images))))
        put("train-labels-idx1-ubyte.gz", 0x801, [labels], bytes(labels))
        put("t10k-images-idx3-ubyte.gz", 0x803, test, bytes(int(np.prod(test))))
        put("t10k-labels-idx1-ubyte.gz", 0x801, [test[0]], bytes(test[0]))
    idx("idx-ones", [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], 10, raw=bytes(64))
    idx("idx-zero", [10, 0, 0], 10)
    idx("idx-bomb", [10, 28, 28], 10, raw=bytes(64 << 20))
    idx("idx-small", [100, 28, 28], 100)
    """#

    /// Damaged copies of the trained checkpoint `run.h5` (h5py).
    static let checkpointScript = #"""
    import h5py, json, numpy as np, shutil, sys
    d = sys.argv[1]
    def copy(name):
        shutil.copy(d + "/run.h5", d + "/" + name)
        return h5py.File(d + "/" + name, "r+")
    def first_weight(f):
        layer = f["model_weights"].attrs["layer_names"][0]
        layer = layer.decode() if isinstance(layer, bytes) else layer
        group = f["model_weights"][layer]
        name = group.attrs["weight_names"][0]
        return group, name.decode() if isinstance(name, bytes) else name
    with copy("ckpt-huge.h5") as f:
        g, w = first_weight(f); del g[w]; g.create_dataset(w, shape=(2**40, 10), dtype="f4")
    with copy("ckpt-overflow.h5") as f:
        g, w = first_weight(f); del g[w]; g.create_dataset(w, shape=(2**62, 4), dtype="f4", chunks=(1, 4))
    with copy("ckpt-width.h5") as f:
        config = json.loads(f["model_config"][()].decode())
        config["layers"][0]["out"] = 10**12
        del f["model_config"]; f["model_config"] = json.dumps(config)
    with copy("resume-epoch.h5") as f: f["training_state"].attrs["epoch"] = np.int64(-1)
    with copy("resume-batch.h5") as f: f["training_state"].attrs["batch_index"] = np.int64(10**6)
    with copy("resume-step.h5") as f: f["training_state"].attrs["global_step"] = np.int64(2**63 - 1)
    with copy("resume-slot.h5") as f:
        o = f["optimizer_weights"]; p = sorted(o.keys())[0]; del o[p][sorted(o[p].keys())[0]]
    with copy("resume-lr.h5") as f: f["optimizer_weights"].attrs["lr"] = np.nan
    """#
}
