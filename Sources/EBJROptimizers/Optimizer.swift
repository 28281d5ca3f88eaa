import EBJRTensor
import EBJRNN

/// A first-order optimizer over named parameters.
///
/// Subclasses write only the per-parameter update (`update(name:parameter:gradient:state:)`); the base class
/// keeps state keyed by parameter *name* (not position), the step count and the learning rate.
open class Optimizer {
    /// Parameters by dotted name, in model order.
    public let parameters: [(name: String, tensor: Tensor)]
    /// Current learning rate (schedules write it before each step).
    public var learningRate: Float
    /// Number of completed `step()` calls.
    public internal(set) var stepCount: Int = 0
    /// Per-parameter state tensors (e.g. `exp_avg`), by parameter name then state name.
    public internal(set) var state: [String: [String: Tensor]] = [:]

    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Float) {
        self.parameters = parameters
        self.learningRate = learningRate
    }

    /// Optimizer name stored in checkpoints (`sgd`, `adam`, `adamw`).
    open var name: String { "optimizer" }

    /// Hyperparameters stored in checkpoints.
    open var hyperparameters: [String: Double] { ["lr": Double(learningRate)] }

    /// Applies one update to every parameter that has a gradient.
    public func step() {
        stepCount += 1
        for (name, parameter) in parameters {
            guard let gradient = parameter.grad else { continue }
            var slots = state[name] ?? [:]
            update(name: name, parameter: parameter, gradient: gradient, state: &slots)
            state[name] = slots
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters { p.grad = nil } }

    /// One parameter's update, in place. `state` starts empty and persists between steps.
    open func update(name: String, parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        fatalError("\(type(of: self)) does not implement update")
    }

    /// Replaces the state and step count (checkpoint resume). Every state tensor must match its parameter's shape.
    public func loadState(_ newState: [String: [String: Tensor]], stepCount newStepCount: Int) throws {
        let shapes = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor.shape) })
        for (name, slots) in newState {
            guard let shape = shapes[name] else { throw OptimizerError.unknownParameter(name) }
            for (slot, tensor) in slots where tensor.shape != shape {
                throw OptimizerError.stateShapeMismatch(parameter: name, slot: slot, expected: shape, actual: tensor.shape)
            }
        }
        state = newState
        stepCount = newStepCount
    }
}

/// Errors raised when restoring optimizer state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case unknownParameter(String)
    case stateShapeMismatch(parameter: String, slot: String, expected: [Int], actual: [Int])

    public var description: String {
        switch self {
        case let .unknownParameter(name): "optimizer state names parameter '\(name)', which the model does not have"
        case let .stateShapeMismatch(p, s, e, a): "optimizer state '\(p)/\(s)' has shape \(a), expected \(e)"
        }
    }
}

/// Scales all gradients so that their joint L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { for i in 0..<g.count { total += Double(g.data[i] * g.data[i]) } } }
    let norm = Float(total.squareRoot())
    if norm > maxNorm && norm > 0 {
        let scale = maxNorm / (norm + 1e-6)
        for p in parameters { if let g = p.grad { for i in 0..<g.count { g.data[i] *= scale } } }
    }
    return norm
}
