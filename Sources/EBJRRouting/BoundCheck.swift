/// A measured value that lies outside its bound (or differs from its exact identity).
public struct BoundFlag: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Relation: String, Hashable, Sendable, Codable {
        case equal = "="
        case atMost = "≤"
        case atLeast = "≥"
    }

    /// What was checked, e.g. "A_joint ≥ q·a_S + max(0, A_D − q)".
    public var check: String
    public var measured: Double
    public var relation: Relation
    public var bound: Double
    /// Why it may happen (e.g. the guarantee fails with probability ≤ δ).
    public var note: String

    public init(check: String, measured: Double, relation: Relation, bound: Double, note: String) {
        self.check = check
        self.measured = measured
        self.relation = relation
        self.bound = bound
        self.note = note
    }

    public var description: String {
        "\(check): measured \(measured) is not \(relation.rawValue) \(bound)" + (note.isEmpty ? "" : " (\(note))")
    }
}

/// Checks measured values of an operating point against its bounds (docs/method.md §8).
public enum BoundCheck {
    /// Returns the checks that fail. Identities and deterministic bounds hold exactly for consistent data, so a
    /// flag there means the measured numbers (e.g. a joint accuracy computed from actually merged predictions)
    /// disagree with the statistics: a pipeline bug. The guarantee (`A_D − A_joint ≤ ε`) is probabilistic and
    /// may fail with probability ≤ δ.
    ///
    /// - Parameters:
    ///   - measuredJointAccuracy: `A_joint` measured independently (joint predictions vs labels).
    ///   - measuredAcceptance: `q` measured independently (defaults to the statistics' own).
    ///   - tolerance: absolute slack for floating-point comparisons.
    public static func flags(statistics s: OperatingPointStatistics, bounds b: OperatingPointBounds,
                             measuredJointAccuracy joint: Double, measuredAcceptance: Double? = nil,
                             tolerance: Double = 1e-9) -> [BoundFlag] {
        var out: [BoundFlag] = []
        func expect(_ check: String, _ measured: Double, _ relation: BoundFlag.Relation, _ bound: Double, note: String = "") {
            let holds: Bool
            switch relation {
            case .equal: holds = abs(measured - bound) <= tolerance
            case .atMost: holds = measured <= bound + tolerance
            case .atLeast: holds = measured >= bound - tolerance
            }
            if !holds { out.append(BoundFlag(check: check, measured: measured, relation: relation, bound: bound, note: note)) }
        }
        let loss = s.deepAccuracy - joint
        expect("A_joint = q·a_S + (1 − q)·a_D^routed", joint, .equal, b.jointAccuracyIdentity)
        expect("A_D − A_joint = q·(a_D^acc − a_S)", loss, .equal, b.lossIdentity)
        expect("A_joint ≥ q·a_S + max(0, A_D − q)", joint, .atLeast, b.jointAccuracyLower)
        expect("A_joint ≤ q·a_S + min(1 − q, A_D)", joint, .atMost, b.jointAccuracyUpper)
        expect("A_D − A_joint ≤ q·(1 − a_S)", loss, .atMost, b.lossUpper)
        expect("A_joint ≤ P(side ∨ deep correct)", joint, .atMost, b.oracleCeiling)
        expect("A_joint ≤ oracle at routing budget 1 − q", joint, .atMost, b.oracleAtRoutingBudget)
        if let t = b.subset {
            expect("q = π·r + (1 − π)·f", measuredAcceptance ?? s.acceptance, .equal, t.acceptanceIdentity)
            if let aS = s.sideAccuracyAccepted {
                expect("a_S ≤ π·r / q", aS, .atMost, t.sideAccuracyAcceptedUpper)
            }
            expect("A_joint ≤ A_D − (1 − π)·f·a_D^{out,acc} + π·r·(1 − a_D^{in,acc})", joint, .atMost, t.jointAccuracyUpper)
        }
        if let g = b.guarantee {
            expect("A_joint ≥ A_D − ε (guaranteed operating point)", joint, .atLeast, g.jointAccuracyLower,
                   note: "holds with probability ≥ 1 − δ = \(1 - g.delta); a single violation can be chance")
        }
        return out
    }
}
