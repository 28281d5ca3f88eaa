import EBJRTensor

/// Autograd against central finite differences, shared by every gradient table.
public enum GradientCheck {
    /// `Σ w ⊙ t` with fixed, seeded weights `w ∈ [−1, 1)`, so that every output element matters to the scalar.
    public static func weightedSum(_ t: Tensor) -> Tensor {
        var g = RandomGenerator(seed: 99)
        return (t * Tensor.uniform(t.shape, low: -1, high: 1, generator: &g)).sum()
    }

    /// `∂f/∂inputs[index]` by central differences (step 1e-2, Float32 function, Double arithmetic).
    public static func numericGradient(_ f: ([Tensor]) -> Tensor, inputs: [Tensor], index: Int) -> [Double] {
        let x = inputs[index]
        var result = [Double](repeating: 0, count: x.count)
        let h: Float = 1e-2
        for i in 0..<x.count {
            let original = x.data[i]
            x.data[i] = original + h
            let plus = Double(noGrad { f(inputs) }.item)
            x.data[i] = original - h
            let minus = Double(noGrad { f(inputs) }.item)
            x.data[i] = original
            result[i] = (plus - minus) / (2 * Double(h))
        }
        return result
    }

    /// Runs backward on `f(inputs)` and returns one message per gradient entry that differs from the numeric one by
    /// more than `2e-2 · max(1, |numeric|)` (empty when everything matches).
    public static func mismatches(_ name: String, _ f: ([Tensor]) -> Tensor, inputs: [Tensor]) -> [String] {
        f(inputs).backward()
        var messages: [String] = []
        for (index, input) in inputs.enumerated() {
            let numeric = numericGradient(f, inputs: inputs, index: index)
            guard let analytic = input.grad else { messages.append("\(name): input \(index) got no gradient"); continue }
            for i in 0..<input.count {
                let a = Double(analytic.data[i]), n = numeric[i]
                if abs(a - n) > 2e-2 * max(1, abs(n)) { messages.append("\(name): input \(index)[\(i)] autograd \(a) vs numeric \(n)") }
            }
        }
        return messages
    }
}
