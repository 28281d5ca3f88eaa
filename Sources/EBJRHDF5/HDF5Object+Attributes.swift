import CHDF5

/// Reading and writing attributes on files, groups and datasets.
extension HDF5Object {
    /// Names of this object's attributes, in name order.
    public func attributeNames() throws -> [String] {
        try HDF5.locked {
            var names: [String] = []
            try withUnsafeMutablePointer(to: &names) { pointer in
                var index: hsize_t = 0
                try checked(H5Aiterate2(handle.id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, pointer), "list attributes of")
            }
            return names
        }
    }

    /// Whether the attribute `name` exists.
    public func hasAttribute(_ name: String) -> Bool {
        HDF5.locked {
            let exists = H5Aexists(handle.id, name)
            if exists < 0 { H5Eclear2(ebjr_H5E_DEFAULT()) }
            return exists > 0
        }
    }

    /// Writes the attribute `name`, replacing any existing one.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        try validate(name: name)
        let bytes: Int = switch value {
        case let .string(text): HDF5Strings.encodedSize([text])
        case let .strings(texts): HDF5Strings.encodedSize(texts)
        case .int64, .double: 8
        case let .int64s(values): values.count * 8
        case let .doubles(values): values.count * 8
        }
        guard bytes <= 65536 else {
            throw HDF5Error.attributeTooLarge(file: filePath, path: path, name: name, bytes: bytes)
        }
        try HDF5.locked {
            if hasAttribute(name) { try checked(H5Adelete(handle.id, name), "replace attribute '\(name)' of") }
            switch value {
            case let .string(text): try writeStringAttribute(name, shape: [], values: [text])
            case let .strings(texts): try writeStringAttribute(name, shape: [texts.count], values: texts)
            case let .int64(number): try writeNumericAttribute(name, shape: [], values: [number])
            case let .int64s(numbers): try writeNumericAttribute(name, shape: [numbers.count], values: numbers)
            case let .double(number): try writeNumericAttribute(name, shape: [], values: [number])
            case let .doubles(numbers): try writeNumericAttribute(name, shape: [numbers.count], values: numbers)
            }
        }
    }

    /// Reads the attribute `name`. Integers of any width read as `int64`/`int64s`, floats as `double`/`doubles`;
    /// a scalar gives a single value, a one-dimensional attribute a list.
    ///
    /// The stored shape is validated before anything is allocated: rank and element count as for datasets
    /// (`HDF5Error.invalidShape`), and a byte size no larger than the file, since the values are stored in it
    /// (`HDF5Error.implausibleSize`); variable-length strings are checked for NULL (read as
    /// "") and for a length no larger than the file (`HDF5Error.invalidValue`).
    public func attribute(_ name: String) throws -> HDF5AttributeValue {
        try HDF5.locked {
            guard hasAttribute(name) else {
                throw HDF5Error.attributeNotFound(file: filePath, path: path, name: name)
            }
            let operation = "read attribute '\(name)' of"
            let attribute = HDF5Handle(try checked(H5Aopen(handle.id, name, ebjr_H5P_DEFAULT()), operation),
                                       kind: .attribute)
            let type = HDF5Handle(try checked(H5Aget_type(attribute.id), operation), kind: .datatype)
            let space = HDF5Handle(try checked(H5Aget_space(attribute.id), operation), kind: .dataspace)
            let attributePath = path + "@" + name
            let shape: [Int]
            switch HDF5Dataspace.shape(of: space.id) {
            case let .success(value): shape = value
            case .failure(.library): throw failure(operation)
            case let .failure(.invalid(detail)): throw HDF5Error.invalidShape(file: filePath, path: attributePath, detail: detail)
            }
            let stored = HDF5DataType(typeID: type.id)
            guard shape.count <= 1 else {
                throw HDF5Error.shapeMismatch(file: filePath, path: attributePath, expected: "a scalar or a list",
                                              actual: shape)
            }
            let isScalar = shape.isEmpty
            let count = shape.elementCount
            // The values are stored in the file (object header or attribute heap), so they cannot take more bytes
            // than the file has: checked before anything is allocated for them.
            let fileSize = try fileSize()
            let elementSize = H5Tget_size(type.id)
            guard elementSize > 0 else { throw failure(operation) }
            guard let bytes = shape.checkedByteCount(elementSize: elementSize) else {
                throw HDF5Error.invalidShape(file: filePath, path: attributePath, detail:
                    "\(shape) of \(stored) takes more bytes than can be counted (overflow)")
            }
            guard bytes <= fileSize else {
                throw HDF5Error.implausibleSize(file: filePath, path: attributePath, shape: shape, type: stored.description,
                                                bytes: bytes, bound: "the whole file holds", limit: fileSize)
            }
            if stored == .string {
                try checkGlobalHeap(beforeReading: type.id, path: attributePath)
                let result = HDF5Strings.read(count: count, storedType: type.id, maximumLength: fileSize) { memoryType, buffer in
                    H5Aread(attribute.id, memoryType, buffer)
                }
                let strings = try strings(result, path: attributePath, operation: operation)
                return isScalar ? .string(strings[0]) : .strings(strings)
            }
            if stored.isInteger {
                let values: [Int64] = try readNumbers(attribute.id, count: count, operation: operation)
                return isScalar ? .int64(values[0]) : .int64s(values)
            }
            if stored.isFloatingPoint {
                let values: [Double] = try readNumbers(attribute.id, count: count, operation: operation)
                return isScalar ? .double(values[0]) : .doubles(values)
            }
            throw HDF5Error.typeMismatch(file: filePath, path: attributePath,
                                         expected: "string, integer or float", actual: stored.description)
        }
    }

    /// The string attribute `name`.
    public func stringAttribute(_ name: String) throws -> String {
        if case let .string(value) = try attribute(name) { return value }
        throw try attributeMismatch(name, expected: "string")
    }

    /// The integer attribute `name`.
    public func int64Attribute(_ name: String) throws -> Int64 {
        if case let .int64(value) = try attribute(name) { return value }
        throw try attributeMismatch(name, expected: "int64")
    }

    /// The real attribute `name` (an integer attribute is converted).
    public func doubleAttribute(_ name: String) throws -> Double {
        switch try attribute(name) {
        case let .double(value): return value
        case let .int64(value): return Double(value)
        default: throw try attributeMismatch(name, expected: "float64")
        }
    }

    /// The string-list attribute `name` (a scalar string reads as a list of one).
    public func stringsAttribute(_ name: String) throws -> [String] {
        switch try attribute(name) {
        case let .strings(values): return values
        case let .string(value): return [value]
        default: throw try attributeMismatch(name, expected: "list of string")
        }
    }

    /// The integer-list attribute `name` (a scalar integer reads as a list of one).
    public func int64sAttribute(_ name: String) throws -> [Int64] {
        switch try attribute(name) {
        case let .int64s(values): return values
        case let .int64(value): return [value]
        default: throw try attributeMismatch(name, expected: "list of int64")
        }
    }

    // MARK: Helpers (under the lock)

    private func attributeMismatch(_ name: String, expected: String) throws -> HDF5Error {
        .typeMismatch(file: filePath, path: path + "@" + name, expected: expected, actual: try attribute(name).kindName)
    }

    private func writeStringAttribute(_ name: String, shape: [Int], values: [String]) throws {
        let operation = "write attribute '\(name)' of"
        let type = HDF5Handle(try checked(HDF5Strings.makeVariableUTF8Type(), operation), kind: .datatype)
        let attribute = try createAttribute(name, type: type.id, shape: shape)
        guard !values.isEmpty else { return }
        try checked(HDF5Strings.withCStrings(values) { H5Awrite(attribute.id, type.id, $0) }, operation)
    }

    private func writeNumericAttribute<T: HDF5Scalar>(_ name: String, shape: [Int], values: [T]) throws {
        let attribute = try createAttribute(name, type: T.hdf5NativeType(), shape: shape)
        guard !values.isEmpty else { return }
        try values.withUnsafeBytes { bytes in
            _ = try checked(H5Awrite(attribute.id, T.hdf5NativeType(), bytes.baseAddress), "write attribute '\(name)' of")
        }
    }

    private func createAttribute(_ name: String, type: hid_t, shape: [Int]) throws -> HDF5Handle {
        let operation = "write attribute '\(name)' of"
        let space = HDF5Handle(try checked(HDF5Dataspace.make(shape: shape), operation), kind: .dataspace)
        return HDF5Handle(try checked(H5Acreate2(handle.id, name, type, space.id, ebjr_H5P_DEFAULT(),
                                                 ebjr_H5P_DEFAULT()), operation), kind: .attribute)
    }

    private func readNumbers<T: HDF5Scalar>(_ attribute: hid_t, count: Int, operation: String) throws -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { try checked(H5Aread(attribute, T.hdf5NativeType(), buffer.baseAddress!), operation) }
            initialized = count
        }
    }
}
