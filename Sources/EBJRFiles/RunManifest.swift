import Foundation

/// Where a result came from: the toolkit version and git commit that produced it, the recipe, and the SHA-256 of
/// every file it read (checkpoints, logits, data). Written as the `manifest` block of `report.json` and as the JSON
/// string `metadata/provenance` of every checkpoint (`docs/checkpoint-format.md`), so that `sha256sum FILE` tells
/// whether a file on disk is the one a result was computed from.
public struct RunManifest: Codable, Hashable, Sendable {
    /// One file the run read.
    public struct Input: Codable, Hashable, Sendable {
        /// What the file was to the run (`data`, `checkpoint: deep`, `training.init_from`, …).
        public var role: String
        /// The path as the run was given it.
        public var path: String
        public var bytes: UInt64
        /// SHA-256 of the contents, 64 lowercase hex digits.
        public var sha256: String

        public init(role: String, path: String, bytes: UInt64, sha256: String) {
            self.role = role
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The recipe a run was started from.
    public struct Recipe: Codable, Hashable, Sendable {
        public var file: String
        /// SHA-256 of `text`'s UTF-8 bytes.
        public var sha256: String
        /// The full text; nil where it is stored elsewhere (a checkpoint's `recipe` dataset).
        public var text: String?

        public init(file: String, text: String, includeText: Bool = true) {
            self.file = file
            sha256 = SHA256.hexDigest(Data(text.utf8))
            self.text = includeText ? text : nil
        }
    }

    /// The key of the manifest's JSON in a checkpoint's `metadata/`.
    public static let checkpointMetadataKey = "provenance"

    public var toolkitVersion: String
    /// The commit of the toolkit's source checkout (`GitRevision.current`); nil for a build outside a checkout.
    public var gitCommit: String?
    public var recipe: Recipe?
    /// In the order they were added.
    public var inputs: [Input]

    private enum CodingKeys: String, CodingKey {
        case toolkitVersion = "toolkit_version", gitCommit = "git_commit", recipe, inputs
    }

    public init(toolkitVersion: String = EBJRFiles.toolkitVersion, gitCommit: String? = GitRevision.current, recipe: Recipe? = nil,
                inputs: [Input] = []) {
        self.toolkitVersion = toolkitVersion
        self.gitCommit = gitCommit
        self.recipe = recipe
        self.inputs = inputs
    }

    /// Hashes the file at `path` and records it as `role` (a file already recorded under the same role and path is
    /// not added twice).
    /// - Throws: `FileReadError` naming the file.
    public mutating func addInput(role: String, path: String) throws {
        guard !inputs.contains(where: { $0.role == role && $0.path == path }) else { return }
        let (digest, bytes) = try FileDigests.sha256(path: path)
        inputs.append(Input(role: role, path: path, bytes: bytes, sha256: digest))
    }

    /// The JSON text (keys sorted, compact unless `pretty`).
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and optionals cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads `json(pretty:)`'s output back.
    public static func parse(_ json: String) throws -> RunManifest {
        try JSONDecoder().decode(RunManifest.self, from: Data(json.utf8))
    }

    /// One line for a report: version, short commit, how many inputs.
    public var summary: String {
        var line = "ebjr \(toolkitVersion)"
        line += gitCommit.map { " (commit \($0.prefix(12)))" } ?? " (no git checkout)"
        if let recipe { line += ", recipe \(recipe.file) (sha256 \(recipe.sha256.prefix(12)))" }
        line += ", \(inputs.count) input file\(inputs.count == 1 ? "" : "s") hashed (SHA-256)"
        return line
    }
}

/// SHA-256 of files, computed once per process and file version: a file is hashed again only when its size,
/// modification time or inode changed (an evaluation reads the same checkpoint for several splits and reports).
public enum FileDigests {
    private struct Key: Hashable {
        var path: String
        var size: UInt64
        var modified: Double
        var inode: UInt64
    }

    nonisolated(unsafe) private static var cache: [Key: String] = [:]
    private static let lock = NSLock()

    /// The SHA-256 hex digest and size of the file at `path`.
    /// - Throws: `FileReadError` naming the file.
    public static func sha256(path: String) throws -> (digest: String, bytes: UInt64) {
        let url = URL(fileURLWithPath: path)
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path) } catch {
            throw FileReadError(path: path, reason: "no such file")
        }
        let key = Key(path: url.standardizedFileURL.path, size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
                      modified: (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0,
                      inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0)
        if let digest = lock.withLock({ cache[key] }) { return (digest, key.size) }
        let (digest, bytes) = try SHA256.hexDigest(ofFileAt: url)
        lock.withLock { cache[key] = digest }
        return (digest, bytes)
    }
}
