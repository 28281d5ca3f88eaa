import Foundation

/// Per-token confidence of one decoded sequence, from its decoder logits `z_t` (`t = 1…L`, end token included)
/// and the emitted tokens `y_t`.
public struct TokenStatistics: Sendable {
    /// `E_t = −log Σ_v exp(z_t[v])` (temperature 1).
    public var energies: [Double]
    /// `p_t = max_v softmax(z_t)[v]`.
    public var maxProbabilities: [Double]
    /// `log softmax(z_t)[y_t]`.
    public var chosenLogProbabilities: [Double]

    /// Statistics of `logits` (row-major `[L, V]`) for emitted tokens `tokens` (`L` of them).
    public init(logits: UnsafeBufferPointer<Float>, vocabularySize v: Int, tokens: [Int]) {
        let steps = logits.count / v
        precondition(tokens.count == steps, "TokenStatistics: \(tokens.count) tokens for \(steps) logit rows")
        energies = []; maxProbabilities = []; chosenLogProbabilities = []
        for t in 0..<steps {
            let row = logits.baseAddress! + t * v
            var m = -Float.infinity
            for j in 0..<v where row[j] > m { m = row[j] }
            var total = 0.0
            for j in 0..<v { total += Foundation.exp(Double(row[j] - m)) }
            let lse = Double(m) + Foundation.log(total)
            energies.append(-lse)
            maxProbabilities.append(Foundation.exp(Double(m) - lse))
            chosenLogProbabilities.append(Double(row[tokens[t]]) - lse)
        }
    }

    public init(_ sequence: DecodedSequence) {
        self = sequence.logits.withUnsafeBufferPointer {
            TokenStatistics(logits: $0, vocabularySize: sequence.vocabularySize, tokens: sequence.emittedTokens)
        }
    }
}

/// How a sequence's token statistics become one routing score. Every score is oriented so that **lower means
/// more confident**: the Swift output is kept iff `score ≤ τ`.
///
/// Energy aggregations: mean, max, sum and first of `E_t`. Probability-based: `−mean_t p_t`, `−min_t p_t`
/// (with `p_t` the max-softmax probability) and `−Σ_t log p(y_t)` (negative sequence log-probability).
public enum SequenceScore: String, CaseIterable, Codable, Sendable {
    case energyMean = "energy-mean"
    case energyMax = "energy-max"
    case energySum = "energy-sum"
    case energyFirst = "energy-first"
    case maxProbabilityMean = "max-probability-mean"
    case maxProbabilityMin = "max-probability-min"
    case logProbability = "sequence-log-probability"

    /// The score of one sequence (an empty sequence scores `+∞`, i.e. is always routed).
    public func score(_ s: TokenStatistics) -> Double {
        guard !s.energies.isEmpty else { return .infinity }
        switch self {
        case .energyMean: return s.energies.reduce(0, +) / Double(s.energies.count)
        case .energyMax: return s.energies.max()!
        case .energySum: return s.energies.reduce(0, +)
        case .energyFirst: return s.energies[0]
        case .maxProbabilityMean: return -s.maxProbabilities.reduce(0, +) / Double(s.maxProbabilities.count)
        case .maxProbabilityMin: return -s.maxProbabilities.min()!
        case .logProbability: return -s.chosenLogProbabilities.reduce(0, +)
        }
    }
}
