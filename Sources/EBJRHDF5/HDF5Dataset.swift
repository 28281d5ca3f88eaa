import CHDF5

/// A dataset: an n-dimensional array of numbers or strings, read and written whole.
public final class HDF5Dataset: HDF5Object {
    /// The dataset's shape (`[]` for a scalar), read without reading the data.
    public func shape() throws -> [Int] {
        try HDF5.locked {
            let space = HDF5Handle(try checked(H5Dget_space(handle.id), "get dataspace of"), kind: .dataspace)
            guard let shape = HDF5Dataspace.shape(of: space.id) else { throw failure("read shape of") }
            return shape
        }
    }

    /// The stored element type, read without reading the data.
    public func dataType() throws -> HDF5DataType {
        try HDF5.locked {
            let type = HDF5Handle(try checked(H5Dget_type(handle.id), "get datatype of"), kind: .datatype)
            return HDF5DataType(typeID: type.id)
        }
    }

    /// Number of elements (product of the shape).
    public func elementCount() throws -> Int { try shape().elementCount }

    /// All values, row-major. The stored type must be exactly `T`'s (`float32` for `Float`, …).
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> [T] {
        try HDF5.locked {
            let count = try elementCount()
            return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                try read(into: buffer)
                initialized = count
            }
        }
    }

    /// Reads all values into `buffer`, which must hold exactly `elementCount()` values of the stored type.
    public func read<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        try HDF5.locked {
            try expect(T.hdf5DataType)
            let shape = try shape()
            guard shape.elementCount == buffer.count else {
                throw HDF5Error.shapeMismatch(file: filePath, path: path, expected: "\(buffer.count) values",
                                              actual: shape)
            }
            guard buffer.count > 0 else { return }
            try checked(H5Dread(handle.id, T.hdf5NativeType(), ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(),
                                buffer.baseAddress), "read")
        }
    }

    /// The value of a string dataset holding one string (a scalar, or a list of one).
    public func readString() throws -> String {
        let strings = try readStrings()
        guard strings.count == 1 else {
            throw HDF5Error.shapeMismatch(file: filePath, path: path, expected: "one string", actual: try shape())
        }
        return strings[0]
    }

    /// All strings of a string dataset, row-major (a scalar gives one).
    public func readStrings() throws -> [String] {
        try HDF5.locked {
            let type = HDF5Handle(try checked(H5Dget_type(handle.id), "get datatype of"), kind: .datatype)
            let stored = HDF5DataType(typeID: type.id)
            guard stored == .string else {
                throw HDF5Error.typeMismatch(file: filePath, path: path, expected: "string", actual: stored.description)
            }
            let count = try elementCount()
            guard let strings = HDF5Strings.read(count: count, storedType: type.id, { memoryType, buffer in
                H5Dread(handle.id, memoryType, ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(), buffer)
            }) else { throw failure("read strings of") }
            return strings
        }
    }

    /// Throws `typeMismatch` unless the stored element type is `expected`.
    public func expect(_ expected: HDF5DataType) throws {
        let actual = try dataType()
        guard actual == expected else {
            throw HDF5Error.typeMismatch(file: filePath, path: path, expected: expected.description,
                                         actual: actual.description)
        }
    }
}
