import Foundation

/// A failure of an HDF5 operation, naming the file and (where one is involved) the object path inside it.
///
/// Every case reads as one line a user can act on, e.g.
/// `runs/a.h5: object '/model_weights/layers.0' not found`.
public enum HDF5Error: Error, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(file: String)
    /// The file exists but does not start with an HDF5 signature.
    case notHDF5File(file: String)
    /// The file has an HDF5 signature but cannot be opened or read (truncated, overwritten, …).
    case corrupt(file: String, detail: String)
    /// No group, dataset or link at `path`.
    case objectNotFound(file: String, path: String)
    /// The object at `path` has no attribute `name`.
    case attributeNotFound(file: String, path: String, name: String)
    /// A group, dataset or attribute of this name already exists.
    case alreadyExists(file: String, path: String)
    /// The object at `path` is not of the expected kind (a group where a dataset was expected, …).
    case kindMismatch(file: String, path: String, expected: String, actual: String)
    /// Stored element type differs from the requested one (`float32` vs `float64`, …).
    case typeMismatch(file: String, path: String, expected: String, actual: String)
    /// Stored or supplied shape does not fit the request.
    case shapeMismatch(file: String, path: String, expected: String, actual: [Int])
    /// A stored dataspace that cannot be used: rank above `HDF5Limits.maximumRank`, or dimensions whose element or
    /// byte count overflows `Int`. `detail` says which.
    case invalidShape(file: String, path: String, detail: String)
    /// A stored shape whose size (`bytes` in memory) is more than the file can hold or a limit allows: `bound`
    /// names the bound (`its storage in the file holds`, `EBJR_MAX_DATASET_BYTES allows …`) and `limit` its value
    /// in bytes. Nothing was allocated for it.
    case implausibleSize(file: String, path: String, shape: [Int], type: String, bytes: Int, bound: String, limit: Int)
    /// A stored value that cannot be decoded (a string longer than the file, …); `detail` says what is wrong.
    case invalidValue(file: String, path: String, detail: String)
    /// An attribute's value is larger than HDF5's 64 KiB object-header limit; store it as a string dataset.
    case attributeTooLarge(file: String, path: String, name: String, bytes: Int)
    /// A name that HDF5 cannot store as one path component (empty, contains `/`, or is `.`).
    case invalidName(file: String, path: String, name: String)
    /// The operating system refused a file operation (`fsync`, `rename`, …).
    case io(file: String, operation: String, errno: Int32)
    /// A dataset's checksum (Fletcher32) does not match its data: the file was damaged after it was written.
    case checksumMismatch(file: String, path: String)
    /// libhdf5 reported an error; `detail` is its error stack, innermost first.
    case library(file: String, path: String, operation: String, detail: String)

    public var description: String {
        switch self {
        case let .fileNotFound(file): "\(file): no such file"
        case let .notHDF5File(file): "\(file): not an HDF5 file"
        case let .corrupt(file, detail): "\(file): truncated or corrupt HDF5 file (\(detail))"
        case let .objectNotFound(file, path): "\(file): object '\(path)' not found"
        case let .attributeNotFound(file, path, name): "\(file): object '\(path)' has no attribute '\(name)'"
        case let .alreadyExists(file, path): "\(file): object '\(path)' already exists"
        case let .kindMismatch(file, path, expected, actual):
            "\(file): object '\(path)' is a \(actual), expected a \(expected)"
        case let .typeMismatch(file, path, expected, actual):
            "\(file): '\(path)' holds \(actual), expected \(expected)"
        case let .shapeMismatch(file, path, expected, actual):
            "\(file): '\(path)' has shape \(actual), expected \(expected)"
        case let .invalidShape(file, path, detail):
            "\(file): '\(path)' has an unusable shape (\(detail))"
        case let .implausibleSize(file, path, shape, type, bytes, bound, limit):
            "\(file): '\(path)' claims shape \(shape) of \(type) (\(bytes) bytes), more than \(bound) (\(limit) bytes)"
        case let .invalidValue(file, path, detail):
            "\(file): '\(path)' \(detail)"
        case let .attributeTooLarge(file, path, name, bytes):
            "\(file): attribute '\(name)' of '\(path)' would take \(bytes) bytes (limit 65536); store it as a string dataset"
        case let .invalidName(file, path, name):
            "\(file): '\(name)' is not a valid HDF5 name under '\(path)' (empty, '.', or contains '/')"
        case let .io(file, operation, errno):
            "\(file): \(operation) failed: \(String(cString: strerror(errno)))"
        case let .checksumMismatch(file, path):
            "\(file): dataset '\(path)' fails its checksum (the file is corrupt: restore it or write it again)"
        case let .library(file, path, operation, detail):
            "\(file): \(operation) '\(path)' failed: \(detail)"
        }
    }
}
