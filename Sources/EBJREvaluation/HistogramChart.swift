import Foundation

/// Draws a `ScoreHistogram` as overlaid translucent bars per group, each normalised to the fraction of its
/// group, so groups of different sizes compare by shape; the legend (group sizes) sits below the plot.
public struct HistogramChart: Sendable {
    public var histogram: ScoreHistogram
    public var xLabel: String
    public var width: Double = 760
    public var plotHeight: Double = 320

    public init(histogram: ScoreHistogram, xLabel: String) {
        self.histogram = histogram
        self.xLabel = xLabel
    }

    public func svg() -> String {
        let left = 70.0, right = 24.0, top = 40.0, axisBand = 52.0
        let plotWidth = width - left - right
        var legend = ChartLegend()
        for (g, group) in histogram.groups.enumerated() {
            legend.add("\(group.name) (n = \(group.counts.reduce(0, +)))", .box(color: Palette.color(g)))
        }
        let height = top + plotHeight + axisBand + legend.height(width: width - 32) + 10
        let edges = histogram.edges
        let xLow = edges.first ?? 0
        let xHigh = edges.count > 1 ? edges[edges.count - 1] : xLow + 1
        let fractions = histogram.groups.map { group -> [Double] in
            let total = Double(group.counts.reduce(0, +))
            return group.counts.map { total > 0 ? Double($0) / total : 0 }
        }
        let yHigh = max(1e-9, fractions.flatMap { $0 }.max() ?? 1) * 1.05
        func px(_ x: Double) -> Double { left + (x - xLow) / max(1e-300, xHigh - xLow) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - y / yHigh) * plotHeight }

        var doc = SVGDocument(width: width, height: height)
        doc.text(histogram.title, x: left + plotWidth / 2, y: 24, size: 14, anchor: "middle", weight: "bold")
        let xTicks = AxisTicks.ticks(low: xLow, high: xHigh)
        for v in xTicks.values {
            doc.line(x1: px(v), y1: top + plotHeight, x2: px(v), y2: top + plotHeight + 5)
            doc.text(AxisTicks.label(v, step: xTicks.step), x: px(v), y: top + plotHeight + 18, size: 11, anchor: "middle")
        }
        let yTicks = AxisTicks.ticks(low: 0, high: yHigh)
        for v in yTicks.values {
            doc.line(x1: left, y1: py(v), x2: left + plotWidth, y2: py(v), stroke: "#e5e5e5")
            doc.text(AxisTicks.label(v, step: yTicks.step), x: left - 8, y: py(v) + 4, size: 11, anchor: "end")
        }
        for (g, values) in fractions.enumerated() {
            let color = Palette.color(g)
            for (j, f) in values.enumerated() where f > 0 && j + 1 < edges.count {
                doc.rect(x: px(edges[j]), y: py(f), width: px(edges[j + 1]) - px(edges[j]), height: py(0) - py(f),
                         fill: color, fillOpacity: 0.4, stroke: color)
            }
        }
        doc.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight)
        doc.line(x1: left, y1: top, x2: left, y2: top + plotHeight)
        doc.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 40, size: 13, anchor: "middle")
        doc.text("fraction of group", x: 18, y: top + plotHeight / 2, size: 13, anchor: "middle", rotation: -90)
        legend.draw(in: &doc, x: 16, y: top + plotHeight + axisBand, width: width - 32)
        return doc.render()
    }
}
