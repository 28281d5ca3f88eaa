/// The value of an attribute: a small piece of metadata on a file, group or dataset.
///
/// Strings are stored as variable-length UTF-8 (h5py reads them as `str`), integers as int64, reals as float64.
/// Attributes are limited to 64 KiB; put long text in a string dataset instead.
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case int64(Int64)
    case double(Double)
    case strings([String])
    case int64s([Int64])
    case doubles([Double])

    /// The kind of value, for error messages (`string`, `int64`, `list of string`, …).
    public var kindName: String {
        switch self {
        case .string: "string"
        case .int64: "int64"
        case .double: "float64"
        case .strings: "list of string"
        case .int64s: "list of int64"
        case .doubles: "list of float64"
        }
    }
}
