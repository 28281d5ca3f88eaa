import EBJRCheckpoint
import EBJREvaluation
import EBJRNN
import EBJRRouting
import EBJRTensor
import Foundation
import Testing
import _EBJRTestSupport
@testable import EBJRExport

/// Exports routers for a general side model, an other-class and a subset-only specialist and a general model
/// restricted to the subset, with each of the four deployable scores, runs each exported pair (side.onnx,
/// deep.onnx) in onnxruntime on the test inputs, merges the answers as `router.json` says, and compares with the
/// evaluation: the joint accuracy and the routed fraction must be the report's exactly (as counts).
@Suite struct RouterExportTests {
    @Test func exportedRoutersReproduceTheReportExactly() throws {
        let setup = try RouterSetup(seed: 5)
        let result = try setup.evaluate()
        let directory = try TestSupport.temporaryDirectory("router")
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [String: (correct: Int, routed: Int, scores: [Double])] = [:]
        var routers: [String] = []
        for side in result.sideModels {
            for score in side.scores {
                let point = try #require(score.operatingPoints.first { $0.criterion == .targetAcceptance(0.5) })
                let chosen = ChosenPoint(side: side, score: score, point: point)
                let name = "\(RouterSetup.slug(side.name))-\(score.score.name)"
                let folder = directory.appendingPathComponent(name)
                let manifest = try RouterExporter.export(point: chosen, result: result, side: setup.model(side.name),
                                                         deep: setup.deepModel, labels: setup.labels, report: "test", mix: "natural",
                                                         to: folder)
                #expect(manifest.score == score.score)
                #expect(manifest.threshold == point.rule.tau)
                #expect(manifest.test.acceptance == point.test.statistics.acceptance)
                #expect(point.test.statistics.acceptedCount > 0 && point.test.statistics.acceptedCount < setup.testLabels.count)
                let n = Double(setup.testLabels.count)
                let logits = setup.testLogits[side.name]!
                expected[name] = (Int((point.test.measuredJointAccuracy * n).rounded()),
                                  setup.testLabels.count - point.test.statistics.acceptedCount,
                                  try score.score.values(of: logits, columns: side.subsetRouting?.scoreColumns))
                routers.append(folder.path)
            }
        }
        #expect(routers.count == 4 * 4)
        let outcomes = try RouterSetup.runRouters(routers, inputs: setup.testInputs, labels: setup.testLabels, in: directory)
        for router in routers {
            let name = (router as NSString).lastPathComponent
            let outcome = try #require(outcomes[router])
            let want = try #require(expected[name])
            #expect(outcome.correct == want.correct, "\(name): joint correct count")
            #expect(outcome.routed == want.routed, "\(name): routed count")
            let scoreDiff = zip(outcome.scores, want.scores).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(scoreDiff < 1e-4, "\(name): max relative |score(onnxruntime) − score(Swift)| = \(scoreDiff)")
        }
    }

    /// The command's path: a report folder with checkpoints recorded, the recommendation exported by name of mix.
    @Test func reportFolderExportUsesTheRecommendation() throws {
        let setup = try RouterSetup(seed: 6)
        let directory = try TestSupport.temporaryDirectory("router-report")
        defer { try? FileManager.default.removeItem(at: directory) }
        var result = try setup.evaluate(checkpoints: directory)
        let mix = Recommender.recommend(result, key: "natural", label: "natural mix", report: "report.md")
        let criterion = try #require(Recommender.headlineCriterion(result.settings))
        result.recommendation = RecommendationBlock(criterion: criterion, mixes: [mix])
        let report = directory.appendingPathComponent("report")
        try ReportWriter.write(result, to: report)
        let point = try #require(mix.point)

        let output = directory.appendingPathComponent("router")
        let manifest = try RouterExporter.export(reportDirectory: report, mix: "natural", sideModel: nil, to: output)
        #expect(manifest.side.name == point.sideModel && manifest.score == point.score && manifest.threshold == point.threshold)
        let read = try JSONDecoder().decode(RouterManifest.self, from: Data(contentsOf: output.appendingPathComponent("router.json")))
        #expect(read == manifest)
        try read.validate()
        let outcomes = try RouterSetup.runRouters([output.path], inputs: setup.testInputs, labels: setup.testLabels, in: directory)
        let outcome = try #require(outcomes[output.path])
        let n = Double(setup.testLabels.count)
        #expect(outcome.correct == Int((point.realised.jointAccuracy * n).rounded()))
        #expect(outcome.routed == Int(((1 - point.realised.acceptance) * n).rounded()))

        #expect(throws: RouterExportError.self) {
            try RouterExporter.export(reportDirectory: report, mix: "90", sideModel: nil, to: output)
        }
        #expect(throws: RouterExportError.self) {
            try RouterExporter.export(reportDirectory: report, mix: "natural", sideModel: "no such model", to: output)
        }
        do {
            try RouterExporter.export(reportDirectory: report, mix: "90", sideModel: nil, to: output)
        } catch let error as RouterExportError {
            #expect(error.description.contains("report.json") && error.description.contains("known: natural"))
        }
    }
}

