import EBJRTensor

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as `torch.optim.SGD`:
/// `g ← ∇ + λ·θ`; `b ← μ·b + g` (first step `b = g`); `d = g + μ·b` (Nesterov) or `b`; `θ ← θ − η·d`.
public final class SGD: Optimizer {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float

    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Float, momentum: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override var name: String { "sgd" }
    public override var hyperparameters: [String: Double] {
        ["lr": Double(learningRate), "momentum": Double(momentum), "nesterov": nesterov ? 1 : 0,
         "weight_decay": Double(weightDecay)]
    }

    public override func update(name: String, parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        let n = parameter.count, theta = parameter.data, grad = gradient.data
        let lr = learningRate, wd = weightDecay, mu = momentum
        if mu == 0 {
            for i in 0..<n { theta[i] -= lr * (grad[i] + wd * theta[i]) }
            return
        }
        let isFirst = state["momentum_buffer"] == nil
        let buffer = state["momentum_buffer"] ?? Tensor(zeros: parameter.shape)
        state["momentum_buffer"] = buffer
        let b = buffer.data
        for i in 0..<n {
            let g = grad[i] + wd * theta[i]
            b[i] = isFirst ? g : mu * b[i] + g
            theta[i] -= lr * (nesterov ? g + mu * b[i] : b[i])
        }
    }
}
