import Foundation
import Testing
import _EBJRTestSupport
@testable import EBJRExport

/// The notebook's Python cells are resource files (`Sources/EBJRExport/NotebookCells/*.py`) filled in by a small
/// templating step; these tests check that the resources ship, that each one is valid Python before and after
/// templating, and that the one escaping function writes literals Python reads back as the same values.
@Suite struct NotebookCellTests {
    /// Values chosen to break naive escaping: quotes, backslashes, control characters, a placeholder-like text.
    private static let awkward = "q\"uo'te\\ \"{{data_folder}}\" é ü 😀\n\r\t\u{0}\u{7}\u{1f}\u{7f}\u{85}\u{2028}"

    private static func sampleValues(_ cell: NotebookCell) -> [String: PythonValue] {
        Dictionary(uniqueKeysWithValues: cell.placeholders.map { name in
            (name, name.hasSuffix("_count") || name.hasSuffix("_version") ? PythonValue.int(3) : .string(awkward))
        })
    }

    /// Every `.py` file in the bundle's `NotebookCells` folder is a `NotebookCell`, and every case has its file.
    @Test func everyCellFileIsListed() throws {
        let folder = NotebookCell.directory
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".py") }
        #expect(Set(files) == Set(NotebookCell.allCases.map(\.fileName)), "\(folder.path): \(files.sorted())")
    }

    /// Each cell's placeholders are exactly the ones it declares; missing, unknown and unused values are errors.
    @Test func templatingRejectsMismatchedValues() throws {
        for cell in NotebookCell.allCases {
            #expect(throws: Never.self, "\(cell.fileName)") { try NotebookCell.substitute(try cell.template(), Self.sampleValues(cell)) }
        }
        #expect(throws: NotebookCell.TemplateError.self) { try NotebookCell.substitute(#"x = "{{a}}""#, [:]) }
        #expect(throws: NotebookCell.TemplateError.self) { try NotebookCell.substitute(#"x = "{{a}}""#, ["a": .int(1), "b": .int(2)]) }
        #expect(throws: NotebookCell.TemplateError.self) { try NotebookCell.substitute(#"x = "{{a"#, ["a": .int(1)]) }
        #expect(throws: NotebookCell.TemplateError.self) { try NotebookCell.substitute(#"x = "{{A b}}""#, ["A b": .int(1)]) }
        #expect(try NotebookCell.substitute(#"x = f("{{a}}", "{{b}}")"#, ["a": .int(-2), "b": .string(#"{{a}}"#)])
                == #"x = f(-2, "{{a}}")"#)
    }

    /// Every cell file compiles with the interop Python as it stands and with sample values substituted; a
    /// syntax error names the file and line.
    @Test func everyCellCompiles() throws {
        let dir = try TestSupport.temporaryDirectory("notebook-cells")
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for cell in NotebookCell.allCases {
            let template = try cell.template()
            for (suffix, source) in [("template", template), ("rendered", try NotebookCell.substitute(template, Self.sampleValues(cell)))] {
                let url = dir.appendingPathComponent("\(suffix)/\(cell.fileName)")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(source.utf8).write(to: url)
                paths.append(url.path)
            }
        }
        let run = try TestSupport.run(try TestSupport.python(), ["-c", """
            import sys
            failed = []
            for path in sys.argv[1:]:
                name = "/".join(path.split("/")[-2:])
                try:
                    compile(open(path, encoding="utf-8").read(), name, "exec")
                except SyntaxError as e:
                    failed.append(f"{name}:{e.lineno}: {e.msg}: {(e.text or '').strip()}")
            print("\\n".join(failed) if failed else f"compiled {len(sys.argv) - 1} files")
            sys.exit(1 if failed else 0)
            """] + paths)
        #expect(run.status == 0, "Python syntax errors in notebook cells:\n\(run.standardOutput)\(run.standardError)")
        if run.status == 0 { #expect(run.standardOutput.contains("compiled \(paths.count) files")) }
    }

    /// `PythonValue.literal` is read back by Python as the same value (strings compared by code points).
    @Test func literalsRoundTripThroughPython() throws {
        let strings = ["", "demo_files", Self.awkward, #"C:\new\table"#, "'''", "\"\"\"", "a\u{2029}b", "🇨🇭 x\u{301}"]
        let ints = [0, 1, -7, Int.max, Int.min]
        let lines = strings.map { PythonValue.string($0).literal } + ints.map { PythonValue.int($0).literal }
        let dir = try TestSupport.temporaryDirectory("python-literals")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("literals.txt")
        try Data(lines.joined(separator: "\n").utf8).write(to: input)
        let result = try TestSupport.runPython(script: """
            import ast, json, sys
            values = [ast.literal_eval(line) for line in open(sys.argv[1], encoding="utf-8").read().split("\\n")]
            print(json.dumps([[ord(c) for c in v] if isinstance(v, str) else str(v) for v in values]))
            """, arguments: [input.path], in: dir)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [Any])
        let expected: [Any] = strings.map { $0.unicodeScalars.map { Int($0.value) } } + ints.map(String.init)
        #expect(decoded.count == expected.count)
        for (index, (got, want)) in zip(decoded, expected).enumerated() {
            #expect("\(got)" == "\(want)", "literal \(lines[index])")
        }
    }
}
