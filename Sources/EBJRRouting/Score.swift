/// A routing score: a number per sample from the side model's logits, lower = keep the side model's answer.
///
/// The four routers (docs/method.md §2) and two references that are not routers:
/// - `energy(T)`: `E_T(z) = −T·log Σ exp(z/T)`;
/// - `maxSoftmax(T)`: `−max softmax(z/T)`;
/// - `entropy(T)`: `H(softmax(z/T))`;
/// - `margin`: `−(z_(1) − z_(2))`;
/// - `random(seed)`: i.i.d. uniform `[0,1)` values, so that a quantile threshold accepts a random fraction;
/// - `oracle`: `0` if the side model is right, `1` if wrong, so a threshold of 0 accepts exactly its correct
///   answers (needs labels);
/// - `learned(hidden, seed)`: a router trained on half of the validation split to predict "the side model is wrong
///   and the deep model right" from features of the side model's output (`EBJRDeferral`); its value is that
///   estimated probability. It has no closed form here: `values(of:)` refuses it, the evaluation fits it first.
///   `hidden` 0 is logistic regression (`learned`), otherwise a one-hidden-layer MLP (`learned-mlp`).
///
/// Encoded as `{"name": "energy", "temperature": 1}`, `{"name": "margin"}`, `{"name": "random", "seed": 0}`.
public enum Score: Hashable, Sendable, Codable, CustomStringConvertible {
    case energy(temperature: Double)
    case maxSoftmax(temperature: Double)
    case entropy(temperature: Double)
    case margin
    case random(seed: UInt64)
    case oracle
    case learned(hidden: Int, seed: UInt64)

    /// The string names, as used in recipes, the CLI and reports.
    public static let names = ["energy", "max-softmax", "entropy", "margin", "random", "oracle", "learned", "learned-mlp"]

    /// The hidden width of `learned-mlp`.
    public static let learnedMLPWidth = 16

    /// Builds a score from its name. `temperature` is used by energy, max-softmax and entropy, `seed` by random.
    public init(name: String, temperature: Double = 1, seed: UInt64 = 0) throws {
        switch name {
        case "energy": self = .energy(temperature: temperature)
        case "max-softmax": self = .maxSoftmax(temperature: temperature)
        case "entropy": self = .entropy(temperature: temperature)
        case "margin": self = .margin
        case "random": self = .random(seed: seed)
        case "oracle": self = .oracle
        case "learned": self = .learned(hidden: 0, seed: seed)
        case "learned-mlp": self = .learned(hidden: Self.learnedMLPWidth, seed: seed)
        default: throw RoutingError.unknownScore(name: name)
        }
        if let t = self.temperature, !(t > 0 && t.isFinite) {
            throw RoutingError.invalidParameter(name: "temperature of \(name)", value: t, requirement: "finite and > 0")
        }
    }

    /// The score's name (one of `Score.names`).
    public var name: String {
        switch self {
        case .energy: return "energy"
        case .maxSoftmax: return "max-softmax"
        case .entropy: return "entropy"
        case .margin: return "margin"
        case .random: return "random"
        case .oracle: return "oracle"
        case let .learned(hidden, _): return hidden == 0 ? "learned" : "learned-mlp"
        }
    }

    /// The temperature, for the scores that have one.
    public var temperature: Double? {
        switch self {
        case let .energy(t), let .maxSoftmax(t), let .entropy(t): return t
        case .margin, .random, .oracle, .learned: return nil
        }
    }

    /// True for the random and oracle references, which are not routers one could deploy.
    public var isReference: Bool {
        switch self {
        case .random, .oracle: return true
        default: return false
        }
    }

    /// False for `learned`, whose values come from a router fitted on data, not from the logits alone: such a
    /// score cannot be computed by `values(of:)` or used by `Router` without that router.
    public var hasClosedForm: Bool {
        if case .learned = self { return false }
        return true
    }

