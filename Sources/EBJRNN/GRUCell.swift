import EBJRTensor

/// A gated recurrent unit, PyTorch `GRUCell` layout: `weight_ih: [3H, I]`, `weight_hh: [3H, H]`, biases `[3H]`,
/// gate order `r, z, n`, all initialised `U(−1/√H, 1/√H)`.
///
/// `h' = (1 − z) ⊙ n + z ⊙ h` with `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))` (see `Tensor.gruCell`).
public final class GRUCell: Module {
    public let weightIH: Tensor
    public let weightHH: Tensor
    public let biasIH: Tensor
    public let biasHH: Tensor

    public init(inputSize: Int, hiddenSize: Int, generator: inout RandomGenerator) {
        let bound = 1 / Float(hiddenSize).squareRoot()
        weightIH = Tensor.uniform([3 * hiddenSize, inputSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        weightHH = Tensor.uniform([3 * hiddenSize, hiddenSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        biasIH = Tensor.uniform([3 * hiddenSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        biasHH = Tensor.uniform([3 * hiddenSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        super.init()
    }

    public var hiddenSize: Int { weightHH.shape[1] }
    public var inputSize: Int { weightIH.shape[1] }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    /// One step: `x: [B, I]`, `h: [B, H]` → `[B, H]`; rows with `mask = 0` keep `h`.
    public func callAsFunction(_ x: Tensor, hidden h: Tensor, mask: [Float]? = nil) -> Tensor {
        Tensor.gruCell(inputGates: Tensor.linear(x, weight: weightIH, bias: biasIH),
                       hiddenGates: Tensor.linear(h, weight: weightHH, bias: biasHH), hidden: h, mask: mask)
    }

    /// Multiply–add FLOPs of one step for one sequence (`2·3H·(I + H)`; elementwise gate work not counted).
    public var flopsPerStep: Int { 2 * 3 * hiddenSize * (inputSize + hiddenSize) }
}
