import EBJRFiles
import EBJRRouting
import Foundation

/// Writes a result's report files into a directory, each atomically: `report.md` (answer first), `appendix.md`,
/// `report.json`, `operating-points.csv`, `curves.csv` and the SVG plots: an overview (every side model's chosen
/// score, accuracy vs relative cost, zoomed around the deep model's accuracy with a full-range panel), per side
/// model accuracy vs relative cost and vs acceptance (one curve per score kind) and score histograms, plus any
/// plots the caller adds (the runner's cost-by-mix bar chart).
///
/// Styles are the same in every plot: one colour per side model (its position in the result), one dash pattern
/// per score kind (`PlotStyle`), the recommended point as a black-edged dot.
public enum ReportWriter {
    /// One SVG plot: its file name and contents; `sideModel` is nil for overview plots.
    public struct Plot: Sendable {
        public var fileName: String
        public var sideModel: String?
        public var svg: String

        public init(fileName: String, sideModel: String?, svg: String) {
            self.fileName = fileName
            self.sideModel = sideModel
            self.svg = svg
        }
    }

    /// Writes every file and returns their URLs.
    /// - Parameters:
    ///   - extraPlots: further overview plots (shown in `report.md` after the overview).
    ///   - mixLinks: links to the mix reports as seen from this folder, by mix key (see `MarkdownReport.render`).
    /// - Throws: `FileWriteError` naming the path.
    @discardableResult
    public static func write(_ result: EvaluationResult, to directory: URL, extraPlots: [Plot] = [],
                             mixLinks: [String: String] = [:]) throws -> [URL] {
        let plots = self.plots(result) + extraPlots
        var plotNames: [String: [String]] = [:]
        for plot in plots { plotNames[plot.sideModel ?? "", default: []].append(plot.fileName) }
        var written: [URL] = []
        func put(_ name: String, _ data: Data) throws {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(data, to: url)
            written.append(url)
        }
        try put("report.json", try json(result))
        try put("report.md", Data(MarkdownReport.render(result, plots: plotNames, mixLinks: mixLinks).utf8))
        try put("appendix.md", Data(AppendixReport.render(result, plots: plotNames).utf8))
        try put("operating-points.csv", Data(OperatingPointsCSV.render(result).utf8))
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
        let deepLine = [(name: "deep model alone (\(result.deep.name))", y: result.deep.accuracy.test)]
        let zoom = PlotStyle.zoom(deepAccuracy: result.deep.accuracy.test, result: result)
        let criterion = Recommender.headlineCriterion(result.settings)
        let recommended = result.recommendation?.mixes.first?.point
        var overview: [LineChart.Series] = []
        var overviewMarkers: [LineChart.Marker] = []
        for (index, side) in result.sideModels.enumerated() {
            let color = PlotStyle.color(sideModel: index)
            let slug = self.slug(side.name)
            let chosen = criterion.flatMap { Recommender.chosen(side, criterion: $0) }
            let shown = PlotStyle.shownScores(side, chosen: chosen?.score.score)
            func series(_ x: (TradeoffPoint) -> Double) -> [LineChart.Series] {
                shown.map { s in
                    LineChart.Series(name: s.score.description, points: s.curves.test.points.map { (x($0), $0.jointAccuracy) },
                                     color: s.score.isReference ? PlotStyle.referenceColor : color, dash: PlotStyle.dash(s.score),
                                     width: s.score.isReference ? 1.5 : 2.2)
                }
            }
            var markers: [LineChart.Marker] = []
            if let chosen {
                let isRecommended = recommended?.sideModel == side.name && recommended?.score == chosen.score.score
                let label = isRecommended ? "recommended: \(chosen.score.score), τ = \(Format.threshold(chosen.threshold))"
                    : "chosen at \(chosen.point.criterion): \(chosen.score.score)"
                markers.append(.init(name: label, x: chosen.point.test.relativeCost, y: chosen.point.test.measuredJointAccuracy,
                                     color: color))
                overview.append(.init(name: "\(side.name): \(chosen.score.score)",
                                      points: chosen.score.curves.test.points.map { ($0.relativeCost, $0.jointAccuracy) },
                                      color: color, dash: PlotStyle.dash(chosen.score.score)))
                if isRecommended {
                    overviewMarkers.append(.init(name: "recommended: \(side.name), \(chosen.score.score)",
                                                 x: chosen.point.test.relativeCost, y: chosen.point.test.measuredJointAccuracy,
                                                 color: color))
                }
            }
            let cost = LineChart(title: "\(side.name): accuracy vs relative cost (test)", xLabel: "relative cost (joint FLOPs / deep FLOPs)",
                                 yLabel: "joint accuracy", series: series { $0.relativeCost }, horizontalLines: deepLine,
                                 markers: markers, yRange: zoom)
            let acceptanceMarkers = chosen.map { c in markers.map { m in
                LineChart.Marker(name: m.name, x: c.point.test.statistics.acceptance, y: m.y, color: m.color) } } ?? []
            let acceptance = LineChart(title: "\(side.name): accuracy vs acceptance (test)",
                                       xLabel: "acceptance (fraction kept on side model)", yLabel: "joint accuracy",
                                       series: series { $0.acceptance }, horizontalLines: deepLine, markers: acceptanceMarkers,
                                       yRange: zoom)
            plots.append(Plot(fileName: "\(slug)-accuracy-vs-cost.svg", sideModel: side.name, svg: cost.svg()))
            plots.append(Plot(fileName: "\(slug)-accuracy-vs-acceptance.svg", sideModel: side.name, svg: acceptance.svg()))
            for s in shown where !s.score.isReference {
                for (h, histogram) in s.histograms.enumerated() {
                    let chart = HistogramChart(histogram: histogram, xLabel: "\(s.score.description) (lower = keep on side model)")
                    plots.append(Plot(fileName: "\(slug)-\(self.slug(s.score.description))-histogram-\(h == 0 ? "correct-vs-wrong" : "in-vs-out").svg",
                                      sideModel: side.name, svg: chart.svg()))
                }
            }
        }
        if !overview.isEmpty {
            let chart = LineChart(title: "General vs specialized: accuracy vs relative cost (test)",
                                  xLabel: "relative cost (joint FLOPs / deep FLOPs)", yLabel: "joint accuracy",
                                  series: overview, horizontalLines: deepLine, markers: overviewMarkers, yRange: zoom)
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
