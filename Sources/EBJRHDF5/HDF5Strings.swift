import CHDF5
import Foundation

/// Encoding and decoding of string values. Strings are written as variable-length UTF-8 (h5py reads them as
/// `str`); fixed-length and ASCII strings written by other tools are read too. Call everything under the lock.
enum HDF5Strings {
    /// A new variable-length UTF-8 string datatype, or a negative identifier on failure. The caller closes it.
    static func makeVariableUTF8Type() -> hid_t {
        let type = H5Tcopy(ebjr_H5T_C_S1())
        guard type >= 0 else { return type }
        guard H5Tset_size(type, ebjr_H5T_VARIABLE()) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0,
              H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 else {
            H5Tclose(type)
            return -1
        }
        return type
    }

    /// Calls `body` with a buffer of NUL-terminated UTF-8 copies of `strings` (the layout of a variable-length
    /// string write). Text after an embedded NUL character is not stored.
    static func withCStrings<Result>(_ strings: [String], _ body: (UnsafeRawPointer) -> Result) -> Result {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        return copies.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
    }

    /// Reads `count` strings stored with datatype `storedType` through `read(memoryType, buffer)` (an `H5Dread`
    /// or `H5Aread`). Fails with `.library` if the read failed (the error stack is left for the caller), with
    /// `.invalid` if the strings cannot be what the file holds: `count × size` of fixed-length strings overflows,
    /// or a variable-length string is longer than `maximumLength` bytes (the file's size: its text must be in the
    /// file). A NULL variable-length string (written by some tools for an empty value) reads as "". Invalid UTF-8 is
    /// repaired, never trusted.
    static func read(count: Int, storedType: hid_t, maximumLength: Int,
                     _ read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t)
        -> Result<[String], HDF5Dataspace.Problem> {
        guard count > 0 else { return .success([]) }
        let memoryType = H5Tcopy(storedType)
        guard memoryType >= 0 else { return .failure(.library) }
        defer { H5Tclose(memoryType) }
        if H5Tis_variable_str(storedType) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
            // Freed also after a failed read: the strings converted before the failure are the caller's to free.
            defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
            guard status >= 0 else { return .failure(.library) }
            var strings: [String] = []
            strings.reserveCapacity(count)
            for (index, pointer) in pointers.enumerated() {
                guard let pointer else { strings.append(""); continue }
                let length = strnlen(pointer, maximumLength + 1)
                guard length <= maximumLength else {
                    return .failure(.invalid("string \(index) is longer than the file (\(maximumLength) bytes)"))
                }
                strings.append(pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                })
            }
            return .success(strings)
        }
        let size = H5Tget_size(storedType)
        guard size > 0 else { return .failure(.library) }
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, total <= maximumLength else {
            return .failure(.invalid("\(count) strings of \(size) bytes are more than the file holds (\(maximumLength) bytes)"))
        }
        var bytes = [UInt8](repeating: 0, count: total)
        let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        guard status >= 0 else { return .failure(.library) }
        let isSpacePadded = H5Tget_strpad(storedType) == H5T_STR_SPACEPAD
        return .success((0..<count).map { index in
            var slot = bytes[(index * size)..<((index + 1) * size)]
            if let end = slot.firstIndex(of: 0) { slot = slot[..<end] }
            if isSpacePadded { while slot.last == UInt8(ascii: " ") { slot = slot.dropLast() } }
            return String(decoding: slot, as: UTF8.self)
        })
    }

    /// Bytes taken by `strings` as UTF-8 with terminators (for the attribute size limit).
    static func encodedSize(_ strings: [String]) -> Int { strings.reduce(0) { $0 + $1.utf8.count + 1 } }
}
