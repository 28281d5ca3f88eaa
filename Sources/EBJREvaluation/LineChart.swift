import Foundation

/// A line chart with several series, markers, labelled axes and ticks, and a legend below the plot sized from
/// its labels (so it never clips), drawn with `SVGDocument`.
///
/// With a `yRange` the main panel is zoomed to that range (curves are clipped to it) and a second, narrower panel
/// beside it shows the full range, with the zoomed band shaded.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Stroke colour; nil takes the palette colour of the series' position.
        public var color: String?
        /// SVG dash pattern (`"6 3"`); nil = solid.
        public var dash: String?
        public var width: Double

        public init(name: String, points: [(x: Double, y: Double)], isDashed: Bool = false, color: String? = nil,
                    dash: String? = nil, width: Double = 2) {
            self.name = name
            self.points = points
            self.color = color
            self.dash = dash ?? (isDashed ? "5 4" : nil)
            self.width = isDashed && dash == nil ? 1.5 : width
        }
    }

    /// A highlighted point (e.g. the recommended operating point), drawn as a black-edged dot on top.
    public struct Marker: Sendable {
        public var name: String
        public var x: Double
        public var y: Double
        public var color: String

        public init(name: String, x: Double, y: Double, color: String) {
            self.name = name
            self.x = x
            self.y = y
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Horizontal reference lines, e.g. the deep model's accuracy.
    public var horizontalLines: [(name: String, y: Double)]
    public var markers: [Marker]
    /// The main panel's y range; nil shows everything in one panel.
    public var yRange: ClosedRange<Double>?
    public var width: Double = 900
    public var plotHeight: Double = 380

    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                horizontalLines: [(name: String, y: Double)] = [], markers: [Marker] = [], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.horizontalLines = horizontalLines
        self.markers = markers
        self.yRange = yRange
    }

    /// The chart as an SVG document string.
    public func svg() -> String {
        let left = 72.0, right = 24.0, top = 44.0, axisBand = 52.0
        let inset = yRange == nil ? 0.0 : 190.0
        let mainWidth = width - left - right - inset
        let xs = (series.flatMap { $0.points.map(\.x) } + markers.map(\.x)).filter(\.isFinite)
        let ys = (series.flatMap { $0.points.map(\.y) } + horizontalLines.map(\.y) + markers.map(\.y)).filter(\.isFinite)
        let xFull = Self.padded(low: xs.min() ?? 0, high: xs.max() ?? 1, fraction: 0)
        let yFull = Self.padded(low: ys.min() ?? 0, high: ys.max() ?? 1, fraction: 0.04)
        let yMain = yRange.map { Self.padded(low: $0.lowerBound, high: $0.upperBound, fraction: 0) } ?? yFull

        var legend = ChartLegend()
        for (i, line) in horizontalLines.enumerated() {
            legend.add(line.name, .line(color: Self.referenceColor(i), dash: "2 3", width: 1.5))
        }
        for (i, s) in series.enumerated() {
            legend.add(s.name, .line(color: s.color ?? Palette.color(i), dash: s.dash, width: max(2, s.width)))
        }
        for m in markers { legend.add(m.name, .marker(color: m.color)) }
        let legendWidth = width - 2 * 16
        let height = top + plotHeight + axisBand + legend.height(width: legendWidth) + 10

        var doc = SVGDocument(width: width, height: height)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: "middle", weight: "bold")
        drawPanel(&doc, id: "main", x: left, y: top, width: mainWidth, height: plotHeight, xRange: xFull, yRange: yMain,
                  xTicks: 6, yTicks: 7)
        doc.text(xLabel, x: left + mainWidth / 2, y: top + plotHeight + 40, size: 13, anchor: "middle")
        doc.text(yLabel, x: 18, y: top + plotHeight / 2, size: 13, anchor: "middle", rotation: -90)
        if yRange != nil {
            let insetLeft = left + mainWidth + 58
            let insetWidth = width - right - insetLeft
            let insetHeight = plotHeight * 0.62
            doc.text("full range", x: insetLeft + insetWidth / 2, y: top - 6, size: 12, anchor: "middle", weight: "bold")
            let band = (low: max(yMain.low, yFull.low), high: min(yMain.high, yFull.high))
            func py(_ y: Double) -> Double { top + (1 - (y - yFull.low) / (yFull.high - yFull.low)) * insetHeight }
            if band.high > band.low {
                doc.rect(x: insetLeft, y: py(band.high), width: insetWidth, height: py(band.low) - py(band.high), fill: "#fff3b0",
                         fillOpacity: 0.8)
            }
            drawPanel(&doc, id: "full", x: insetLeft, y: top, width: insetWidth, height: insetHeight, xRange: xFull, yRange: yFull,
                      xTicks: 3, yTicks: 5)
            doc.text("shaded: zoomed range", x: insetLeft + insetWidth / 2, y: top + insetHeight + 34, size: 10, anchor: "middle")
        }
        legend.draw(in: &doc, x: 16, y: top + plotHeight + axisBand, width: legendWidth)
        return doc.render()
    }

    /// Grid, axes, ticks, reference lines, series (clipped to the panel) and markers of one panel.
    private func drawPanel(_ doc: inout SVGDocument, id: String, x left: Double, y top: Double, width: Double, height: Double,
                           xRange: (low: Double, high: Double), yRange: (low: Double, high: Double), xTicks: Int, yTicks: Int) {
        func px(_ x: Double) -> Double { left + (x - xRange.low) / (xRange.high - xRange.low) * width }
        func py(_ y: Double) -> Double { top + (1 - (y - yRange.low) / (yRange.high - yRange.low)) * height }
        let xt = AxisTicks.ticks(low: xRange.low, high: xRange.high, target: xTicks)
        for v in xt.values {
            doc.line(x1: px(v), y1: top, x2: px(v), y2: top + height, stroke: "#e5e5e5")
            doc.line(x1: px(v), y1: top + height, x2: px(v), y2: top + height + 5)
            doc.text(AxisTicks.label(v, step: xt.step), x: px(v), y: top + height + 18, size: 11, anchor: "middle")
        }
        let yt = AxisTicks.ticks(low: yRange.low, high: yRange.high, target: yTicks)
        for v in yt.values {
            doc.line(x1: left, y1: py(v), x2: left + width, y2: py(v), stroke: "#e5e5e5")
            doc.line(x1: left - 5, y1: py(v), x2: left, y2: py(v))
            doc.text(AxisTicks.label(v, step: yt.step), x: left - 8, y: py(v) + 4, size: 11, anchor: "end")
        }
        doc.line(x1: left, y1: top + height, x2: left + width, y2: top + height)
        doc.line(x1: left, y1: top, x2: left, y2: top + height)
        let clip = "clip-\(id)"
        doc.clipRect(id: clip, x: left, y: top, width: width, height: height)
        for (i, line) in horizontalLines.enumerated() {
            doc.polyline([(left, py(line.y)), (left + width, py(line.y))], stroke: Self.referenceColor(i), strokeWidth: 1.5,
                         dash: "2 3", clip: clip)
        }
        for (i, s) in series.enumerated() {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (x: px($0.x), y: py($0.y)) }
            guard !points.isEmpty else { continue }
            let path = points.count == 1 ? [points[0], (x: points[0].x + 0.01, y: points[0].y)] : points
            doc.polyline(path, stroke: s.color ?? Palette.color(i), strokeWidth: s.width, dash: s.dash, clip: clip)
        }
        for m in markers where m.y >= yRange.low && m.y <= yRange.high && m.x >= xRange.low && m.x <= xRange.high {
            doc.circle(cx: px(m.x), cy: py(m.y), r: id == "main" ? 6 : 4, fill: m.color, stroke: "#000000", strokeWidth: 1.5)
        }
    }

    private static func referenceColor(_ i: Int) -> String { i == 0 ? "#444444" : Palette.color(9 - i) }

    private static func padded(low: Double, high: Double, fraction: Double) -> (low: Double, high: Double) {
        var (lo, hi) = (low, high)
        if !(hi > lo) { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * fraction
        return (lo - pad, hi + pad)
    }
}
