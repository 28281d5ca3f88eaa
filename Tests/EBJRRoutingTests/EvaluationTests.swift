import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import EBJRFiles
import EBJRRouting
import _EBJRTestSupport
@testable import EBJREvaluation

/// `SyntheticEvaluation` (shared test support) as a tuple: split, general and specialized side models, labels.
private func syntheticInputs(n: Int, seed: UInt64) throws -> (EvaluationSplit, SideModelInput, SideModelInput, [Int]) {
    let synthetic = try SyntheticEvaluation(count: n, seed: seed)
    return (synthetic.split, synthetic.general, synthetic.specialized, synthetic.labels)
}

private func makeResult() throws -> EvaluationResult {
    let (val, generalVal, specialVal, _) = try syntheticInputs(n: 1500, seed: 1)
    let (test, generalTest, specialTest, _) = try syntheticInputs(n: 1500, seed: 2)
    var general = generalVal
    general.testLogits = generalTest.testLogits
    var special = specialVal
    special.testLogits = specialTest.testLogits
    let settings = EvaluationSettings(scores: [.energy(temperature: 1), .maxSoftmax(temperature: 2), .margin, .random(seed: 0), .oracle],
                                      criteria: EvaluationSettings.defaultCriteria + [.fixed(.negativeEnergyAtLeast(2.46))],
                                      curvePoints: 41, histogramBins: 12)
    return try Evaluator(settings: settings).evaluate(title: "Synthetic & <test>", deepName: "cnn", deepFLOPs: 23_984_896,
                                                      validation: val, test: test, sideModels: [general, special],
                                                      notes: ["seeded synthetic data"])
}

private final class XMLCheck: NSObject, XMLParserDelegate {
    var elements = 0
    var texts: [String] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) { elements += 1 }
    func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
}

@Suite struct EvaluationTests {
    @Test func evaluatorProducesConsistentOperatingPoints() throws {
        let result = try makeResult()
        #expect(result.schemaVersion == EvaluationResult.currentSchemaVersion)
        #expect(result.sideModels.count == 2)
        for side in result.sideModels {
            #expect(side.scores.count == 5)
            for score in side.scores {
                #expect(score.operatingPoints.count == (score.score.name == "energy" ? 5 : 4))
                for point in score.operatingPoints {
                    // Consistent data: no deterministic bound may be flagged.
                    for split in [point.validation, point.test] {
                        #expect(split.flags.allSatisfy { $0.check.contains("guaranteed") }, "\(split.flags)")
                        #expect(abs(split.statistics.jointAccuracy - split.measuredJointAccuracy) < 1e-12)
                    }
                    #expect(point.paperRule.tau == point.rule.tau)
                }
                // Accuracy tolerance on validation holds by construction.
                let tolerance = score.operatingPoints[1].validation
                #expect(tolerance.statistics.deepAccuracy - tolerance.measuredJointAccuracy <= 0.005 + 1e-12)
            }
        }
        let special = result.sideModels[1]
        #expect(special.kind == "other-class")
        #expect(special.inSubsetShare != nil)
        let energy = special.scores[0]
        let out = try #require(energy.aurocOutOfSubset?.test ?? nil)
        #expect(out > 0.6)
        #expect(energy.histograms.count == 2)
        // The oracle reference accepts only samples the side model gets right.
        let oracle = result.sideModels[0].scores[4].operatingPoints[0].test.statistics
        #expect(oracle.sideAccuracyAccepted == 1)
    }

