import Foundation

/// A line chart with several series, a legend, labelled axes and ticks, drawn with `SVGDocument`.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Dashed lines for references (random, oracle) or bounds.
        public var isDashed: Bool

        public init(name: String, points: [(x: Double, y: Double)], isDashed: Bool = false) {
            self.name = name
            self.points = points
            self.isDashed = isDashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Horizontal reference lines, e.g. the deep model's accuracy.
    public var horizontalLines: [(name: String, y: Double)]
    public var width: Double = 760
    public var height: Double = 480

    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                horizontalLines: [(name: String, y: Double)] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.horizontalLines = horizontalLines
    }

    /// The chart as an SVG document string.
    public func svg() -> String {
        let left = 70.0, right = 220.0, top = 40.0, bottom = 60.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = (series.flatMap { $0.points.map(\.y) } + horizontalLines.map(\.y)).filter(\.isFinite)
        var (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
        var (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        if xHigh <= xLow { xLow -= 0.5; xHigh += 0.5 }
        if yHigh <= yLow { yLow -= 0.5; yHigh += 0.5 }
        let yPad = (yHigh - yLow) * 0.04
        yLow -= yPad
        yHigh += yPad
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yLow) / (yHigh - yLow)) * plotHeight }

        var doc = SVGDocument(width: width, height: height)
        doc.text(title, x: left + plotWidth / 2, y: 24, size: 15, anchor: "middle", weight: "bold")
        let xTicks = AxisTicks.ticks(low: xLow, high: xHigh)
        for v in xTicks.values {
            doc.line(x1: px(v), y1: top, x2: px(v), y2: top + plotHeight, stroke: "#e5e5e5")
            doc.line(x1: px(v), y1: top + plotHeight, x2: px(v), y2: top + plotHeight + 5)
            doc.text(AxisTicks.label(v, step: xTicks.step), x: px(v), y: top + plotHeight + 18, size: 11, anchor: "middle")
        }
        let yTicks = AxisTicks.ticks(low: yLow, high: yHigh)
        for v in yTicks.values {
            doc.line(x1: left, y1: py(v), x2: left + plotWidth, y2: py(v), stroke: "#e5e5e5")
            doc.line(x1: left - 5, y1: py(v), x2: left, y2: py(v))
            doc.text(AxisTicks.label(v, step: yTicks.step), x: left - 8, y: py(v) + 4, size: 11, anchor: "end")
        }
        doc.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight)
        doc.line(x1: left, y1: top, x2: left, y2: top + plotHeight)
        doc.text(xLabel, x: left + plotWidth / 2, y: height - 16, size: 13, anchor: "middle")
        doc.text(yLabel, x: 18, y: top + plotHeight / 2, size: 13, anchor: "middle", rotation: -90)

        var legend: [(String, String, Bool)] = []
        for (i, line) in horizontalLines.enumerated() {
            let color = i == 0 ? "#444444" : Palette.color(9 - i)
            doc.line(x1: left, y1: py(line.y), x2: left + plotWidth, y2: py(line.y), stroke: color, strokeWidth: 1.2, dash: "2 3")
            legend.append((line.name, color, true))
        }
        for (i, s) in series.enumerated() {
            let color = Palette.color(i)
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (x: px($0.x), y: py($0.y)) }
            if points.count == 1 {
                doc.rect(x: points[0].x - 3, y: points[0].y - 3, width: 6, height: 6, fill: color)
            } else if !points.isEmpty {
                doc.polyline(points, stroke: color, strokeWidth: s.isDashed ? 1.5 : 2, dash: s.isDashed ? "5 4" : nil)
            }
            legend.append((s.name, color, s.isDashed))
        }
        let legendX = left + plotWidth + 16
        for (i, entry) in legend.enumerated() {
            let y = top + 10 + Double(i) * 18
            doc.line(x1: legendX, y1: y, x2: legendX + 22, y2: y, stroke: entry.1, strokeWidth: 2.5, dash: entry.2 ? "4 3" : nil)
            doc.text(entry.0, x: legendX + 28, y: y + 4, size: 11)
        }
        return doc.render()
    }
}
