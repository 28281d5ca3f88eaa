/// Errors in a recipe file; each names the file, the key path and, where known, the line.
public enum RecipeError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case syntax(file: String, reason: String)
    case unknownKey(file: String, path: String, line: Int?, known: [String])
    case missingKey(file: String, path: String)
    case wrongType(file: String, path: String, line: Int?, expected: String)
    case invalidValue(file: String, path: String, line: Int?, reason: String)
    /// The document has more than `limit` YAML nodes once aliases are expanded (`RecipeDocument.maximumNodes`);
    /// `line` is where the count went past the limit.
    case tooLarge(file: String, line: Int, limit: Int)

    public var description: String {
        func at(_ line: Int?) -> String { line.map { ":\($0)" } ?? "" }
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read recipe (\(reason))"
        case let .syntax(file, reason): return "\(file): invalid YAML (\(reason))"
        case let .unknownKey(file, path, line, known):
            return "\(file)\(at(line)): unknown key '\(path)' (allowed here: \(known.joined(separator: ", ")))"
        case let .missingKey(file, path): return "\(file): missing required key '\(path)'"
        case let .wrongType(file, path, line, expected): return "\(file)\(at(line)): '\(path)' should be \(expected)"
        case let .invalidValue(file, path, line, reason): return "\(file)\(at(line)): '\(path)' \(reason)"
        case let .tooLarge(file, line, limit):
            return "\(file):\(line): recipe expands to more than \(limit) YAML nodes (aliases counted at every use); "
                + "write it out without nested aliases"
        }
    }
}
