import Foundation

/// The git commit of the checkout this toolkit was built from, read from its `.git` at run time (no `git` executable,
/// no network): recorded in run manifests when the binary still sits beside its source checkout.
///
/// The search starts at the folder of this source file as the compiler saw it (`#filePath`) and walks up to the first
/// folder holding `.git`: a directory (an ordinary clone) or a file `gitdir: <path>` (a worktree or submodule, whose
/// refs live in the folder named by its `commondir`). `HEAD` is either a commit (detached) or `ref: refs/heads/<branch>`,
/// resolved through the loose ref file or `packed-refs`. Anything unexpected gives nil, never an error: a binary
/// copied elsewhere or built from a source archive simply has no commit.
///
/// It names the commit checked out *now*: a checkout moved to another commit without rebuilding reports the new one.
public enum GitRevision {
    /// The commit of the toolkit's own checkout (computed once per process).
    public static let current: String? = commit(searchingUpFrom: URL(fileURLWithPath: #filePath).deletingLastPathComponent())

    /// The commit checked out in the first folder at or above `folder` that holds `.git`, or nil.
    public static func commit(searchingUpFrom folder: URL) -> String? {
        var directory = folder.standardizedFileURL
        for _ in 0..<64 {
            let dotGit = directory.appendingPathComponent(".git")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? commit(gitDirectory: dotGit) : linkedGitDirectory(dotGit).flatMap(commit(gitDirectory:))
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
        return nil
    }

    /// The commit `HEAD` names in a git directory (`.git`, or a worktree's folder under `.git/worktrees/`).
    public static func commit(gitDirectory: URL) -> String? {
        guard let head = firstLine(gitDirectory.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref: ") else { return isObjectName(head) ? head.lowercased() : nil }
        let ref = String(head.dropFirst("ref: ".count))
        guard ref.hasPrefix("refs/"), !ref.contains("..") else { return nil }
        var common = gitDirectory
        if let relative = firstLine(gitDirectory.appendingPathComponent("commondir")) {
            common = resolve(relative, against: gitDirectory)
        }
        for folder in [gitDirectory, common] {
            if let value = firstLine(folder.appendingPathComponent(ref)), isObjectName(value) { return value.lowercased() }
        }
        guard let packed = try? String(contentsOf: common.appendingPathComponent("packed-refs"), encoding: .utf8) else { return nil }
        for line in packed.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("^") {
            let fields = line.split(separator: " ", maxSplits: 1)
            if fields.count == 2, fields[1] == ref, isObjectName(String(fields[0])) { return fields[0].lowercased() }
        }
        return nil
    }

    /// The git directory a `.git` file points to (`gitdir: <path>`, relative to the file's folder or absolute).
    static func linkedGitDirectory(_ file: URL) -> URL? {
        guard let line = firstLine(file), line.hasPrefix("gitdir: ") else { return nil }
        return resolve(String(line.dropFirst("gitdir: ".count)), against: file.deletingLastPathComponent())
    }

    /// A commit name: 40 (SHA-1) or 64 (SHA-256 repositories) hex digits.
    static func isObjectName(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }

    private static func resolve(_ path: String, against folder: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path).standardizedFileURL
    }

    /// The first line of a small text file, trimmed; nil if it cannot be read or is over 4 KiB.
    private static func firstLine(_ url: URL) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? NSNumber, size.intValue <= 4096,
              let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}
