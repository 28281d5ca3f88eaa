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
