import Foundation

/// A Jupyter notebook in nbformat 4.5 (the JSON `.ipynb` format): cells without outputs, and metadata naming the
/// Python 3 kernel. Encoded with sorted keys and deterministic cell ids, so exporting the same input twice gives
/// identical bytes.
public struct NotebookDocument: Equatable, Sendable {
    /// One cell: markdown text or Python code (never executed here, so code cells have no outputs).
    public struct Cell: Equatable, Sendable {
        public enum Kind: String, Sendable {
            case markdown
            case code
        }

        public var kind: Kind
        /// The cell's text; stored in the file as a list of lines, each but the last ending in `\n`.
        public var source: String

        public init(kind: Kind, source: String) {
            self.kind = kind
            self.source = source
        }

        /// A markdown cell.
        public static func markdown(_ source: String) -> Cell { Cell(kind: .markdown, source: source) }
        /// A Python code cell.
        public static func code(_ source: String) -> Cell { Cell(kind: .code, source: source) }
    }

    public var cells: [Cell]

    public init(cells: [Cell] = []) { self.cells = cells }

    /// The notebook as `.ipynb` JSON (nbformat 4, minor 5): cell ids `cell-0`, `cell-1`, … (4.5 requires them),
    /// code cells with `execution_count: null` and no outputs, and the `python3` kernelspec.
    public func jsonData() throws -> Data {
        let cellObjects: [[String: Any]] = cells.enumerated().map { index, cell in
            var object: [String: Any] = [
                "cell_type": cell.kind.rawValue,
                "id": "cell-\(index)",
                "metadata": [String: Any](),
                "source": Self.lines(cell.source),
            ]
            if cell.kind == .code {
                object["execution_count"] = NSNull()
                object["outputs"] = [Any]()
            }
            return object
        }
        let notebook: [String: Any] = [
            "cells": cellObjects,
            "metadata": [
                "kernelspec": ["display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"],
                "language_info": ["name": "python", "file_extension": ".py", "mimetype": "text/x-python"],
            ],
            "nbformat": 4,
            "nbformat_minor": 5,
        ]
        return try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Splits text into the line list nbformat stores: every line keeps its `\n` except the last.
    static func lines(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "\n" {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
