import Testing
import Foundation
import _EBJRTestSupport

/// `ebjr train` / `ebjr evaluate` on G2P recipes, `convert-params` and `route-logits`, run as processes.
@Suite(.serialized) struct G2PCLITests {
    static let lexicon = "/usr/share/festival/dicts/cmu/cmudict-0.4.out"

    func tinySetup() throws -> (dir: URL, lexicon: String) {
        let dir = try TestSupport.temporaryDirectory("cli-g2p")
        let lines = try String(contentsOfFile: Self.lexicon, encoding: .utf8).split(separator: "\n").prefix(300)
        let lexicon = dir.appendingPathComponent("lexicon.out").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: lexicon, atomically: true, encoding: .utf8)
        for (name, hidden) in [("swift", 4), ("super", 8)] {
            let recipe = """
            name: tiny-\(name)
            data: {dataset: cmudict, lexicon: \(lexicon), validation_words: 0}
            model: {preset: g2p, embedding_size: 4, hidden_size: \(hidden)}
            training: {epochs: 1, batch_size: 16, learning_rate: 0.01}
            output: {checkpoint: \(dir.path)/tiny-\(name).h5}
            """
            try recipe.write(to: dir.appendingPathComponent("tiny-\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let evaluation = """
        data: {dataset: cmudict, lexicon: \(lexicon)}
        swift: {recipe: tiny-swift.yaml}
        super: {recipe: tiny-super.yaml}
        beam: {words: 3}
        output: \(dir.path)/report
        """
        try evaluation.write(to: dir.appendingPathComponent("elang.yaml"), atomically: true, encoding: .utf8)
        return (dir, lexicon)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: lexicon)))
    func trainThenEvaluate() throws {
        let (dir, _) = try tinySetup()
        defer { try? FileManager.default.removeItem(at: dir) }
        let elang = dir.appendingPathComponent("elang.yaml").path
        // Before training: the error names the command to run.
        let missing = try TestSupport.ebjr(["evaluate", elang])
        #expect(missing.status == 1 && missing.standardError.contains("run `ebjr train ") && missing.standardError.contains("tiny-swift.yaml"),
                "\(missing.standardError)")
        for name in ["swift", "super"] {
            // `distill` and `train` are the same command and accept every kind of recipe.
            let result = try TestSupport.ebjr([name == "super" ? "distill" : "train", dir.appendingPathComponent("tiny-\(name).yaml").path],
                                              environment: ["EBJR_THREADS": "1"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("checkpoint \(dir.path)/tiny-\(name).h5"))
            #expect(result.standardError.contains("epoch 1/1: loss"))  // plain lines off a terminal
        }
        let resumed = try TestSupport.ebjr(["train", dir.appendingPathComponent("tiny-swift.yaml").path, "--resume",
                                            "\(dir.path)/tiny-swift.h5", "--epochs", "2", "--quiet"], environment: ["EBJR_THREADS": "1"])
        #expect(resumed.status == 0 && resumed.standardError.contains("resumed from") && resumed.standardOutput.contains("validation WER"),
                "\(resumed.standardError)")
        let result = try TestSupport.ebjr(["evaluate", elang, "--quiet"], environment: ["EBJR_THREADS": "1"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("sequence-log-probability") && result.standardOutput.contains("report: \(dir.path)/report/report.md"))
        for file in ["report.md", "report.json", "curve-test.csv", "operating-points.csv", "wer-vs-cost.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir.path)/report/\(file)"), "\(file)")
        }
        // Provenance and the training log: the report's manifest hashes the lexicon and both checkpoints (hashlib agrees);
        // the resumed run's log has both epochs, in words per second.
        let provenance = try TestSupport.runPython(script: """
            import hashlib, json, sys
            manifest = json.load(open(sys.argv[1] + "/report/report.json"))["manifest"]
            for entry in manifest["inputs"]:
                assert hashlib.sha256(open(entry["path"], "rb").read()).hexdigest() == entry["sha256"], entry
            assert sorted(entry["role"] for entry in manifest["inputs"]) == ["data", "super model: checkpoint", "swift model: checkpoint"]
            log = open(sys.argv[1] + "/tiny-swift.log.csv").read().splitlines()
            assert log[0] == "epoch,loss,validation_wer,learning_rate,words_per_second,seconds,finished_at", log[0]
            assert [line.split(",")[0] for line in log[1:]] == ["1", "2"], log
            print("ok")
            """, arguments: [dir.path], in: dir)
        #expect(provenance.standardOutput.contains("ok"))
        // The checkpoints' own logits, routed through route-logits with a fixed threshold.
        let routed = try TestSupport.ebjr(["route-logits", "\(dir.path)/report/tiny-swift-test-logits.h5", "--score", "energy-max",
                                           "--scores-csv", "\(dir.path)/scores.csv"])
        #expect(routed.status == 0 && FileManager.default.fileExists(atPath: "\(dir.path)/scores.csv"), "\(routed.standardError)")
        let fixed = try TestSupport.ebjr(["route-logits", "\(dir.path)/report/tiny-swift-test-logits.h5", "--threshold=-1",
                                          "--output", "\(dir.path)/routed"])
        #expect(fixed.status == 0 && fixed.standardOutput.contains("Fixed τ = -1.0"), "\(fixed.standardError)")
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/routed/wer-vs-cost.svg"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: lexicon)))
    func g2pRecipeTypoIsOneLocatedLine() throws {
        let (dir, _) = try tinySetup()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tiny-swift.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "batch_size", with: "batchsize")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try TestSupport.ebjr(["train", path])
        #expect(result.status == 1 && result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("\(path):4: unknown key 'training.batchsize'"), "\(result.standardError)")
    }

    @Test func routeLogitsErrorsAreOneLine() throws {
        let dir = try TestSupport.temporaryDirectory("cli-route")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import h5py, numpy as np, sys
        with h5py.File(sys.argv[1], "w") as f:
            g = f.create_group("test"); g.create_dataset("logits", data=np.zeros((2, 3, 4), np.float32))
            g.create_dataset("lengths", data=np.array([1, 7]))
        """
        let file = dir.appendingPathComponent("bad.h5").path
        _ = try TestSupport.runPython(script: script, arguments: [file], in: dir)
        let result = try TestSupport.ebjr(["route-logits", file])
        #expect(result.status == 1 && result.standardError == "error: \(file): 'test/lengths'[1] = 7 is outside 0…L = 0…3\n",
                "\(result.standardError)")
        let missing = try TestSupport.ebjr(["route-logits", dir.appendingPathComponent("none.h5").path])
        #expect(missing.status == 1 && missing.standardError.contains("none.h5: no such file"))
    }

    /// A classification file goes through the same evaluator as `ebjr evaluate` and prints its summary.
    @Test func routeLogitsClassification() throws {
        let dir = try TestSupport.temporaryDirectory("cli-route-cls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import h5py, numpy as np, sys
        r = np.random.default_rng(5)
        with h5py.File(sys.argv[1], "w") as f:
            for name, n in [("validation", 300), ("test", 300)]:
                g = f.create_group(name)
                labels = r.integers(0, 3, size=n)
                z = r.normal(size=(n, 3)).astype(np.float32); z[np.arange(n), labels] += 1.5
                g.create_dataset("logits", data=z); g.create_dataset("labels", data=labels)
                g.create_dataset("deep_logits", data=np.eye(3, dtype=np.float32)[labels] * 5)
        """
        let file = dir.appendingPathComponent("cls.h5").path
        _ = try TestSupport.runPython(script: script, arguments: [file], in: dir)
        let result = try TestSupport.ebjr(["route-logits", file, "--score", "energy", "--output", dir.appendingPathComponent("out").path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("energy") && FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/report.md").path))
        let fixed = try TestSupport.ebjr(["route-logits", file, "--threshold", "1"])
        #expect(fixed.status == 1 && fixed.standardError.contains("--threshold applies to sequence files"))
    }
}