/// Seeded synthetic data (12 features, 10 classes labelled by a hidden linear map) and hand-built linear models:
/// the deep model is the hidden map slightly perturbed, the side models noisier copies (the specialists keep the
/// rows of the subset {5, 7, 9}, the other-class one an extra "other" row).
struct RouterSetup {
    static let subset = [5, 7, 9]
    let labels = (0..<10).map { "class \($0)" }
    let deepModel: RouterExporter.Model
    var sides: [(name: String, model: RouterExporter.Model, routing: SubsetRouting?)] = []
    let validationInputs: Tensor
    let testInputs: Tensor
    let validationLabels: [Int]
    let testLabels: [Int]
    var validationLogits: [String: Logits] = [:]
    var testLogits: [String: Logits] = [:]
    var deepLogits: (validation: Logits, test: Logits)

    init(seed: UInt64) throws {
        var g = RandomGenerator(seed: seed)
        let features = 12, n = 500
        let truth = (0..<(10 * features)).map { _ in g.nextNormal() }
        func inputs() -> Tensor { Tensor((0..<(n * features)).map { _ in g.nextNormal() }, shape: [n, features]) }
        func labelsOf(_ x: Tensor) -> [Int] {
            (0..<n).map { i in
                let scores = (0..<10).map { c in (0..<features).reduce(Float(0)) { $0 + truth[c * features + $1] * x.data[i * features + $1] } }
                return argmax(scores)
            }
        }
        validationInputs = inputs()
        testInputs = inputs()
        validationLabels = labelsOf(validationInputs)
        testLabels = labelsOf(testInputs)
        func linear(_ rows: [[Float]], name: String) -> RouterExporter.Model {
            let config = ModelConfig.mlp([features, rows.count])
            let weight = Tensor(rows.flatMap { $0 }, shape: [rows.count, features])
            let bias = Tensor((0..<rows.count).map { _ in 0.1 * g.nextNormal() }, shape: [rows.count])
            return RouterExporter.Model(name: name, config: config, weights: [("layers.0.weight", weight), ("layers.0.bias", bias)],
                                        checkpoint: nil)
        }
        func noisyRow(_ c: Int, _ noise: Float) -> [Float] { (0..<features).map { truth[c * features + $0] + noise * g.nextNormal() } }
        deepModel = linear((0..<10).map { noisyRow($0, 0.15) }, name: "deep")
        let general = linear((0..<10).map { noisyRow($0, 0.8) }, name: "general")
        let otherRow = (0..<features).map { j in (0..<10).filter { !Self.subset.contains($0) }.reduce(Float(0)) { $0 + truth[$1 * features + j] } / 7 }
        sides = [
            ("general", general, nil),
            ("general-restricted", general, try SubsetRouting(subset: Self.subset, design: .generalRestricted(classCount: 10))),
            ("other-class", linear(Self.subset.map { noisyRow($0, 0.5) } + [otherRow], name: "other-class"),
             try SubsetRouting(subset: Self.subset, trainedAs: .otherClass)),
            ("energy-margin", linear(Self.subset.map { noisyRow($0, 0.5) }, name: "energy-margin"),
             try SubsetRouting(subset: Self.subset, trainedAs: .energyMargin)),
        ]
        deepLogits = (try Self.logits(deepModel, validationInputs), try Self.logits(deepModel, testInputs))
        for side in sides {
            validationLogits[side.name] = try Self.logits(side.model, validationInputs)
            testLogits[side.name] = try Self.logits(side.model, testInputs)
        }
    }

    func model(_ name: String) -> RouterExporter.Model { sides.first { $0.name == name }!.model }

