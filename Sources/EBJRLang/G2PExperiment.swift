import EBJRFiles
import Foundation
import EBJRTensor
import EBJRCheckpoint
import EBJRData
import EBJREvaluation
import EBJRRouting

/// The E-LANG G2P experiment: the CMU data set and the evaluation of two G2P models (what `ebjr evaluate` runs for a
/// `cmudict` evaluation recipe). Training goes through the one `Trainer` with a `G2PTask`.
public enum G2PExperiment {
    /// Loads the lexicon and builds the split data set, logging the counts. A lexicon that leaves a split without
    /// words (an empty file, a file of malformed lines) is `LangError.unusableLexicon`.
    public static func loadDataset(lexiconPath: String = CMULexicon.defaultPath, log: (String) -> Void = { print($0) }) throws -> G2PDataset {
        let dataset = G2PDataset(lexicon: try CMULexicon(contentsOf: lexiconPath))
        if let empty = DataSplit.allCases.first(where: { dataset.examples($0).isEmpty }) {
            throw LangError.unusableLexicon(path: lexiconPath, reason:
                "no words for the \(empty.rawValue) split (\(dataset.linesRead) entry lines, \(dataset.malformed.count) malformed)")
        }
        log("lexicon: \(dataset.linesRead) entry lines, \(dataset.malformed.count) malformed, excluded \(dataset.excluded.sorted { $0.key < $1.key })")
        log("split: train \(dataset.train.count), validation \(dataset.validation.count), test \(dataset.test.count) words; "
            + "\(dataset.wordsWithSeveralPronunciations) words with several pronunciations")
        return dataset
    }

