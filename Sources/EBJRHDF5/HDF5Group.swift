import CHDF5

/// What a link in a group points to.
public enum HDF5ObjectKind: String, Equatable, Sendable {
    case group, dataset, other
}

/// A group: a folder of named groups and datasets. `HDF5File` is the root group of its file.
public class HDF5Group: HDF5Object {
    // MARK: Children

    /// Whether `name` (a relative path such as `model_weights/layers.0`) exists under this group.
    public func contains(_ name: String) -> Bool {
        guard (try? validate(name: name, isNested: true)) != nil else { return false }
        return HDF5.locked {
            var prefix = ""
            for component in name.split(separator: "/") {
                prefix += (prefix.isEmpty ? "" : "/") + component
                guard H5Lexists(handle.id, prefix, ebjr_H5P_DEFAULT()) > 0 else {
                    H5Eclear2(ebjr_H5E_DEFAULT())
                    return false
                }
            }
            return true
        }
    }

    /// Names of the direct children (groups and datasets), in HDF5's name order (sorted bytewise). The link count
    /// libhdf5 reports comes from the file, so it must not exceed the file's size in bytes (every link takes more
    /// than a byte) before anything is allocated for it (`HDF5Error.invalidValue`).
    public func childNames() throws -> [String] {
        try HDF5.locked {
            var info = H5G_info_t()
            try checked(H5Gget_info(handle.id, &info), "list")
            let fileSize = try fileSize()
            guard info.nlinks <= hsize_t(fileSize) else {
                throw HDF5Error.invalidValue(file: filePath, path: path, detail:
                    "claims \(info.nlinks) links, more than the file's \(fileSize) bytes can hold")
            }
            return try (0..<info.nlinks).map { index in
                let length = try checked(H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0,
                                                            ebjr_H5P_DEFAULT()), "list")
                var buffer = [CChar](repeating: 0, count: length + 1)
                try checked(H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer,
                                               length + 1, ebjr_H5P_DEFAULT()), "list")
                return String(cString: buffer)
            }
        }
    }

    /// Whether the child `name` is a group or a dataset.
    public func kind(of name: String) throws -> HDF5ObjectKind {
        try HDF5.locked {
            let object = try openObject(name)
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// Opens the group `name` (a relative path).
    public func group(_ name: String) throws -> HDF5Group {
        try HDF5.locked {
            try expectKind(.group, of: name)
            let id = try checked(H5Gopen2(handle.id, name, ebjr_H5P_DEFAULT()), "open group", path: childPath(name))
            return HDF5Group(handle: HDF5Handle(id, kind: .group), fileHandle: fileHandle, path: childPath(name),
                             filePath: filePath)
        }
    }

    /// Opens the dataset `name` (a relative path).
    public func dataset(_ name: String) throws -> HDF5Dataset {
        try HDF5.locked {
            try expectKind(.dataset, of: name)
            let id = try checked(H5Dopen2(handle.id, name, ebjr_H5P_DEFAULT()), "open dataset", path: childPath(name))
            return HDF5Dataset(handle: HDF5Handle(id, kind: .dataset), fileHandle: fileHandle, path: childPath(name),
                               filePath: filePath)
        }
    }

    /// Creates the group `name` (one path component) under this group.
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        try HDF5.locked {
            try expectAbsent(name)
            let id = try checked(H5Gcreate2(handle.id, name, ebjr_H5P_DEFAULT(), ebjr_H5P_DEFAULT(), ebjr_H5P_DEFAULT()),
                                 "create group", path: childPath(name))
            return HDF5Group(handle: HDF5Handle(id, kind: .group), fileHandle: fileHandle, path: childPath(name),
                             filePath: filePath)
        }
    }

    /// Removes the link `name` from this group (the space it used is not reclaimed until the file is rewritten).
    public func removeChild(_ name: String) throws {
        try HDF5.locked {
            try validate(name: name, isNested: true)
            guard contains(name) else { throw HDF5Error.objectNotFound(file: filePath, path: childPath(name)) }
            try checked(H5Ldelete(handle.id, name, ebjr_H5P_DEFAULT()), "remove", path: childPath(name))
        }
    }

    // MARK: Writing datasets

    /// Creates the dataset `name` of `shape` (`[]` for a scalar) holding `values` row-major.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ name: String, shape: [Int], values: [T]) throws -> HDF5Dataset {
        try values.withUnsafeBufferPointer { try createDataset(name, shape: shape, from: $0) }
    }

    /// Creates the dataset `name` of `shape` holding the values in `buffer` row-major (no copy is made).
    @discardableResult
    ///
    /// With `checksummed`, a non-empty array is stored chunked (`HDF5Chunking.chunkShape`) with HDF5's Fletcher32
    /// checksum filter, so a damaged chunk is an `HDF5Error.checksumMismatch` naming the dataset when it is read
    /// (h5py and every HDF5 reader apply the filter transparently). Scalars and empty arrays cannot be chunked and
    /// are stored as they are.
    public func createDataset<T: HDF5Scalar>(_ name: String, shape: [Int],
                                             from buffer: UnsafeBufferPointer<T>,
                                             checksummed: Bool = false) throws -> HDF5Dataset {
        try HDF5.locked {
            guard shape.allSatisfy({ $0 >= 0 }), shape.elementCount == buffer.count else {
                throw HDF5Error.shapeMismatch(file: filePath, path: childPath(name),
                                              expected: "a shape of \(buffer.count) values", actual: shape)
            }
            var creation: HDF5Handle?
            if checksummed, !shape.isEmpty, buffer.count > 0 {
                let list = HDF5Handle(try checked(H5Pcreate(ebjr_H5P_DATASET_CREATE()), "prepare", path: childPath(name)),
                                      kind: .propertyList)
                let chunk = HDF5Chunking.chunkShape(shape, elementSize: MemoryLayout<T>.stride).map { hsize_t($0) }
                try checked(H5Pset_chunk(list.id, Int32(chunk.count), chunk), "set chunking of", path: childPath(name))
                try checked(H5Pset_fletcher32(list.id), "set checksum of", path: childPath(name))
                creation = list
            }
            return try createDataset(name, shape: shape, type: T.hdf5NativeType(),
                                     creation: creation?.id ?? ebjr_H5P_DEFAULT()) { dataset in
                guard buffer.count > 0 else { return 0 }
                return H5Dwrite(dataset, T.hdf5NativeType(), ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(),
                                buffer.baseAddress)
            }
        }
    }

    /// Creates a scalar variable-length UTF-8 string dataset (use this, not an attribute, for long text).
    @discardableResult
    public func createStringDataset(_ name: String, value: String) throws -> HDF5Dataset {
        try createStringDataset(name, shape: [], values: [value])
    }

    /// Creates a one-dimensional variable-length UTF-8 string dataset.
    @discardableResult
    public func createStringDataset(_ name: String, values: [String]) throws -> HDF5Dataset {
        try createStringDataset(name, shape: [values.count], values: values)
    }

    private func createStringDataset(_ name: String, shape: [Int], values: [String]) throws -> HDF5Dataset {
        try HDF5.locked {
            let type = HDF5Handle(try checked(HDF5Strings.makeVariableUTF8Type(), "make string type for",
                                              path: childPath(name)), kind: .datatype)
            return try createDataset(name, shape: shape, type: type.id) { dataset in
                guard !values.isEmpty else { return 0 }
                return HDF5Strings.withCStrings(values) { buffer in
                    H5Dwrite(dataset, type.id, ebjr_H5S_ALL(), ebjr_H5S_ALL(), ebjr_H5P_DEFAULT(), buffer)
                }
            }
        }
    }

    /// Creates a dataset of `type` and `shape`, then fills it with `write(datasetID)`. Call under the lock.
    private func createDataset(_ name: String, shape: [Int], type: hid_t, creation: hid_t = ebjr_H5P_DEFAULT(),
                               write: (hid_t) -> herr_t) throws -> HDF5Dataset {
        try expectAbsent(name)
        let path = childPath(name)
        let space = HDF5Handle(try checked(HDF5Dataspace.make(shape: shape), "make dataspace for", path: path),
                               kind: .dataspace)
        let id = try checked(H5Dcreate2(handle.id, name, type, space.id, ebjr_H5P_DEFAULT(), creation,
                                        ebjr_H5P_DEFAULT()), "create dataset", path: path)
        let dataset = HDF5Dataset(handle: HDF5Handle(id, kind: .dataset), fileHandle: fileHandle, path: path,
                                  filePath: filePath)
        try checked(write(id), "write", path: path)
        return dataset
    }

    // MARK: Checks (under the lock)

    /// Opens any object at `name` (an `H5O` identifier the caller closes), or throws `objectNotFound`.
    private func openObject(_ name: String) throws -> hid_t {
        try validate(name: name, isNested: true)
        guard contains(name) else { throw HDF5Error.objectNotFound(file: filePath, path: childPath(name)) }
        return try checked(H5Oopen(handle.id, name, ebjr_H5P_DEFAULT()), "open", path: childPath(name))
    }

    private func expectKind(_ expected: HDF5ObjectKind, of name: String) throws {
        let actual = try kind(of: name)
        guard actual == expected else {
            throw HDF5Error.kindMismatch(file: filePath, path: childPath(name), expected: expected.rawValue,
                                         actual: actual.rawValue)
        }
    }

    private func expectAbsent(_ name: String) throws {
        try validate(name: name)
        if contains(name) { throw HDF5Error.alreadyExists(file: filePath, path: childPath(name)) }
    }
}

/// The chunk shape of checksummed datasets.
public enum HDF5Chunking {
    /// Bytes per chunk at most (unless one element of the last dimension's row is larger): 1 MiB.
    public static let maximumChunkBytes = 1 << 20

    /// The whole dataset as one chunk if it takes at most `maximumChunkBytes`; otherwise the leading dimensions
    /// are cut (first the first, then the next, …) until a chunk fits. `shape` must be non-empty and all positive.
    public static func chunkShape(_ shape: [Int], elementSize: Int) -> [Int] {
        var chunk = shape.map { max(1, $0) }
        for axis in chunk.indices {
            let inner = chunk[(axis + 1)...].reduce(elementSize, *)
            if chunk[axis] * inner <= maximumChunkBytes { break }
            chunk[axis] = max(1, maximumChunkBytes / inner)
            if chunk[axis] > 1 || inner <= maximumChunkBytes { break }
        }
        return chunk
    }
}
