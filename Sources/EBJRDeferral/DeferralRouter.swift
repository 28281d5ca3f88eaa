import Foundation
import EBJRTensor
import EBJRNN
import EBJROptimizers

/// A trained router `g(x) = σ(f_θ(x̃))`: the estimated probability that deferring this sample to the deep model
/// helps, i.e. that the side model is wrong where the deep model is right (the post-hoc deferral target of
/// Narasimhan et al. 2022 and Jitkrittum et al. 2023, with 0/1 losses). Used as a routing score: lower = keep the
/// side model's answer, so a threshold `τ` keeps exactly the samples with `g(x) ≤ τ`.
///
/// Immutable once trained or rebuilt (scoring only reads the parameters, under `noGrad`), so one router may score
/// batches from several threads at once, as `ebjr serve` does.
public final class DeferralRouter: @unchecked Sendable {
    public let settings: DeferralRouterSettings
    public let standardizer: FeatureStandardizer
    /// The feature names the router was trained on.
    public let featureNames: [String]
    let model: Module
    /// The training objective's value after the last step (NaN for a router rebuilt from its state).
    public let finalLoss: Double

    /// The training targets: `y_i = 1` iff the side model is wrong and the deep model is right on sample `i`.
    public static func targets(sideCorrect: [Bool], deepCorrect: [Bool]) -> [Bool] {
        zip(sideCorrect, deepCorrect).map { !$0 && $1 }
    }

    /// Standardises `features` and minimises the objective of `DeferralRouterSettings` on them.
    /// - Throws: `DeferralError` for mismatched targets, fewer than 2 samples, a single target class, bad settings.
    public init(training features: DeferralFeatures, targets: [Bool], settings: DeferralRouterSettings = .init()) throws {
        try settings.validate()
        guard targets.count == features.count else {
            throw DeferralError.shapeMismatch(what: "training targets", expected: features.count, actual: targets.count)
        }
        guard features.count >= 2 else { throw DeferralError.notTrainable(what: "the training half", reason: "fewer than 2 samples") }
        let positives = targets.lazy.filter { $0 }.count
        guard positives > 0, positives < targets.count else {
            throw DeferralError.notTrainable(what: "the training half",
                                             reason: "every target is \(positives == 0 ? "'keep'" : "'defer'") (\(targets.count) samples)")
        }
        self.settings = settings
        standardizer = try FeatureStandardizer(fitting: features)
        featureNames = features.names
        let d = features.dimension, n = features.count
        var generator = RandomGenerator(seed: settings.seed)
        let model: Module
        if settings.hidden == 0 {
            let linear = Linear(inputFeatures: d, outputFeatures: 1, generator: &generator)
            for p in linear.parameters { p.data.update(repeating: 0, count: p.count) }
            model = linear
        } else {
            model = Sequential([Linear(inputFeatures: d, outputFeatures: settings.hidden, generator: &generator), ReLU(),
                                Linear(inputFeatures: settings.hidden, outputFeatures: 1, generator: &generator)])
        }
        let x = Tensor(try standardizer.transform(features), shape: [n, d])
        let y = Tensor(targets.map { $0 ? 1 : 0 }, shape: [n, 1])
        let weights = model.namedParameters().filter { $0.name.hasSuffix("weight") }.map(\.tensor)
        let penalty = Float(1 / (2 * settings.inverseRegularization * Double(n)))
        let optimizer = Adam(parameters: model.namedParameters(), learningRate: Float(settings.learningRate))
        for step in 0..<settings.steps {
            optimizer.learningRate = Float(0.5 * settings.learningRate * (1 + cos(Double.pi * Double(step) / Double(settings.steps))))
            model.zeroGrad()
            let loss = Self.objective(scores: model(x), targets: y, weights: weights, penalty: penalty)
            loss.backward()
            optimizer.step()
        }
        finalLoss = noGrad { Double(Self.objective(scores: model(x), targets: y, weights: weights, penalty: penalty).item) }
        self.model = model
    }

