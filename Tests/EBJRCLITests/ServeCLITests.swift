import Testing
import Foundation
import EBJR
import _EBJRTestSupport

/// `ebjr serve` with real parts: the official Triton HTTP client, a real MLServer serving the deep CNN's ONNX export,
/// and faults from outside (Tests/ServeSupport/*.py start and stop every server on free ports, leaving none behind).
/// They need the serving environment: `scripts/serve-env.sh` (which `scripts/test.sh` runs) or `EBJR_SERVE_PYTHON`.
enum ServeFixture {
    /// A seeded other-class side MLP over {sandal, sneaker, ankle boot}, a small seeded CNN as the deep model, their
    /// `ebjr logits` on the test split, an `ebjr evaluate` report choosing the energy threshold on validation, and
    /// the CNN's ONNX export.
    static let directory: Result<URL, Error> = Result {
        let dir = try TestSupport.temporaryDirectory("serve")
        var generator = RandomGenerator(seed: 11)
        let sideConfig = ModelConfig.mlp([784, 16, 4])
        let side = try sideConfig.makeModel(generator: &generator)
        try Checkpoint(modelConfig: sideConfig, modelState: Checkpoint.modelState(of: side), classNames: FashionMNIST.classNames,
                       classSubset: [5, 7, 9], subsetDesign: .otherClass).save(to: dir.appendingPathComponent("side.h5"))
        let deepConfig = ModelConfig(inputShape: [1, 28, 28], layers: [
            .conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 3, stride: 1, padding: 0, bias: true), .relu,
            .maxPool2d(kernelSize: 2, stride: 2), .flatten, .linear(inputFeatures: 4 * 13 * 13, outputFeatures: 10, bias: true)])
        let deep = try deepConfig.makeModel(generator: &generator)
        try Checkpoint(modelConfig: deepConfig, modelState: Checkpoint.modelState(of: deep), classNames: FashionMNIST.classNames)
            .save(to: dir.appendingPathComponent("deep.h5"))
        let recipe = """
            name: serve-test
            deep: {name: cnn, checkpoint: \(dir.path)/deep.h5}
            side_models:
              - {name: side, checkpoint: \(dir.path)/side.h5}
            scores: [energy]
            temperatures: [1]
            criteria: {target_acceptance: [0.5]}
            latency: {enabled: false}
            output: \(dir.path)/run
            """
        try Data(recipe.utf8).write(to: dir.appendingPathComponent("evaluate.yaml"))
        for arguments in [["logits", "--checkpoint", "\(dir.path)/side.h5", "--split", "test", "--output", "\(dir.path)/side-test.h5"],
                          ["logits", "--checkpoint", "\(dir.path)/deep.h5", "--split", "test", "--output", "\(dir.path)/deep-test.h5"],
                          ["evaluate", "\(dir.path)/evaluate.yaml", "--quiet"],
                          ["export", "onnx", "\(dir.path)/deep.h5", "--output", "\(dir.path)/deep.onnx"]] {
            let result = try TestSupport.ebjr(arguments)
            guard result.status == 0 else { throw TestSupport.Failure("ebjr \(arguments.joined(separator: " ")): \(result.standardError)") }
        }
        return dir
    }

    /// Runs `ebjr evaluate` on the fixture's side and deep checkpoints with the given recipe lines (scores,
    /// criteria, latency) into `<fixture>/<name>`; returns that folder.
    static func evaluate(_ name: String, _ settings: String) throws -> URL {
        let dir = try directory.get()
        let recipe = """
            name: \(name)
            deep: {name: cnn, checkpoint: \(dir.path)/deep.h5}
            side_models:
              - {name: side, checkpoint: \(dir.path)/side.h5}
            temperatures: [1]
            output: \(dir.path)/\(name)

            """ + settings
        let file = dir.appendingPathComponent("\(name).yaml")
        try Data(recipe.utf8).write(to: file)
        let result = try TestSupport.ebjr(["evaluate", file.path, "--quiet"])
        guard result.status == 0 else { throw TestSupport.Failure("ebjr evaluate \(name): \(result.standardError)") }
        return dir.appendingPathComponent(name)
    }

    /// The serving environment's Python: `$EBJR_SERVE_PYTHON`, else `<package>/.venv-serve/bin/python`.
    static func python() throws -> URL {
        let candidates = [ProcessInfo.processInfo.environment["EBJR_SERVE_PYTHON"],
                          TestSupport.packageRoot.appendingPathComponent(".venv-serve/bin/python").path].compactMap { $0 }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        throw TestSupport.Failure("no serving Python at \(candidates.joined(separator: ", ")): run scripts/serve-env.sh (or set EBJR_SERVE_PYTHON)")
    }

    /// Runs one of Tests/ServeSupport's scripts against the fixture; its output on failure.
    static func runScript(_ name: String) throws -> TestSupport.ProcessResult {
        let dir = try directory.get()
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/ServeSupport/\(name)")
        return try TestSupport.run(try python(), [script.path, try TestSupport.ebjrExecutable().path, dir.path,
                                                  "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"])
    }
}

