/// Centres and scales each feature with the mean and standard deviation of the training rows:
/// `x̃_j = (x_j − μ_j) / σ_j`, with `σ_j = √((1/n) Σ_i (x_ij − μ_j)²)` (the population deviation, as
/// scikit-learn's `StandardScaler`), and `σ_j := 1` for a constant feature, which then standardises to 0.
public struct FeatureStandardizer: Sendable, Hashable, Codable {
    public let means: [Double]
    public let deviations: [Double]

    /// Fits the means and deviations to `features`.
    /// - Throws: `DeferralError.notTrainable` for no rows.
    public init(fitting features: DeferralFeatures) throws {
        guard features.count > 0 else { throw DeferralError.notTrainable(what: "feature standardisation", reason: "no samples") }
        let d = features.dimension, n = Double(features.count)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<features.count { for j in 0..<d { mean[j] += features.values[i * d + j] } }
        mean = mean.map { $0 / n }
        var variance = [Double](repeating: 0, count: d)
        for i in 0..<features.count {
            for j in 0..<d {
                let c = features.values[i * d + j] - mean[j]
                variance[j] += c * c
            }
        }
        means = mean
        deviations = variance.map { v in
            let s = (v / n).squareRoot()
            return s > 1e-12 ? s : 1
        }
    }

    /// The standardised values, row-major, as Float32 for the tensor engine.
    /// - Throws: `DeferralError.shapeMismatch` when the feature count differs from the fitted one.
    public func transform(_ features: DeferralFeatures) throws -> [Float] {
        let d = means.count
        guard features.dimension == d else {
            throw DeferralError.shapeMismatch(what: "features to standardise (columns)", expected: d, actual: features.dimension)
        }
        var out = [Float](repeating: 0, count: features.values.count)
        for i in 0..<features.count {
            for j in 0..<d { out[i * d + j] = Float((features.values[i * d + j] - means[j]) / deviations[j]) }
        }
        return out
    }
}
