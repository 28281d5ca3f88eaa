import CHDF5

/// A dataset: an n-dimensional array of numbers or strings, read and written whole or by rows.
public final class HDF5Dataset: HDF5Object {
    /// The dataset's shape (`[]` for a scalar), read without reading the data, and validated before anything is
    /// allocated for it: rank at most `HDF5Limits.maximumRank`, element and byte counts without `Int` overflow
    /// (`HDF5Error.invalidShape`), and a byte size the file can back (`HDF5Error.implausibleSize`):
    /// - contiguous or compact data whose storage is allocated: at most the storage libhdf5 reports and at most the
    ///   file's size (the values must be in the file);
    /// - chunked, compressed, external or virtual data, or storage not yet allocated (fill values): at most
    ///   `HDF5Limits.maximumDatasetBytes` (8 GiB unless `EBJR_MAX_DATASET_BYTES` says otherwise).
    ///
    /// Every reader of this type reads through it, so a shape it returns is safe to allocate.
    public func shape() throws -> [Int] {
        try HDF5.locked {
            let space = HDF5Handle(try checked(H5Dget_space(handle.id), "get dataspace of"), kind: .dataspace)
            let shape: [Int]
            switch HDF5Dataspace.shape(of: space.id) {
            case let .success(value): shape = value
            case .failure(.library): throw failure("read shape of")
            case let .failure(.invalid(detail)): throw HDF5Error.invalidShape(file: filePath, path: path, detail: detail)
            }
            let type = HDF5Handle(try checked(H5Dget_type(handle.id), "get datatype of"), kind: .datatype)
            let elementSize = H5Tget_size(type.id)
            guard elementSize > 0 else { throw failure("get datatype size of") }
            let typeName = HDF5DataType(typeID: type.id).description
            guard let bytes = shape.checkedByteCount(elementSize: elementSize) else {
                throw HDF5Error.invalidShape(file: filePath, path: path, detail:
                    "\(shape) of \(typeName) takes more bytes than can be counted (overflow)")
            }
            guard bytes > 0 else { return shape }
            let (bound, limit) = try storageBound()
            guard bytes <= limit else {
                throw HDF5Error.implausibleSize(file: filePath, path: path, shape: shape, type: typeName, bytes: bytes,
                                                bound: bound, limit: limit)
            }
            return shape
        }
    }

    /// The largest byte size this dataset's values can credibly take, and what bounds it (see `shape()`).
    /// Call under the lock.
    private func storageBound() throws -> (bound: String, limit: Int) {
        let unchecked = ("EBJR_MAX_DATASET_BYTES allows for chunked, compressed or unallocated data",
                         HDF5Limits.maximumDatasetBytes)
        let plist = HDF5Handle(try checked(H5Dget_create_plist(handle.id), "get creation properties of"),
                               kind: .propertyList)
        let layout = H5Pget_layout(plist.id)
        guard layout == H5D_CONTIGUOUS || layout == H5D_COMPACT, H5Pget_external_count(plist.id) == 0,
              H5Pget_nfilters(plist.id) == 0 else {
            H5Eclear2(ebjr_H5E_DEFAULT())
            return unchecked
        }
        let storage = H5Dget_storage_size(handle.id)
        guard storage > 0 else {
            H5Eclear2(ebjr_H5E_DEFAULT())
            return unchecked
        }
        let fileSize = try fileSize()
        if storage <= hsize_t(fileSize) { return ("its storage in the file holds", Int(clamping: storage)) }
        return ("the whole file holds", fileSize)
    }

    /// The stored element type, read without reading the data.
    public func dataType() throws -> HDF5DataType {
        try HDF5.locked {
            let type = HDF5Handle(try checked(H5Dget_type(handle.id), "get datatype of"), kind: .datatype)
            return HDF5DataType(typeID: type.id)
        }
    }

