/// How a learned router is built and trained (docs/method.md, "learned deferral").
///
/// The objective over `n` training samples with standardised features `x̃_i` and targets `y_i ∈ {0, 1}` is the
/// mean logistic loss plus an L2 penalty on the weight matrices (not the biases):
/// `L(θ) = (1/n) Σ_i [softplus(s_i) − y_i·s_i] + (1/(2·C·n)) · Σ ‖W‖²`, `s_i = f_θ(x̃_i)`,
/// which for `hidden = 0` (`f = w·x̃ + b`) has the same minimiser as scikit-learn's
/// `LogisticRegression(C=C)` (`½‖w‖² + C·Σ_i loss_i`). It is minimised full-batch with Adam, the learning rate
/// following a cosine from `learningRate` to 0 over `steps`.
public struct DeferralRouterSettings: Hashable, Sendable, Codable {
    /// 0: logistic regression; > 0: one hidden ReLU layer of this width.
    public var hidden: Int
    /// Inverse regularisation strength `C > 0` (scikit-learn's convention).
    public var inverseRegularization: Double
    /// Full-batch optimisation steps.
    public var steps: Int
    /// Adam's initial learning rate.
    public var learningRate: Double
    /// Seeds the hidden layer's initialisation (logistic regression starts at 0 and needs none).
    public var seed: UInt64

    public init(hidden: Int = 0, inverseRegularization: Double = 1, steps: Int = 600, learningRate: Double = 0.05,
                seed: UInt64 = 0) {
        self.hidden = hidden
        self.inverseRegularization = inverseRegularization
        self.steps = steps
        self.learningRate = learningRate
        self.seed = seed
    }

    /// - Throws: `DeferralError.invalidSetting` for a value out of range.
    public func validate() throws {
        guard hidden >= 0, hidden <= 4096 else {
            throw DeferralError.invalidSetting(name: "hidden", value: "\(hidden)", requirement: "in 0...4096")
        }
        guard inverseRegularization > 0, inverseRegularization.isFinite else {
            throw DeferralError.invalidSetting(name: "C", value: "\(inverseRegularization)", requirement: "finite and > 0")
        }
        guard steps >= 1, steps <= 1_000_000 else {
            throw DeferralError.invalidSetting(name: "steps", value: "\(steps)", requirement: "in 1...1000000")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw DeferralError.invalidSetting(name: "learning rate", value: "\(learningRate)", requirement: "finite and > 0")
        }
    }
}
