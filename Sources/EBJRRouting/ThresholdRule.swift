/// The acceptance rule for a threshold, in either convention of docs/method.md §10.
///
/// - `scoreAtMost(τ)` — **ours**: accept iff `score ≤ τ` (for energy: `E_T(z) ≤ τ`).
/// - `negatedScoreAtLeast(t)` — **the paper's**: accept iff `−score ≥ t` (for energy: the negative energy
///   `T·logsumexp(z/T) ≥ t`; published `t` = 2.46 on CIFAR-10).
///
/// They are the same rule with `τ = −t`: IEEE negation is exact, so `−s ≥ t ⇔ s ≤ −t` for every finite `s`, `t`.
/// `energyAtMost` and `negativeEnergyAtLeast` name the two for the energy score.
public enum ThresholdRule: Hashable, Sendable, Codable, CustomStringConvertible {
    case scoreAtMost(Double)
    case negatedScoreAtLeast(Double)

    /// Our convention for energy: accept iff `E_T(z) ≤ τ`.
    public static func energyAtMost(_ tau: Double) -> ThresholdRule { .scoreAtMost(tau) }
    /// The paper's convention: accept iff `T·logsumexp(z/T) ≥ t`, i.e. `−E_T(z) ≥ t`.
    public static func negativeEnergyAtLeast(_ t: Double) -> ThresholdRule { .negatedScoreAtLeast(t) }

    /// The threshold in our convention, `τ` (`= −t` for the paper's form).
    public var tau: Double {
        switch self {
        case let .scoreAtMost(tau): return tau
        case let .negatedScoreAtLeast(t): return -t
        }
    }

    /// The same rule in our convention.
    public var canonical: ThresholdRule { .scoreAtMost(tau) }

    /// Whether a sample with this score is kept on the side model (compares in the rule's own convention).
    public func accepts(_ score: Double) -> Bool {
        switch self {
        case let .scoreAtMost(tau): return score <= tau
        case let .negatedScoreAtLeast(t): return -score >= t
        }
    }

    public var description: String {
        switch self {
        case let .scoreAtMost(tau): return "score ≤ \(tau)"
        case let .negatedScoreAtLeast(t): return "−score ≥ \(t)"
        }
    }

    private enum CodingKeys: String, CodingKey { case convention, value }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let value = try c.decode(Double.self, forKey: .value)
        switch try c.decode(String.self, forKey: .convention) {
        case "score-at-most": self = .scoreAtMost(value)
        case "negated-score-at-least": self = .negatedScoreAtLeast(value)
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .convention, in: c,
                debugDescription: "unknown convention '\(other)': use score-at-most or negated-score-at-least")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .scoreAtMost(tau):
            try c.encode("score-at-most", forKey: .convention)
            try c.encode(tau, forKey: .value)
        case let .negatedScoreAtLeast(t):
            try c.encode("negated-score-at-least", forKey: .convention)
            try c.encode(t, forKey: .value)
        }
    }
}
