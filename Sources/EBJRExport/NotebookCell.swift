import Foundation

/// The Python code cells of an exported notebook, one resource file per cell in `NotebookCells/` (copied whole
/// into the module's resource bundle, read with `Bundle.module`). The number in a file's name is its order in the
/// notebook: the tens follow the notebook's sections (10 setup, 20 what was evaluated, 30 operating points,
/// 40 bounds, 50 flags, 60 plots, 70 checkpoint).
///
/// **Templating.** A value the Swift side knows (a folder name, a number) appears in a cell file as a
/// *placeholder*: a double-quoted string literal holding only `{{name}}`, e.g. `DATA = Path("{{data_folder}}")`
/// or `N = "{{input_count}}"`, so that the file is valid Python as it stands. `render(_:)` replaces every
/// placeholder, quotes included, by the value written as a Python literal (`PythonValue.literal`, the one place
/// values are escaped): `DATA = Path("demo_files")`, `N = 4`. Each cell takes exactly the placeholders listed in
/// `placeholders`; a missing, unknown or unused one is a programming error (the tests render every cell).
/// Substituted text is never scanned again, so a value that itself contains `"{{…}}"` stays as it is.
///
/// A file ends with one newline, which is not part of the cell (a cell's last line has no `\n` in nbformat).
enum NotebookCell: String, CaseIterable, Sendable {
    case setup = "10-setup"
    case evaluatedModels = "20-evaluated-models"
    case auroc = "21-auroc"
    case operatingPoints = "30-operating-points"
    case summary = "31-summary"
    case validationToTest = "32-validation-to-test"
    case bounds = "40-bounds"
    case subsetBounds = "41-subset-bounds"
    case selections = "42-selections"
    case checks = "43-checks"
    case flags = "50-flags"
    case costPlot = "60-plot-cost"
    case acceptancePlot = "61-plot-acceptance"
    case histogramPlot = "62-plot-histograms"
    case overviewPlot = "63-plot-overview"
    case checkpoint = "70-checkpoint"

    /// The resource folder holding the cell files.
    static let folder = "NotebookCells"

    /// The `NotebookCells` folder inside the resource bundle.
    static var directory: URL {
        (Bundle.module.resourceURL ?? Bundle.module.bundleURL).appendingPathComponent(folder, isDirectory: true)
    }

    /// The file's name in `NotebookCells/`.
    var fileName: String { rawValue + ".py" }

    /// The placeholders the cell's file contains, each of which `render(_:)` must be given.
    var placeholders: Set<String> {
        switch self {
        case .setup: ["data_folder", "schema_version"]
        case .checkpoint: ["checkpoint_file", "input_count"]
        default: []
        }
    }

    /// The file's text without its final newline, placeholders unsubstituted.
    func template() throws -> String {
        let url = Self.directory.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TemplateError(description: "\(url.path) is missing from the EBJRExport resource bundle or not UTF-8")
        }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// The cell's source with every placeholder replaced by its value's Python literal. The files ship with the
    /// module and the tests render every one, so a failure here is a packaging or programming error.
    func render(_ values: [String: PythonValue] = [:]) -> String {
        do {
            return try Self.substitute(try template(), values)
        } catch {
            preconditionFailure("notebook cell \(fileName): \(error)")
        }
    }

    /// Why a template could not be filled in.
    struct TemplateError: Error, CustomStringConvertible {
        let description: String
    }

    /// Replaces each placeholder `"{{name}}"` of `template` (quotes included) by `values[name].literal`; every
    /// placeholder must have a value and every value must be used.
    static func substitute(_ template: String, _ values: [String: PythonValue]) throws -> String {
        var out = ""
        var used = Set<String>()
        var rest = template[...]
        while let open = rest.range(of: "\"{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}\"") else {
                throw TemplateError(description: "unterminated placeholder at \(rest[open.lowerBound...].prefix(40).debugDescription)")
            }
            let name = String(rest[open.upperBound..<close.lowerBound])
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }) else {
                throw TemplateError(description: "malformed placeholder \"{{\(name)}}\" (names are lowercase letters, digits and _)")
            }
            guard let value = values[name] else { throw TemplateError(description: "no value for placeholder \"{{\(name)}}\"") }
            out += value.literal
            used.insert(name)
            rest = rest[close.upperBound...]
        }
        out += rest
        let unused = Set(values.keys).subtracting(used)
        guard unused.isEmpty else {
            throw TemplateError(description: "no placeholder for \(unused.sorted().joined(separator: ", "))")
        }
        return out
    }
}

/// A value substituted into a notebook cell.
enum PythonValue: Equatable, Sendable {
    case string(String)
    case int(Int)

    /// The value as a Python literal: an integer in decimal; a string in double quotes with `\` and `"` escaped,
    /// `\n`, `\r`, `\t` for those controls and `\xNN` / `\uNNNN` for the other control characters (and the
    /// line and paragraph separators U+2028/U+2029), every other character as itself (the notebook is UTF-8).
    var literal: String {
        switch self {
        case let .int(value):
            return String(value)
        case let .string(value):
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029 {
                        out += scalar.value <= 0xFF ? String(format: "\\x%02x", scalar.value) : String(format: "\\u%04x", scalar.value)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
    }
}
