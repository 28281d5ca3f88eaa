import EBJRTensor

/// PyTorch's default initialisation of `Linear` and `Conv2d`: `kaiming_uniform_(a = √5)`, i.e.
/// `W ~ U(−1/√fan_in, 1/√fan_in)`, and the bias from the same interval.
public enum Initialization {
    public static func torchDefault(_ shape: [Int], fanIn: Int, generator: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return Tensor.uniform(shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
    }
}
