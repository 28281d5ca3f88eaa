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
    /// How the side model was trained, when known (a checkpoint's `subset_design`): energy-margin routes like
    /// subset-only and other-class+margin like other-class, but reports and `report.json` name the design it was
    /// trained with.
    public let trainedAs: SpecializedDesign?

    /// - Throws: `RoutingError.invalidSubset` if the subset is empty, repeats a class, holds a negative id, or
    ///   (for `generalRestricted`) an id `≥ classCount`, or if `trainedAs` does not route with `design`.
    public init(subset: [Int], design: Design, trainedAs: SpecializedDesign? = nil) throws {
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
        if let trainedAs {
            let routing: Design = trainedAs.hasOtherOutput ? .otherClass(scoreIncludesOther: false) : .subsetOnly
            guard Self.routingName(routing) == Self.routingName(design) else {
                throw RoutingError.invalidSubset(
                    reason: "a side model trained as \(trainedAs.rawValue) is not routed as \(Self.routingName(design))")
            }
        }
        self.subset = subset
        self.design = design
        self.trainedAs = trainedAs
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

    private enum CodingKeys: String, CodingKey { case subset, design, scoreIncludesOther, classCount, trainedAs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let subset = try c.decode([Int].self, forKey: .subset)
        let name = try c.decode(String.self, forKey: .design)
        let design: Design
        var trainedAs: SpecializedDesign?
        if name == "general-restricted" {
            design = .generalRestricted(classCount: try c.decode(Int.self, forKey: .classCount))
        } else if let trained = SpecializedDesign(rawValue: name) {
            design = trained.hasOtherOutput
                ? .otherClass(scoreIncludesOther: try c.decodeIfPresent(Bool.self, forKey: .scoreIncludesOther) ?? false)
                : .subsetOnly
            // The two routing names alone (as written before training designs were recorded) carry no claim.
            trainedAs = (trained == .subsetOnly || trained == .otherClass) && !c.contains(.trainedAs) ? nil : trained
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .design, in: c,
                debugDescription: "unknown design '\(name)': use \(SpecializedDesign.names) or general-restricted")
        }
        do {
            try self.init(subset: subset, design: design, trainedAs: trainedAs)
        } catch let error as RoutingError {
            throw DecodingError.dataCorruptedError(forKey: .subset, in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subset, forKey: .subset)
        try c.encode(designName, forKey: .design)
        if trainedAs != nil { try c.encode(true, forKey: .trainedAs) }   // distinguishes a recorded subset-only/other-class
        switch design {
        case .subsetOnly: break
        case let .otherClass(includesOther): try c.encode(includesOther, forKey: .scoreIncludesOther)
        case let .generalRestricted(k): try c.encode(k, forKey: .classCount)
        }
    }

    /// The design's name as reports and `report.json` show it: the training design when known (`energy-margin`,
    /// `other-class+margin`, …), else the routing rule (`subset-only`, `other-class`, `general-restricted`).
    public var designName: String { trainedAs?.rawValue ?? Self.routingName(design) }

    /// The routing rule's name: `subset-only`, `other-class` or `general-restricted`.
    public var routingName: String { Self.routingName(design) }

    static func routingName(_ design: Design) -> String {
        switch design {
        case .subsetOnly: return "subset-only"
        case .otherClass: return "other-class"
        case .generalRestricted: return "general-restricted"
        }
    }
}
