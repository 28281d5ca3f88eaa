import Foundation

/// Writes a file so that readers see either the old file or the complete new one, never a partial write.
enum AtomicFile {
    /// Writes `data` to a temporary file next to `url`, syncs it to disk, then renames it over `url`.
    static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp.\(UUID().uuidString)")
        func fail(_ reason: String) -> ExportError {
            try? FileManager.default.removeItem(at: temporary)
            return .writeFailed(path: url.path, reason: reason)
        }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw fail("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw fail(error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else { throw fail(String(cString: strerror(errno))) }
    }
}
