import Foundation

/// The learning rate as a function of the optimizer step (0-based), from a base rate `η₀`.
public enum LearningRateSchedule: Equatable, Sendable {
    /// `η = η₀`.
    case constant
    /// `η = η₀ · γ^⌊t / stepSize⌋`.
    case step(stepSize: Int, gamma: Float)
    /// `η = η_min + (η₀ − η_min) · (1 + cos(π · min(t, T) / T)) / 2` over `T = totalSteps`.
    case cosine(totalSteps: Int, minimum: Float)
    /// `η = η₀ · γ^max(0, e − startEpoch + 1)` with `e = ⌊t / stepsPerEpoch⌋ + 1` the 1-based epoch of step `t`:
    /// constant until epoch `startEpoch − 1`, then one factor `γ` per epoch (computed in Double, then rounded).
    case exponentialPerEpoch(stepsPerEpoch: Int, gamma: Float, startEpoch: Int)

    public func learningRate(base: Float, step: Int) -> Float {
        switch self {
        case .constant: return base
        case let .step(size, gamma): return base * Foundation.pow(gamma, Float(step / Swift.max(size, 1)))
        case let .cosine(total, minimum):
            let t = Float(Swift.min(step, total)) / Float(Swift.max(total, 1))
            return minimum + (base - minimum) * (1 + Foundation.cos(Float.pi * t)) / 2
        case let .exponentialPerEpoch(stepsPerEpoch, gamma, startEpoch):
            let epoch = step / Swift.max(stepsPerEpoch, 1) + 1
            let decays = Swift.max(0, epoch - startEpoch + 1)
            return base * Float(Foundation.pow(Double(gamma), Double(decays)))
        }
    }
}