    /// The whole E-LANG G2P evaluation of two models: decodes validation and test greedily, scores every Swift
    /// output with each `SequenceScore`, picks each threshold on validation for "joint WER ≤ Super WER +
    /// `tolerance`", reports it on test by FLOPs and by measured wall time (batched and one word at a time), and
    /// writes `report.md`, `report.json`, `operating-points.csv`, `curve-test.csv`, `wer-vs-cost.svg` (and the Swift
    /// test logits as imported-logits HDF5 with `exportLogits`) to `outputDir`.
    @discardableResult
    public static func evaluate(swiftModel: G2PModel, superModel: G2PModel, names: (String, String), dataset: G2PDataset,
                                validationLimit: Int? = nil, testLimit: Int? = nil, outputDir: String, tolerance: Double = 0.01,
                                beamWidth: Int = 5, beamWords: Int = 1000, exportLogits: Bool = true, manifest: RunManifest? = nil,
                                log: (String) -> Void = { print($0) }) throws -> G2PReport {
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        let validation = validationLimit.map { Array(dataset.validation.prefix($0)) } ?? dataset.validation
        let test = testLimit.map { Array(dataset.test.prefix($0)) } ?? dataset.test

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

        // Routing tables: thresholds on validation, realised on test (shared with imported logits).
        func flops(_ model: G2PModel, _ examples: [G2PExample], _ decoded: [DecodedSequence]) -> [Double] {
            zip(examples, decoded).map { Double(model.flops(sourceLength: $0.letters.count, decoderSteps: $1.steps)) }
        }
        let testStats = swiftTest.map(TokenStatistics.init)
        let valSplit = SequenceRoutingSplit(
            statistics: swiftVal.map(TokenStatistics.init), swiftCorrect: G2PEvaluation.correctness(swiftVal.map(\.tokens), examples: validation),
            superCorrect: G2PEvaluation.correctness(superVal.map(\.tokens), examples: validation),
            swiftCost: flops(swiftModel, validation, swiftVal), superCost: flops(superModel, validation, superVal))
        let testSplit = SequenceRoutingSplit(
            statistics: testStats, swiftCorrect: G2PEvaluation.correctness(swiftTest.map(\.tokens), examples: test),
            superCorrect: G2PEvaluation.correctness(superTest.map(\.tokens), examples: test),
            swiftCost: flops(swiftModel, test, swiftTest), superCost: flops(superModel, test, superTest))
        var scoreSummaries = try SequenceRoutingAnalysis.summaries(validation: valSplit, test: testSplit, tolerance: tolerance,
                                                                   testWallCosts: (swiftSingle, superSingle))
        // Every score's operating point also as an actual batched joint run (the best one's is kept in full below).
        let batchedRuns = measuredJointRuns(scoreSummaries, swiftModel, superModel, test, batched: true)
        for index in scoreSummaries.indices { scoreSummaries[index].testRelativeWallBatched = batchedRuns[index].relativeWall }
        for s in scoreSummaries {
            log(String(format: "%@: AUROC %.3f; τ = %.4f routes %.1f%% of test, joint WER %.2f%% (Super %.2f%%), FLOPs %.3f, wall (single) %.3f, wall (batched run) %.3f of Super",
                       s.score.rawValue, s.testAUROC, s.test.threshold, 100 * s.test.routedFraction, 100 * s.test.jointWER,
                       100 * superSummary.testWER, s.test.relativeCost, s.testRelativeWallSingle, s.testRelativeWallBatched ?? .nan))
        }
        let curveCSV = SequenceRoutingAnalysis.curveCSV(test: testSplit, testWallCosts: (swiftSingle, superSingle))
        let pointsCSV = SequenceRoutingAnalysis.operatingPointsCSV(scoreSummaries)
        let chart = SequenceRoutingAnalysis.chart(test: testSplit, title: "\(names.0) → \(names.1): joint WER vs cost (test)")

        // The score chosen on validation (cheapest feasible), run end to end on test in both modes.
        let best = scoreSummaries.min { $0.validation.relativeCost < $1.validation.relativeCost }!
        let measuredBatched = batchedRuns.first { $0.score == best.score }!
        let measuredSingle = measuredJointRuns([best], swiftModel, superModel, test, batched: false)[0]
        for m in [measuredBatched, measuredSingle] {
            log(String(format: "measured joint run (%@): routed %.1f%%, joint WER %.2f%%, swift %.2f s + super %.2f s, super alone %.2f s (medians); "
                       + "relative wall %.3f (runs %@)", m.score.rawValue, 100 * m.routedFraction, 100 * m.jointWER, m.swiftSeconds,
                       m.superSeconds, m.superAloneSeconds, m.relativeWall, m.relativeWallRuns.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        }

        // Imported-logits path: export the Swift test logits (with the first reference and Super's outputs) as HDF5 and
        // re-read them through `ImportedLogits`.
        var roundTrip: Bool?
        if exportLogits {
            let path = "\(outputDir)/\(names.0)-test-logits.h5"
            try ImportedSequenceSplit(logits: SequenceLogits(swiftTest), references: test.map { $0.references[0] },
                                      deepOutputs: superTest.map(\.tokens))
                .writeFile(to: path, endToken: G2PVocabulary.end, flops: swiftSummary.flopsPerWord, deepFLOPs: superSummary.flopsPerWord)
            let imported = try ImportedLogits.read(path)
            guard case let .sequence(splits) = imported.content, let reread = splits["test"] else {
                throw LangError.importedLogits(path: path, reason: "export did not re-read as sequence logits")
            }
            roundTrip = SequenceScore.allCases.allSatisfy { kind in
                zip(reread.logits.scores(kind), testStats.map(kind.score)).allSatisfy { abs($0 - $1) <= 1e-9 * Swift.max(1, abs($1)) }
            }
        }

        let report = G2PReport(
            data: .init(entryLines: dataset.linesRead, malformedLines: dataset.malformed.count, excluded: dataset.excluded,
                        train: dataset.train.count, validation: validation.count, test: test.count,
                        wordsWithSeveralPronunciations: dataset.wordsWithSeveralPronunciations),
            swift: swiftSummary, super: superSummary, tolerance: tolerance, scores: scoreSummaries,
            measuredBatched: measuredBatched, measuredSingle: measuredSingle, importedLogitsRoundTrip: roundTrip, manifest: manifest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let folder = URL(fileURLWithPath: outputDir)
        try AtomicFile.write(try encoder.encode(report), to: folder.appendingPathComponent("report.json"))
        try AtomicFile.write(curveCSV, to: folder.appendingPathComponent("curve-test.csv"))
        try AtomicFile.write(pointsCSV, to: folder.appendingPathComponent("operating-points.csv"))
        try AtomicFile.write(chart, to: folder.appendingPathComponent("wer-vs-cost.svg"))
        try AtomicFile.write(report.markdown, to: folder.appendingPathComponent("report.md"))
        log("wrote \(outputDir)/report.md, report.json, curve-test.csv, operating-points.csv, wer-vs-cost.svg")
        return report
    }

    /// Timed joint runs on test, one per chosen operating point, repeated `repeats` times. Each repetition times
    /// Super alone on every word, then Swift on every word, then, for each choice, scoring Swift's outputs and Super
    /// on the words above its `τ`; a choice's joint time is Swift + its scoring + its Super part. Super alone and
    /// Swift are timed once per repetition for all choices (`G2PReport.MeasuredJointRun`: medians; a single timing
    /// on a shared machine moved the ratio by ±0.2).
    static func measuredJointRuns(_ choices: [G2PReport.ScoreSummary], _ swiftModel: G2PModel, _ superModel: G2PModel,
                                  _ test: [G2PExample], batched: Bool, repeats: Int = 3) -> [G2PReport.MeasuredJointRun] {
        func decode(_ model: G2PModel, _ words: [G2PExample]) -> [DecodedSequence] {
            batched ? G2PEvaluation.greedyDecode(model, examples: words) : words.map { model.greedyDecode([$0.letters])[0] }
        }
        var alone: [Double] = []
        var swiftTimes = [[Double]](repeating: [], count: choices.count), superTimes = swiftTimes, ratios = swiftTimes
        var outputs = [[[Int]]](repeating: [], count: choices.count), routedCounts = [Int](repeating: 0, count: choices.count)
        for _ in 0..<Swift.max(1, repeats) {
            alone.append(timed { decode(superModel, test) }.1)
            let (swiftDecoded, swiftSeconds) = timed { decode(swiftModel, test) }
            for (c, choice) in choices.enumerated() {
                let (routed, scoringSeconds) = timed {
                    test.indices.filter { choice.score.score(TokenStatistics(swiftDecoded[$0])) > choice.test.threshold }
                }
                let (superOutputs, superSeconds) = timed { decode(superModel, routed.map { test[$0] }) }
                outputs[c] = swiftDecoded.map(\.tokens)
                for (index, decoded) in zip(routed, superOutputs) { outputs[c][index] = decoded.tokens }
                routedCounts[c] = routed.count
                swiftTimes[c].append(swiftSeconds + scoringSeconds)
                superTimes[c].append(superSeconds)
                ratios[c].append((swiftSeconds + scoringSeconds + superSeconds) / alone.last!)
            }
        }
        return choices.indices.map { c in
            G2PReport.MeasuredJointRun(
                score: choices[c].score, routedFraction: Double(routedCounts[c]) / Double(test.count),
                jointWER: EditDistance.wordErrorRate(outputs[c], references: test.map(\.references)),
                swiftSeconds: median(swiftTimes[c]), superSeconds: median(superTimes[c]), superAloneSeconds: median(alone),
                relativeWall: median(ratios[c]), relativeWallRuns: ratios[c])
        }
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

}
