import EBJRRouting
/// Sequence logits of any model (in memory; `ImportedLogits` reads them from HDF5): `[N, L, V]` with per-sequence lengths (steps actually decoded,
/// end token included); rows at or after a sequence's length are ignored. Emitted tokens are taken as the
/// per-step argmax (greedy decoding) unless given.
public struct SequenceLogits: Sendable {
    public var logits: [Float]
    public var count: Int
    public var maxLength: Int
    public var vocabularySize: Int
    public var lengths: [Int]
    public var tokens: [[Int]]?

    public init(logits: [Float], shape: [Int], lengths: [Int], tokens: [[Int]]? = nil) {
        precondition(shape.count == 3 && logits.count == shape.reduce(1, *), "SequenceLogits: shape \(shape) for \(logits.count) values")
        precondition(lengths.count == shape[0] && lengths.allSatisfy { $0 >= 0 && $0 <= shape[1] },
                     "SequenceLogits: lengths must be N = \(shape[0]) values in 0...\(shape[1])")
        self.logits = logits
        (count, maxLength, vocabularySize) = (shape[0], shape[1], shape[2])
        self.lengths = lengths
        self.tokens = tokens
    }

    /// The first logit that is NaN or infinite among the steps actually decoded (`t < lengths[n]`; padding is
    /// ignored), as (sequence, step, token), or nil when all are finite. Scores of finite logits are finite (or
    /// `+∞` for an empty sequence), which threshold selection relies on: a NaN score compares unequal to itself and
    /// would never advance a scan over sorted scores. Readers of files (`ImportedLogits`) reject such logits.
    public func firstNonFiniteLogit() -> (sequence: Int, step: Int, token: Int)? {
        let v = vocabularySize
        return logits.withUnsafeBufferPointer { all in
            for n in 0..<count {
                let start = n * maxLength * v
                for offset in 0..<(lengths[n] * v) where !all[start + offset].isFinite {
                    return (n, offset / v, offset % v)
                }
            }
            return nil
        }
    }

    /// Token statistics of sequence `n`.
    public func statistics(_ n: Int) -> TokenStatistics {
        let start = n * maxLength * vocabularySize, v = vocabularySize
        return logits.withUnsafeBufferPointer { all in
            let rows = UnsafeBufferPointer(rebasing: all[start..<(start + lengths[n] * v)])
            let chosen = tokens?[n] ?? (0..<lengths[n]).map { t in argmax(rows[(t * v)..<(t * v + v)]) - t * v }
            return TokenStatistics(logits: rows, vocabularySize: v, tokens: chosen)
        }
    }

    /// One score per sequence.
    public func scores(_ kind: SequenceScore) -> [Double] { (0..<count).map { kind.score(statistics($0)) } }

    /// Packs decoded sequences as `[N, maxSteps, V]` logits (zero-padded) and lengths.
    public init(_ sequences: [DecodedSequence]) {
        let v = sequences.first?.vocabularySize ?? 0, l = sequences.map(\.steps).max() ?? 0
        var values = [Float](repeating: 0, count: sequences.count * l * v)
        for (n, s) in sequences.enumerated() { values.replaceSubrange((n * l * v)..<(n * l * v + s.logits.count), with: s.logits) }
        self.init(logits: values, shape: [sequences.count, l, v], lengths: sequences.map(\.steps), tokens: sequences.map(\.emittedTokens))
    }
}
