import Foundation
import Testing
import _EBJRTestSupport
@testable import EBJREvaluation

/// Renders every plot kind's SVG to PNG with a real SVG renderer (cairosvg in the interop venv) and checks, on the
/// pixels, that the legend (`<g id="legend">`) lies inside the canvas: the legend alone is rendered on a canvas
/// padded by 400 px on every side, so that anything drawn past the original edge shows up as ink outside it.
@Suite struct ChartRenderingTests {
    @Test func everyPlotKindKeepsItsLegendInsideTheCanvas() throws {
        let directory = try TestSupport.temporaryDirectory("charts")
        defer { try? FileManager.default.removeItem(at: directory) }
        let longName = "footwear-other-class-energy-all-with-a-very-long-side-model-name: max-softmax T=0.5"
        var curve: [(x: Double, y: Double)] = []
        for i in 0...20 {
            let t = Double(i) / 20
            curve.append((x: 0.05 + 0.95 * t, y: 0.80 + 0.12 * t))
        }
        var series: [LineChart.Series] = []
        for i in 0..<9 {
            let name: String = i == 0 ? longName : "side model \(i): energy T=\(i)"
            let shift = 0.01 * Double(i)
            let points: [(x: Double, y: Double)] = curve.map { (x: $0.x, y: $0.y - shift) }
            let dash: String? = i % 2 == 0 ? nil : "6 3"
            series.append(LineChart.Series(name: name, points: points, color: PlotStyle.color(sideModel: i), dash: dash))
        }
        let marker = LineChart.Marker(name: "recommended: " + longName, x: 0.5, y: 0.9, color: "#1f77b4")
        let line = LineChart(title: "accuracy vs relative cost", xLabel: "relative cost", yLabel: "joint accuracy", series: series,
                             horizontalLines: [("deep model alone (cnn)", 0.913)], markers: [marker], yRange: 0.883...0.94)
        let plain = LineChart(title: "no zoom", xLabel: "acceptance", yLabel: "accuracy",
                              series: [.init(name: "one", points: curve)])
        let histogram = HistogramChart(
            histogram: ScoreHistogram(title: "energy on test", groups: [("side correct", (0..<200).map { Double($0 % 17) }),
                                                                         ("side wrong and out of subset, a long group name", (0..<50).map { Double($0 % 7) })],
                                      bins: 10),
            xLabel: "energy T=1 (lower = keep on side model)")
        let bars = BarChart(title: "cost by mix", yLabel: "relative cost", categories: ["natural mix", "70% in-subset"],
                            series: (0..<6).map { BarChart.Series(name: "side model number \($0) with a long name", values: [0.5, 0.7]) },
                            referenceLine: ("deep model alone (cost 1)", 1))
        var files: [String] = []
        for (name, svg) in [("line", line.svg()), ("plain", plain.svg()), ("histogram", histogram.svg()), ("bars", bars.svg())] {
            try Data(svg.utf8).write(to: directory.appendingPathComponent("\(name).svg"))
            files.append(directory.appendingPathComponent("\(name).svg").path)
        }
        let result = try TestSupport.runPython(script: Self.script, arguments: files, in: directory)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == files.count, "\(result.standardOutput)")
        for line in lines { #expect(line.contains(" inside "), "\(line)") }
    }

    /// A legend that is too wide for its canvas must be caught by the check itself (the test can fail).
    @Test func theCheckSeesAClippedLegend() throws {
        let directory = try TestSupport.temporaryDirectory("charts-clip")
        defer { try? FileManager.default.removeItem(at: directory) }
        var doc = SVGDocument(width: 200, height: 100)
        doc.beginGroup(id: "legend", className: "legend")
        doc.text("a legend label far too long for a canvas this narrow", x: 120, y: 50, size: 12)
        doc.endGroup()
        let file = directory.appendingPathComponent("clipped.svg")
        try Data(doc.render().utf8).write(to: file)
        let result = try TestSupport.runPython(script: Self.script, arguments: [file.path], in: directory)
        #expect(result.standardOutput.contains("clipped.svg outside"), "\(result.standardOutput)")
    }

    /// argv: SVG files. Prints `<file> inside|outside <bbox> <canvas>` per file; also writes `<file>.png`.
    static let script = #"""
        import sys
        import xml.etree.ElementTree as ET

        import cairosvg
        import numpy as np
        from PIL import Image
        import io

        SVG = "{http://www.w3.org/2000/svg}"
        PAD = 400

        def ink_bbox(png_bytes):
            image = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGBA")).astype(int)
            ink = (image[:, :, 3] > 0) & (image[:, :, :3].min(axis=2) < 245)
            ys, xs = np.nonzero(ink)
            if len(xs) == 0:
                return None
            return xs.min(), ys.min(), xs.max(), ys.max()

        for path in sys.argv[1:]:
            cairosvg.svg2png(url=path, write_to=path + ".png")
            ET.register_namespace("", SVG[1:-1])
            tree = ET.parse(path)
            root = tree.getroot()
            width, height = float(root.get("width")), float(root.get("height"))
            legend = next((g for g in root.iter(SVG + "g") if g.get("id") == "legend"), None)
            if legend is None:
                print(f"{path} outside (no legend group)")
                continue
            for child in list(root):
                if child is not legend and child.tag != SVG + "defs":
                    root.remove(child)
            root.set("width", str(width + 2 * PAD))
            root.set("height", str(height + 2 * PAD))
            root.set("viewBox", f"{-PAD} {-PAD} {width + 2 * PAD} {height + 2 * PAD}")
            box = ink_bbox(cairosvg.svg2png(bytestring=ET.tostring(root)))
            if box is None:
                print(f"{path} outside (empty legend)")
                continue
            x0, y0, x1, y1 = box[0] - PAD, box[1] - PAD, box[2] - PAD, box[3] - PAD
            inside = x0 >= 0 and y0 >= 0 and x1 < width and y1 < height
            print(f"{path} {'inside' if inside else 'outside'} [{x0}, {y0}, {x1}, {y1}] canvas {width}x{height}")
        """#
}
