import CHDF5

/// The element type of a stored dataset or attribute, named as NumPy names dtypes.
public enum HDF5DataType: Equatable, Sendable, CustomStringConvertible {
    case float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// Text, fixed or variable length.
    case string
    /// Anything else (compound, enum, reference, …), with libhdf5's class name.
    case other(String)

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .string: "string"
        case let .other(name): name
        }
    }

    /// Whether values are integers (any width, signed or not).
    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: true
        default: false
        }
    }

    /// Whether values are floating point.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// Classifies a libhdf5 datatype identifier. Call under the lock.
    init(typeID: hid_t) {
        let size = H5Tget_size(typeID)
        switch H5Tget_class(typeID) {
        case H5T_FLOAT:
            self = size == 4 ? .float32 : size == 8 ? .float64 : .other("float\(size * 8)")
        case H5T_INTEGER:
            let isSigned = H5Tget_sign(typeID) != H5T_SGN_NONE
            switch (size, isSigned) {
            case (1, true): self = .int8
            case (2, true): self = .int16
            case (4, true): self = .int32
            case (8, true): self = .int64
            case (1, false): self = .uint8
            case (2, false): self = .uint16
            case (4, false): self = .uint32
            case (8, false): self = .uint64
            default: self = .other("integer\(size * 8)")
            }
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("vlen")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_BITFIELD: self = .other("bitfield")
        default: self = .other("unknown")
        }
    }
}

/// A Swift number type that maps one-to-one onto a native HDF5 type, so it can be stored and read whole.
public protocol HDF5Scalar {
    /// The stored element type.
    static var hdf5DataType: HDF5DataType { get }
    /// libhdf5's native memory type for this Swift type.
    static func hdf5NativeType() -> hid_t
}

extension Float: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .float32 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_FLOAT() }
}

extension Double: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .float64 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_DOUBLE() }
}

extension Int32: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .int32 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_INT32() }
}

extension Int64: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .int64 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_INT64() }
}

extension UInt8: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .uint8 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_UINT8() }
}

extension UInt64: HDF5Scalar {
    public static var hdf5DataType: HDF5DataType { .uint64 }
    public static func hdf5NativeType() -> hid_t { ebjr_H5T_NATIVE_UINT64() }
}