    /// Rebuilds a trained router from its state (`state(subsetRouting:)`).
    /// - Throws: `DeferralError.invalidState` when the settings, the standardisation, the feature names and the
    ///   parameters do not describe one network (missing, extra or misshapen tensors, non-finite values).
    public init(state: DeferralRouterState) throws {
        func invalid(_ reason: String) -> DeferralError { .invalidState(reason: reason) }
        do { try state.settings.validate() } catch { throw invalid("\(error)") }
        let d = state.featureNames.count
        guard d > 0, state.standardizer.means.count == d, state.standardizer.deviations.count == d else {
            throw invalid("\(d) feature names for \(state.standardizer.means.count) means and \(state.standardizer.deviations.count) deviations")
        }
        guard state.standardizer.means.allSatisfy(\.isFinite), state.standardizer.deviations.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw invalid("the standardisation holds non-finite values or non-positive deviations")
        }
        var generator = RandomGenerator(seed: state.settings.seed)
        let model: Module = state.settings.hidden == 0
            ? Linear(inputFeatures: d, outputFeatures: 1, generator: &generator)
            : Sequential([Linear(inputFeatures: d, outputFeatures: state.settings.hidden, generator: &generator), ReLU(),
                          Linear(inputFeatures: state.settings.hidden, outputFeatures: 1, generator: &generator)])
        let expected = model.namedParameters()
        guard expected.map(\.name) == state.parameters.map(\.name) else {
            throw invalid("parameters \(state.parameters.map(\.name)), expected \(expected.map(\.name))")
        }
        for (slot, stored) in zip(expected, state.parameters) {
            guard stored.shape == slot.tensor.shape, stored.values.count == slot.tensor.count else {
                throw invalid("parameter '\(stored.name)' has shape \(stored.shape) and \(stored.values.count) values, expected \(slot.tensor.shape)")
            }
            guard stored.values.allSatisfy(\.isFinite) else { throw invalid("parameter '\(stored.name)' holds non-finite values") }
            stored.values.withUnsafeBufferPointer { slot.tensor.data.update(from: $0.baseAddress!, count: $0.count) }
        }
        settings = state.settings
        standardizer = state.standardizer
        featureNames = state.featureNames
        self.model = model
        finalLoss = .nan
    }

    /// `(1/n) Σ [softplus(s) − y·s] + penalty · Σ ‖W‖²`, with `softplus(s) = relu(s) + log(1 + exp(−|s|))`.
    static func objective(scores s: Tensor, targets y: Tensor, weights: [Tensor], penalty: Float) -> Tensor {
        let magnitude = s.relu() + (s * -1).relu()
        let softplus = s.relu() + ((magnitude * -1).exp() + 1).log()
        let data = (softplus - y * s).mean()
        return weights.reduce(data) { $0 + $1.squared().sum() * penalty }
    }

    /// The router's raw output `f_θ(x̃)` (the log-odds of "defer helps") for every sample.
    public func decisionValues(_ features: DeferralFeatures) throws -> [Double] {
        guard features.names == featureNames else {
            throw DeferralError.shapeMismatch(what: "features to score (columns)", expected: featureNames.count, actual: features.dimension)
        }
        let x = Tensor(try standardizer.transform(features), shape: [features.count, features.dimension])
        return noGrad { model(x).scalars.map(Double.init) }
    }

    /// `g(x) = σ(f_θ(x̃))` for every sample.
    public func probabilities(_ features: DeferralFeatures) throws -> [Double] {
        try decisionValues(features).map { 1 / (1 + Foundation.exp(-$0)) }
    }

    /// For logistic regression: the weights on the *standardised* features and the intercept (nil for an MLP).
    public var linearCoefficients: (weights: [Double], intercept: Double)? {
        guard let linear = model as? Linear else { return nil }
        return (linear.weight.scalars.map(Double.init), Double(linear.bias!.item))
    }
}
