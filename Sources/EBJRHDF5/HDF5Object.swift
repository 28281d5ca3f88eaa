import CHDF5

/// Something in an HDF5 file that has a path and can carry attributes: the file (its root group), a group,
/// or a dataset.
public class HDF5Object {
    let handle: HDF5Handle
    /// The file's handle, retained so that the file stays open while this object is alive.
    let fileHandle: HDF5Handle
    /// Absolute path of the object inside its file (`/` for the root group).
    public let path: String
    /// Path of the file on disk, as it was opened (used in error messages).
    public let filePath: String

    init(handle: HDF5Handle, fileHandle: HDF5Handle, path: String, filePath: String) {
        self.handle = handle
        self.fileHandle = fileHandle
        self.path = path
        self.filePath = filePath
    }

    /// The absolute path of `name` (a relative path) under this object.
    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// An error for a failed C call, carrying libhdf5's error stack. Call under the lock, right after the call.
    func failure(_ operation: String, path: String? = nil) -> HDF5Error {
        .library(file: filePath, path: path ?? self.path, operation: operation, detail: HDF5.takeErrorStack())
    }

    /// `result` if it is non-negative, otherwise the error from `failure`. Call under the lock.
    @discardableResult
    func checked<Status: BinaryInteger>(_ result: Status, _ operation: String, path: String? = nil) throws -> Status {
        if result < 0 { throw failure(operation, path: path) }
        return result
    }

    /// Throws unless `name` is a usable relative path: non-empty components, none `.`; with `isNested` false,
    /// a single component.
    func validate(name: String, isNested: Bool = false) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let isValid = !name.isEmpty && (isNested || components.count == 1)
            && components.allSatisfy { !$0.isEmpty && $0 != "." }
        if !isValid { throw HDF5Error.invalidName(file: filePath, path: path, name: name) }
    }
}
