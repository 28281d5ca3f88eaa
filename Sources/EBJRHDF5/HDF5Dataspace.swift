import CHDF5
import Foundation

/// Limits on what a file may claim, checked before anything is allocated for it.
///
/// A dataspace comes from the file, so a damaged or hostile file can claim any shape: `[2^40, 10]` (44 TB of
/// float32), `[2^62, 4]` (more elements than `Int` can count), rank 200. Readers validate every shape against
/// these limits and against what the file can hold (see `HDF5Dataset.shape()`), and throw `HDF5Error.invalidShape`
/// or `HDF5Error.implausibleSize` instead of trapping or allocating.
public enum HDF5Limits {
    /// Largest rank accepted (libhdf5's own `H5S_MAX_RANK`).
    public static let maximumRank = 32

    /// Default of `maximumDatasetBytes`: 8 GiB.
    public static let defaultMaximumDatasetBytes = 8 << 30

    /// Largest dataset (in memory bytes) read when its size cannot be checked against its storage in the file:
    /// chunked or compressed datasets (compression can legitimately make data larger than the file), storage not
    /// yet allocated (fill values), external or virtual storage. `EBJR_MAX_DATASET_BYTES` (a positive integer
    /// number of bytes) overrides the default of 8 GiB.
    public static var maximumDatasetBytes: Int {
        if let text = ProcessInfo.processInfo.environment["EBJR_MAX_DATASET_BYTES"], let value = Int(text), value > 0 {
            return value
        }
        return defaultMaximumDatasetBytes
    }
}

/// Dataspace helpers: shapes to and from libhdf5. All functions must be called under the lock.
enum HDF5Dataspace {
    /// A new dataspace for `shape` (`[]` is a scalar), or a negative identifier on failure. The caller closes it.
    static func make(shape: [Int]) -> hid_t {
        if shape.isEmpty { return H5Screate(H5S_SCALAR) }
        let dims = shape.map { hsize_t($0) }
        return H5Screate_simple(Int32(dims.count), dims, nil)
    }

    /// Why a stored dataspace cannot be used.
    enum Problem: Error {
        /// libhdf5 could not describe it (its error stack is left for the caller).
        case library
        /// It can be described but not used; the text says why (`rank 40 exceeds …`).
        case invalid(String)
    }

    /// The validated shape of a dataspace (`[]` for a scalar, `[0]` for a null dataspace): rank at most
    /// `HDF5Limits.maximumRank`, every dimension representable as `Int`, and the element count computed without
    /// overflow. Nothing is allocated before the rank is checked.
    static func shape(of space: hid_t) -> Result<[Int], Problem> {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return .success([])
        case H5S_NULL: return .success([0])
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0 else { return .failure(.library) }
            guard rank <= HDF5Limits.maximumRank else {
                return .failure(.invalid("rank \(rank) exceeds the limit of \(HDF5Limits.maximumRank)"))
            }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return .failure(.library) }
            guard let shape = validated(dims) else {
                return .failure(.invalid("dimensions \(dims) hold more elements than can be counted (overflow)"))
            }
            return .success(shape)
        default: return .failure(.library)
        }
    }

    /// `dims` as `Int`s if every one fits and their product does too, else nil.
    static func validated(_ dims: [hsize_t]) -> [Int]? {
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard dim <= hsize_t(Int.max) else { return nil }
            shape.append(Int(dim))
        }
        return shape.checkedElementCount == nil ? nil : shape
    }
}

extension Array where Element == Int {
    /// Number of elements in an array of this shape (1 for a scalar `[]`). Only for shapes already validated
    /// (`checkedElementCount` is not nil), as every shape `HDF5Dataset.shape()` returns is.
    var elementCount: Int { reduce(1, *) }

    /// Number of elements, or nil when a dimension is negative or the product overflows `Int`.
    var checkedElementCount: Int? {
        var count = 1
        for dim in self {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Bytes taken by this many elements of `elementSize` bytes each, or nil on overflow.
    func checkedByteCount(elementSize: Int) -> Int? {
        guard let count = checkedElementCount, elementSize >= 0 else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : bytes
    }
}
