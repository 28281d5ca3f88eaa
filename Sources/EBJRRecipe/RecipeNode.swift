import Foundation
import Yams

/// A located view of a YAML mapping that refuses unknown keys and reports typed, line-numbered errors.
public struct RecipeNode {
    public let file: String
    public let path: String
    public let node: Node?

    public init(file: String, path: String, node: Node?) {
        self.file = file
        self.path = path
        self.node = node
    }

    public var line: Int? { node?.mark?.line }
    public var isPresent: Bool { node != nil && node?.null == nil }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Throws when the mapping has keys outside `allowed`.
    public func checkKeys(_ allowed: [String]) throws {
        guard let node, isPresent else { return }
        guard let mapping = node.mapping else {
            throw RecipeError.wrongType(file: file, path: path.isEmpty ? "(root)" : path, line: line, expected: "a mapping")
        }
        for (key, _) in mapping {
            let name = key.string ?? "\(key)"
            if !allowed.contains(name) {
                throw RecipeError.unknownKey(file: file, path: childPath(name), line: key.mark?.line, known: allowed)
            }
        }
    }

    public subscript(key: String) -> RecipeNode {
        RecipeNode(file: file, path: childPath(key), node: node?.mapping?[Node(key)])
    }

    public func wrongType(_ expected: String) -> RecipeError {
        .wrongType(file: file, path: path, line: line, expected: expected)
    }

    public func invalid(_ reason: String) -> RecipeError {
        .invalidValue(file: file, path: path, line: line, reason: reason)
    }

    public func string() throws -> String? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string else { throw wrongType("a string") }
        return s
    }

    /// The integer value; a number too large for `Int` (`99999999999999999999`) is an `invalidValue` error, never
    /// a wrap-around or a trap.
    public func int() throws -> Int? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string else { throw wrongType("an integer") }
        return try Self.integer(s, orThrow: self, expected: "an integer")
    }

    /// The numeric value, which must be finite (`.nan`, `.inf` and `1e400` are `invalidValue` errors).
    public func double() throws -> Double? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string, let v = Double(s) else { throw wrongType("a number") }
        guard v.isFinite else { throw invalid("is \(s), expected a finite number") }
        return v
    }

    /// `text` as an `Int`: a wrong-type error from `node` if it is not an integer, an out-of-range error if it is
    /// one that does not fit.
    static func integer(_ text: String, orThrow node: RecipeNode, expected: String) throws -> Int {
        if let value = Int(text) { return value }
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw node.invalid("is \(text), outside the integer range \(Int.min)…\(Int.max)")
        }
        throw node.wrongType(expected)
    }

    public func bool() throws -> Bool? {
        guard isPresent, let node else { return nil }
        guard let v = node.bool else { throw wrongType("true or false") }
        return v
    }

    public func stringList() throws -> [String]? {
        guard isPresent, let node else { return nil }
        guard let seq = node.sequence else { throw wrongType("a list") }
        return try seq.map { item in
            guard let s = item.scalar?.string else { throw wrongType("a list of strings or numbers") }
            return s
        }
    }

    public func intList() throws -> [Int]? {
        try stringList().map { items in
            try items.map { try Self.integer($0, orThrow: self, expected: "a list of integers") }
        }
    }

    public func require<T>(_ value: T?) throws -> T {
        guard let value else { throw RecipeError.missingKey(file: file, path: path) }
        return value
    }
}

/// Reading a recipe file: the text and its root node, with unreadable files and YAML syntax errors as `RecipeError`.
public enum RecipeDocument {
    /// The UTF-8 text of the recipe at `path`.
    public static func text(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecipeError.unreadable(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw RecipeError.unreadable(file: path, reason: "not UTF-8") }
        return text
    }

    /// Most YAML nodes a recipe may have once its aliases are expanded. A real recipe has a few hundred; the limit
    /// keeps an alias bomb (`a: &a [x, x]`, `b: &b [*a, *a]`, … — a kilobyte that expands to billions of nodes)
    /// from hanging or exhausting memory in whatever walks or re-serialises the tree (`model.layers` is decoded that
    /// way).
    public static let maximumNodes = 100_000

    /// The root node of recipe text (`file` names it in messages). The document's node count, aliases expanded,
    /// must be at most `maximumNodes` (`RecipeError.tooLarge`); counting stops as soon as it is exceeded, so the
    /// check itself cannot hang.
    public static func root(text: String, file: String) throws -> RecipeNode {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw RecipeError.syntax(file: file, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
        }
        if let node, let line = firstNodeBeyondLimit(node, limit: maximumNodes) {
            throw RecipeError.tooLarge(file: file, line: line, limit: maximumNodes)
        }
        return RecipeNode(file: file, path: "", node: node)
    }

    /// Counts the nodes of `root` with aliases expanded (each use of an alias counts its whole anchored value), with
    /// an explicit stack (no recursion on deep documents). Returns nil within `limit`, else the line (1-based, nil
    /// when unknown → 0) of the node that went past it; visits at most `limit + 1` nodes.
    static func firstNodeBeyondLimit(_ root: Node, limit: Int) -> Int? {
        var stack = [root], visited = 0
        while let node = stack.popLast() {
            visited += 1
            if visited > limit { return node.mark?.line ?? 0 }
            switch node {
            case let .mapping(mapping):
                for (key, value) in mapping { stack.append(key); stack.append(value) }
            case let .sequence(sequence):
                stack.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return nil
    }

    /// `path` as written when absolute or existing from the working directory, else relative to the recipe's folder.
    public static func resolve(_ path: String, relativeTo recipeFile: String) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        let folder = (recipeFile as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }
}
