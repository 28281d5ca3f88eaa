import Testing
import Foundation
@testable import EBJRLang

@Suite("E-LANG sequence scores and routing")
struct RoutingTests {
    @Test func tokenStatisticsAndScoresByHand() {
        // Two steps over V = 3: z₁ = (0, 0, ln 2) → lse = ln 4, p_max = 1/2; z₂ = (ln 3, 0, 0) → lse = ln 5, p_max = 3/5.
        let logits: [Float] = [0, 0, Float(log(2.0)), Float(log(3.0)), 0, 0]
        let stats = logits.withUnsafeBufferPointer { TokenStatistics(logits: $0, vocabularySize: 3, tokens: [2, 1]) }
        #expect(abs(stats.energies[0] + log(4)) < 1e-6 && abs(stats.energies[1] + log(5)) < 1e-6)
        #expect(abs(SequenceScore.energyMean.score(stats) + (log(4) + log(5)) / 2) < 1e-6)
        #expect(abs(SequenceScore.energyMax.score(stats) + log(4)) < 1e-6)
        #expect(abs(SequenceScore.energySum.score(stats) + log(20)) < 1e-6)
        #expect(abs(SequenceScore.energyFirst.score(stats) + log(4)) < 1e-6)
        #expect(abs(SequenceScore.maxProbabilityMean.score(stats) + 0.55) < 1e-6)
        #expect(abs(SequenceScore.maxProbabilityMin.score(stats) + 0.5) < 1e-6)
        // Chosen tokens 2 (p = 1/2) and 1 (p = 1/5): −log(1/10).
        #expect(abs(SequenceScore.logProbability.score(stats) - log(10)) < 1e-6)
    }

    func words() -> [RoutedWord] {
        // Scores 1…6; Swift right on the three most confident words, Super right everywhere but word 6.
        (1...6).map { RoutedWord(score: Double($0), swiftCorrect: $0 <= 3, superCorrect: $0 != 6, swiftCost: 1, superCost: 10) }
    }

    @Test func operatingPointsAndThreshold() {
        let all = words()
        let point = SequenceRouter.evaluate(all, threshold: 3)
        #expect(point.routedFraction == 0.5 && point.jointWER == 1.0 / 6.0 && abs(point.relativeCost - 36.0 / 60.0) < 1e-12)
        let curve = SequenceRouter.curve(all)
        #expect(curve.count == 7 && curve.first!.routedFraction == 1 && curve.last!.routedFraction == 0)
        #expect(curve.allSatisfy { $0 == SequenceRouter.evaluate(all, threshold: $0.threshold) })
        // Super alone: 1/6; within 0 pp the cheapest is τ = 3, within 1/6 it is τ = 4.
        #expect(SequenceRouter.threshold(all, tolerance: 0) == 3)
        #expect(SequenceRouter.threshold(all, tolerance: 1.0 / 6.0) == 4)
        #expect(SequenceRouter.auroc(all) == 1)
        #expect(SequenceRouter.auroc(all.map { var w = $0; w.score = -w.score; return w }) == 0)
    }
}

