import Foundation

/// A structural check of a file's global heap collections, where variable-length data (strings) lives.
///
/// libhdf5 1.10 trusts the object sizes inside a collection: a damaged size makes it read past the collection
/// (a segmentation fault) or loop forever (a free-space object of size 0). Before the first variable-length read
/// from a file, the toolkit therefore finds every collection (signature `GCOL`, version 1, three zero bytes) and
/// checks that its size fits in the file and that its objects tile it: each object's 16-byte header plus its size
/// rounded up to 8 stays inside the collection, and the free-space object (index 0) is at least a header long and
/// ends inside it. Files whose superblock uses other than 8-byte offsets and lengths (never written by h5py or this
/// toolkit) are not checked.
enum HDF5GlobalHeap {
    /// Size of a global heap object's header (index, reference count, reserved, size).
    static let objectHeaderSize = 16
    /// Size of a collection's header (signature, version, reserved, collection size).
    static let collectionHeaderSize = 16

    /// nil when every collection in the file at `path` is well formed (or the file cannot be checked), else what
    /// is wrong with the first bad one.
    static func problem(inFileAt path: String) -> String? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { problem(in: $0) }
    }

    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard usesEightByteSizes(bytes) else { return nil }
        let signature: [UInt8] = Array("GCOL".utf8) + [1, 0, 0, 0]
        let count = bytes.count
        var offset = 0
        while offset + collectionHeaderSize <= count {
            guard let found = find(signature, in: bytes, from: offset) else { return nil }
            if let problem = check(collectionAt: found, in: bytes) { return problem }
            offset = found + signature.count
        }
        return nil
    }

    /// The problem with the collection at `start`, or nil. The objects are walked exactly as libhdf5 1.10 walks them
    /// when it loads the collection: until the end, a tail shorter than an object header being free space, each
    /// object advancing by its 16-byte header plus its size rounded up to 8 (the free-space object, index 0, by its
    /// size alone, header included), so every step must advance and stay inside the collection. A free-space object
    /// of size 0 in the middle of a collection made libhdf5 loop forever.
    private static func check(collectionAt start: Int, in bytes: UnsafeRawBufferPointer) -> String? {
        guard start + collectionHeaderSize <= bytes.count else { return nil }
        let size = word(bytes, start + 8)
        guard size >= UInt64(collectionHeaderSize), size <= UInt64(bytes.count - start) else {
            return "global heap collection at byte \(start) claims \(size) bytes, but the file has \(bytes.count - start) after it"
        }
        let end = start + Int(size)
        var position = start + collectionHeaderSize
        while position + objectHeaderSize <= end {
            let index = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
            let objectSize = word(bytes, position + 8)
            let remaining = UInt64(end - position)
            let need: UInt64
            if index == 0 {
                guard objectSize >= UInt64(objectHeaderSize), objectSize <= remaining else {
                    return "global heap collection at byte \(start): free space at byte \(position) claims \(objectSize) bytes (\(remaining) left)"
                }
                need = objectSize
            } else {
                let (padded, overflow) = objectSize.addingReportingOverflow(7)
                need = UInt64(objectHeaderSize) &+ (padded & ~7)
                guard !overflow, padded <= remaining, need <= remaining else {
                    return "global heap collection at byte \(start): object \(index) at byte \(position) claims \(objectSize) bytes (\(remaining) left)"
                }
            }
            position += Int(need)
        }
        return nil
    }

    /// Bytes of one variable-length reference in a dataset's raw data: length (4), collection address (8), index (4).
    static let referenceSize = 16

    /// nil when each of the `count` variable-length string references stored at byte `offset` of the file at `path`
    /// is empty or names an existing object of its global heap collection holding at most its length, else what is
    /// wrong with the first bad one. libhdf5 allocates the length a reference claims and copies the object's own
    /// size into it, without checking the object's index: a damaged reference corrupts memory. Only files whose
    /// superblock is at byte 0 with 8-byte offsets (h5py's and the toolkit's) are checked.
    static func referenceProblem(inFileAt path: String, offset: Int, count: Int) -> String? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { bytes -> String? in
            guard bytes.count >= 16, usesEightByteSizes(bytes), bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) else { return nil }
            let (total, overflow) = count.multipliedReportingOverflow(by: referenceSize)
            guard !overflow, offset >= 0, offset <= bytes.count, total <= bytes.count - offset else {
                return "\(count) string references at byte \(offset) run past the end of the file"
            }
            for element in 0..<count {
                let at = offset + element * referenceSize
                let length = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                let address = word(bytes, at + 4)
                let index = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self))
                guard length > 0 else { continue }
                guard let size = objectSize(collectionAt: address, index: index, in: bytes) else {
                    return "string \(element) refers to object \(index) of a global heap collection at byte \(address), which has no such object"
                }
                guard size <= length else {
                    return "string \(element) claims \(length) bytes but its global heap object holds \(size)"
                }
            }
            return nil
        }
    }

    /// The size of object `index` (not the free space) of the well-formed collection at `address`, or nil.
    private static func objectSize(collectionAt address: UInt64, index: UInt32, in bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard index > 0, index <= UInt32(UInt16.max), address <= UInt64(bytes.count - collectionHeaderSize) else { return nil }
        let start = Int(address)
        guard bytes[start..<(start + 8)].elementsEqual(Array("GCOL".utf8) + [1, 0, 0, 0]), check(collectionAt: start, in: bytes) == nil else {
            return nil
        }
        let end = start + Int(word(bytes, start + 8))
        var position = start + collectionHeaderSize
        while position + objectHeaderSize <= end {
            let found = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
            let size = word(bytes, position + 8)
            if found == index { return size }
            position += Int(found == 0 ? size : UInt64(objectHeaderSize) + ((size + 7) & ~7))
        }
        return nil
    }

    /// Whether the superblock (at 0 or after a user block of 512, 1024, … bytes) declares 8-byte offsets and lengths.
    private static func usesEightByteSizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var base = 0
        while base + 16 <= bytes.count {
            if signature.indices.allSatisfy({ bytes[base + $0] == signature[$0] }) {
                let version = bytes[base + 8]
                let (offsets, lengths) = version < 2 ? (bytes[base + 13], bytes[base + 14]) : (bytes[base + 9], bytes[base + 10])
                return offsets == 8 && lengths == 8
            }
            base = base == 0 ? 512 : base * 2
        }
        return false
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, bytes.count - start >= needle.count else { return nil }
        var position = start
        let last = bytes.count - needle.count
        while position <= last {
            guard let hit = memchr(base + position, Int32(needle[0]), last - position + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle, needle.count) == 0 { return at }
            position = at + 1
        }
        return nil
    }
}
