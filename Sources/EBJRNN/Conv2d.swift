import EBJRTensor

/// 2-D convolution (cross-correlation) with weight `[out, in, k, k]`, bias `[out]`, square kernel,
/// stride and zero padding, as `torch.nn.Conv2d`.
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: inout RandomGenerator) {
        let fanIn = inputChannels * kernelSize * kernelSize
        weight = Initialization.torchDefault([outputChannels, inputChannels, kernelSize, kernelSize], fanIn: fanIn,
                                             generator: &generator)
        self.bias = bias ? Initialization.torchDefault([outputChannels], fanIn: fanIn, generator: &generator) : nil
        self.stride = stride
        self.padding = padding
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `x: [N, in, H, W] → [N, out, H', W']`.
    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}
