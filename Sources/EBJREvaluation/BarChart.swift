import Foundation

/// Grouped vertical bars: one group per category (e.g. workload mix), one bar per series (e.g. side model) with
/// its value written above it, an optional horizontal reference line (e.g. cost 1 = the deep model alone), and
/// the legend below the plot.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var color: String?
        /// One value per category; nil leaves a gap.
        public var values: [Double?]

        public init(name: String, color: String? = nil, values: [Double?]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public var title: String
    public var yLabel: String
    public var categories: [String]
    public var series: [Series]
    public var referenceLine: (name: String, y: Double)?
    public var valueDigits = 2
    public var width: Double = 900
    public var plotHeight: Double = 300

    public init(title: String, yLabel: String, categories: [String], series: [Series], referenceLine: (name: String, y: Double)? = nil) {
        self.title = title
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
        self.referenceLine = referenceLine
    }

    public func svg() -> String {
        let left = 72.0, right = 24.0, top = 44.0, axisBand = 40.0
        let plotWidth = width - left - right
        var legend = ChartLegend()
        for (i, s) in series.enumerated() { legend.add(s.name, .box(color: s.color ?? Palette.color(i))) }
        if let r = referenceLine { legend.add(r.name, .line(color: "#444444", dash: "2 3", width: 1.5)) }
        let height = top + plotHeight + axisBand + legend.height(width: width - 32) + 10
        let values = series.flatMap { $0.values.compactMap { $0 } } + [referenceLine?.y ?? 0]
        let yHigh = max(1e-9, values.filter(\.isFinite).max() ?? 1) * 1.12
        func py(_ y: Double) -> Double { top + (1 - y / yHigh) * plotHeight }

        var doc = SVGDocument(width: width, height: height)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: "middle", weight: "bold")
        let ticks = AxisTicks.ticks(low: 0, high: yHigh)
        for v in ticks.values {
            doc.line(x1: left, y1: py(v), x2: left + plotWidth, y2: py(v), stroke: "#e5e5e5")
            doc.text(AxisTicks.label(v, step: ticks.step), x: left - 8, y: py(v) + 4, size: 11, anchor: "end")
        }
        let groupWidth = plotWidth / Double(max(1, categories.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        for (c, category) in categories.enumerated() {
            let groupLeft = left + Double(c) * groupWidth + groupWidth * 0.1
            for (i, s) in series.enumerated() {
                guard c < s.values.count, let v = s.values[c], v.isFinite else { continue }
                let color = s.color ?? Palette.color(i)
                let x = groupLeft + Double(i) * barWidth
                doc.rect(x: x + 1, y: py(v), width: barWidth - 2, height: py(0) - py(v), fill: color, fillOpacity: 0.85, stroke: color)
                doc.text(String(format: "%.\(valueDigits)f", v), x: x + barWidth / 2, y: py(v) - 4, size: min(11, barWidth * 0.35),
                         anchor: "middle")
            }
            doc.text(category, x: left + (Double(c) + 0.5) * groupWidth, y: top + plotHeight + 20, size: 12, anchor: "middle")
        }
        if let r = referenceLine {
            doc.line(x1: left, y1: py(r.y), x2: left + plotWidth, y2: py(r.y), stroke: "#444444", strokeWidth: 1.5, dash: "2 3")
        }
        doc.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight)
        doc.line(x1: left, y1: top, x2: left, y2: top + plotHeight)
        doc.text(yLabel, x: 18, y: top + plotHeight / 2, size: 13, anchor: "middle", rotation: -90)
        legend.draw(in: &doc, x: 16, y: top + plotHeight + axisBand, width: width - 32)
        return doc.render()
    }
}
