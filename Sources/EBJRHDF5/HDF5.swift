import CHDF5
import Foundation

/// Process-wide access to libhdf5: the one lock around every C call, error-stack capture, and open-object counts.
///
/// libhdf5 is not thread-safe in most builds (Homebrew's, for one), so every call into it from this module goes
/// through `HDF5.locked`. The lock is recursive, so a composite operation can hold it across several calls (keeping
/// the error stack it reads consistent). Automatic error printing is switched off: failures become `HDF5Error`
/// values instead. In thread-safe builds (Debian/Ubuntu's) that setting and the error stack are per thread, so
/// `locked` switches printing off on whichever thread it runs.
public enum HDF5 {
    private static let lock = NSRecursiveLock()

    /// Runs `body` holding the HDF5 lock, with the library initialised and automatic error printing off on the
    /// current thread.
    @discardableResult
    static func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        _ = initialization
        H5open()
        H5Eset_auto2(ebjr_H5E_DEFAULT(), nil, nil)
        return try body()
    }

    /// The messages on libhdf5's current error stack, innermost first, joined by "; ". Clears the stack.
    /// Call under the lock, right after the failing call.
    static func takeErrorStack() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(ebjr_H5E_DEFAULT(), H5E_WALK_UPWARD, { _, description, clientData in
                guard let description, let clientData else { return 0 }
                let list = clientData.assumingMemoryBound(to: [String].self)
                if let text = description.pointee.desc.map({ String(cString: $0) }), !text.isEmpty {
                    list.pointee.append(text)
                }
                return 0
            }, pointer)
        }
        H5Eclear2(ebjr_H5E_DEFAULT())
        var unique: [String] = []
        for message in messages.map(oneLine) where !unique.contains(message) { unique.append(message) }
        return unique.isEmpty ? "unknown HDF5 error" : unique.joined(separator: "; ")
    }

    /// Initialises libhdf5 with its own exit handler replaced by ours: at exit libhdf5 closes every identifier
    /// still open, and closing one whose close already failed (`abandonedFiles`) crashes in libhdf5 1.10, so the
    /// library is shut down at exit only when there is none (otherwise the operating system cleans up).
    private static let initialization: Void = {
        H5dont_atexit()
        H5open()
        atexit {
            HDF5.lock.lock()
            if HDF5.abandonedFiles.isEmpty { H5close() }
            HDF5.lock.unlock()
        }
    }()

    /// Identifiers whose close failed (`H5Fclose` on a full disk): still valid in libhdf5 but not safe to close
    /// again, so they are kept here and never used. Under the lock.
    nonisolated(unsafe) static var abandonedFiles: [hid_t] = []

    /// Number of files whose close failed and that were left open (see `abandonedFiles`).
    public static var abandonedFileCount: Int { locked { abandonedFiles.count } }

    /// A libhdf5 message on one line: the low-level write error, which spans lines and lists pointers and byte
    /// counts, becomes its operating-system reason (`file write failed: No space left on device`).
    static func oneLine(_ message: String) -> String {
        if let start = message.range(of: "error message = '"),
           let end = message[start.upperBound...].range(of: "'") {
            let operation = message.prefix { $0 != ":" }
            return "\(operation): \(message[start.upperBound..<end.lowerBound])"
        }
        return message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// Number of identifiers libhdf5 currently holds open in all files (files, groups, datasets, datatypes,
    /// attributes). Zero once every handle has been released; use it to test handle hygiene.
    public static func openObjectCount() -> Int {
        locked { Int(max(0, H5Fget_obj_count(hid_t(ebjr_H5F_OBJ_ALL()), ebjr_H5F_OBJ_ALL()))) }
    }

    /// Number of identifiers libhdf5 holds open in the file at `url` (including the file itself).
    ///
    /// Unlike `openObjectCount()` this is unaffected by other files open at the same time (tests running in
    /// parallel), so it is the one to assert on in tests.
    public static func openObjectCount(inFile url: URL) -> Int {
        locked {
            let all = hid_t(ebjr_H5F_OBJ_ALL())
            let total = H5Fget_obj_count(all, ebjr_H5F_OBJ_ALL())
            guard total > 0 else { return 0 }
            var ids = [hid_t](repeating: 0, count: total)
            let found = H5Fget_obj_ids(all, ebjr_H5F_OBJ_ALL(), total, &ids)
            guard found > 0 else { return 0 }
            let target = url.standardizedFileURL.resolvingSymlinksInPath().path
            return ids.prefix(found).filter { id in
                guard let name = fileName(of: id) else { return false }
                return URL(fileURLWithPath: name).standardizedFileURL.resolvingSymlinksInPath().path == target
            }.count
        }
    }

    /// The name of the file an identifier belongs to. Call under the lock.
    private static func fileName(of id: hid_t) -> String? {
        let length = H5Fget_name(id, nil, 0)
        guard length > 0 else { H5Eclear2(ebjr_H5E_DEFAULT()); return nil }
        var buffer = [CChar](repeating: 0, count: length + 1)
        guard H5Fget_name(id, &buffer, length + 1) > 0 else { return nil }
        return String(cString: buffer)
    }
}
