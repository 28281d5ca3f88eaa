import Foundation

extension HDF5File {
    /// Writes a new file at `url` so that readers see either the previous file or the complete new one, never a
    /// partial write.
    ///
    /// `body` fills a temporary file `<name>.tmp.<pid>` in the same folder; it is then flushed, closed and
    /// `fsync`ed, renamed onto `url`, and the folder is `fsync`ed so the rename survives a crash. If `body` or any
    /// step throws, the temporary file is removed and an existing file at `url` is left untouched.
    public static func writeAtomically(to url: URL, _ body: (HDF5File) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent("\(url.lastPathComponent).tmp.\(getpid())")
        let file = try create(at: temporary, overwrite: true)
        do {
            try body(file)
            try file.flush()
            try file.close()
            try synchronize(temporary, isFolder: false)
            guard rename(temporary.path, url.path) == 0 else {
                throw HDF5Error.io(file: url.path, operation: "rename from \(temporary.lastPathComponent)", errno: errno)
            }
        } catch {
            try? file.close()
            unlink(temporary.path)
            throw error
        }
        try synchronize(folder, isFolder: true)
    }

    /// `fsync` of a file or folder.
    private static func synchronize(_ url: URL, isFolder: Bool) throws {
        let descriptor = Foundation.open(url.path, isFolder ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard descriptor >= 0 else { throw HDF5Error.io(file: url.path, operation: "open for fsync", errno: errno) }
        defer { Foundation.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw HDF5Error.io(file: url.path, operation: "fsync", errno: errno) }
    }
}
