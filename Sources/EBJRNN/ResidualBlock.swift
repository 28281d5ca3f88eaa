import EBJRTensor

/// The basic residual block of a CIFAR-style ResNet (He et al. 2016), as torch code usually writes it:
/// `out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))` with 3×3 convolutions without bias (`conv1` with
/// stride `s`, both with padding 1). The shortcut is the identity when the shape is kept (`s = 1` and as many input
/// as output channels), otherwise the projection `shortcut = Sequential(conv1×1(stride s, no bias), BatchNorm2d)`.
/// Parameter names: `conv1.weight`, `bn1.weight`, `bn1.running_mean`, …, `shortcut.0.weight`, `shortcut.1.bias`.
public final class ResidualBlock: Module {
    public let conv1: Conv2d
    public let bn1: BatchNorm
    public let conv2: Conv2d
    public let bn2: BatchNorm
    /// The projection `(conv, bn)`, nil for the identity shortcut.
    public let projection: (conv: Conv2d, bn: BatchNorm)?
    private let shortcutList: LayerList?

    public init(inputChannels: Int, outputChannels: Int, stride: Int, generator: inout RandomGenerator) {
        conv1 = Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, stride: stride, padding: 1,
                       bias: false, generator: &generator)
        bn1 = BatchNorm(features: outputChannels, inputRank: 4)
        conv2 = Conv2d(inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, stride: 1, padding: 1,
                       bias: false, generator: &generator)
        bn2 = BatchNorm(features: outputChannels, inputRank: 4)
        if Self.needsProjection(inputChannels: inputChannels, outputChannels: outputChannels, stride: stride) {
            let conv = Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1, stride: stride, padding: 0,
                              bias: false, generator: &generator)
            let bn = BatchNorm(features: outputChannels, inputRank: 4)
            projection = (conv, bn)
            shortcutList = LayerList([conv, bn])
        } else {
            projection = nil
            shortcutList = nil
        }
        super.init()
    }

    /// Whether the block needs the 1×1 projection shortcut (its output shape differs from its input's).
    public static func needsProjection(inputChannels: Int, outputChannels: Int, stride: Int) -> Bool {
        stride != 1 || inputChannels != outputChannels
    }

    public override var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (shortcutList.map { [("shortcut", $0)] } ?? [])
    }

    /// `x: [N, in, H, W] → [N, out, ⌊(H − 1)/s⌋ + 1, ⌊(W − 1)/s⌋ + 1]`.
    public override func forward(_ input: Tensor) -> Tensor {
        let h = bn1(conv1(input)).relu()
        let residual = bn2(conv2(h))
        let shortcut = projection.map { $0.bn($0.conv(input)) } ?? input
        return (residual + shortcut).relu()
    }
}
