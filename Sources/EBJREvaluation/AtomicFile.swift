import Foundation

/// Writes files atomically: the bytes go to a temporary file in the destination's directory, which is then
/// renamed over the destination (`rename(2)` is atomic within one file system), so a reader sees either the
/// old file or the complete new one, never a partial write.
public enum AtomicFile {
    /// Writes `data` to `url`, creating the parent directory if needed.
    /// - Throws: `EvaluationError.writeFailed` naming the path.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw EvaluationError.writeFailed(path: url.path, reason: "\(error.localizedDescription)")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw EvaluationError.writeFailed(path: url.path, reason: "rename failed: \(reason)")
        }
    }

    /// Writes UTF-8 text.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
