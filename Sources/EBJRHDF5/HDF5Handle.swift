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

    /// Closes the identifier now; returns the C status (negative on failure). Later calls do nothing.
    /// Call under the HDF5 lock.
    @discardableResult
    func closeLocked() -> herr_t {
        guard isOpen else { return 0 }
        isOpen = false
        guard H5Iis_valid(id) > 0 else { return 0 }
        switch kind {
        case .file: return H5Fclose(id)
        case .group: return H5Gclose(id)
        case .dataset: return H5Dclose(id)
        case .attribute: return H5Aclose(id)
        case .dataspace: return H5Sclose(id)
        case .datatype: return H5Tclose(id)
        case .propertyList: return H5Pclose(id)
        }
    }

    deinit {
        HDF5.locked {
            if closeLocked() < 0 { H5Eclear2(ebjr_H5E_DEFAULT()) }
        }
    }
}
