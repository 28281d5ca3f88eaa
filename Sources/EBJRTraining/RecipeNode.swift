import Yams

/// A located view of a YAML mapping that refuses unknown keys and reports typed, line-numbered errors.
struct RecipeNode {
    let file: String
    let path: String
    let node: Node?

    init(file: String, path: String, node: Node?) {
        self.file = file
        self.path = path
        self.node = node
    }

    var line: Int? { node?.mark?.line }
    var isPresent: Bool { node != nil && node?.null == nil }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Throws when the mapping has keys outside `allowed`.
    func checkKeys(_ allowed: [String]) throws {
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

    subscript(key: String) -> RecipeNode {
        RecipeNode(file: file, path: childPath(key), node: node?.mapping?[Node(key)])
    }

    func wrongType(_ expected: String) -> RecipeError {
        .wrongType(file: file, path: path, line: line, expected: expected)
    }

    func invalid(_ reason: String) -> RecipeError {
        .invalidValue(file: file, path: path, line: line, reason: reason)
    }

    func string() throws -> String? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string else { throw wrongType("a string") }
        return s
    }

    func int() throws -> Int? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string, let v = Int(s) else { throw wrongType("an integer") }
        return v
    }

    func double() throws -> Double? {
        guard isPresent, let node else { return nil }
        guard let s = node.scalar?.string, let v = Double(s) else { throw wrongType("a number") }
        return v
    }

    func bool() throws -> Bool? {
        guard isPresent, let node else { return nil }
        guard let v = node.bool else { throw wrongType("true or false") }
        return v
    }

    func stringList() throws -> [String]? {
        guard isPresent, let node else { return nil }
        guard let seq = node.sequence else { throw wrongType("a list") }
        return try seq.map { item in
            guard let s = item.scalar?.string else { throw wrongType("a list of strings or numbers") }
            return s
        }
    }

    func intList() throws -> [Int]? {
        try stringList().map { items in
            try items.map { guard let v = Int($0) else { throw wrongType("a list of integers") }; return v }
        }
    }

    func require<T>(_ value: T?) throws -> T {
        guard let value else { throw RecipeError.missingKey(file: file, path: path) }
        return value
    }
}
