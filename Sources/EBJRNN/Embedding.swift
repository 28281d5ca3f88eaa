import EBJRTensor

/// A lookup table `weight: [V, D]`; `ids → weight[ids]` (`[N, D]`). Initialised `N(0, 1)` as `torch.nn.Embedding`.
public final class Embedding: Module {
    public let weight: Tensor

    public init(count: Int, dimension: Int, generator: inout RandomGenerator) {
        weight = Tensor.normal([count, dimension], generator: &generator, requiresGrad: true)
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// Rows for `ids` → `[ids.count, D]`.
    public func callAsFunction(_ ids: [Int]) -> Tensor { weight.gather(rows: ids) }
}
