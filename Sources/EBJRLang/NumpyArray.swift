import Foundation

/// A NumPy `.npy` array (format versions 1–3, C order, little-endian `f4`, `f8`, `i4`, `i8`), values as `Double`.
/// This is the raw interchange format for imported logits until the HDF5 path is available.
public struct NumpyArray: Equatable, Sendable {
    public enum ElementType: String, Sendable { case float32 = "<f4", float64 = "<f8", int32 = "<i4", int64 = "<i8"
        var size: Int { self == .float32 || self == .int32 ? 4 : 8 }
    }

    public var shape: [Int]
    public var values: [Double]
    public var type: ElementType

    public init(shape: [Int], values: [Double], type: ElementType) {
        precondition(values.count == shape.reduce(1, *), "NumpyArray: \(values.count) values for shape \(shape)")
        self.shape = shape; self.values = values; self.type = type
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LangError.fileUnreadable(path: path) }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<npy>") throws {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> LangError { .malformedArray(path: path, reason: reason) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 { headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10 } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }; headerStart = 12
        } else { throw fail("unsupported format version \(major)") }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].trimmingCharacters(in: .whitespaces).description
        }
        guard let descrField = field("descr"), let descr = descrField.split(separator: "'").first.map(String.init),
              let type = ElementType(rawValue: descr.replacingOccurrences(of: "|", with: "<")) else {
            throw fail("unsupported dtype in header \(header)")
        }
        guard let order = field("fortran_order"), order.hasPrefix("False") else { throw fail("Fortran order is not supported") }
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("), let close = shapeField.firstIndex(of: ")") else {
            throw fail("no shape in header \(header)")
        }
        let dims = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { (d: String) -> Int in guard let n = Int(d), n >= 0 else { throw fail("bad dimension '\(d)'") }; return n }
        let count = shape.reduce(1, *), start = headerStart + headerLength
        guard bytes.count - start == count * type.size else {
            throw fail("expected \(count * type.size) data bytes for shape \(shape), found \(bytes.count - start)")
        }
        var values = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + start
            for i in 0..<count {
                switch type {
                case .float32: values[i] = Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                case .float64: values[i] = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                case .int32: values[i] = Double(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .int64: values[i] = Double(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
        }
        self.init(shape: shape, values: values, type: type)
    }

    /// The `.npy` (version 1.0) bytes.
    public var data: Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(type.rawValue)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        out.append(contentsOf: Array(header.utf8))
        var payload = Data(capacity: values.count * type.size)
        for value in values {
            switch type {
            case .float32: withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { payload.append(contentsOf: $0) }
            case .float64: withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) }
            case .int32: withUnsafeBytes(of: Int32(value).littleEndian) { payload.append(contentsOf: $0) }
            case .int64: withUnsafeBytes(of: Int64(value).littleEndian) { payload.append(contentsOf: $0) }
            }
        }
        out.append(payload)
        return out
    }

    public func write(to path: String) throws { try data.write(to: URL(fileURLWithPath: path), options: .atomic) }
}