@Test func serveAnswersTheOfficialTritonClientLikeEbjrLogitsAndTheReportRule() throws {
    let result = try ServeFixture.runScript("serve_official_client.py")
    #expect(result.status == 0, "\(result.standardError)\n\(result.standardOutput)")
    #expect(result.standardOutput.contains("official client:"))
}

@Test func serveInFrontOfMLServerEqualsTheJointModelAndSurvivesFaults() throws {
    let result = try ServeFixture.runScript("serve_mlserver_faults.py")
    #expect(result.status == 0, "\(result.standardError)\n\(result.standardOutput)")
    #expect(result.standardOutput.contains("MLServer:"))
}

@Test func serveDryRunStatesTheReportsRuleAndRefusesBadConfigurations() throws {
    let dir = try ServeFixture.directory.get()
    let result = try TestSupport.ebjr(["serve", "--side", "\(dir.path)/side.h5", "--deep", "\(dir.path)/deep.h5",
                                       "--operating-point", "\(dir.path)/run/report.json", "--side-name", "side",
                                       "--criterion", "target-acceptance", "--dry-run"])
    #expect(result.status == 0, "\(result.standardError)")
    // The threshold and validation acceptance of the report's operating point, read here with JSONSerialization.
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/report.json"))) as! [String: Any]
    let side = (report["sideModels"] as! [[String: Any]])[0]
    let point = ((side["scores"] as! [[String: Any]])[0]["operatingPoints"] as! [[String: Any]])[0]
    let tau = (point["rule"] as! [String: Any])["value"] as! Double
    let acceptance = (((point["validation"] as! [String: Any])["statistics"] as! [String: Any])["acceptance"] as! Double)
    // τ as printed, within parsing differences of JSONSerialization and JSONDecoder in the last digit.
    let printed = result.standardOutput.components(separatedBy: "accept iff energy T=1 ≤ ").dropFirst().first?
        .split(separator: " ").first.flatMap { Double($0) }
    #expect(printed.map { abs($0 - tau) <= 1e-12 * max(1, abs(tau)) } == true, "\(result.standardOutput)")
    #expect(result.standardOutput.contains("other-class side model over classes [5, 7, 9]"))
    #expect(result.standardOutput.contains("side answers \((acceptance * 100 * 100).rounded() / 100)%"), "\(result.standardOutput)")

    let missing = try TestSupport.ebjr(["serve", "--side", "\(dir.path)/side.h5", "--deep", "\(dir.path)/deep.h5",
                                        "--operating-point", "\(dir.path)/run/report.json", "--side-name", "nope",
                                        "--criterion", "target-acceptance", "--dry-run"])
    #expect(missing.status == 1)
    #expect(missing.standardError.contains("no side model 'nope' (the report has side)"), "\(missing.standardError)")
    let criterion = try TestSupport.ebjr(["serve", "--side", "\(dir.path)/side.h5", "--deep", "\(dir.path)/deep.h5",
                                          "--operating-point", "\(dir.path)/run/report.json", "--side-name", "side",
                                          "--criterion", "selective-risk", "--dry-run"])
    #expect(criterion.status == 1)
    #expect(criterion.standardError.contains("no operating point for criterion 'selective-risk' (it has "), "\(criterion.standardError)")
    #expect(criterion.standardError.contains("target-acceptance=0.5"), "\(criterion.standardError)")
    let general = try TestSupport.ebjr(["serve", "--side", "\(dir.path)/deep.h5", "--deep", "\(dir.path)/side.h5",
                                        "--score", "energy", "--at-most=-1", "--dry-run"])
    #expect(general.status == 1)
    #expect(general.standardError.contains("cannot be the deep model"), "\(general.standardError)")
}

@Test func serveRouterTakesTheExportedOperatingPointAndItsCheckpoints() throws {
    let dir = try ServeFixture.directory.get()
    let routerDir = try TestSupport.temporaryDirectory("serve-router").appendingPathComponent("router")
    let export = try TestSupport.ebjr(["export", "router", "\(dir.path)/run", "--mix", "natural", "--output", routerDir.path])
    #expect(export.status == 0, "\(export.standardError)")
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: routerDir.appendingPathComponent("router.json"))) as! [String: Any]
    let tau = try #require(manifest["threshold"] as? Double)
    let acceptance = try #require((manifest["validation"] as? [String: Any])?["acceptance"] as? Double)

    // No --side, --deep or rule options: all of them come from router.json.
    let served = try TestSupport.ebjr(["serve", "--router", routerDir.path, "--dry-run"])
    #expect(served.status == 0, "\(served.standardError)")
    let printed = served.standardOutput.components(separatedBy: "accept iff energy T=1 ≤ ").dropFirst().first?
        .split(separator: " ").first.flatMap { Double($0) }
    #expect(printed.map { abs($0 - tau) <= 1e-12 * max(1, abs(tau)) } == true, "\(served.standardOutput)")
    #expect(served.standardOutput.contains("side model: \(dir.path)/side.h5"), "\(served.standardOutput)")
    #expect(served.standardOutput.contains("other-class side model over classes [5, 7, 9]"), "\(served.standardOutput)")
    #expect(served.standardOutput.contains("side answers \((acceptance * 100 * 100).rounded() / 100)%"), "\(served.standardOutput)")

    // A side checkpoint the router was not exported from, a rule given twice, a file that is not a manifest.
    let other = try TestSupport.ebjr(["serve", "--router", routerDir.path, "--side", "\(dir.path)/deep.h5", "--dry-run"])
    #expect(other.status == 1)
    #expect(other.standardError.contains("router.json: the manifest's side model has 4 outputs"), "\(other.standardError)")
    let twice = try TestSupport.ebjr(["serve", "--router", routerDir.path, "--score", "energy", "--at-most=-1", "--dry-run"])
    #expect(twice.status != 0)
    #expect(twice.standardError.contains("--router takes the rule from router.json"), "\(twice.standardError)")
    let notManifest = try TestSupport.ebjr(["serve", "--router", "\(dir.path)/run/report.json", "--dry-run"])
    #expect(notManifest.status == 1)
    #expect(notManifest.standardError.contains("not an ebjr router manifest"), "\(notManifest.standardError)")
    #expect(notManifest.standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ebjr was built without") }.count == 1,
            "\(notManifest.standardError)")
}