    /// The evaluation of every side model with the four deployable scores; with `checkpoints`, each model is saved
    /// there and its path recorded in the result.
    func evaluate(checkpoints: URL? = nil) throws -> EvaluationResult {
        var paths: [String: String] = [:]
        if let checkpoints {
            for (name, model) in [("deep", deepModel)] + sides.map({ ($0.name, $0.model) }) {
                let url = checkpoints.appendingPathComponent("\(name).h5")
                try Checkpoint(modelConfig: model.config, modelState: model.weights, classNames: labels).save(to: url)
                paths[name] = url.path
            }
        }
        let settings = EvaluationSettings(scores: [.energy(temperature: 2), .maxSoftmax(temperature: 0.5), .entropy(temperature: 1), .margin],
                                          criteria: [.targetAcceptance(0.5), .accuracyTolerance(0.02)], curvePoints: 21, histogramBins: 8)
        let inputs = sides.map { side in
            SideModelInput(name: side.name, flops: 1_000, subsetRouting: side.routing, checkpoint: paths[side.name],
                           validationLogits: validationLogits[side.name]!, testLogits: testLogits[side.name]!)
        }
        return try Evaluator(settings: settings).evaluate(
            title: "router", deepName: "deep", deepFLOPs: 10_000,
            validation: try EvaluationSplit(labels: validationLabels, deepLogits: deepLogits.validation),
            test: try EvaluationSplit(labels: testLabels, deepLogits: deepLogits.test), sideModels: inputs,
            deepCheckpoint: paths["deep"])
    }

    static func logits(_ model: RouterExporter.Model, _ x: Tensor) throws -> Logits {
        var generator = RandomGenerator(seed: 0)
        let network = try model.config.makeModel(generator: &generator)
        let parameters = Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.tensor) })
        for (name, tensor) in model.weights {
            let target = parameters[name]!
            for i in 0..<tensor.count { target.data[i] = tensor.data[i] }
        }
        network.eval()
        let out = network(x)
        return try Logits(values: out.scalars, count: out.shape[0], classCount: out.shape[1])
    }

    static func slug(_ s: String) -> String { s.replacingOccurrences(of: " ", with: "-") }

    /// Runs every router folder in onnxruntime on `inputs`; returns per folder the joint correct count, the routed
    /// count and the side model's scores.
    static func runRouters(_ routers: [String], inputs: Tensor, labels: [Int], in directory: URL) throws
        -> [String: (correct: Int, routed: Int, scores: [Double])] {
        let inputURL = directory.appendingPathComponent("inputs.f32")
        try inputs.scalars.withUnsafeBufferPointer { try Data(buffer: $0).write(to: inputURL) }
        let labelURL = directory.appendingPathComponent("labels.json")
        try JSONEncoder().encode(labels).write(to: labelURL)
        let outURL = directory.appendingPathComponent("outcomes.json")
        try TestSupport.runPython(script: script, arguments: [inputURL.path, inputs.shape.map(String.init).joined(separator: ","),
                                                              labelURL.path, outURL.path] + routers, in: directory)
        struct Outcome: Decodable { let correct: Int; let routed: Int; let scores: [Double] }
        let decoded = try JSONDecoder().decode([String: Outcome].self, from: Data(contentsOf: outURL))
        return decoded.mapValues { ($0.correct, $0.routed, $0.scores) }
    }

    /// argv: inputs .f32, shape, labels .json, output .json, router folders. Follows router.json only.
    static let script = #"""
        import json, os, sys
        import numpy as np
        import onnx
        import onnxruntime as ort

        inputs_path, shape, labels_path, out_path = sys.argv[1:5]
        x = np.fromfile(inputs_path, dtype="<f4").reshape([int(d) for d in shape.split(",")])
        labels = np.array(json.load(open(labels_path)))
        result = {}
        for folder in sys.argv[5:]:
            manifest = json.load(open(os.path.join(folder, "router.json")))
            assert manifest["format"] == "ebjr-router" and manifest["formatVersion"] == 1
            runs = {}
            for role in ("side", "deep"):
                path = os.path.join(folder, manifest[role]["file"])
                onnx.checker.check_model(onnx.load(path), full_check=True)
                session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                names = [o.name for o in session.get_outputs()]
                runs[role] = dict(zip(names, session.run(None, {"input": x})))
            out = manifest["outputs"]
            side, deep = runs["side"], runs["deep"]
            assert side[out["score"]].dtype == np.float64 and side[out["accept"]].dtype == np.bool_
            accept = side[out["accept"]]
            joint = np.where(accept, side[out["prediction"]], deep[out["prediction"]])
            result[folder] = {"correct": int((joint == labels).sum()), "routed": int((~accept).sum()),
                              "scores": side[out["score"]].tolist()}
        json.dump(result, open(out_path, "w"))
        """#
}
