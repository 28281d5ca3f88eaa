import Foundation

/// A seeded, reproducible pseudo-random generator (xoshiro256**, seeded through SplitMix64) whose whole
/// state can be saved and restored, so that a resumed run draws exactly the numbers it would have drawn.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit state words.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from saved state words.
    public init(stateWords: [UInt64]) {
        precondition(stateWords.count == 4, "RandomGenerator: need 4 state words, got \(stateWords.count)")
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    /// The state as four words (for checkpoints).
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0; state.3 ^= state.1; state.1 ^= state.2; state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Float` in `[0, 1)` from the top 24 bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Swift.max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float(Foundation.sqrt(-2 * Foundation.log(u1)) * Foundation.cos(2 * Double.pi * u2))
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.stateWords == b.stateWords }
}

extension Tensor {
    /// Values drawn uniformly from `[low, high)`.
    public static func uniform(_ shape: [Int], low: Float, high: Float, generator: inout RandomGenerator,
                               requiresGrad: Bool = false) -> Tensor {
        let out = Tensor.uninitialized(shape)
        for i in 0..<out.count { out.data[i] = low + (high - low) * generator.nextUniform() }
        out.requiresGrad = requiresGrad
        return out
    }

    /// Values drawn from `N(0, std²)`.
    public static func normal(_ shape: [Int], std: Float = 1, generator: inout RandomGenerator,
                              requiresGrad: Bool = false) -> Tensor {
        let out = Tensor.uninitialized(shape)
        for i in 0..<out.count { out.data[i] = std * generator.nextNormal() }
        out.requiresGrad = requiresGrad
        return out
    }
}
