import Foundation
import EBJRTensor

/// Adam (Kingma & Ba) and AdamW (decoupled weight decay), as `torch.optim.Adam` / `AdamW`:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)`.
/// Adam adds `λθ` to `g` (L2); AdamW instead multiplies `θ` by `1 − ηλ` before the update.
public final class Adam: Optimizer {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Decoupled weight decay (AdamW).
    public let isDecoupled: Bool

    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        isDecoupled = decoupled
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override var name: String { isDecoupled ? "adamw" : "adam" }
    public override var hyperparameters: [String: Double] {
        ["lr": Double(learningRate), "beta1": Double(beta1), "beta2": Double(beta2), "eps": Double(epsilon),
         "weight_decay": Double(weightDecay)]
    }

    public override func update(name: String, parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        let m = state["exp_avg"] ?? Tensor(zeros: parameter.shape)
        let v = state["exp_avg_sq"] ?? Tensor(zeros: parameter.shape)
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        let t = Float(stepCount)
        let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
        let stepSize = learningRate / correction1
        let rootCorrection2 = correction2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay, lr = learningRate
        let theta = parameter.data, grad = gradient.data, md = m.data, vd = v.data
        let decoupled = isDecoupled
        for i in 0..<parameter.count {
            var g = grad[i]
            if wd != 0 {
                if decoupled { theta[i] *= 1 - lr * wd } else { g += wd * theta[i] }
            }
            md[i] = b1 * md[i] + (1 - b1) * g
            vd[i] = b2 * vd[i] + (1 - b2) * g * g
            theta[i] -= stepSize * md[i] / (vd[i].squareRoot() / rootCorrection2 + eps)
        }
    }
}
