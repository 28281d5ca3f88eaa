/// A chart legend laid out in columns below the plot, sized from its labels so that it never runs off the canvas:
/// the chart asks for `height(width:)` first, makes its canvas that much taller, then draws it in a group
/// `<g id="legend" class="legend">`.
struct ChartLegend {
    enum Swatch {
        case line(color: String, dash: String?, width: Double)
        case box(color: String)
        case marker(color: String)
    }

    struct Entry {
        var label: String
        var swatch: Swatch
    }

    var entries: [Entry] = []
    var fontSize = 11.0
    let rowHeight = 18.0
    let swatchWidth = 26.0
    let gap = 8.0
    let columnPadding = 18.0

    mutating func add(_ label: String, _ swatch: Swatch) { entries.append(Entry(label: label, swatch: swatch)) }

    private var columnWidth: Double {
        swatchWidth + gap + (entries.map { SVGDocument.estimatedTextWidth($0.label, size: fontSize) }.max() ?? 0) + columnPadding
    }

    /// Columns that fit in `width` (at least 1; a label wider than the canvas is drawn smaller, see `draw`).
    func columns(width: Double) -> Int { max(1, min(entries.count, Int(width / columnWidth))) }

    /// The height the legend needs in a band `width` wide.
    func height(width: Double) -> Double {
        guard !entries.isEmpty else { return 0 }
        let rows = (entries.count + columns(width: width) - 1) / columns(width: width)
        return Double(rows) * rowHeight + 6
    }

    /// Draws the legend in the band starting at `(x, y)`, `width` wide, filling columns row by row.
    func draw(in doc: inout SVGDocument, x: Double, y: Double, width: Double) {
        guard !entries.isEmpty else { return }
        let columns = self.columns(width: width)
        // A single label wider than the band is drawn with a smaller font so that it still fits.
        let widest = entries.map { SVGDocument.estimatedTextWidth($0.label, size: fontSize) }.max() ?? 0
        let room = width / Double(columns) - swatchWidth - gap - 4
        let size = widest > room ? max(6, fontSize * room / widest) : fontSize
        let step = width / Double(columns)
        doc.beginGroup(id: "legend", className: "legend")
        for (i, entry) in entries.enumerated() {
            let cx = x + Double(i % columns) * step
            let cy = y + Double(i / columns) * rowHeight + rowHeight / 2
            switch entry.swatch {
            case let .line(color, dash, width):
                doc.line(x1: cx, y1: cy, x2: cx + swatchWidth, y2: cy, stroke: color, strokeWidth: width, dash: dash)
            case let .box(color):
                doc.rect(x: cx + 6, y: cy - 6, width: 14, height: 12, fill: color, fillOpacity: 0.5, stroke: color)
            case let .marker(color):
                doc.circle(cx: cx + swatchWidth / 2, cy: cy, r: 5, fill: color, stroke: "#000000", strokeWidth: 1.2)
            }
            doc.text(entry.label, x: cx + swatchWidth + gap, y: cy + size / 3, size: size)
        }
        doc.endGroup()
    }
}
