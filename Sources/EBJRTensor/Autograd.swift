/// One recorded operation: its inputs and the function mapping the output's gradient to the inputs' gradients.
public final class GradientNode {
    /// Operation name, for error messages and debugging.
    public let name: String
    public let inputs: [Tensor]
    /// Given `∂L/∂output`, returns `∂L/∂input` for each input (nil where the input needs none).
    public let backward: (Tensor) -> [Tensor?]

    public init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record gradient history. Training code leaves it on; inference turns it off.
/// The flag is task-local, so concurrent tasks (and parallel tests) do not see each other's setting.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with gradient recording off: results carry no history and no `requiresGrad`.
@discardableResult
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// Attaches history to `output` when gradient mode is on and any input requires gradients.
    /// Every primitive calls this once, with its backward written beside its forward.
    @discardableResult
    public static func record(_ name: String, output: Tensor, inputs: [Tensor],
                              backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradientNode = GradientNode(name: name, inputs: inputs, backward: backward)
        return output
    }

    /// Reverse-mode differentiation from this tensor.
    ///
    /// Seeds `∂self/∂self` with `seed` (default: ones, so a scalar loss gets `1`), visits recorded operations
    /// in reverse topological order and *adds* into `grad` of every leaf that requires gradients.
    /// The graph is released afterwards.
    public func backward(seed: Tensor? = nil) {
        precondition(requiresGrad, "backward: tensor does not require gradients")
        if seed == nil { precondition(count == 1, "backward: a non-scalar output of shape \(shape) needs a seed") }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor(repeating: 1, shape: shape)]
        noGrad {
            for node in order.reversed() {
                guard let gradOut = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let fn = node.gradientNode else {
                    // A leaf: accumulate.
                    if let existing = node.grad { existing.addInPlace(gradOut) } else { node.grad = gradOut.ownedCopy() }
                    continue
                }
                let inputGrads = fn.backward(gradOut)
                for (input, g) in zip(fn.inputs, inputGrads) {
                    guard let g, input.requiresGrad else { continue }
                    precondition(g.shape == input.shape,
                                 "backward of \(fn.name): gradient shape \(g.shape) ≠ input shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = grads[key] { grads[key] = existing.adding(g) } else { grads[key] = g }
                }
            }
        }
        for node in order { node.gradientNode = nil }
    }

    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            let id = ObjectIdentifier(tensor)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            for input in tensor.gradientNode?.inputs ?? [] where input.requiresGrad
                && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// `self += other` elementwise (same shape), no history.
    public func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "addInPlace: \(shape) vs \(other.shape)")
        let a = data, b = other.data
        for i in 0..<count { a[i] += b[i] }
    }

    /// This tensor itself when it is a gradient buffer that only the backward pass holds (see
    /// `exclusiveGradient`), otherwise a copy, so that accumulating into the result is safe.
    func ownedCopy() -> Tensor {
        guard isExclusiveGradient else { return copy() }
        isExclusiveGradient = false
        return self
    }

    /// A fresh, uninitialised gradient buffer that a backward function returns for exactly one input and
    /// keeps no other reference to: a leaf may then adopt it as its `grad` without copying.
    static func exclusiveGradient(_ shape: [Int]) -> Tensor {
        let t = Tensor.uninitialized(shape)
        t.isExclusiveGradient = true
        return t
    }

    /// `self + other` for equal shapes, no history.
    func adding(_ other: Tensor) -> Tensor {
        let out = Tensor.exclusiveGradient(shape)
        let a = data, b = other.data, o = out.data
        for i in 0..<count { o[i] = a[i] + b[i] }
        return out
    }

    /// Sets `grad` to nil.
    public func zeroGrad() { grad = nil }
}
