import EBJRTensor

/// `max(x, 0)` elementwise.
public final class ReLU: Module {
    public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// `tanh(x)` elementwise.
public final class Tanh: Module {
    public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// Max pooling over square windows of `[N, C, H, W]`.
public final class MaxPool2d: Module {
    public let kernelSize: Int
    public let stride: Int
    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        super.init()
    }
    public override func forward(_ input: Tensor) -> Tensor { input.maxPool2d(kernelSize: kernelSize, stride: stride) }
}

/// Flattens every axis after the batch axis: `[N, …] → [N, Π…]`.
public final class Flatten: Module {
    public override func forward(_ input: Tensor) -> Tensor { input.flattened(from: 1) }
}

/// Inverted dropout: in training, zeroes each value with probability `p` and scales the rest by `1/(1−p)`;
/// the identity in evaluation mode.
public final class Dropout: Module {
    public let probability: Float
    public var generator: RandomGenerator

    public init(probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) outside [0, 1)")
        self.probability = probability
        self.generator = generator
        super.init()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard isTraining else { return input }
        return invertedDropout(input, probability: probability, generator: &generator)
    }
}

/// `x ⊙ mask`, each mask value `0` with probability `p` and `1/(1−p)` otherwise (one uniform draw per value, in
/// order), so `E[mask ⊙ x] = x`; differentiable through the product. `p = 0` returns `x` itself.
public func invertedDropout(_ x: Tensor, probability p: Float, generator: inout RandomGenerator) -> Tensor {
    guard p > 0 else { return x }
    let mask = Tensor.uninitialized(x.shape)
    let keep = 1 / (1 - p)
    for i in 0..<mask.count { mask.data[i] = generator.nextUniform() < p ? 0 : keep }
    return x * mask
}

/// Applies its layers in order. Parameters are named `layers.<index>.<name>`.
public final class Sequential: Module {
    private let list: LayerList
    /// The layers, in application order.
    public var layers: [Module] { list.items }
    public init(_ layers: [Module]) {
        list = LayerList(layers)
        super.init()
    }
    public override var children: [(name: String, module: Module)] { [("layers", list)] }
    /// Applies the layers in order; a `Linear` directly followed by a `ReLU` runs as one fused operation
    /// (`Tensor.linearReLU`: same values and gradients, fewer passes over memory and one tape node).
    public override func forward(_ input: Tensor) -> Tensor {
        let items = layers
        var h = input, i = 0
        while i < items.count {
            if i + 1 < items.count, let linear = items[i] as? Linear, items[i + 1] is ReLU, h.rank == 2 {
                h = Tensor.linearReLU(h, weight: linear.weight, bias: linear.bias)
                i += 2
            } else {
                h = items[i].forward(h)
                i += 1
            }
        }
        return h
    }
}

/// A list of modules named by index (`0`, `1`, …), like `torch.nn.ModuleList`.
public final class LayerList: Module {
    public let items: [Module]
    public init(_ items: [Module]) {
        self.items = items
        super.init()
    }
    public override var children: [(name: String, module: Module)] {
        items.enumerated().map { (String($0.offset), $0.element) }
    }
}
