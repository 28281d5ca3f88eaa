import Foundation

/// A minimal SVG writer: shapes and text appended in drawing order, rendered as a standalone XML document.
/// Every attribute value and text node is XML-escaped, so any series name or title yields valid XML.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A straight line.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#000",
                              strokeWidth: Double = 1, dash: String? = nil) {
        var attributes = "x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(Self.escape(stroke))\" stroke-width=\"\(n(strokeWidth))\""
        if let dash { attributes += " stroke-dasharray=\"\(Self.escape(dash))\"" }
        elements.append("<line \(attributes)/>")
    }

    /// An open polyline through `points`, optionally clipped to a `clipRect` defined earlier.
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, strokeWidth: Double = 1.5,
                                  fill: String = "none", fillOpacity: Double = 1, dash: String? = nil, clip: String? = nil) {
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        let dashAttribute = dash.map { " stroke-dasharray=\"\(Self.escape($0))\"" } ?? ""
        let clipAttribute = clip.map { " clip-path=\"url(#\(Self.escape($0)))\"" } ?? ""
        elements.append("<polyline points=\"\(list)\" fill=\"\(Self.escape(fill))\" fill-opacity=\"\(n(fillOpacity))\" "
                        + "stroke=\"\(Self.escape(stroke))\" stroke-width=\"\(n(strokeWidth))\" stroke-linejoin=\"round\"\(dashAttribute)\(clipAttribute)/>")
    }

    /// A circle (markers).
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "none", strokeWidth: Double = 1) {
        elements.append("<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(Self.escape(fill))\" "
                        + "stroke=\"\(Self.escape(stroke))\" stroke-width=\"\(n(strokeWidth))\"/>")
    }

    /// Defines a rectangular clip region named `id`, for `polyline(…, clip: id)`.
    public mutating func clipRect(id: String, x: Double, y: Double, width: Double, height: Double) {
        elements.append("<clipPath id=\"\(Self.escape(id))\"><rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" "
                        + "height=\"\(n(max(0, height)))\"/></clipPath>")
    }

    /// Opens a group `<g id=… class=…>`; everything drawn until `endGroup()` belongs to it (legends carry
    /// `id="legend" class="legend"` so tests can find them).
    public mutating func beginGroup(id: String? = nil, className: String? = nil) {
        var attributes = ""
        if let id { attributes += " id=\"\(Self.escape(id))\"" }
        if let className { attributes += " class=\"\(Self.escape(className))\"" }
        elements.append("<g\(attributes)>")
    }

    /// Closes the group opened last.
    public mutating func endGroup() { elements.append("</g>") }

    /// A conservative estimate of the width of `string` at font `size` in Helvetica/Arial (0.6 em per character,
    /// wider than the fonts' average), used to size legends so that they never run off the canvas.
    public static func estimatedTextWidth(_ string: String, size: Double) -> Double {
        0.6 * size * Double(string.count)
    }

    /// A rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              fillOpacity: Double = 1, stroke: String = "none") {
        elements.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\" "
                        + "fill=\"\(Self.escape(fill))\" fill-opacity=\"\(n(fillOpacity))\" stroke=\"\(Self.escape(stroke))\"/>")
    }

    /// A text label; `anchor` is `start`, `middle` or `end`; `rotation` in degrees about `(x, y)`.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              rotation: Double = 0, weight: String = "normal") {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(Self.escape(anchor))\" font-weight=\"\(Self.escape(weight))\""
        if rotation != 0 { attributes += " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" }
        elements.append("<text \(attributes)>\(Self.escape(string))</text>")
    }

    /// The document as a string, with an XML declaration.
    public func render() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        for element in elements { out += element + "\n" }
        return out + "</svg>\n"
    }

    /// Escapes `& < > " '` for use in XML text and attribute values, and drops characters XML 1.0 forbids.
    public static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                if v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF) {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private func n(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "0" }
}

/// "Nice" axis ticks: steps of 1, 2 or 5 × 10^k covering `[low, high]`.
enum AxisTicks {
    static func ticks(low: Double, high: Double, target: Int = 6) -> (values: [Double], step: Double) {
        guard high > low, low.isFinite, high.isFinite else { return ([low], 1) }
        let raw = (high - low) / Double(max(1, target - 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        var values: [Double] = []
        var v = ceil(low / step - 1e-9) * step
        while v <= high + step * 1e-9 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return (values, step)
    }

    static func label(_ v: Double, step: Double) -> String {
        let decimals = max(0, min(8, Int(-floor(log10(step)))))
        return String(format: "%.\(decimals)f", v)
    }
}

/// A fixed palette of distinguishable colours.
enum Palette {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                         "#bcbd22", "#17becf"]
    static func color(_ i: Int) -> String { colors[i % colors.count] }
}
