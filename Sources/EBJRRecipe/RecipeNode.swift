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

    public func int() throws -> Int? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string, let v = Int(s) else { throw wrongType("an integer") }
        return v
    }

    public func double() throws -> Double? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string, let v = Double(s) else { throw wrongType("a number") }
        return v
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
            try items.map { guard let v = Int($0) else { throw wrongType("a list of integers") }; return v }
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

    /// The root node of recipe text (`file` names it in messages).
    public static func root(text: String, file: String) throws -> RecipeNode {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw RecipeError.syntax(file: file, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
        }
        return RecipeNode(file: file, path: "", node: node)
    }

    /// `path` as written when absolute or existing from the working directory, else relative to the recipe's folder.
    public static func resolve(_ path: String, relativeTo recipeFile: String) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        let folder = (recipeFile as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }
}
