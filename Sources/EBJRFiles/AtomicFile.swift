import Foundation

/// A file-system step of an atomic write failed: `path` is the destination the caller asked for.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { reason == Self.busyReason ? "\(path) is being written by another process" : "cannot write \(path): \(reason)" }

    static let busyReason = "is being written by another process"

    /// Another writer holds the destination's lock.
    public static func busy(path: String) -> FileWriteError { FileWriteError(path: path, reason: busyReason) }

    /// Whether another writer held the destination's lock.
    public var isBusy: Bool { reason == Self.busyReason }
}

/// Replaces files so that a reader (or a crash) sees either the previous file or the complete new one, never a
/// partial write.
///
/// The new content goes to a hidden temporary file in the destination's folder (so `rename(2)` stays within one
/// file system and is atomic); the file is `fsync`ed, renamed over the destination, and the folder is `fsync`ed so
/// the rename itself survives a power loss. On any failure the temporary file is removed and an existing
/// destination is left byte-for-byte as it was.
///
/// While a save runs, it holds an exclusive `flock(2)` on a lock file beside the destination (`.<name>.lock`,
/// removed again when the save ends; a locker checks that the file it locked is still the one at that path): a
/// second writer of the same destination, in this or another process, fails at once with
/// "<path> is being written by another process" instead of racing. Under that lock, temporary files of the same
/// destination left by a process that no longer runs (`.<name>.tmp.<pid>.<n>`, a crash or a kill) are removed.
public enum AtomicFile {
    /// The lock file guarding writes of `url`.
    public static func lockFile(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).lock")
    }

    /// Prefix of the temporary files of `url` (followed by `<pid>.<random>`).
    static func temporaryPrefix(for url: URL) -> String { ".\(url.lastPathComponent).tmp." }

    /// Calls `fill` with a temporary path next to `url`, then moves the finished file onto `url`.
    ///
    /// `fill` must create the file at the path it is given and close it before returning. Errors thrown by `fill`
    /// are passed on unchanged; failures of the surrounding file-system steps throw `FileWriteError`.
    public static func replace(_ url: URL, using fill: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            "\(temporaryPrefix(for: url))\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: url.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let lock = try acquireLock(for: url)
        defer { releaseLock(lock, for: url) }
        removeStaleTemporaries(of: url)
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

    /// Opens (creating it if needed) the lock file of `url` and takes an exclusive non-blocking `flock`; returns
    /// the descriptor, whose closing releases the lock.
    static func acquireLock(for url: URL) throws -> Int32 {
        let path = lockFile(for: url).path
        for _ in 0..<100 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw FileWriteError(path: url.path, reason: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
            }
            while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                if code == EINTR { continue }
                close(descriptor)
                if code == EWOULDBLOCK { throw FileWriteError.busy(path: url.path) }
                throw FileWriteError(path: url.path, reason: "cannot lock \(path): \(String(cString: strerror(code)))")
            }
            // The previous holder removes the lock file when it is done: if it did so between our open and our
            // flock, we hold a lock on a removed file, so start again with the current one.
            var locked = stat(), current = stat()
            if fstat(descriptor, &locked) == 0, stat(path, &current) == 0,
               locked.st_dev == current.st_dev, locked.st_ino == current.st_ino {
                return descriptor
            }
            close(descriptor)
        }
        throw FileWriteError(path: url.path, reason: "cannot lock \(path): it keeps being replaced")
    }

    /// Removes the lock file (while still holding it, so no one else can hold it) and releases the lock.
    static func releaseLock(_ descriptor: Int32, for url: URL) {
        unlink(lockFile(for: url).path)
        close(descriptor)
    }

    /// Removes `.<name>.tmp.<pid>.<n>` files of `url` whose process no longer runs. Call holding the lock.
    static func removeStaleTemporaries(of url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(for: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pidText = rest.split(separator: ".", maxSplits: 1).first, let pid = pid_t(pidText), pid > 0 else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
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
