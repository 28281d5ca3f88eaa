import CHDF5

/// Owns one libhdf5 identifier and closes it exactly once: explicitly through `close()` or in `deinit`.
///
/// Files are opened with the *strong* close degree, so closing a file also closes every object opened in it;
/// a handle whose identifier was closed that way notices (`H5Iis_valid`) and does nothing in `deinit`.
final class HDF5Handle {
    /// What the identifier refers to, which decides the `H5?close` function.
    enum Kind { case file, group, dataset, attribute, dataspace, datatype, propertyList }

    let id: hid_t
    let kind: Kind
    private var isOpen = true
    /// For a file: the result of `HDF5GlobalHeap.problem` once it has been computed (`.some(nil)`: no problem).
    /// Read and written under the lock.
    var globalHeapProblem: String??

    /// Takes ownership of `id`, which must be valid (non-negative).
    init(_ id: hid_t, kind: Kind) {
        precondition(id >= 0, "HDF5Handle: invalid identifier \(id)")
        self.id = id
        self.kind = kind
    }

    /// libhdf5's error stack of the last failed close (nil after a successful one).
    private(set) var closeFailure: String?

    /// Closes the identifier now; returns the C status (negative on failure, with `closeFailure` set).
    ///
    /// After a successful close later calls do nothing. A failed close (`H5Fclose` that cannot flush to a full
    /// disk) leaves libhdf5's identifier open, so the handle stays open too: the next `close()` or `deinit`
    /// tries again, rather than forgetting an identifier that libhdf5 would later close on its own behind our
    /// back. Call under the HDF5 lock.
    @discardableResult
    func closeLocked() -> herr_t {
        guard isOpen else { return 0 }
        guard H5Iis_valid(id) > 0 else { isOpen = false; closeFailure = nil; return 0 }
        let status: herr_t = switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        case .attribute: H5Aclose(id)
        case .dataspace: H5Sclose(id)
        case .datatype: H5Tclose(id)
        case .propertyList: H5Pclose(id)
        }
        if status >= 0 {
            isOpen = false
            closeFailure = nil
            return status
        }
        closeFailure = HDF5.takeErrorStack()
        if H5Iis_valid(id) <= 0 { isOpen = false }
        H5Eclear2(ebjr_H5E_DEFAULT())
        return status
    }

    /// File identifiers whose last close failed when their handle went away (still open in libhdf5, which closes
    /// them at exit or `HDF5.retryUnclosed()` does). Under the lock.
    nonisolated(unsafe) static var unclosed: [hid_t] = []

    deinit {
        HDF5.locked {
            if closeLocked() < 0 { H5Eclear2(ebjr_H5E_DEFAULT()) }
            if isOpen { HDF5Handle.unclosed.append(id) }
        }
    }
}
