import CHDF5

/// Dataspace helpers: shapes to and from libhdf5. All functions must be called under the lock.
enum HDF5Dataspace {
    /// A new dataspace for `shape` (`[]` is a scalar), or a negative identifier on failure. The caller closes it.
    static func make(shape: [Int]) -> hid_t {
        if shape.isEmpty { return H5Screate(H5S_SCALAR) }
        let dims = shape.map { hsize_t($0) }
        return H5Screate_simple(Int32(dims.count), dims, nil)
    }

    /// The shape of a dataspace (`[]` for a scalar, `[0]` for a null dataspace), or nil on failure.
    static func shape(of space: hid_t) -> [Int]? {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_NULL: return [0]
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0 else { return nil }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return nil }
            return dims.map { Int($0) }
        default: return nil
        }
    }
}

extension Array where Element == Int {
    /// Number of elements in an array of this shape (1 for a scalar `[]`).
    var elementCount: Int { reduce(1, *) }
}
