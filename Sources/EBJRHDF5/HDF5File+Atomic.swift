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
    /// A file whose close failed is closed again once its temporary file is removed (which frees its space).
    public static func writeAtomically(to url: URL, _ body: (HDF5File) throws -> Void) throws {
        var unclosed: HDF5File?
        do {
            try AtomicFile.replace(url) { temporary in
                let file = try create(at: temporary, overwrite: true)
                do {
                    try body(file)
                    try file.flush()
                    try file.close()
                } catch {
                    if (try? file.close()) == nil { unclosed = file }
                    throw error
                }
            }
        } catch let error as HDF5Error {
            if let unclosed { try? unclosed.close() }
            switch error {
            case let .library(file, path, operation, detail):
                let place = file == url.path || path == "/" ? "" : " '\(path)'"
                throw FileWriteError(path: url.path, reason: "\(operation)\(place) failed: \(detail)")
            case let .io(_, operation, code):
                throw FileWriteError(path: url.path, reason: "\(operation) failed: \(String(cString: strerror(code)))")
            default:
                throw error
            }
        } catch {
            if let unclosed { try? unclosed.close() }
            throw error
        }
    }
}
