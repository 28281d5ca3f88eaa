import Foundation

/// A bounded cache of stored sample rows (the file's bytes, before conversion to Float32), for one HDF5 split group.
///
/// It holds at most `capacity` rows of `rowBytes` bytes each; when full, the row cached longest ago makes room
/// (first in, first out, so that what is evicted depends only on the order of reads, not on timing). Memory:
/// `capacity × rowBytes` bytes for the rows, which the recipe bounds (`data.cache_mb`), plus 4 bytes per row of
/// the group for the index (`rows × 4`) when `capacity > 0`. Rows are reserved but only touched as they are cached,
/// so a cache larger than its split costs only the split's size.
final class RowCache: @unchecked Sendable {
    let rowBytes: Int
    let capacity: Int
    private let storage: UnsafeMutableRawPointer?
    /// Slot of each row of the group, -1 when not cached.
    private var slotOfRow: [Int32]
    /// Row held by each slot in use.
    private var rowOfSlot: [Int]
    private var next = 0
    private(set) var hits = 0
    private(set) var misses = 0

    /// A cache of up to `capacity` rows (clamped to `rows`) for a group of `rows` rows of `rowBytes` bytes.
    init(rows: Int, rowBytes: Int, capacity: Int) {
        self.rowBytes = rowBytes
        // Slots are Int32: a group of more than 2³¹ rows caches at most that many.
        self.capacity = max(0, min(capacity, rows, Int(Int32.max)))
        storage = self.capacity > 0 ? UnsafeMutableRawPointer.allocate(byteCount: self.capacity * rowBytes, alignment: 64) : nil
        slotOfRow = self.capacity > 0 ? [Int32](repeating: -1, count: rows) : []
        rowOfSlot = []
        rowOfSlot.reserveCapacity(self.capacity)
    }

    deinit { storage?.deallocate() }

    /// The cached bytes of `row`, or nil.
    func lookup(_ row: Int) -> UnsafeRawPointer? {
        guard capacity > 0 else { misses += 1; return nil }
        let slot = slotOfRow[row]
        guard slot >= 0 else { misses += 1; return nil }
        hits += 1
        return UnsafeRawPointer(storage! + Int(slot) * rowBytes)
    }

    /// Caches a copy of `row`'s bytes (evicting the oldest row when full); does nothing without capacity or when
    /// the row is already cached.
    func insert(_ row: Int, bytes: UnsafeRawPointer) {
        guard capacity > 0, slotOfRow[row] < 0 else { return }
        let slot: Int
        if rowOfSlot.count < capacity {
            slot = rowOfSlot.count
            rowOfSlot.append(row)
        } else {
            slot = next
            slotOfRow[rowOfSlot[slot]] = -1
            rowOfSlot[slot] = row
            next = (next + 1) % capacity
        }
        slotOfRow[row] = Int32(slot)
        (storage! + slot * rowBytes).copyMemory(from: bytes, byteCount: rowBytes)
    }

    /// Rows cached now.
    var cachedRows: Int { rowOfSlot.count }
}
