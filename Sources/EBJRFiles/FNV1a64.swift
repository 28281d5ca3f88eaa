import Foundation

/// The 64-bit FNV-1a hash, used as the `input_checksum` of teacher-logits files: a cheap fingerprint of the raw
/// input bytes (e.g. the images of a split, in order) that tells whether logits were computed for the same data.
///
/// `h ← 0xcbf29ce484222325`; for each byte `b`: `h ← (h xor b) · 0x100000001b3 (mod 2⁶⁴)`.
/// Feeding data in pieces gives the same value as feeding it at once.
public struct FNV1a64: Equatable, Sendable {
    /// The FNV offset basis (the hash of no bytes).
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    /// The FNV 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of all bytes fed so far.
    public private(set) var value: UInt64 = FNV1a64.offsetBasis

    public init() {}

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* FNV1a64.prime }
        value = hash
    }

    /// Feeds the raw bytes of `data` (an array of numbers, `Data`, …) in memory order.
    public mutating func update(_ data: some ContiguousBytes) { data.withUnsafeBytes { update($0) } }

    /// The hash of `data`'s raw bytes.
    public static func hash(_ data: some ContiguousBytes) -> UInt64 {
        var hasher = FNV1a64()
        hasher.update(data)
        return hasher.value
    }

    /// `value` as it is written in files: `fnv1a64:` and 16 lowercase hex digits.
    public static func format(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Parses `format`'s output; nil if `text` is not one.
    public static func parse(_ text: String) -> UInt64? {
        guard text.hasPrefix("fnv1a64:") else { return nil }
        let hex = text.dropFirst("fnv1a64:".count)
        guard hex.count == 16 else { return nil }
        return UInt64(hex, radix: 16)
    }
}
