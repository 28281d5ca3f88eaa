/// How a *specialized* side model for a class subset `C = subset` (global class ids, in the order of the side
/// model's outputs, `m = |C|`) is routed and how its outputs map back to global classes (docs/method.md §3).
///
/// - `subsetOnly` (designs 1 and 3, subset-only and energy-margin): `m` outputs, output `j` is class `subset[j]`;
///   accept iff `score(z) ≤ τ`.
/// - `otherClass(scoreIncludesOther:)` (design 2, the paper's "top-m + 1"): `m + 1` outputs, the last is
///   "not in C"; accept iff `argmax z ≠ m` **and** `score ≤ τ`, where the score is taken over the `m` subset
///   logits, or over all `m + 1` when `scoreIncludesOther`.
/// - `generalRestricted(classCount:)`: a *general* side model with all `K` outputs that may only keep
///   in-subset answers: accept iff `argmax z ∈ C` and `score ≤ τ` (the comparison row of docs/method.md §3).
public struct SubsetRouting: Hashable, Sendable, Codable {
    public enum Design: Hashable, Sendable {
        case subsetOnly
        case otherClass(scoreIncludesOther: Bool)
        case generalRestricted(classCount: Int)
    }

    /// The subset's global class ids, in the order of the side model's outputs.
    public let subset: [Int]
    public let design: Design

    /// - Throws: `RoutingError.invalidSubset` if the subset is empty, repeats a class, holds a negative id, or
    ///   (for `generalRestricted`) an id `≥ classCount`.
    public init(subset: [Int], design: Design) throws {
        guard !subset.isEmpty else { throw RoutingError.invalidSubset(reason: "no classes") }
        guard Set(subset).count == subset.count else {
            throw RoutingError.invalidSubset(reason: "class ids repeat in \(subset)")
        }
        if let bad = subset.first(where: { $0 < 0 }) {
            throw RoutingError.invalidSubset(reason: "negative class id \(bad)")
        }
        if case let .generalRestricted(k) = design, let bad = subset.first(where: { $0 >= k }) {
            throw RoutingError.invalidSubset(reason: "class \(bad) is outside the general model's 0..<\(k)")
        }
        self.subset = subset
        self.design = design
    }

    /// The number of outputs the side model must have: `m`, `m + 1` or `K`.
    public var outputCount: Int {
        switch design {
        case .subsetOnly: return subset.count
        case .otherClass: return subset.count + 1
        case let .generalRestricted(k): return k
        }
    }

    /// The index of the "other" output (`m`), for the other-class design.
    public var otherOutput: Int? {
        if case .otherClass = design { return subset.count }
        return nil
    }

    /// The output columns the score is computed over.
    public var scoreColumns: Range<Int> {
        switch design {
        case .subsetOnly: return 0..<subset.count
        case let .otherClass(includesOther): return 0..<(includesOther ? subset.count + 1 : subset.count)
        case let .generalRestricted(k): return 0..<k
        }
    }

    /// The global class of output `j`, or nil for the "other" output.
    public func globalClass(ofOutput j: Int) -> Int? {
        switch design {
        case .subsetOnly, .otherClass: return j < subset.count ? subset[j] : nil
        case .generalRestricted: return j
        }
    }

    /// Whether the side model may keep a sample it predicts as output `j`.
    public func mayAccept(output j: Int) -> Bool {
        switch design {
        case .subsetOnly: return true
        case .otherClass: return j != subset.count
        case .generalRestricted: return subset.contains(j)
        }
    }

    /// `y ∈ C` for every label.
    public func inSubset(_ labels: [Int]) -> [Bool] {
        let members = Set(subset)
        return labels.map { members.contains($0) }
    }

    private enum CodingKeys: String, CodingKey { case subset, design, scoreIncludesOther, classCount }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let subset = try c.decode([Int].self, forKey: .subset)
        let name = try c.decode(String.self, forKey: .design)
        let design: Design
        switch name {
        case "subset-only": design = .subsetOnly
        case "other-class":
            design = .otherClass(scoreIncludesOther: try c.decodeIfPresent(Bool.self, forKey: .scoreIncludesOther) ?? false)
        case "general-restricted": design = .generalRestricted(classCount: try c.decode(Int.self, forKey: .classCount))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .design, in: c,
                debugDescription: "unknown design '\(name)': use subset-only, other-class or general-restricted")
        }
        do {
            try self.init(subset: subset, design: design)
        } catch let error as RoutingError {
            throw DecodingError.dataCorruptedError(forKey: .subset, in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subset, forKey: .subset)
        switch design {
        case .subsetOnly: try c.encode("subset-only", forKey: .design)
        case let .otherClass(includesOther):
            try c.encode("other-class", forKey: .design)
            try c.encode(includesOther, forKey: .scoreIncludesOther)
        case let .generalRestricted(k):
            try c.encode("general-restricted", forKey: .design)
            try c.encode(k, forKey: .classCount)
        }
    }

    /// The design's name as encoded: `subset-only`, `other-class`, `general-restricted`.
    public var designName: String {
        switch design {
        case .subsetOnly: return "subset-only"
        case .otherClass: return "other-class"
        case .generalRestricted: return "general-restricted"
        }
    }
}
