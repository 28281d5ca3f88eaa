import CHDF5
import Foundation

/// An open HDF5 file; it is also its root group (`/`), so groups, datasets and attributes are made on it directly.
///
/// The file closes when `close()` is called or the last reference to it (or to any group or dataset opened from
/// it) goes away. Closing closes every object opened in the file.
public final class HDF5File: HDF5Group {
    /// How an existing file is opened.
    public enum Mode: Sendable { case readOnly, readWrite }

    /// The file's location.
    public let url: URL

    private init(id: hid_t, url: URL) {
        self.url = url
        let handle = HDF5Handle(id, kind: .file)
        super.init(handle: handle, fileHandle: handle, path: "/", filePath: url.path)
    }

    /// Creates a new, empty file at `url`, replacing an existing one if `overwrite` is true (otherwise an existing
    /// file is an `alreadyExists` error).
    public static func create(at url: URL, overwrite: Bool = true) throws -> HDF5File {
        try HDF5.locked {
            if !overwrite, FileManager.default.fileExists(atPath: url.path) {
                throw HDF5Error.alreadyExists(file: url.path, path: "/")
            }
            let access = try makeAccessList(url)
            let flags = overwrite ? ebjr_H5F_ACC_TRUNC() : ebjr_H5F_ACC_EXCL()
            let id = H5Fcreate(url.path, flags, ebjr_H5P_DEFAULT(), access.id)
            guard id >= 0 else {
                throw HDF5Error.library(file: url.path, path: "/", operation: "create file", detail: HDF5.takeErrorStack())
            }
            return HDF5File(id: id, url: url)
        }
    }

    /// Opens an existing file. Throws `fileNotFound`, `notHDF5File` or `corrupt` (truncated, damaged) as the
    /// case may be.
    public static func open(_ url: URL, mode: Mode = .readOnly) throws -> HDF5File {
        try HDF5.locked {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { throw HDF5Error.fileNotFound(file: url.path) }
            let signature = H5Fis_hdf5(url.path)
            if signature == 0 { throw HDF5Error.notHDF5File(file: url.path) }
            if signature < 0 { throw HDF5Error.corrupt(file: url.path, detail: HDF5.takeErrorStack()) }
            let access = try makeAccessList(url)
            let id = H5Fopen(url.path, mode == .readOnly ? ebjr_H5F_ACC_RDONLY() : ebjr_H5F_ACC_RDWR(), access.id)
            guard id >= 0 else { throw HDF5Error.corrupt(file: url.path, detail: HDF5.takeErrorStack()) }
            return HDF5File(id: id, url: url)
        }
    }

    /// Writes buffered data and metadata to disk (the operating system's cache; see `writeAtomically` for fsync).
    public func flush() throws {
        try HDF5.locked { try checked(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flush") }
    }

    /// Closes the file and every object opened in it. Later use of those objects fails; closing twice does nothing.
    public func close() throws {
        try HDF5.locked {
            if handle.closeLocked() < 0 {
                throw HDF5Error.library(file: filePath, path: "/", operation: "close", detail: handle.closeFailure ?? "unknown HDF5 error")
            }
        }
    }

    /// A file-access property list with the strong close degree. Call under the lock.
    private static func makeAccessList(_ url: URL) throws -> HDF5Handle {
        let id = H5Pcreate(ebjr_H5P_FILE_ACCESS())
        guard id >= 0 else {
            throw HDF5Error.library(file: url.path, path: "/", operation: "prepare", detail: HDF5.takeErrorStack())
        }
        let list = HDF5Handle(id, kind: .propertyList)
        guard H5Pset_fclose_degree(id, H5F_CLOSE_STRONG) >= 0 else {
            throw HDF5Error.library(file: url.path, path: "/", operation: "prepare", detail: HDF5.takeErrorStack())
        }
        return list
    }
}
