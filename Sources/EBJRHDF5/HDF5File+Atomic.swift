import EBJRFiles
import Foundation

extension HDF5File {
    /// Writes a new file at `url` so that readers see either the previous file or the complete new one, never a
    /// partial write (see `AtomicFile.replace`).
    ///
    /// `body` fills a temporary HDF5 file in the same folder, which is then flushed, closed, `fsync`ed and renamed
    /// onto `url`. If `body` or any step throws, the temporary file is removed and an existing file at `url` is
    /// left untouched.
    ///
    /// A failure of libhdf5 itself (a full disk, a failed `H5Fclose`) is a one-line `FileWriteError` naming `url`.
    /// Before a failed write is closed, its temporary file is truncated to nothing: on a full disk that frees the
    /// space libhdf5 needs to close it cleanly (the file is removed anyway).
    public static func writeAtomically(to url: URL, _ body: (HDF5File) throws -> Void) throws {
        do {
            try AtomicFile.replace(url) { temporary in
                let file = try create(at: temporary, overwrite: true)
                do {
                    try body(file)
                    try file.flush()
                    try file.close()
                } catch {
                    truncate(temporary.path, 0)
                    try? file.close()
                    throw error
                }
            }
        } catch let error as HDF5Error {
            switch error {
            case let .library(file, path, operation, detail):
                // The innermost message is the cause (`file write failed: No space left on device`); the rest
                // is libhdf5's call chain.
                let place = file == url.path || path == "/" ? "" : " '\(path)'"
                let cause = detail.components(separatedBy: "; ").first ?? detail
                throw FileWriteError(path: url.path, reason: "\(operation)\(place) failed: \(cause)")
            case let .io(_, operation, code):
                throw FileWriteError(path: url.path, reason: "\(operation) failed: \(String(cString: strerror(code)))")
            default:
                throw error
            }
        }
    }
}
