import EBJRNN
import EBJRRouting
import EBJRTensor
import Foundation

/// Everything needed to apply a trained `DeferralRouter` elsewhere (an evaluation report stores it beside the
/// learned score's operating points, and `ebjr serve` rebuilds the router from it): the settings (which say the
/// architecture), the standardisation, the feature names, the side model's subset routing (the features depend on
/// it) and every parameter with its shape. Applying the rebuilt router gives bitwise the scores of the original.
public struct DeferralRouterState: Hashable, Sendable, Codable {
    /// One parameter tensor of the router's network (`weight`, `bias`, or `0.weight` … for the MLP).
    public struct Parameter: Hashable, Sendable, Codable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
    }

    public var settings: DeferralRouterSettings
    public var standardizer: FeatureStandardizer
    public var featureNames: [String]
    /// The subset routing the features were computed with (nil: a general side model routed on all outputs).
    public var subsetRouting: SubsetRouting?
    public var parameters: [Parameter]
}

extension DeferralRouter {
    /// The router's state, with the subset routing its features are computed with.
    public func state(subsetRouting: SubsetRouting?) -> DeferralRouterState {
        DeferralRouterState(settings: settings, standardizer: standardizer, featureNames: featureNames, subsetRouting: subsetRouting,
                            parameters: model.namedParameters().map { .init(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars) })
    }

    /// `g(x)` for every row of the side model's logits: the features of `DeferralFeatures(side:subsetRouting:)`,
    /// standardised, through the network, then the logistic function.
    public func probabilities(side: Logits, subsetRouting: SubsetRouting?) throws -> [Double] {
        try probabilities(try DeferralFeatures(side: side, subsetRouting: subsetRouting))
    }
}
