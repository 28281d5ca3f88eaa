/// A small seeded pseudo-random generator (SplitMix64), so that the random reference score and workload
/// resampling are reproducible without depending on the tensor module. Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The 64-bit state; the whole sequence is determined by the seed.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// SplitMix64: `state += ⌊φ·2⁶⁴⌋`, then two xor-shift-multiply rounds of the state.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }
}
