import Foundation

/// Draws a `ScoreHistogram` as overlaid translucent bars per group, each normalised to the fraction of its
/// group, so groups of different sizes compare by shape.
public struct HistogramChart: Sendable {
    public var histogram: ScoreHistogram
    public var xLabel: String
    public var width: Double = 760
    public var height: Double = 420

    public init(histogram: ScoreHistogram, xLabel: String) {
        self.histogram = histogram
        self.xLabel = xLabel
    }

    public func svg() -> String {
        let left = 70.0, right = 180.0, top = 40.0, bottom = 60.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
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
        doc.text(xLabel, x: left + plotWidth / 2, y: height - 16, size: 13, anchor: "middle")
        doc.text("fraction of group", x: 18, y: top + plotHeight / 2, size: 13, anchor: "middle", rotation: -90)
        for (g, group) in histogram.groups.enumerated() {
            let y = top + 10 + Double(g) * 18
            doc.rect(x: left + plotWidth + 16, y: y - 6, width: 14, height: 12, fill: Palette.color(g), fillOpacity: 0.4,
                     stroke: Palette.color(g))
            doc.text("\(group.name) (n = \(group.counts.reduce(0, +)))", x: left + plotWidth + 36, y: y + 4, size: 11)
        }
        return doc.render()
    }
}
