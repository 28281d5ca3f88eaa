import EBJRTensor

/// Fully connected layer `y = x·Wᵀ + b` with `W: [out, in]` (torch layout) and `b: [out]`.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        weight = Initialization.torchDefault([outputFeatures, inputFeatures], fanIn: inputFeatures, generator: &generator)
        self.bias = bias ? Initialization.torchDefault([outputFeatures], fanIn: inputFeatures, generator: &generator) : nil
        super.init()
    }

    public var inputFeatures: Int { weight.shape[1] }
    public var outputFeatures: Int { weight.shape[0] }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `x: [N, in] → [N, out]`.
    public override func forward(_ input: Tensor) -> Tensor { Tensor.linear(input, weight: weight, bias: bias) }
}
