import Foundation
import EBJRTensor
import EBJRKernels

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
        let coefficients = Coefficients(beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize,
                                        rootCorrection2: rootCorrection2, weightDecay: weightDecay,
                                        decayFactor: 1 - learningRate * weightDecay)
        let theta = SendablePointer(parameter.data), grad = SendableConstPointer(UnsafePointer(gradient.data))
        let md = SendablePointer(m.data), vd = SendablePointer(v.data)
        let count = parameter.count, decoupled = isDecoupled
        // Every element is updated independently, so splitting the range over threads changes no value.
        // Several chunks per thread, taken dynamically (a descheduled thread on a shared machine delays little).
        let threads = count >= Self.parallelThreshold ? KernelConfiguration.threadCount : 1
        let chunks = threads > 1 ? min(4 * threads, count / 8192) : 1
        parallelFor(chunks: chunks, threads: threads) { chunk in
            let lo = chunk * count / chunks, hi = (chunk + 1) * count / chunks
            let range = lo..<hi
            if coefficients.weightDecay == 0 {
                Self.apply(range, theta.pointer, grad.pointer, md.pointer, vd.pointer, coefficients) { g, _ in g }
            } else if decoupled {
                for i in range { theta.pointer[i] *= coefficients.decayFactor }
                Self.apply(range, theta.pointer, grad.pointer, md.pointer, vd.pointer, coefficients) { g, _ in g }
            } else {
                let wd = coefficients.weightDecay
                Self.apply(range, theta.pointer, grad.pointer, md.pointer, vd.pointer, coefficients) { g, t in g + wd * t }
            }
        }
    }

    /// Parameters with at least this many values are updated by several threads.
    static let parallelThreshold = 1 << 16

    private struct Coefficients: Sendable {
        var beta1, beta2, epsilon, stepSize, rootCorrection2, weightDecay, decayFactor: Float
    }

    /// The moment and parameter updates over `range`, eight values at a time with `SIMD8` (the same IEEE
    /// operations in the same order as the scalar tail, so results do not depend on the split);
    /// `effective(g, θ)` is the gradient the moments see.
    @inline(__always)
    private static func apply(_ range: Range<Int>, _ theta: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
                              _ md: UnsafeMutablePointer<Float>, _ vd: UnsafeMutablePointer<Float>,
                              _ c: Coefficients, _ effective: (Float, Float) -> Float) {
        let b1 = c.beta1, b2 = c.beta2, oneMinusB1 = 1 - c.beta1, oneMinusB2 = 1 - c.beta2
        let stepSize = c.stepSize, rootCorrection2 = c.rootCorrection2, eps = c.epsilon
        typealias V = SIMD8<Float>
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let tp = UnsafeMutableRawPointer(theta + i), mp = UnsafeMutableRawPointer(md + i)
            let vp = UnsafeMutableRawPointer(vd + i)
            let t = tp.loadUnaligned(as: V.self)
            var g = UnsafeRawPointer(grad + i).loadUnaligned(as: V.self)
            for lane in 0..<8 { g[lane] = effective(g[lane], t[lane]) }
            let m = V(repeating: b1) * mp.loadUnaligned(as: V.self) + V(repeating: oneMinusB1) * g
            let v = V(repeating: b2) * vp.loadUnaligned(as: V.self) + V(repeating: oneMinusB2) * g * g
            mp.storeBytes(of: m, as: V.self)
            vp.storeBytes(of: v, as: V.self)
            let update = V(repeating: stepSize) * m / (v.squareRoot() / V(repeating: rootCorrection2) + V(repeating: eps))
            tp.storeBytes(of: t - update, as: V.self)
            i += 8
        }
        while i < range.upperBound {
            let g = effective(grad[i], theta[i])
            let m = b1 * md[i] + oneMinusB1 * g
            let v = b2 * vd[i] + oneMinusB2 * g * g
            md[i] = m
            vd[i] = v
            theta[i] -= stepSize * m / (v.squareRoot() / rootCorrection2 + eps)
            i += 1
        }
    }
}
