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
    /// Later calls do nothing, after a failed close too: a failed `H5Fclose` (a full disk) leaves the identifier
    /// valid but the file half torn down, and libhdf5 1.10 crashes if it is closed again. Such identifiers are
    /// recorded in `HDF5.abandonedFiles` (never touched again) instead of being forgotten. Call under the lock.
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
        isOpen = false
        if H5Iis_valid(id) > 0 { HDF5.abandonedFiles.append(id) }
        H5Eclear2(ebjr_H5E_DEFAULT())
        return status
    }

    deinit {
        HDF5.locked {
            if closeLocked() < 0 { H5Eclear2(ebjr_H5E_DEFAULT()) }
        }
    }
}
