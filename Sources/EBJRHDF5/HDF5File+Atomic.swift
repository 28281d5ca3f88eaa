import EBJRFiles
import Foundation

extension HDF5File {
    /// Writes a new file at `url` so that readers see either the previous file or the complete new one, never a
    /// partial write (see `AtomicFile.replace`).
    ///
    /// `body` fills a temporary HDF5 file in the same folder, which is then flushed, closed, `fsync`ed and renamed
    /// onto `url`. If `body` or any step throws, the temporary file is removed and an existing file at `url` is
    /// left untouched.
    public static func writeAtomically(to url: URL, _ body: (HDF5File) throws -> Void) throws {
        try AtomicFile.replace(url) { temporary in
            let file = try create(at: temporary, overwrite: true)
            do {
                try body(file)
                try file.flush()
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
        }
    }
}
