import Testing
import Foundation
import _EBJRTestSupport

/// The `ebjr` executable, run as a process: exit codes, one-line errors, and exact resume after SIGKILL.
@Suite(.serialized) struct CLITests {
    let hasData = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    func write(_ text: String, to dir: URL, _ name: String = "recipe.yaml") throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func helpListsTheSubcommands() throws {
        let result = try TestSupport.ebjr(["--help"])
        #expect(result.status == 0)
        for name in ["train", "distill", "logits", "inspect"] { #expect(result.standardOutput.contains(name)) }
    }

    @Test func typoInARecipeIsOneLocatedLine() throws {
        let dir = try TestSupport.temporaryDirectory("cli")
        let recipe = try write("model: {preset: mlp, sizes: [784, 10]}\ntraining:\n  epoch: 3\n", to: dir)
        let result = try TestSupport.ebjr(["train", recipe])
        #expect(result.status == 1)
        #expect(!result.signaled)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.standardError.contains("\(recipe):3"))
        #expect(result.standardError.contains("training.epoch"))
    }

    @Test func missingDataFileIsNamed() throws {
        let dir = try TestSupport.temporaryDirectory("cli")
        let recipe = try write("model: {preset: mlp, sizes: [784, 10]}\ndata: {directory: \(dir.path)/nowhere}\n", to: dir)
        let result = try TestSupport.ebjr(["train", recipe])
        #expect(result.status == 1)
        #expect(result.standardError.contains("nowhere/train-images-idx3-ubyte.gz: file not found"))
    }

    @Test func corruptIDXFileIsNamed() throws {
        let dir = try TestSupport.temporaryDirectory("cli")
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try Data("this is not gzip".utf8).write(to: dir.appendingPathComponent(name))
        }
        let recipe = try write("model: {preset: mlp, sizes: [784, 10]}\ndata: {directory: \(dir.path)}\n", to: dir)
        let result = try TestSupport.ebjr(["train", recipe])
        #expect(result.status == 1)
        #expect(result.standardError.contains("train-images-idx3-ubyte.gz"))
        #expect(result.standardError.contains("not an IDX file"))
    }

