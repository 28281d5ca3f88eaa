import Foundation

/// A command was asked to write over one of its own inputs.
public struct OutputConflictError: Error, CustomStringConvertible, Equatable {
    /// The output path as given.
    public let output: String
    /// The input it resolves to, as given.
    public let input: String
    /// What the input is (`recipe`, `checkpoint`, `teacher logits`, …).
    public let role: String

    public init(output: String, input: String, role: String) {
        self.output = output
        self.input = input
        self.role = role
    }

    public var description: String {
        output == input
            ? "refusing to write \(output): it is the \(role) this command reads"
            : "refusing to write \(output): it is the same file as the \(role) \(input)"
    }
}

/// Decides whether a command's output would overwrite one of its inputs, through symbolic links, hard links,
/// `..` and relative paths alike, so that no command destroys what it reads.
///
/// Two existing paths are the same file when `stat(2)` (which follows symbolic links) gives the same device and
/// inode. A path that does not exist yet is compared by its resolved parent folder plus its name.
public enum OutputGuard {
    /// Throws `OutputConflictError` naming both paths if `output` is the same file as any input. Inputs are
    /// `(role, path)` pairs; nil paths are skipped.
    public static func check(output: String, inputs: [(role: String, path: String?)]) throws {
        for (role, path) in inputs {
            guard let path, !path.isEmpty else { continue }
            if sameFile(output, path) { throw OutputConflictError(output: output, input: path, role: role) }
        }
    }

    /// Throws `OutputConflictError` if any of `outputs` (nil skipped) is the same file as any input.
    public static func check(outputs: [String?], inputs: [(role: String, path: String?)]) throws {
        for case let output? in outputs { try check(output: output, inputs: inputs) }
    }

    /// Throws if any input is a file that a write of `names` into the folder `directory` would replace: an input
    /// directly inside that folder (after resolving links) with one of those names. With `names` nil the whole
    /// folder is replaced, so any input anywhere under it is refused.
    public static func check(outputDirectory directory: String, writing names: Set<String>?,
                             inputs: [(role: String, path: String?)]) throws {
        try check(output: directory, inputs: inputs)
        let folder = resolvedLocation(directory)
        for (role, path) in inputs {
            guard let path, !path.isEmpty else { continue }
            let location = resolvedLocation(path)
            let parent = (location as NSString).deletingLastPathComponent
            let name = (location as NSString).lastPathComponent
            let inside = names.map { parent == folder && $0.contains(name) } ?? location.hasPrefix(folder + "/")
            if inside {
                throw OutputConflictError(output: (directory as NSString).appendingPathComponent(name), input: path, role: role)
            }
        }
    }

    /// Whether `a` and `b` name the same file (see the type's description).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        let aExists = stat(a, &first) == 0
        let bExists = stat(b, &second) == 0
        if aExists && bExists { return first.st_dev == second.st_dev && first.st_ino == second.st_ino }
        if aExists != bExists { return false }
        return resolvedLocation(a) == resolvedLocation(b)
    }

    /// The absolute path of `path` with its parent folder's links resolved (`realpath(3)`) and, if the file
    /// itself exists, its own links too.
    static func resolvedLocation(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        if let full = realPath(absolute) { return full }
        let parent = (absolute as NSString).deletingLastPathComponent
        let name = (absolute as NSString).lastPathComponent
        let resolvedParent = realPath(parent) ?? (parent as NSString).standardizingPath
        return (resolvedParent as NSString).appendingPathComponent(name)
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