    /// A short label for tables and legends, e.g. `energy T=2`, `margin`, `random (seed 0)`.
    public var description: String {
        switch self {
        case let .random(seed): return "random (seed \(seed))"
        case let .learned(hidden, _): return hidden == 0 ? "learned (logistic)" : "learned (MLP \(hidden))"
        default:
            if let t = temperature { return "\(name) T=\(Self.format(t))" }
            return name
        }
    }

    /// The score of every row of `logits`, restricted to `columns` (default: all columns).
    ///
    /// - Parameter sideCorrect: whether the side model is right on each sample; needed by `oracle` only.
    /// - Throws: `RoutingError` for a non-positive temperature, columns outside the logits, or a missing or
    ///   mis-sized `sideCorrect` for the oracle.
    public func values(of logits: Logits, columns: Range<Int>? = nil, sideCorrect: [Bool]? = nil) throws -> [Double] {
        let columns = columns ?? 0..<logits.classCount
        guard !columns.isEmpty, columns.lowerBound >= 0, columns.upperBound <= logits.classCount else {
            throw RoutingError.classCountMismatch(what: "score columns \(columns)", expected: columns.upperBound,
                                                  actual: logits.classCount)
        }
        if let t = temperature, !(t > 0 && t.isFinite) {
            throw RoutingError.invalidParameter(name: "temperature of \(name)", value: t, requirement: "finite and > 0")
        }
        let n = logits.count
        switch self {
        case let .random(seed):
            var generator = SeededGenerator(seed: seed)
            return (0..<n).map { _ in generator.nextUnit() }
        case .oracle:
            guard let sideCorrect else {
                throw RoutingError.missingInput(what: "labels for the oracle score",
                                                reason: "the oracle accepts exactly the samples the side model gets right")
            }
            guard sideCorrect.count == n else {
                throw RoutingError.lengthMismatch(what: "oracle correctness vs side logits", expected: n,
                                                  actual: sideCorrect.count)
            }
            return sideCorrect.map { $0 ? 0 : 1 }
        case .learned:
            throw RoutingError.missingInput(what: "a trained router for the \(name) score",
                                            reason: "it is fitted on half of the validation split by the evaluation")
        default:
            break
        }
        var out = [Double](repeating: 0, count: n)
        logits.values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                let base = i * logits.classCount
                let row = UnsafeBufferPointer(rebasing: v[(base + columns.lowerBound)..<(base + columns.upperBound)])
                switch self {
                case let .energy(t): out[i] = ScoreFunctions.energy(row, temperature: t)
                case let .maxSoftmax(t): out[i] = ScoreFunctions.negativeMaxSoftmax(row, temperature: t)
                case let .entropy(t): out[i] = ScoreFunctions.entropy(row, temperature: t)
                case .margin: out[i] = ScoreFunctions.negativeMargin(row)
                case .random, .oracle, .learned: break
                }
            }
        }
        return out
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
    }

    private enum CodingKeys: String, CodingKey { case name, temperature, seed, hidden }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        let temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 1
        let seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        if name == "learned" || name == "learned-mlp" {
            let hidden = try c.decodeIfPresent(Int.self, forKey: .hidden) ?? (name == "learned" ? 0 : Self.learnedMLPWidth)
            guard hidden >= 0, (hidden == 0) == (name == "learned") else {
                throw DecodingError.dataCorruptedError(forKey: .hidden, in: c, debugDescription: "\(name) with hidden width \(hidden)")
            }
            self = .learned(hidden: hidden, seed: seed)
            return
        }
        do {
            try self.init(name: name, temperature: temperature, seed: seed)
        } catch let error as RoutingError {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if let t = temperature { try c.encode(t, forKey: .temperature) }
        if case let .random(seed) = self { try c.encode(seed, forKey: .seed) }
        if case let .learned(hidden, seed) = self {
            try c.encode(hidden, forKey: .hidden)
            try c.encode(seed, forKey: .seed)
        }
    }
}
