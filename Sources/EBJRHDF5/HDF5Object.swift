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

    /// The address of the object's header in its file. Two objects with the same address are the same object,
    /// whatever paths reached them: hard links can make a group reachable from several places, or from inside
    /// itself (a cycle), so a walk of a file's tree remembers the addresses it has visited.
    public func address() throws -> Int64 {
        try HDF5.locked {
            let address = ebjr_object_address(handle.id)
            guard address >= 0 else { throw failure("get the address of") }
            return Int64(address)
        }
    }

    /// The size of the file in bytes, as libhdf5 sees it (the bound for anything the file claims to store).
    /// Call under the lock.
    func fileSize() throws -> Int {
        var size: hsize_t = 0
        try checked(H5Fget_filesize(fileHandle.id, &size), "get file size of")
        return Int(clamping: size)
    }

    /// Throws `invalidValue` naming `path` if the file's global heap, where variable-length strings live, is
    /// damaged (see `HDF5GlobalHeap`): libhdf5 would read past it. Checked once per open file, before reading
    /// variable-length strings of `type`; files opened for writing (whose heap libhdf5 itself is writing) are not
    /// checked. Call under the lock.
    func checkGlobalHeap(beforeReading type: hid_t, path: String) throws {
        guard H5Tis_variable_str(type) > 0 else { return }
        var intent: UInt32 = 0
        guard H5Fget_intent(fileHandle.id, &intent) >= 0, intent == ebjr_H5F_ACC_RDONLY() else {
            H5Eclear2(ebjr_H5E_DEFAULT())
            return
        }
        if fileHandle.globalHeapProblem == nil {
            fileHandle.globalHeapProblem = .some(HDF5GlobalHeap.problem(inFileAt: filePath))
        }
        if case let .some(.some(problem)) = fileHandle.globalHeapProblem {
            throw HDF5Error.invalidValue(file: filePath, path: path, detail: "cannot be read: \(problem)")
        }
    }

    /// The strings `HDF5Strings.read` gives, or its failure as an `HDF5Error` naming `path` and `operation`.
    /// Call under the lock.
    func strings(_ result: Result<[String], HDF5Dataspace.Problem>, path: String, operation: String) throws -> [String] {
        switch result {
        case let .success(strings): return strings
        case .failure(.library): throw failure(operation, path: path)
        case let .failure(.invalid(detail)): throw HDF5Error.invalidValue(file: filePath, path: path, detail: detail)
        }
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
