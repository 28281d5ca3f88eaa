import EBJRFiles
import EBJRRouting
import Foundation

/// Writes a result's report files into a directory, each atomically: `report.md`, `report.json`, `curves.csv`
/// and the SVG plots (per side model: accuracy vs relative cost, accuracy vs acceptance, and for each non-reference
/// score the test score histograms; plus an overview of all side models).
public enum ReportWriter {
    /// One SVG plot: its file name and contents; `sideModel` is nil for overview plots.
    public struct Plot: Sendable {
        public var fileName: String
        public var sideModel: String?
        public var svg: String
    }

    /// Writes every file and returns their URLs.
    /// - Throws: `FileWriteError` naming the path.
    @discardableResult
    public static func write(_ result: EvaluationResult, to directory: URL) throws -> [URL] {
        let plots = self.plots(result)
        var plotNames: [String: [String]] = [:]
        for plot in plots { plotNames[plot.sideModel ?? "", default: []].append(plot.fileName) }
        var written: [URL] = []
        func put(_ name: String, _ data: Data) throws {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(data, to: url)
            written.append(url)
        }
        try put("report.json", try json(result))
        try put("report.md", Data(MarkdownReport.render(result, plots: plotNames).utf8))
        try put("curves.csv", Data(CurvesCSV.render(result).utf8))
        for plot in plots { try put(plot.fileName, Data(plot.svg.utf8)) }
        return written
    }

    /// `report.json`: pretty-printed, keys sorted, so reruns diff cleanly.
    public static func json(_ result: EvaluationResult) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(result)
        } catch {
            throw EvaluationError.writeFailed(path: "report.json", reason: "cannot encode result: \(error)")
        }
    }

    /// Reads a `report.json` back.
    public static func readJSON(_ data: Data) throws -> EvaluationResult {
        try JSONDecoder().decode(EvaluationResult.self, from: data)
    }

    /// All plots of a result.
    public static func plots(_ result: EvaluationResult) -> [Plot] {
        var plots: [Plot] = []
        let deepLine = [(name: "deep model (\(result.deep.name))", y: result.deep.accuracy.test)]
        var overview: [LineChart.Series] = []
        for side in result.sideModels {
            let slug = self.slug(side.name)
            var costSeries: [LineChart.Series] = []
            var acceptanceSeries: [LineChart.Series] = []
            for s in side.scores {
                let points = s.curves.test.points
                costSeries.append(.init(name: s.score.description, points: points.map { ($0.relativeCost, $0.jointAccuracy) },
                                        isDashed: s.score.isReference))
                acceptanceSeries.append(.init(name: s.score.description, points: points.map { ($0.acceptance, $0.jointAccuracy) },
                                              isDashed: s.score.isReference))
                if !s.score.isReference {
                    for (h, histogram) in s.histograms.enumerated() {
                        let chart = HistogramChart(histogram: histogram, xLabel: "\(s.score.description) (lower = keep on side model)")
                        plots.append(Plot(fileName: "\(slug)-\(self.slug(s.score.description))-histogram-\(h == 0 ? "correct-vs-wrong" : "in-vs-out").svg",
                                          sideModel: side.name, svg: chart.svg()))
                    }
                }
            }
            if let first = side.scores.first(where: { !$0.score.isReference }) {
                overview.append(.init(name: "\(side.name): \(first.score.description)",
                                      points: first.curves.test.points.map { ($0.relativeCost, $0.jointAccuracy) }))
            }
            let cost = LineChart(title: "\(side.name): accuracy vs relative cost (test)", xLabel: "relative cost (joint FLOPs / deep FLOPs)",
                                 yLabel: "joint accuracy", series: costSeries, horizontalLines: deepLine)
            let acceptance = LineChart(title: "\(side.name): accuracy vs acceptance (test)", xLabel: "acceptance (fraction kept on side model)",
                                       yLabel: "joint accuracy", series: acceptanceSeries, horizontalLines: deepLine)
            plots.insert(contentsOf: [Plot(fileName: "\(slug)-accuracy-vs-cost.svg", sideModel: side.name, svg: cost.svg()),
                                      Plot(fileName: "\(slug)-accuracy-vs-acceptance.svg", sideModel: side.name, svg: acceptance.svg())],
                         at: plots.firstIndex { $0.sideModel == side.name } ?? plots.count)
        }
        if !overview.isEmpty {
            let chart = LineChart(title: "General vs specialized: accuracy vs relative cost (test)",
                                  xLabel: "relative cost (joint FLOPs / deep FLOPs)", yLabel: "joint accuracy",
                                  series: overview, horizontalLines: deepLine)
            plots.insert(Plot(fileName: "overview-accuracy-vs-cost.svg", sideModel: nil, svg: chart.svg()), at: 0)
        }
        return plots
    }

    /// A file-name-safe form of a name: lowercase letters, digits, `.` and `-`.
    static func slug(_ name: String) -> String {
        var out = ""
        for ch in name.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber || ch == ".") { out.append(ch) } else if out.last != "-" { out.append("-") }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "model" : trimmed
    }
}