    @Test func missingRecipeAndBadCheckpointAreOneLine() throws {
        let missing = try TestSupport.ebjr(["train", "/nonexistent/recipe.yaml"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent/recipe.yaml"))
        let dir = try TestSupport.temporaryDirectory("cli")
        let notHDF5 = dir.appendingPathComponent("x.h5")
        try Data("garbage".utf8).write(to: notHDF5)
        let inspect = try TestSupport.ebjr(["inspect", notHDF5.path])
        #expect(inspect.status == 1)
        #expect(inspect.standardError.contains(notHDF5.path))
    }

    @Test func divergingTrainingStopsWithANonFiniteLoss() throws {
        guard hasData else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("cli")
        let recipe = try write("""
            model: {preset: mlp, sizes: [784, 64, 64, 10]}
            data: {train_limit: 1024}
            training: {epochs: 3, optimizer: sgd, learning_rate: 1000, momentum: 0.9}
            output: {checkpoint: \(dir.path)/diverged.h5}
            """, to: dir)
        let result = try TestSupport.ebjr(["train", recipe, "--quiet"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("training diverged: loss is"))
    }

    /// Train 4 epochs uninterrupted; train again, SIGKILL the process once the epoch-2 checkpoint exists, resume:
    /// the final weights must be bit-identical.
    @Test func killedAndResumedRunIsBitIdentical() throws {
        guard hasData else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("resume")
        let recipeText = """
            name: resume
            seed: 3
            model: {preset: mlp, sizes: [784, 32, 10]}
            data: {train_limit: 20000}
            training: {epochs: 6, batch_size: 32, schedule: cosine}
            """
        let recipe = try write(recipeText, to: dir)
        let straight = dir.appendingPathComponent("straight.h5").path
        let interrupted = dir.appendingPathComponent("interrupted.h5").path
        let first = try TestSupport.ebjr(["train", recipe, "--quiet", "--output", straight])
        #expect(first.status == 0, "\(first.standardError)")

        let process = Process()
        process.executableURL = try TestSupport.ebjrExecutable()
        process.arguments = ["train", recipe, "--quiet", "--output", interrupted]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until a checkpoint of epoch ≥ 2 exists, then kill -9.
        var killedAtEpoch = 0
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: interrupted),
               let epoch = try? epochOf(interrupted), epoch >= 2 {
                kill(process.processIdentifier, SIGKILL)
                killedAtEpoch = epoch
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(killedAtEpoch >= 2 && killedAtEpoch < 6)
        let resumed = try TestSupport.ebjr(["train", recipe, "--quiet", "--resume", interrupted, "--output", interrupted])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("resumed from"))
        let script = """
            import sys, h5py, numpy as np
            a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
            assert a["training_state"].attrs["epoch"] == b["training_state"].attrs["epoch"] == 6
            names = list(a["model_weights"].attrs["layer_names"])
            assert names == list(b["model_weights"].attrs["layer_names"]) and names
            for layer in names:
                for w in a["model_weights"][layer].attrs["weight_names"]:
                    x, y = a["model_weights"][layer][w][()], b["model_weights"][layer][w][()]
                    assert x.tobytes() == y.tobytes(), f"{layer}/{w} differs: max {np.abs(x - y).max()}"
            # The per-epoch logs: epochs 1…6 once each, with the uninterrupted run's losses, metrics and learning rates.
            logs = [[line.split(",") for line in open(p.replace(".h5", ".log.csv")).read().splitlines()] for p in sys.argv[1:3]]
            assert logs[0][0] == logs[1][0] == "epoch,loss,validation_accuracy,learning_rate,samples_per_second,seconds,finished_at".split(",")
            assert [row[0] for row in logs[1][1:]] == [str(e) for e in range(1, 7)], [row[0] for row in logs[1][1:]]
            assert [row[:4] for row in logs[0][1:]] == [row[:4] for row in logs[1][1:]]
            assert b["metadata/training_log"].asstr()[()] == open(sys.argv[2].replace(".h5", ".log.csv")).read()
            print("identical")
            """
        let check = try TestSupport.runPython(script: script, arguments: [straight, interrupted], in: dir)
        #expect(check.standardOutput.contains("identical"))
    }

    /// `keep: best_validation` keeps the epoch with the highest validation accuracy: its final weights must be
    /// bit-identical to those of the same recipe stopped after that epoch.
    @Test func keepingTheBestValidationEpochEqualsStoppingThere() throws {
        guard hasData else { Issue.record("dataset-fashion-mnist is not installed (scripts/system-deps.sh)"); return }
        let dir = try TestSupport.temporaryDirectory("keep")
        let recipe = try write("""
            name: keep
            seed: 5
            model: {preset: mlp, sizes: [784, 16, 10]}
            data: {train_limit: 3000}
            training: {epochs: 6, batch_size: 64, learning_rate: 0.02, keep: best_validation}
            """, to: dir)
        let best = dir.appendingPathComponent("best.h5").path
        let run = try TestSupport.ebjr(["train", recipe, "--quiet", "--output", best])
        #expect(run.status == 0, "\(run.standardError)")
        let accuracies = run.standardError.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("epoch "), let range = line.range(of: "validation accuracy ") else { return nil }
            return Double(line[range.upperBound...].dropLast())
        }
        #expect(accuracies.count == 6, "\(run.standardError)")
        let keptEpoch = accuracies.indices.max { accuracies[$0] < accuracies[$1] || (accuracies[$0] == accuracies[$1] && $0 > $1) }! + 1
        #expect(run.standardError.contains("keeping epoch \(keptEpoch) "), "\(run.standardError)")

        let stopped = dir.appendingPathComponent("stopped.h5").path
        let lastRecipe = try write(try String(contentsOfFile: recipe, encoding: .utf8)
            .replacingOccurrences(of: "keep: best_validation", with: "keep: last"), to: dir, "last.yaml")
        let second = try TestSupport.ebjr(["train", lastRecipe, "--quiet", "--epochs", "\(keptEpoch)", "--output", stopped])
        #expect(second.status == 0, "\(second.standardError)")

        let script = """
            import sys, h5py
            best, stopped = (h5py.File(p, "r") for p in sys.argv[1:3])
            assert "best_model_weights" not in best
            assert best["metadata/kept_weights"][()].decode() == "best_validation"
            assert int(float(best["metadata/kept_epoch"][()].decode())) == int(sys.argv[3])
            for layer in best["model_weights"].attrs["layer_names"]:
                for w in best["model_weights"][layer].attrs["weight_names"]:
                    a = best["model_weights"][layer][w][()].tobytes()
                    assert a == stopped["model_weights"][layer][w][()].tobytes(), f"{layer}/{w} differs from the stopped run"
            print("same")
            """
        let check = try TestSupport.runPython(script: script, arguments: [best, stopped, "\(keptEpoch)"], in: dir)
        #expect(check.standardOutput.contains("same"))
    }

    /// Reads `training_state` epoch with `ebjr inspect` (no Python needed while polling).
    func epochOf(_ path: String) throws -> Int? {
        let result = try TestSupport.ebjr(["inspect", path])
        guard result.status == 0, let line = result.standardOutput.split(separator: "\n").first(where: { $0.contains("training") && $0.contains("epoch") }) else { return nil }
        let parts = line.split(separator: " ")
        guard let i = parts.firstIndex(of: "epoch"), i + 1 < parts.count else { return nil }
        return Int(parts[i + 1].trimmingCharacters(in: CharacterSet(charactersIn: ",")))
    }
}
