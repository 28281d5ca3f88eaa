import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRCheckpoint
import _EBJRTestSupport

/// Provenance end to end: a recipe trained on a small HDF5 copy of Fashion-MNIST records its manifest in the
/// checkpoint (`metadata/provenance`), and an evaluation of that checkpoint writes the `manifest` block into
/// `report.json` (and one line into `report.md`). Python re-hashes every recorded file with hashlib and compares the
/// commit with `git rev-parse HEAD`.
@Suite("Provenance in checkpoints and reports")
struct ProvenanceWorkflowTests {
    static let check = """
        import hashlib, json, os, shutil, subprocess, sys
        manifest, root = json.loads(open(sys.argv[1]).read()), sys.argv[2]
        assert manifest["toolkit_version"] == sys.argv[3], manifest["toolkit_version"]
        git = shutil.which("git")
        if git and os.path.exists(os.path.join(root, ".git")):
            head = subprocess.run([git, "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
            assert manifest["git_commit"] == head, (manifest.get("git_commit"), head)
        for entry in manifest["inputs"]:
            data = open(entry["path"], "rb").read()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"], entry
        recipe = manifest["recipe"]
        text = recipe["text"] if "text" in recipe else open(recipe["file"]).read()
        assert hashlib.sha256(text.encode()).hexdigest() == recipe["sha256"], recipe
        print(" ".join(sorted(entry["role"] for entry in manifest["inputs"])), "has_text" if "text" in recipe else "no_text")
        """

    @Test(.enabled(if: TestSupport.hasFashionMNIST))
    func checkpointAndReportRecordTheirInputs() throws {
        let dir = try TemporaryDirectory("provenance")
        let data = dir.file("fmnist.h5")
        try TestSupport.writeFashionMNISTHDF5(to: data, train: 200, validation: 100, test: 100)
        let recipe = dir.file("tiny.yaml")
        try Data("""
            name: tiny
            data: {dataset: hdf5, path: \(data.path)}
            model: {preset: mlp, sizes: [784, 8, 10]}
            training: {epochs: 1, batch_size: 50}
            output: {checkpoint: \(dir.file("tiny.h5").path)}
            """.utf8).write(to: recipe)
        _ = try TrainingWorkflow(options: .init(quiet: true)).run(recipePath: recipe.path)
        let checkpoint = try Checkpoint.load(from: dir.file("tiny.h5"))
        let stored = try #require(checkpoint.metadata["provenance"])
        try Data(stored.utf8).write(to: dir.file("checkpoint-manifest.json"))
        let version = CheckpointFormat.toolkitVersion
        let fromCheckpoint = try TestSupport.runPython(script: Self.check, arguments: [dir.file("checkpoint-manifest.json").path,
                                                                                        TestSupport.packageRoot.path, version], in: dir.url)
        #expect(fromCheckpoint.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "data no_text")
        #expect(FileManager.default.fileExists(atPath: dir.file("tiny.log.csv").path))

        let evaluation = dir.file("eval.yaml")
        try Data("""
            name: tiny-eval
            data: {dataset: hdf5, path: \(data.path)}
            deep: {name: deep, checkpoint: \(dir.file("tiny.h5").path)}
            side_models: [{name: side, checkpoint: \(dir.file("tiny.h5").path)}]
            scores: [energy]
            temperatures: [1]
            latency: {enabled: false}
            output: \(dir.file("report").path)
            """.utf8).write(to: evaluation)
        var runner = EvaluationRunner(recipe: try EvaluationRecipe.load(path: evaluation.path))
        runner.quiet = true
        _ = try runner.run()
        let report = try TestSupport.runPython(script: """
            import json, sys
            json.dump(json.load(open(sys.argv[1]))["manifest"], open(sys.argv[2], "w"))
            """, arguments: [dir.file("report/report.json").path, dir.file("report-manifest.json").path], in: dir.url)
        _ = report
        let fromReport = try TestSupport.runPython(script: Self.check, arguments: [dir.file("report-manifest.json").path,
                                                                                   TestSupport.packageRoot.path, version], in: dir.url)
        #expect(fromReport.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                == "data deep model deep: checkpoint side model side: checkpoint has_text")
        let markdown = try String(contentsOf: dir.file("report/report.md"), encoding: .utf8)
        #expect(markdown.contains("Provenance: ebjr \(version)") && markdown.contains("`manifest` in report.json"))
    }
}
