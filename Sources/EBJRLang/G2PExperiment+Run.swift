import Foundation
import EBJRTensor

extension G2PExperiment {
    /// The whole E-LANG G2P experiment: trains (or loads) the Swift and Super models from their recipes, decodes
    /// validation and test greedily, scores every Swift output with each `SequenceScore`, picks each threshold on
    /// validation for "joint WER ≤ Super WER + `tolerance`", reports it on test by FLOPs and by measured wall
    /// time, and writes `report.json`, `report.md`, `operating-points.csv`, `curve-test.csv` and the Swift test
    /// logits as `.npy` to `outputDir`.
    @discardableResult
    public static func run(swiftRecipePath: String, superRecipePath: String, outputDir: String,
                           lexiconPath: String = CMULexicon.defaultPath, tolerance: Double = 0.01, beamWidth: Int = 5,
                           beamWords: Int = 1000, log: (String) -> Void = { print($0) }) throws -> G2PReport {
        let dataset = try loadDataset(lexiconPath: lexiconPath, log: log)
        let swiftModel = try trainedModel(recipePath: swiftRecipePath, dataset: dataset, outputDir: outputDir, log: log)
        let superModel = try trainedModel(recipePath: superRecipePath, dataset: dataset, outputDir: outputDir, log: log)
        let names = (try G2PRecipe(contentsOf: swiftRecipePath).name, try G2PRecipe(contentsOf: superRecipePath).name)
        let validation = dataset.validation, test = dataset.test

        // Decoding (greedy, batched) and correctness.
        let swiftVal = G2PEvaluation.greedyDecode(swiftModel, examples: validation)
        let superVal = G2PEvaluation.greedyDecode(superModel, examples: validation)
        _ = G2PEvaluation.greedyDecode(swiftModel, examples: Array(test.prefix(256)))  // warm-up
        let (swiftTest, swiftBatchedSeconds) = timed { G2PEvaluation.greedyDecode(swiftModel, examples: test) }
        let (superTest, superBatchedSeconds) = timed { G2PEvaluation.greedyDecode(superModel, examples: test) }
        log(String(format: "batched greedy decode of %d test words: swift %.2f s, super %.2f s", test.count, swiftBatchedSeconds, superBatchedSeconds))
        let swiftSingle = singleWordSeconds(swiftModel, examples: test)
        let superSingle = singleWordSeconds(superModel, examples: test)
        log(String(format: "one word at a time: swift %.3f ms, super %.3f ms per word", 1000 * mean(swiftSingle), 1000 * mean(superSingle)))

        func summary(_ name: String, _ model: G2PModel, _ val: [DecodedSequence], _ tst: [DecodedSequence], batched: Double,
                     single: [Double]) -> G2PReport.ModelSummary {
            let beamSet = Array(test.prefix(beamWords))
            let beamOutputs = beamWidth > 0 ? noGrad { beamSet.map { model.beamDecode($0.letters, beamWidth: beamWidth) } } : []
            let summary = G2PReport.ModelSummary(
                name: name, config: model.config, parameters: model.parameterCount,
                flopsPerWord: mean(zip(test, tst).map { Double(model.flops(sourceLength: $0.letters.count, decoderSteps: $1.steps)) }),
                validationWER: EditDistance.wordErrorRate(val.map(\.tokens), references: validation.map(\.references)),
                testWER: EditDistance.wordErrorRate(tst.map(\.tokens), references: test.map(\.references)),
                testPER: EditDistance.phonemeErrorRate(tst.map(\.tokens), references: test.map(\.references)),
                beamWidth: beamWidth, beamWords: beamSet.count,
                beamWER: beamWidth > 0 ? EditDistance.wordErrorRate(beamOutputs, references: beamSet.map(\.references)) : .nan,
                greedyWEROnBeamWords: EditDistance.wordErrorRate(tst.prefix(beamWords).map(\.tokens), references: beamSet.map(\.references)),
                secondsPerWordBatched: batched / Double(test.count), secondsPerWordSingle: mean(single))
            log(String(format: "%@: %d parameters, %.2f MFLOPs/word, greedy WER validation %.2f%% test %.2f%% (PER %.2f%%), beam-%d WER %.2f%% vs greedy %.2f%% on %d test words",
                       name, summary.parameters, summary.flopsPerWord / 1e6, 100 * summary.validationWER, 100 * summary.testWER,
                       100 * summary.testPER, beamWidth, 100 * summary.beamWER, 100 * summary.greedyWEROnBeamWords, summary.beamWords))
            return summary
        }
        let swiftSummary = summary(names.0, swiftModel, swiftVal, swiftTest, batched: swiftBatchedSeconds, single: swiftSingle)
        let superSummary = summary(names.1, superModel, superVal, superTest, batched: superBatchedSeconds, single: superSingle)

        // Routing tables.
        let valStats = swiftVal.map(TokenStatistics.init), testStats = swiftTest.map(TokenStatistics.init)
        let valSwiftCorrect = G2PEvaluation.correctness(swiftVal.map(\.tokens), examples: validation)
        let valSuperCorrect = G2PEvaluation.correctness(superVal.map(\.tokens), examples: validation)
        let testSwiftCorrect = G2PEvaluation.correctness(swiftTest.map(\.tokens), examples: test)
        let testSuperCorrect = G2PEvaluation.correctness(superTest.map(\.tokens), examples: test)
        func flops(_ model: G2PModel, _ examples: [G2PExample], _ decoded: [DecodedSequence]) -> [Double] {
            zip(examples, decoded).map { Double(model.flops(sourceLength: $0.letters.count, decoderSteps: $1.steps)) }
        }
        let valCosts = (flops(swiftModel, validation, swiftVal), flops(superModel, validation, superVal))
        let testCosts = (flops(swiftModel, test, swiftTest), flops(superModel, test, superTest))
        func table(_ scores: [Double], _ swiftOK: [Bool], _ superOK: [Bool], _ costs: ([Double], [Double])) -> [RoutedWord] {
            scores.indices.map { RoutedWord(score: scores[$0], swiftCorrect: swiftOK[$0], superCorrect: superOK[$0],
                                            swiftCost: costs.0[$0], superCost: costs.1[$0]) }
        }
        var scoreSummaries: [G2PReport.ScoreSummary] = []
        var curveCSV = "score,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single\n"
        var pointsCSV = "score,split,threshold,routed_fraction,joint_wer,relative_flops,relative_wall_single,auroc\n"
        for kind in SequenceScore.allCases {
            let valWords = table(valStats.map(kind.score), valSwiftCorrect, valSuperCorrect, valCosts)
            let testScores = testStats.map(kind.score)
            let testWords = table(testScores, testSwiftCorrect, testSuperCorrect, testCosts)
            let wallWords = table(testScores, testSwiftCorrect, testSuperCorrect, (swiftSingle, superSingle))
            let tau = SequenceRouter.threshold(valWords, tolerance: tolerance)
            let s = G2PReport.ScoreSummary(
                score: kind, validationAUROC: SequenceRouter.auroc(valWords), testAUROC: SequenceRouter.auroc(testWords),
                validation: SequenceRouter.evaluate(valWords, threshold: tau), test: SequenceRouter.evaluate(testWords, threshold: tau),
                testRelativeWallSingle: SequenceRouter.evaluate(wallWords, threshold: tau).relativeCost)
            scoreSummaries.append(s)
            log(String(format: "%@: AUROC %.3f; τ = %.4f routes %.1f%% of test, joint WER %.2f%% (Super %.2f%%), FLOPs %.3f, wall (single) %.3f of Super",
                       kind.rawValue, s.testAUROC, tau, 100 * s.test.routedFraction, 100 * s.test.jointWER, 100 * superSummary.testWER,
                       s.test.relativeCost, s.testRelativeWallSingle))
            pointsCSV += csvRow(kind, "validation", s.validation, wall: .nan, auroc: s.validationAUROC)
            pointsCSV += csvRow(kind, "test", s.test, wall: s.testRelativeWallSingle, auroc: s.testAUROC)
            var lastRouted = 2.0
            for point in SequenceRouter.curve(testWords) where abs(point.routedFraction - lastRouted) >= 0.002 || point.routedFraction == 0 {
                lastRouted = point.routedFraction
                let wall = SequenceRouter.evaluate(wallWords, threshold: point.threshold).relativeCost
                curveCSV += "\(kind.rawValue),\(point.threshold),\(point.routedFraction),\(point.jointWER),\(point.relativeCost),\(wall)\n"
            }
        }

        // The score chosen on validation (cheapest feasible), run end to end on test in both modes.
        let best = scoreSummaries.min { $0.validation.relativeCost < $1.validation.relativeCost }!
        let measuredBatched = measuredJointRun(best, swiftModel, superModel, test, batched: true, superAlone: superBatchedSeconds)
        let measuredSingle = measuredJointRun(best, swiftModel, superModel, test, batched: false, superAlone: superSingle.reduce(0, +))
        for m in [measuredBatched, measuredSingle] {
            log(String(format: "measured joint run (%@): routed %.1f%%, joint WER %.2f%%, swift %.2f s + super %.2f s = %.3f of super alone (%.2f s)",
                       m.score.rawValue, 100 * m.routedFraction, 100 * m.jointWER, m.swiftSeconds, m.superSeconds, m.relativeWall, m.superAloneSeconds))
        }

        // Imported-logits path: export the Swift test logits as .npy and read them back.
        let exported = SequenceLogits(swiftTest)
        let logitsPath = "\(outputDir)/\(names.0)-test-logits.npy", lengthsPath = "\(outputDir)/\(names.0)-test-lengths.npy"
        try exported.write(logitsPath: logitsPath, lengthsPath: lengthsPath)
        let imported = try SequenceLogits(logitsPath: logitsPath, lengthsPath: lengthsPath)
        let roundTrip = SequenceScore.allCases.allSatisfy { kind in
            zip(imported.scores(kind), testStats.map(kind.score)).allSatisfy { abs($0 - $1) <= 1e-9 * Swift.max(1, abs($1)) }
        }

        let report = G2PReport(
            data: .init(entryLines: dataset.linesRead, malformedLines: dataset.malformed.count, excluded: dataset.excluded,
                        train: dataset.train.count, validation: validation.count, test: test.count,
                        wordsWithSeveralPronunciations: dataset.wordsWithSeveralPronunciations),
            swift: swiftSummary, super: superSummary, tolerance: tolerance, scores: scoreSummaries,
            measuredBatched: measuredBatched, measuredSingle: measuredSingle, importedLogitsRoundTrip: roundTrip)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(outputDir)/report.json"))
        try Data(curveCSV.utf8).write(to: URL(fileURLWithPath: "\(outputDir)/curve-test.csv"))
        try Data(pointsCSV.utf8).write(to: URL(fileURLWithPath: "\(outputDir)/operating-points.csv"))
        try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: "\(outputDir)/report.md"))
        log("wrote \(outputDir)/report.md, report.json, curve-test.csv, operating-points.csv")
        return report
    }

    /// Runs Swift on every test word, scores it, and re-decodes the words above `τ` with Super — timed.
    static func measuredJointRun(_ choice: G2PReport.ScoreSummary, _ swiftModel: G2PModel, _ superModel: G2PModel,
                                 _ test: [G2PExample], batched: Bool, superAlone: Double) -> G2PReport.MeasuredJointRun {
        let tau = choice.test.threshold
        let (swiftOutputs, swiftSeconds) = timed { () -> [(tokens: [Int], route: Bool)] in
            let decoded = batched ? G2PEvaluation.greedyDecode(swiftModel, examples: test)
                                  : test.map { swiftModel.greedyDecode([$0.letters])[0] }
            return decoded.map { ($0.tokens, choice.score.score(TokenStatistics($0)) > tau) }
        }
        let routed = test.indices.filter { swiftOutputs[$0].route }
        let (superOutputs, superSeconds) = timed { () -> [DecodedSequence] in
            let words = routed.map { test[$0] }
            return batched ? G2PEvaluation.greedyDecode(superModel, examples: words) : words.map { superModel.greedyDecode([$0.letters])[0] }
        }
        var outputs = swiftOutputs.map(\.tokens)
        for (index, decoded) in zip(routed, superOutputs) { outputs[index] = decoded.tokens }
        return G2PReport.MeasuredJointRun(
            score: choice.score, routedFraction: Double(routed.count) / Double(test.count),
            jointWER: EditDistance.wordErrorRate(outputs, references: test.map(\.references)),
            swiftSeconds: swiftSeconds, superSeconds: superSeconds, superAloneSeconds: superAlone,
            relativeWall: (swiftSeconds + superSeconds) / superAlone)
    }

    /// Wall-clock seconds of decoding each word on its own (greedy, batch of one).
    static func singleWordSeconds(_ model: G2PModel, examples: [G2PExample]) -> [Double] {
        for example in examples.prefix(50) { _ = model.greedyDecode([example.letters]) }  // warm-up
        return examples.map { example in timed { model.greedyDecode([example.letters]) }.1 }
    }

    static func timed<T>(_ body: () -> T) -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    private static func csvRow(_ kind: SequenceScore, _ split: String, _ p: OperatingPoint, wall: Double, auroc: Double) -> String {
        "\(kind.rawValue),\(split),\(p.threshold),\(p.routedFraction),\(p.jointWER),\(p.relativeCost),\(wall),\(auroc)\n"
    }
}