    /// Number of elements (product of the shape, validated as `shape()` validates it).
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
            try checkedRead(H5Dread(handle.id, T.hdf5NativeType(), ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(),
                                    buffer.baseAddress))
        }
    }

    /// Reads the rows `rows` (a range along the first dimension) into `buffer`, which must hold exactly
    /// `rows.count` rows (`rows.count × product of the other dimensions` values), through an HDF5 hyperslab
    /// selection: only those rows are read, so a large dataset can be read block by block.
    ///
    /// The stored type must be exactly `T`'s; with `convertingIntegers` and an integer `T`, any stored integer type
    /// is accepted and converted by libhdf5 (values that do not fit saturate).
    public func readRows<T: HDF5Scalar>(_ rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>,
                                        convertingIntegers: Bool = false) throws {
        try HDF5.locked {
            let stored = try dataType()
            if convertingIntegers && T.hdf5DataType.isInteger {
                guard stored.isInteger else {
                    throw HDF5Error.typeMismatch(file: filePath, path: path, expected: "an integer type",
                                                 actual: stored.description)
                }
            } else {
                try expect(T.hdf5DataType)
            }
            let shape = try shape()
            guard let first = shape.first, rows.lowerBound >= 0, rows.upperBound <= first else {
                throw HDF5Error.shapeMismatch(file: filePath, path: path,
                                              expected: "rows \(rows.lowerBound)..<\(rows.upperBound)", actual: shape)
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            guard rows.count * rowSize == buffer.count else {
                throw HDF5Error.shapeMismatch(file: filePath, path: path,
                                              expected: "\(rows.count) rows in \(buffer.count) values", actual: shape)
            }
            guard buffer.count > 0 else { return }
            let fileSpace = HDF5Handle(try checked(H5Dget_space(handle.id), "get dataspace of"), kind: .dataspace)
            var start = [hsize_t](repeating: 0, count: shape.count)
            start[0] = hsize_t(rows.lowerBound)
            var count = shape.map { hsize_t($0) }
            count[0] = hsize_t(rows.count)
            try checked(H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, count, nil), "select rows of")
            let memorySpace = HDF5Handle(try checked(H5Screate_simple(Int32(count.count), count, nil), "make dataspace for"),
                                         kind: .dataspace)
            try checked(H5Dread(handle.id, T.hdf5NativeType(), memorySpace.id, fileSpace.id, ebjr_H5P_DEFAULT(),
                                buffer.baseAddress), "read rows of")
        }
    }

    /// Reads the rows of several ranges along the first dimension into `buffer`, one after the other in the order
    /// given, through one HDF5 selection (the union of one hyperslab per range): a batch of scattered rows is one
    /// `H5Dread`, and libhdf5 reads each stored chunk it touches once. `runs` must be sorted, non-empty and
    /// non-overlapping (`a.upperBound <= b.lowerBound` for consecutive runs: libhdf5 delivers a union selection in
    /// file order); `buffer` must hold exactly their rows. Types as in `readRows(_:into:convertingIntegers:)`.
    public func readRows<T: HDF5Scalar>(runs: [Range<Int>], into buffer: UnsafeMutableBufferPointer<T>) throws {
        try HDF5.locked {
            try expect(T.hdf5DataType)
            let shape = try shape()
            guard let first = shape.first else {
                throw HDF5Error.shapeMismatch(file: filePath, path: path, expected: "rows", actual: shape)
            }
            var total = 0, previousEnd = 0
            for run in runs {
                guard !run.isEmpty, run.lowerBound >= previousEnd, run.upperBound <= first else {
                    throw HDF5Error.shapeMismatch(file: filePath, path: path, expected:
                        "sorted, disjoint, non-empty rows within 0..<\(first) (got \(run.lowerBound)..<\(run.upperBound))", actual: shape)
                }
                total += run.count
                previousEnd = run.upperBound
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            guard total * rowSize == buffer.count else {
                throw HDF5Error.shapeMismatch(file: filePath, path: path,
                                              expected: "\(total) rows in \(buffer.count) values", actual: shape)
            }
            guard buffer.count > 0 else { return }
            let fileSpace = HDF5Handle(try checked(H5Dget_space(handle.id), "get dataspace of"), kind: .dataspace)
            var start = [hsize_t](repeating: 0, count: shape.count)
            var count = shape.map { hsize_t($0) }
            for (i, run) in runs.enumerated() {
                start[0] = hsize_t(run.lowerBound)
                count[0] = hsize_t(run.count)
                try checked(H5Sselect_hyperslab(fileSpace.id, i == 0 ? H5S_SELECT_SET : H5S_SELECT_OR, start, nil, count, nil),
                            "select rows of")
            }
            count[0] = hsize_t(total)
            let memorySpace = HDF5Handle(try checked(H5Screate_simple(Int32(count.count), count, nil), "make dataspace for"),
                                         kind: .dataspace)
            try checkedRead(H5Dread(handle.id, T.hdf5NativeType(), memorySpace.id, fileSpace.id, ebjr_H5P_DEFAULT(),
                                    buffer.baseAddress))
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
            try checkGlobalHeap(beforeReading: type.id, path: path)
            try checkReferences(ofVariableLengthType: type.id, count: count)
            let result = HDF5Strings.read(count: count, storedType: type.id, maximumLength: try fileSize()) { memoryType, buffer in
                H5Dread(handle.id, memoryType, ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(), buffer)
            }
            return try strings(result, path: path, operation: "read strings of")
        }
    }

    /// Throws `invalidValue` if the variable-length string references of this dataset (stored contiguously: the
    /// layout h5py and the toolkit write) do not match the global heap they point into (see
    /// `HDF5GlobalHeap.referenceProblem`). Datasets stored otherwise are not checked. Call under the lock.
    private func checkReferences(ofVariableLengthType type: hid_t, count: Int) throws {
        guard H5Tis_variable_str(type) > 0, count > 0 else { return }
        let offset = H5Dget_offset(handle.id)
        let storage = H5Dget_storage_size(handle.id)
        H5Eclear2(ebjr_H5E_DEFAULT())
        guard offset != haddr_t.max, offset <= haddr_t(Int.max),
              storage == hsize_t(count) * hsize_t(HDF5GlobalHeap.referenceSize) else { return }
        if let problem = HDF5GlobalHeap.referenceProblem(inFileAt: filePath, offset: Int(offset), count: count) {
            throw HDF5Error.invalidValue(file: filePath, path: path, detail: "cannot be read: \(problem)")
        }
    }

    /// Throws for a failed `H5Dread`: `checksumMismatch` if a checksum filter found damaged data, otherwise the
    /// library error. Call under the lock, right after the read.
    func checkedRead(_ status: herr_t) throws {
        guard status < 0 else { return }
        let detail = HDF5.takeErrorStack()
        if detail.localizedCaseInsensitiveContains("fletcher32") || detail.localizedCaseInsensitiveContains("checksum") {
            throw HDF5Error.checksumMismatch(file: filePath, path: path)
        }
        throw HDF5Error.library(file: filePath, path: path, operation: "read", detail: detail)
    }

    /// Whether the dataset is stored with the Fletcher32 checksum filter.
    public func isChecksummed() throws -> Bool {
        try HDF5.locked {
            let plist = HDF5Handle(try checked(H5Dget_create_plist(handle.id), "get creation properties of"), kind: .propertyList)
            var flags: UInt32 = 0
            var count = 0
            var config: UInt32 = 0
            let found = H5Pget_filter_by_id2(plist.id, H5Z_FILTER_FLETCHER32, &flags, &count, nil, 0, nil, &config)
            if found < 0 { H5Eclear2(ebjr_H5E_DEFAULT()) }
            return found >= 0
        }
    }

    /// Reads every stored byte of the dataset (checking checksums where the dataset has them) and discards them:
    /// a damaged dataset throws, naming itself. Variable-length strings are read as strings.
    public func verify() throws {
        try HDF5.locked {
            let type = HDF5Handle(try checked(H5Dget_type(handle.id), "get datatype of"), kind: .datatype)
            if H5Tis_variable_str(type.id) > 0 || H5Tget_class(type.id) == H5T_STRING {
                _ = try readStrings()
                return
            }
            H5Eclear2(ebjr_H5E_DEFAULT())
            let count = try elementCount()
            let size = H5Tget_size(type.id)
            guard count > 0, size > 0 else { return }
            let memoryType = HDF5Handle(try checked(H5Tget_native_type(type.id, H5T_DIR_ASCEND), "get native type of"),
                                        kind: .datatype)
            let bytes = count * max(size, H5Tget_size(memoryType.id))
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            defer { buffer.deallocate() }
            try checkedRead(H5Dread(handle.id, memoryType.id, ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(), buffer))
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
