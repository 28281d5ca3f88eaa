import Foundation

/// A file-system step of an atomic write failed: `path` is the destination the caller asked for.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(path): \(reason)" }
}

/// Replaces files so that a reader (or a crash) sees either the previous file or the complete new one, never a
/// partial write.
///
/// The new content goes to a hidden temporary file in the destination's folder (so `rename(2)` stays within one
/// file system and is atomic); the file is `fsync`ed, renamed over the destination, and the folder is `fsync`ed so
/// the rename itself survives a power loss. On any failure the temporary file is removed and an existing
/// destination is left byte-for-byte as it was.
public enum AtomicFile {
    /// Calls `fill` with a temporary path next to `url`, then moves the finished file onto `url`.
    ///
    /// `fill` must create the file at the path it is given and close it before returning. Errors thrown by `fill`
    /// are passed on unchanged; failures of the surrounding file-system steps throw `FileWriteError`.
    public static func replace(_ url: URL, using fill: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp.\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: url.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        do {
            try fill(temporary)
            try synchronize(temporary, destination: url, isFolder: false)
            guard rename(temporary.path, url.path) == 0 else {
                throw FileWriteError(path: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
        try synchronize(folder, destination: url, isFolder: true)
    }

    /// Writes `data` to `url` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to url: URL) throws {
        try replace(url) { temporary in
            guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
                throw FileWriteError(path: url.path, reason: "cannot create \(temporary.lastPathComponent): "
                                     + String(cString: strerror(errno)))
            }
        }
    }

    /// Writes UTF-8 text to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// `fsync` of a file or a folder.
    private static func synchronize(_ target: URL, destination: URL, isFolder: Bool) throws {
        let descriptor = open(target.path, isFolder ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard descriptor >= 0 else {
            throw FileWriteError(path: destination.path, reason: "cannot open \(target.path) for fsync: "
                                 + String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw FileWriteError(path: destination.path, reason: "fsync of \(target.path) failed: "
                                 + String(cString: strerror(errno)))
        }
    }
}