@Suite("Imported logits and files")
struct ImportTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "elang-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func npyRoundTripAndErrors() throws {
        let dir = try temporaryDirectory()
        let array = NumpyArray(shape: [2, 3, 4], values: (0..<24).map { Double($0) * 0.5 }, type: .float32)
        try array.write(to: "\(dir)/a.npy")
        #expect(try NumpyArray(contentsOf: "\(dir)/a.npy") == array)
        let lengths = NumpyArray(shape: [2], values: [3, 1], type: .int64)
        try lengths.write(to: "\(dir)/l.npy")
        #expect(try NumpyArray(contentsOf: "\(dir)/l.npy") == lengths)
        #expect(throws: LangError.self) { try NumpyArray(data: Data("not numpy".utf8)) }
        #expect(throws: LangError.self) { try NumpyArray(data: array.data.dropLast(4)) }
    }

    /// The imported-logits path end to end: a short NumPy script writes `[N, L, V]` logits, lengths and its own
    /// scores; the Swift side reads the files and must reproduce every score.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pythonWrittenLogitsRoundTrip() throws {
        let dir = try temporaryDirectory()
        let script = """
        import numpy as np, sys
        d = sys.argv[1]
        rng = np.random.default_rng(0)
        N, L, V = 5, 4, 7
        z = rng.normal(size=(N, L, V)).astype(np.float32) * 3
        lengths = np.array([4, 1, 3, 2, 4], dtype=np.int64)
        np.save(f"{d}/logits.npy", z); np.save(f"{d}/lengths.npy", lengths)
        rows = []
        for n in range(N):
            x = z[n, :lengths[n]].astype(np.float64)
            m = x.max(1, keepdims=True); lse = (m + np.log(np.exp(x - m).sum(1, keepdims=True)))[:, 0]
            e = -lse; p = np.exp(x.max(1) - lse)
            rows.append([e.mean(), e.max(), e.sum(), e[0], -p.mean(), -p.min(), -(x.max(1) - lse).sum()])
        np.save(f"{d}/scores.npy", np.array(rows))
        """
        try script.write(toFile: "\(dir)/make.py", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["\(dir)/make.py", dir]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return }  // numpy missing: nothing to compare against
        let imported = try SequenceLogits(logitsPath: "\(dir)/logits.npy", lengthsPath: "\(dir)/lengths.npy")
        let expected = try NumpyArray(contentsOf: "\(dir)/scores.npy")
        #expect(imported.count == 5 && imported.vocabularySize == 7)
        for (k, kind) in SequenceScore.allCases.enumerated() {
            let scores = imported.scores(kind)
            for n in 0..<5 { #expect(abs(scores[n] - expected.values[n * 7 + k]) < 1e-4, "\(kind) sequence \(n)") }
        }
        // And back: export, re-read, same scores.
        try imported.write(logitsPath: "\(dir)/again.npy", lengthsPath: "\(dir)/again-lengths.npy")
        let again = try SequenceLogits(logitsPath: "\(dir)/again.npy", lengthsPath: "\(dir)/again-lengths.npy")
        #expect(again.scores(.energyMax) == imported.scores(.energyMax))
    }

    @Test func recipeParsingAndErrors() throws {
        let recipe = try G2PRecipe(text: "# c\nname: s\nembedding_size: 32\nhidden_size: 64\nepochs: 2\nbatch_size: 8\nlearning_rate: 0.001\n")
        #expect(recipe.modelConfig == G2PModelConfig(embeddingSize: 32, hiddenSize: 64) && recipe.gradientClip == 5)
        #expect(throws: LangError.recipe(path: "r", line: 2, reason: "'epochs' must be a Int, got 'two'")) {
            try G2PRecipe(text: "name: s\nepochs: two\nembedding_size: 3\nhidden_size: 4\nbatch_size: 1\nlearning_rate: 1", path: "r")
        }
        #expect(throws: LangError.self) { try G2PRecipe(text: "name: s\nbogus: 1\n") }
        for path in ["recipes/g2p-swift.yaml", "recipes/g2p-super.yaml"] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let parsed = try G2PRecipe(contentsOf: url.appendingPathComponent(path).path)
            let parameters = G2PModel(config: parsed.modelConfig, seed: 0).parameterCount
            #expect(parsed.hiddenSize == 64 ? abs(parameters - 52_000) < 1_000 : abs(parameters - 722_000) < 1_000)
        }
    }

    @Test func parameterFileRoundTripAndMismatch() throws {
        let dir = try temporaryDirectory()
        let a = G2PModel(config: G2PModelConfig(embeddingSize: 3, hiddenSize: 4), seed: 1)
        let b = G2PModel(config: G2PModelConfig(embeddingSize: 3, hiddenSize: 4), seed: 2)
        try ParameterFile.save(a.namedParameters(), to: "\(dir)/a.params")
        try ParameterFile.load(into: b.namedParameters(), from: "\(dir)/a.params")
        #expect(a.parameters.map(\.scalars) == b.parameters.map(\.scalars))
        let c = G2PModel(config: G2PModelConfig(embeddingSize: 3, hiddenSize: 6), seed: 1)
        #expect(throws: LangError.self) { try ParameterFile.load(into: c.namedParameters(), from: "\(dir)/a.params") }
    }
}
