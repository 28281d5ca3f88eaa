import Foundation
import EBJRNN
import EBJRData
import EBJRRouting

/// `m_in` / `m_out` of the energy-margin designs from data (docs/method.md §3): train a *labels-only* model of the
/// same architecture (plain cross-entropy on the subset: the subset-only design for energy-margin, other-class for
/// other-class+margin; no distillation, no hinge), take the energy `E(x) = −log Σ_{j<m} exp z_j` over its `m`
/// subset outputs on the in-subset training samples, and set
/// `m_in` = their median, `m_out` = their 95th percentile.
/// So the hinge keeps in-subset energies where a plain model already puts the typical in-subset sample, and pushes
/// out-of-subset samples above where all but the least confident 5% of in-subset samples lie, on whatever scale a
/// new subset's energies live (footwear's −3.75 / −0.88 came from this rule).
public enum MarginCalibration {
    /// The quantiles of the in-subset energies taken for `m_in` and `m_out`.
    public static let inQuantile = 0.5
    public static let outQuantile = 0.95

    /// The `q`-quantile with linear interpolation between order statistics (NumPy's default): for sorted
    /// `x_0 ≤ … ≤ x_{n−1}`, `h = (n − 1)·q`, value `x_⌊h⌋ + (h − ⌊h⌋)·(x_{⌊h⌋+1} − x_⌊h⌋)`.
    /// - Precondition: `values` is not empty and `q ∈ [0, 1]`.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty && q >= 0 && q <= 1, "MarginCalibration.quantile: \(values.count) values, q = \(q)")
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    /// `(m_in, m_out)` = (median, 95th percentile) of in-subset energies.
    public static func margins(inSubsetEnergies energies: [Double]) -> (marginIn: Double, marginOut: Double) {
        (quantile(energies, inQuantile), quantile(energies, outQuantile))
    }

    /// The labels-only design that goes with a margin design (same output count).
    public static func labelsOnlyDesign(for design: SpecializedDesign) -> SpecializedDesign {
        design.hasOtherOutput ? .otherClass : .subsetOnly
    }

    /// Trains the labels-only reference model with the recipe's own training settings and seed, and returns the
    /// margins from its in-subset training energies.
    /// - Throws: what building or training the reference task throws; `MarginCalibrationError.noInSubsetSamples`.
    public static func calibrate(config: ModelConfig, train: any LabelledSamples, validation: any LabelledSamples, specialization: Specialization,
                                 settings: TrainingSettings, seed: UInt64, quiet: Bool,
                                 log: @escaping (String) -> Void) throws -> (marginIn: Double, marginOut: Double, samples: Int) {
        var plain = specialization
        plain.design = labelsOnlyDesign(for: specialization.design)
        let task = try ClassificationTask(config: config, train: train, validation: validation, test: nil,
                                          batchSize: settings.batchSize, seed: seed, specialization: plain)
        log("energy-margin: training a labels-only \(plain.design.rawValue) model to set m_in/m_out from its in-subset energies")
        _ = try Trainer(task: task, settings: settings, checkpointPath: nil, quiet: quiet, log: quiet ? { _ in } : log).run()
        let members = Set(specialization.subset)
        let rows = train.labels.indices.filter { members.contains(train.labels[$0]) }
        guard !rows.isEmpty else { throw MarginCalibrationError.noInSubsetSamples(subset: specialization.subset) }
        let inSubset = train.samples(at: rows, name: train.name + "[in-subset]")
        task.sequential.eval()
        let (logits, classes) = try Inference.logits(of: task.sequential, on: inSubset)
        let m = specialization.subset.count
        let energies = (0..<inSubset.count).map { r in
            ScoreFunctions.energy(logits[(r * classes)..<(r * classes + m)], temperature: 1)
        }
        let (marginIn, marginOut) = margins(inSubsetEnergies: energies)
        return (marginIn, marginOut, energies.count)
    }
}

/// Errors setting the margins from data.
public enum MarginCalibrationError: Error, CustomStringConvertible, Equatable {
    case noInSubsetSamples(subset: [Int])

    public var description: String {
        switch self {
        case let .noInSubsetSamples(subset): "energy-margin auto margins: the train split has no sample of subset \(subset)"
        }
    }
}