    @Test func writersProduceParseableFiles() throws {
        let result = try makeResult()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let urls = try ReportWriter.write(result, to: directory)
        let names = Set(urls.map(\.lastPathComponent))
        #expect(names.isSuperset(of: ["report.md", "appendix.md", "report.json", "curves.csv", "operating-points.csv",
                                      "overview-accuracy-vs-cost.svg"]))
        // No temporary files left behind.
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(listing.allSatisfy { !$0.contains(".tmp.") })
        #expect(Set(listing) == names)

        let decoded = try ReportWriter.readJSON(Data(contentsOf: directory.appendingPathComponent("report.json")))
        #expect(decoded == result)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("report.json"))) as? [String: Any]
        #expect(json?["schemaVersion"] as? Int == 1)

        let svgs = urls.filter { $0.pathExtension == "svg" }
        // Overview, two line charts per side model, one histogram per non-reference score (two when specialized).
        #expect(svgs.count == 1 + 2 * 2 + 3 + 3 * 2)
        for url in svgs {
            let parser = XMLParser(data: try Data(contentsOf: url))
            let check = XMLCheck()
            parser.delegate = check
            #expect(parser.parse(), "\(url.lastPathComponent): \(String(describing: parser.parserError))")
            #expect(check.elements > 10)
        }
        let costPlot = try String(contentsOf: directory.appendingPathComponent("mlp-general-784-32-10-accuracy-vs-cost.svg"), encoding: .utf8)
        #expect(costPlot.contains("relative cost"))
        #expect(costPlot.contains("energy T=1"))

        let csv = try String(contentsOf: directory.appendingPathComponent("curves.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.first.map(String.init) == CurvesCSV.header)
        let expectedRows = result.sideModels.flatMap(\.scores).map { $0.curves.validation.points.count + $0.curves.test.points.count }.reduce(0, +)
        #expect(rows.count == expectedRows + 1)
        #expect(rows.dropFirst().first?.hasPrefix("\"mlp|general, 784-32-10\",general,energy,1.0,validation,") == true)

        let report = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.hasPrefix("# Synthetic & <test>"))
        #expect(report.contains("## Chosen point per side model and criterion"))
        #expect(report.contains("![overview-accuracy-vs-cost.svg](overview-accuracy-vs-cost.svg)"))
        let md = try String(contentsOf: directory.appendingPathComponent("appendix.md"), encoding: .utf8)
        #expect(md.contains("mlp\\|general"))
        #expect(md.contains("| side model | design | score |"))
        #expect(md.contains("Specialized terms (test)"))
        #expect(md.contains("weaker promise"))
        // One sign convention: no "loss" column, every difference signed as Δ.
        #expect(!md.contains("test loss") && !report.contains("loss +"))
        // Every table row has as many cells as its header (escaped pipes inside cells do not count).
        func tableCount(_ text: String) -> Int {
            var columns: Int?
            var tables = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                guard line.hasPrefix("|") else {
                    columns = nil
                    continue
                }
                let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
                if columns == nil {
                    columns = cells
                    tables += 1
                }
                #expect(cells == columns, "\(line)")
            }
            return tables
        }
        #expect(tableCount(md) == 5 + 4 + 5)   // every score per criterion; per side model 4 tables, +1 when specialized
        #expect(tableCount(report) == 1)       // no recommendation block here: the chosen-point table only

        let points = try String(contentsOf: directory.appendingPathComponent("operating-points.csv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(points.first.map(String.init) == OperatingPointsCSV.header)
        #expect(points.count == 1 + 2 * result.sideModels.flatMap(\.scores).map(\.operatingPoints.count).reduce(0, +))
    }

    @Test func svgEscapesTextAndChartsParse() throws {
        let chart = LineChart(title: "a < b & \"c\"", xLabel: "x", yLabel: "y",
                              series: [.init(name: "s<1>", points: [(0, 0.5), (1, 0.9)]), .init(name: "one", points: [(0.5, 0.7)])],
                              horizontalLines: [("deep", 0.8)])
        let data = Data(chart.svg().utf8)
        let check = XMLCheck()
        let parser = XMLParser(data: data)
        parser.delegate = check
        #expect(parser.parse())
        #expect(check.texts.joined().contains("a < b & \"c\""))
        let histogram = ScoreHistogram(title: "h", groups: [("a", [1, 2, 2, 3]), ("b", [3, 3, 3])], bins: 4)
        #expect(histogram.groups.map { $0.counts.reduce(0, +) } == [4, 3])
        #expect(histogram.groups[1].counts == [0, 0, 0, 3])
        let constant = ScoreHistogram(title: "c", groups: [("a", [2, 2])], bins: 3)
        #expect(constant.groups[0].counts.reduce(0, +) == 2)
        let p2 = XMLParser(data: Data(HistogramChart(histogram: histogram, xLabel: "energy").svg().utf8))
        #expect(p2.parse())
    }

    @Test func atomicWriteReplacesWholeFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("nested/file.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["file.txt"])
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: URL(fileURLWithPath: "/proc/ebjr-no/such/file")) }
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicFile.replace(url) { temporary in
                try Data("half".utf8).write(to: temporary)
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["file.txt"])
    }

    @Test func workloadMixHitsTheShare() throws {
        let inSubset = (0..<1000).map { $0 % 10 < 3 }     // 300 in, 700 out
        let picked = try WorkloadMix.resample(inSubset: inSubset, share: 0.7, seed: 4)
        #expect(picked.count == 428)                       // ⌊min(300/0.7, 700/0.3)⌋
        #expect(Set(picked).count == picked.count && picked == picked.sorted())
        let share = Double(picked.filter { inSubset[$0] }.count) / Double(picked.count)
        #expect(abs(share - 0.7) < 0.002)
        #expect(try WorkloadMix.resample(inSubset: inSubset, share: 0.7, seed: 4) == picked)
        #expect(try WorkloadMix.resample(inSubset: inSubset, share: 0.7, seed: 5) != picked)
        let fixed = try WorkloadMix.resample(inSubset: inSubset, share: 0.5, count: 200, seed: 1)
        #expect(fixed.filter { inSubset[$0] }.count == 100)
        #expect(throws: EvaluationError.self) { try WorkloadMix.resample(inSubset: inSubset, share: 0.9, count: 500, seed: 1) }
        #expect(throws: EvaluationError.self) { try WorkloadMix.resample(inSubset: inSubset, share: 1.2, seed: 1) }
    }

    @Test func evaluatorNamesMismatchedInputs() throws {
        let (val, general, _, _) = try syntheticInputs(n: 50, seed: 3)
        var short = general
        short.testLogits = try Logits(values: [Float](repeating: 0, count: 40 * 10), count: 40, classCount: 10)
        #expect(throws: EvaluationError.self) {
            try Evaluator().evaluate(title: "t", deepName: "d", deepFLOPs: 1, validation: val, test: val, sideModels: [short])
        }
        do {
            _ = try Evaluator().evaluate(title: "t", deepName: "d", deepFLOPs: 1, validation: val, test: val, sideModels: [short])
        } catch let error as EvaluationError {
            #expect(error.description.contains("side model mlp|general, 784-32-10, test"))
        }
        #expect(throws: EvaluationError.self) { try EvaluationSplit(labels: [1, 2], deepLogits: Logits(rows: [[1, 2]])) }
    }
}
