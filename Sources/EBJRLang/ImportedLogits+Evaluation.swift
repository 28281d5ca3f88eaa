import EBJRFiles
import Foundation
import EBJRRouting
import EBJREvaluation

extension ImportedLogits {
    /// What routing imported logits produced: an `EvaluationResult` for classification (the same evaluator and
    /// report writer as `ebjr evaluate`), per-score summaries for sequences (the same analysis as the G2P experiment).
    public enum Outcome {
        case classification(EvaluationResult)
        case sequence(ImportedSequenceReport)
    }

    /// Routes and evaluates the file. Thresholds are chosen on `validation` (classification: the evaluator's
    /// criteria; sequences: joint WER ≤ deep WER + `tolerance`, cheapest) and applied to `test`; a sequence file
    /// without `validation` needs `threshold`. `scoreNames` picks scores (`Score.names` or `SequenceScore` names;
    /// empty = all). With `outputDirectory`, the report files are written there.
    public func evaluate(scoreNames: [String] = [], tolerance: Double = 0.01, threshold: Double? = nil,
                         outputDirectory: String? = nil) throws -> Outcome {
        func fail(_ reason: String) -> LangError { .importedLogits(path: path, reason: reason) }
        let title = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var manifest = RunManifest()
        try manifest.addInput(role: "imported logits", path: path)
        switch content {
        case let .classification(splits):
            guard let validation = splits["validation"], let test = splits["test"] else {
                throw fail("classification routing needs groups 'validation' (to choose thresholds) and 'test'")
            }
            guard let deepValidation = try validation.deepAsLogits(), let deepTest = try test.deepAsLogits() else {
                throw fail("classification routing needs the deep model: 'deep_logits' or 'deep_predictions' in validation and test")
            }
            guard validation.logits.classCount == test.logits.classCount else {
                throw fail("validation has \(validation.logits.classCount) classes but test has \(test.logits.classCount)")
            }
            if threshold != nil { throw fail("--threshold applies to sequence files; classification thresholds are chosen on validation") }
            let scores = try (scoreNames.isEmpty ? EvaluationSettings.defaultScores : scoreNames.map { try Score(name: $0) })
            var result = try Evaluator(settings: EvaluationSettings(scores: scores)).evaluate(
                title: title, deepName: "imported", deepFLOPs: deepFLOPs ?? 1,
                validation: EvaluationSplit(labels: validation.labels, deepLogits: deepValidation, what: "validation"),
                test: EvaluationSplit(labels: test.labels, deepLogits: deepTest, what: "test"),
                sideModels: [SideModelInput(name: "side", flops: flops ?? 0, validationLogits: validation.logits, testLogits: test.logits)],
                notes: ["Imported logits from \(path)" + (flops == nil || deepFLOPs == nil ? "; no flops/deep_flops attributes: cost = fraction routed." : ".")])
            result.manifest = manifest
            if let outputDirectory { _ = try ReportWriter.write(result, to: URL(fileURLWithPath: outputDirectory)) }
            return .classification(result)

        case let .sequence(splits):
            guard let test = splits["test"] else { throw fail("missing group 'test'") }
            let kinds = try sequenceScores(scoreNames)
            guard let testSplit = try routingSplit(test, "test") else {
                throw fail("routing needs 'test/references' and the deep model's 'test/deep_tokens' or 'test/deep_correct' (scores alone: --scores-csv)")
            }
            let validationSplit = try splits["validation"].flatMap { try routingSplit($0, "validation") }
            if validationSplit == nil && threshold == nil {
                throw fail("no 'validation' group with references and deep outputs to choose τ on: add one or give --threshold")
            }
            let summaries = try SequenceRoutingAnalysis.summaries(validation: threshold == nil ? validationSplit : nil, test: testSplit,
                                                                  tolerance: tolerance, fixedThreshold: threshold, scores: kinds)
            let n = Double(testSplit.statistics.count)
            let report = ImportedSequenceReport(
                file: path, tolerance: tolerance, fixedThreshold: threshold, sequences: testSplit.statistics.count,
                smallWER: Double(testSplit.swiftCorrect.filter { !$0 }.count) / n,
                deepWER: Double(testSplit.superCorrect.filter { !$0 }.count) / n,
                costIsFLOPs: flops != nil && deepFLOPs != nil, scores: summaries, manifest: manifest)
            if let outputDirectory {
                let folder = URL(fileURLWithPath: outputDirectory)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                try AtomicFile.write(try encoder.encode(report), to: folder.appendingPathComponent("report.json"))
                try AtomicFile.write(report.markdown, to: folder.appendingPathComponent("report.md"))
                try AtomicFile.write(SequenceRoutingAnalysis.operatingPointsCSV(summaries), to: folder.appendingPathComponent("operating-points.csv"))
                try AtomicFile.write(SequenceRoutingAnalysis.curveCSV(test: testSplit, scores: kinds), to: folder.appendingPathComponent("curve-test.csv"))
                try AtomicFile.write(SequenceRoutingAnalysis.chart(test: testSplit, scores: kinds, title: "\(title): joint WER vs cost (test)",
                                                                   costLabel: report.costIsFLOPs ? "relative FLOPs (deep alone = 1)" : "relative cost (fraction routed)"),
                                     to: folder.appendingPathComponent("wer-vs-cost.svg"))
            }
            return .sequence(report)
        }
    }

