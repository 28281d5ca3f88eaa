import EBJRTensor

/// Batch normalisation over the channel axis 1, as `torch.nn.BatchNorm1d` (input `[N, C]`) and `BatchNorm2d` (input
/// `[N, C, H, W]`) with `affine=True`, `track_running_stats=True`, `ε = 1e-5`, momentum `0.1`.
///
/// Training mode normalises with the batch's mean `μ_B` and biased variance `σ²_B` (`Tensor.batchNormTraining`) and
/// then updates the running statistics, with the *unbiased* batch variance as torch does:
/// `running_mean ← (1 − m)·running_mean + m·μ_B`, `running_var ← (1 − m)·running_var + m·σ²_B·M/(M − 1)`
/// (`M` values per channel; `M = 1` uses `σ²_B`), `num_batches_tracked += 1`. Evaluation mode normalises with the
/// running statistics (`Tensor.batchNormInference`). Parameters `weight` (γ, ones) and `bias` (β, zeros); buffers
/// `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked` (a scalar count, stored as int64 in
/// checkpoints).
public final class BatchNorm: Module {
    /// 2 for `BatchNorm1d` (`[N, C]` inputs), 4 for `BatchNorm2d` (`[N, C, H, W]`).
    public let inputRank: Int
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVariance: Tensor
    /// Training batches seen, a scalar (exact up to 2²⁴ batches in Float32).
    public let batchesTracked: Tensor
    public let epsilon: Float
    public let momentum: Float

    public static let defaultEpsilon: Float = 1e-5
    public static let defaultMomentum: Float = 0.1

    /// A batch norm over `features` channels for inputs of rank `inputRank` (2 or 4).
    public init(features: Int, inputRank: Int, epsilon: Float = defaultEpsilon, momentum: Float = defaultMomentum) {
        precondition(inputRank == 2 || inputRank == 4, "BatchNorm: input rank \(inputRank) (expected 2 or 4)")
        self.inputRank = inputRank
        weight = Tensor(repeating: 1, shape: [features], requiresGrad: true)
        bias = Tensor(zeros: [features], requiresGrad: true)
        runningMean = Tensor(zeros: [features])
        runningVariance = Tensor(repeating: 1, shape: [features])
        batchesTracked = Tensor(zeros: [])
        self.epsilon = epsilon
        self.momentum = momentum
        super.init()
    }

    public var features: Int { weight.count }

    public override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
    public override var ownBuffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == inputRank && input.shape[1] == features,
                     "BatchNorm: input \(input.shape) does not match \(features) channels of rank \(inputRank)")
        guard isTraining else {
            return Tensor.batchNormInference(input, weight: weight, bias: bias, mean: runningMean, variance: runningVariance,
                                             epsilon: epsilon)
        }
        let (output, statistics) = Tensor.batchNormTraining(input, weight: weight, bias: bias, epsilon: epsilon)
        update(with: statistics)
        return output
    }

    /// The running-statistics update of one training batch (see the type's documentation).
    func update(with statistics: BatchStatistics) {
        let m = Double(momentum)
        let correction = statistics.count > 1 ? Double(statistics.count) / Double(statistics.count - 1) : 1
        for c in 0..<features {
            runningMean.data[c] = Float((1 - m) * Double(runningMean.data[c]) + m * Double(statistics.mean[c]))
            runningVariance.data[c] = Float((1 - m) * Double(runningVariance.data[c])
                + m * Double(statistics.variance[c]) * correction)
        }
        batchesTracked.data[0] += 1
    }
}

/// Global average pooling `[N, C, H, W] → [N, C]` (torch: `AdaptiveAvgPool2d(1)` followed by `Flatten`).
public final class GlobalAvgPool2d: Module {
    public override func forward(_ input: Tensor) -> Tensor { input.globalAveragePool2d() }
}