/// A learned deferral score, trained by `ebjr evaluate` and stored in its report, served by `ebjr serve`: scores
/// and routing checked against NumPy in Tests/ServeSupport/serve_learned.py.
@Test func serveAppliesTheReportsLearnedRouter() throws {
    let dir = try ServeFixture.directory.get()
    _ = try ServeFixture.evaluate("run-learned", """
        scores: [energy, learned]
        criteria: {target_acceptance: [0.5]}
        latency: {enabled: false}
        """)
    let script = TestSupport.packageRoot.appendingPathComponent("Tests/ServeSupport/serve_learned.py")
    let result = try TestSupport.run(try ServeFixture.python(), [script.path, try TestSupport.ebjrExecutable().path, dir.path,
                                                                 "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                                                                 "\(dir.path)/run-learned/report.json"])
    #expect(result.status == 0, "\(result.standardError)\n\(result.standardOutput)")
    #expect(result.standardOutput.contains("learned: "), "\(result.standardOutput)")

    // Given directly, a learned score has no router: one line pointing at the report.
    let direct = try TestSupport.ebjr(["serve", "--side", "\(dir.path)/side.h5", "--deep", "\(dir.path)/deep.h5",
                                       "--score", "learned", "--at-most=0.5", "--dry-run"])
    #expect(direct.status == 1)
    #expect(direct.standardError.contains("is a trained router: serve it from its report"), "\(direct.standardError)")
}

/// `ebjr evaluate` with latency on: for the joint model, the measured (wall-time) cost sits beside the FLOPs cost of
/// the same samples' routing, and that FLOPs cost is the report's own test cost (same routed share, same FLOPs).
@Test func evaluateLatencyComparesWallTimeWithFlopsCost() throws {
    let dir = try ServeFixture.directory.get()
    _ = try ServeFixture.evaluate("run-latency", """
        scores: [energy]
        criteria: {accuracy_tolerance: 0.05}
        latency: {enabled: true, samples: 40}
        """)
    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run-latency/latency.json"))) as! [[String: Any]]
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run-latency/report.json"))) as! [String: Any]
    let deepFlops = (report["deep"] as! [String: Any])["flops"] as! Double
    let side = (report["sideModels"] as! [[String: Any]])[0]
    let sideFlops = side["flops"] as! Double
    let point = ((side["scores"] as! [[String: Any]])[0]["operatingPoints"] as! [[String: Any]])[0]
    let test = point["test"] as! [String: Any]
    let acceptance = (test["statistics"] as! [String: Any])["acceptance"] as! Double
    let joint = try #require(rows.first { ($0["model"] as? String)?.hasPrefix("joint") == true })
    let cost = try #require(joint["cost"] as? [String: Double])
    let routed = try #require(joint["routedFraction"] as? Double)
    // The batched run routes the whole test split: the report's routed share, and its relative cost.
    #expect(abs(routed - (1 - acceptance)) <= 1e-9, "routed \(routed), report acceptance \(acceptance)")
    #expect(abs(cost["batchedFlops"]! - (sideFlops + routed * deepFlops) / deepFlops) <= 1e-12)
    #expect(abs(cost["batchedFlops"]! - (test["relativeCost"] as! Double)) <= 1e-9)
    #expect(abs(cost["batch1Flops"]! - (sideFlops + cost["batch1Routed"]! * deepFlops) / deepFlops) <= 1e-12)
    #expect((cost["batch1Routed"]! * 40).rounded() == cost["batch1Routed"]! * 40)
    for key in ["batch1Wall", "batchedWall"] { #expect(cost[key]!.isFinite && cost[key]! > 0, "\(key) \(cost[key]!)") }
    let markdown = try String(contentsOf: dir.appendingPathComponent("run-latency/latency.md"), encoding: .utf8)
    #expect(markdown.contains("## Measured cost against FLOPs cost"), "\(markdown)")
}