    /// Per-sample scores of the `test` split as CSV (`index,<score>,…`): what a user compares with their own code.
    public func scoresCSV(scoreNames: [String] = []) throws -> String {
        func table(_ names: [String], _ columns: [[Double]]) -> String {
            var csv = "index," + names.joined(separator: ",") + "\n"
            for i in 0..<(columns.first?.count ?? 0) { csv += "\(i)," + columns.map { String($0[i]) }.joined(separator: ",") + "\n" }
            return csv
        }
        switch content {
        case let .classification(splits):
            guard let test = splits["test"] else { throw LangError.importedLogits(path: path, reason: "missing group 'test'") }
            let scores = try (scoreNames.isEmpty ? ["energy", "max-softmax", "entropy", "margin"] : scoreNames).map { try Score(name: $0) }
            return table(scores.map(\.name), try scores.map { try $0.values(of: test.logits) })
        case let .sequence(splits):
            guard let test = splits["test"] else { throw LangError.importedLogits(path: path, reason: "missing group 'test'") }
            let kinds = try sequenceScores(scoreNames)
            return table(kinds.map(\.rawValue), kinds.map { test.logits.scores($0) })
        }
    }

    func sequenceScores(_ names: [String]) throws -> [SequenceScore] {
        try names.isEmpty ? SequenceScore.allCases : names.map { name in
            guard let kind = SequenceScore(rawValue: name) else {
                throw LangError.importedLogits(path: path, reason: "unknown sequence score '\(name)' (known: \(SequenceScore.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return kind
        }
    }

    /// The router's view of a sequence split (costs from the `flops` attributes, else 0 and 1 per sequence).
    func routingSplit(_ split: ImportedSequenceSplit, _ name: String) throws -> SequenceRoutingSplit? {
        guard let (small, deep) = split.correctness(endToken: endToken) else { return nil }
        let n = split.logits.count
        let statistics = (0..<n).map { split.logits.statistics($0) }
        return SequenceRoutingSplit(statistics: statistics, swiftCorrect: small, superCorrect: deep,
                                    swiftCost: [Double](repeating: flops ?? 0, count: n), superCost: [Double](repeating: deepFLOPs ?? 1, count: n))
    }
}

/// The result of routing imported sequence logits (`report.json` / `report.md`).
public struct ImportedSequenceReport: Codable, Sendable {
    public var file: String
    public var tolerance: Double
    public var fixedThreshold: Double?
    public var sequences: Int
    /// WER of the small model alone and of the deep model alone on test.
    public var smallWER: Double
    public var deepWER: Double
    /// Whether relative cost is by the file's FLOPs (else: fraction routed).
    public var costIsFLOPs: Bool
    public var scores: [G2PReport.ScoreSummary]
    /// Where the report came from (toolkit version, git commit, SHA-256 of the logits file).
    public var manifest: RunManifest? = nil

    public var markdown: String {
        func pct(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.2f%%", 100 * x) }
        func num(_ x: Double, _ d: Int = 3) -> String { x.isNaN ? "–" : String(format: "%.\(d)f", x) }
        var md = "# Sequence routing of imported logits: \(file)\n\n"
        if let manifest { md += "Provenance: \(manifest.summary) — `manifest` in report.json.\n\n" }
        md += "\(sequences) test sequences; small model WER \(pct(smallWER)), deep model WER \(pct(deepWER)). "
        md += fixedThreshold.map { "Fixed τ = \($0).\n\n" } ?? "τ chosen on validation: joint WER ≤ deep + \(num(100 * tolerance, 1)) pp, cheapest.\n\n"
        md += "| score | AUROC (test) | τ | routed (test) | joint WER test | \(costIsFLOPs ? "FLOPs rel." : "cost rel.") | WER bounds [lower, upper] | oracle WER at same routing |\n|---|---|---|---|---|---|---|---|\n"
        for s in scores {
            md += "| \(s.score.rawValue) | \(num(s.testAUROC)) | \(num(s.test.threshold, 4)) | \(pct(s.test.routedFraction)) | \(pct(s.test.jointWER)) | "
            md += "\(num(s.test.relativeCost)) | [\(pct(s.testBounds.jointWERLower)), \(pct(s.testBounds.jointWERUpper))] | \(pct(s.testBounds.oracleWERAtRoutingBudget)) |\n"
        }
        return md
    }
}
