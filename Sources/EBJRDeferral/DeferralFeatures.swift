import Foundation
import EBJRRouting

/// The features a learned router sees for each sample: functions of the side model's output only, so the router
/// can run before (instead of) the deep model.
///
/// For logits `z ∈ R^M` (all the side model's outputs) and the score columns `S` (`SubsetRouting.scoreColumns`,
/// all columns for a general side model), in this order:
/// - `z_1 … z_M`, the raw logits;
/// - the one-hot predicted output `[argmax z = j]`, `j = 1 … M`;
/// - the energy `E_T(z_S) = −T·log Σ_{k∈S} exp(z_k/T)` at `T ∈ {0.5, 1, 2, 4}`;
/// - the maximum softmax probability `max softmax(z_S)`, the top-1/top-2 margin `z_(1) − z_(2)` and the entropy
///   `H(softmax(z_S))`, at `T = 1`;
/// - for a specialized side model with outputs outside the subset (other-class, general-restricted designs), the
///   in-subset mass `Σ_{j ∈ C} softmax(z)_j`.
/// Values are Double; `FeatureStandardizer` centres and scales them before training.
public struct DeferralFeatures: Sendable, Equatable {
    /// Feature names, one per column (e.g. `logit 3`, `energy T=2`, `in-subset mass`).
    public let names: [String]
    /// Row-major values, `count × names.count`.
    public let values: [Double]
    /// The number of samples.
    public let count: Int

    /// The temperatures of the energy features.
    public static let energyTemperatures: [Double] = [0.5, 1, 2, 4]

    /// Wraps precomputed values (validated: shape and finiteness).
    public init(names: [String], values: [Double], count: Int, what: String = "features") throws {
        guard !names.isEmpty else { throw DeferralError.shapeMismatch(what: "\(what) columns", expected: 1, actual: 0) }
        guard values.count == count * names.count else {
            throw DeferralError.shapeMismatch(what: "\(what) values", expected: count * names.count, actual: values.count)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DeferralError.nonFiniteFeature(what: what, row: bad / names.count, column: bad % names.count)
        }
        self.names = names
        self.values = values
        self.count = count
    }

    /// Computes the features of every row of the side model's logits.
    /// - Throws: `RoutingError` when the logits do not have the routing's output count.
    public init(side: Logits, subsetRouting: SubsetRouting? = nil) throws {
        let m = side.classCount
        if let routing = subsetRouting, routing.outputCount != m {
            throw RoutingError.classCountMismatch(what: "side logits for learned deferral (\(routing.designName))",
                                                  expected: routing.outputCount, actual: m)
        }
        let columns = subsetRouting?.scoreColumns ?? 0..<m
        let subsetOutputs: [Int]?
        switch subsetRouting?.design {
        case .none, .subsetOnly?: subsetOutputs = nil
        case .otherClass?: subsetOutputs = Array(0..<subsetRouting!.subset.count)
        case .generalRestricted?: subsetOutputs = subsetRouting!.subset
        }
        var names = (0..<m).map { "logit \($0)" } + (0..<m).map { "predicted \($0)" }
        names += Self.energyTemperatures.map { "energy T=\($0)" }
        names += ["max-softmax", "margin", "entropy"]
        if subsetOutputs != nil { names.append("in-subset mass") }
        let d = names.count
        var values = [Double](repeating: 0, count: side.count * d)
        let predictions = side.predictions()
        for i in 0..<side.count {
            let row = side.row(i)
            let scoreRow = row[(row.startIndex + columns.lowerBound)..<(row.startIndex + columns.upperBound)]
            var f = i * d
            for z in row { values[f] = Double(z); f += 1 }
            values[f + predictions[i]] = 1
            f += m
            for t in Self.energyTemperatures { values[f] = ScoreFunctions.energy(scoreRow, temperature: t); f += 1 }
            values[f] = -ScoreFunctions.negativeMaxSoftmax(scoreRow, temperature: 1)
            values[f + 1] = -ScoreFunctions.negativeMargin(scoreRow)
            values[f + 2] = ScoreFunctions.entropy(scoreRow, temperature: 1)
            f += 3
            if let subsetOutputs {
                // Σ_{j∈C} softmax(z)_j = exp(logsumexp(z_C) − logsumexp(z)) = exp(E(z) − E(z_C)) at T = 1.
                let all = ScoreFunctions.energy(row, temperature: 1)
                let inSubset = ScoreFunctions.energy(subsetOutputs.map { row[row.startIndex + $0] }, temperature: 1)
                values[f] = Foundation.exp(all - inSubset)
            }
        }
        try self.init(names: names, values: values, count: side.count, what: "side-model features")
    }

    /// The number of features per sample.
    public var dimension: Int { names.count }

    /// The features of the given rows, in that order.
    public func selecting(rows: [Int]) -> DeferralFeatures {
        let d = dimension
        var out = [Double]()
        out.reserveCapacity(rows.count * d)
        for r in rows { out += values[(r * d)..<(r * d + d)] }
        return DeferralFeatures(unchecked: names, values: out, count: rows.count)
    }

    private init(unchecked names: [String], values: [Double], count: Int) {
        self.names = names
        self.values = values
        self.count = count
    }
}
