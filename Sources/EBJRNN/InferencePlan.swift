import Foundation
import EBJRKernels
import EBJRTensor

/// A lean, allocation-free inference path for an MLP-like `Sequential` (`Linear`, `ReLU`, `Tanh`, `Flatten`,
/// and `Dropout`, which is the identity at inference).
///
/// The plan reads the model's weights in place (later optimizer updates are seen), keeps one preallocated
/// activation buffer per layer for up to `maxBatch` rows, records no autograd history and dispatches few-row
/// products to the unpacked small-`m` GEMM path. Bias and activation are fused into the layer's output pass.
/// It also computes the energy score `E(x) = −logsumexp(z)` and the routing decision `E(x) > threshold`
/// (docs/method.md §3) without leaving the preallocated buffers.
///
/// A plan is not thread-safe: use one per thread.
public final class InferencePlan {
    private enum Step {
        case linear(weight: Tensor, bias: Tensor?, inputs: Int, outputs: Int, activation: Activation)
    }

    private enum Activation { case none, relu, tanh }

    private var steps: [Step] = []
    private var buffers: [UnsafeMutablePointer<Float>] = []
    /// Features of one input sample.
    public let inputFeatures: Int
    /// Outputs (logits) per sample.
    public let outputFeatures: Int
    /// Largest batch the preallocated buffers hold.
    public let maxBatch: Int

    /// Compiles `model`, or returns nil when it contains a layer the plan does not support (e.g. `Conv2d`)
    /// or no `Linear` layer.
    public init?(_ model: Sequential, maxBatch: Int = 256) {
        precondition(maxBatch > 0, "InferencePlan: maxBatch must be positive")
        var pending: [Step] = []
        for layer in model.layers {
            switch layer {
            case let linear as Linear:
                pending.append(.linear(weight: linear.weight, bias: linear.bias, inputs: linear.inputFeatures,
                                       outputs: linear.outputFeatures, activation: .none))
            case is ReLU, is Tanh:
                guard case let .linear(w, b, i, o, .none)? = pending.last else { return nil }
                pending[pending.count - 1] = .linear(weight: w, bias: b, inputs: i, outputs: o,
                                                     activation: layer is ReLU ? .relu : .tanh)
            case is Flatten, is Dropout:
                continue
            default:
                return nil
            }
        }
        guard case let .linear(_, _, firstIn, _, _)? = pending.first,
              case let .linear(_, _, _, lastOut, _)? = pending.last else { return nil }
        steps = pending
        inputFeatures = firstIn
        outputFeatures = lastOut
        self.maxBatch = maxBatch
        for step in steps {
            guard case let .linear(_, _, _, outputs, _) = step else { continue }
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: outputs * maxBatch)
            buffer.initialize(repeating: 0, count: outputs * maxBatch)
            buffers.append(buffer)
        }
    }

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// Logits of `rows` samples at `input` (`rows × inputFeatures`, row-major). The returned pointer is valid
    /// until the next call on this plan.
    @discardableResult
    public func logits(_ input: UnsafePointer<Float>, rows: Int = 1) -> UnsafePointer<Float> {
        precondition(rows > 0 && rows <= maxBatch, "InferencePlan: \(rows) rows (maxBatch \(maxBatch))")
        var x = input
        for (index, step) in steps.enumerated() {
            guard case let .linear(weight, bias, inputs, outputs, activation) = step else { continue }
            let out = buffers[index]
            sgemm(transA: false, transB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs,
                  b: weight.data, ldb: inputs, c: out, ldc: outputs, threads: rows < 16 ? 1 : nil)
            Self.finish(out, rows: rows, columns: outputs, bias: bias?.data, activation: activation)
            x = UnsafePointer(out)
        }
        return x
    }

    /// Logits of the samples of `input` (`[N, …]` with `inputFeatures` values per sample) as a new tensor.
    public func logits(_ input: Tensor) -> Tensor {
        let rows = input.shape.first ?? 1
        precondition(input.count == rows * inputFeatures, "InferencePlan: input \(input.shape) has not \(inputFeatures) features")
        let out = Tensor.uninitialized([rows, outputFeatures])
        var start = 0
        while start < rows {
            let n = Swift.min(maxBatch, rows - start)
            let z = logits(UnsafePointer(input.data + start * inputFeatures), rows: n)
            (out.data + start * outputFeatures).update(from: z, count: n * outputFeatures)
            start += n
        }
        return out
    }

    /// Energy `E(x) = −logsumexp(z)` of one sample's logits over the first `subsetOutputs` outputs
    /// (all outputs by default).
    public func energy(_ input: UnsafePointer<Float>, subsetOutputs: Int? = nil) -> Float {
        -Self.logSumExp(logits(input), count: subsetOutputs ?? outputFeatures)
    }

    /// The routing decision of one sample: `true` (route to the deep model) when `E(x) > threshold`.
    public func routes(_ input: UnsafePointer<Float>, threshold: Float, subsetOutputs: Int? = nil) -> Bool {
        energy(input, subsetOutputs: subsetOutputs) > threshold
    }

    /// Energies of `rows` samples into `energies` (one value per row).
    public func energies(_ input: UnsafePointer<Float>, rows: Int, into energies: UnsafeMutablePointer<Float>,
                         subsetOutputs: Int? = nil) {
        var start = 0
        let m = subsetOutputs ?? outputFeatures
        while start < rows {
            let n = Swift.min(maxBatch, rows - start)
            let z = logits(input + start * inputFeatures, rows: n)
            for r in 0..<n { energies[start + r] = -Self.logSumExp(z + r * outputFeatures, count: m) }
            start += n
        }
    }

    /// Adds the bias and applies the activation to every row, in one pass.
    private static func finish(_ out: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                               bias: UnsafePointer<Float>?, activation: Activation) {
        for r in 0..<rows {
            let row = out + r * columns
            if let bias { for j in 0..<columns { row[j] += bias[j] } }
            switch activation {
            case .none: break
            case .relu: for j in 0..<columns { row[j] = row[j] > 0 ? row[j] : 0 }
            case .tanh: for j in 0..<columns { row[j] = Foundation.tanh(row[j]) }
            }
        }
    }

    /// Stable `log Σ exp` of `count` values.
    @inline(__always)
    static func logSumExp(_ z: UnsafePointer<Float>, count: Int) -> Float {
        var m = z[0]
        for j in 1..<count where z[j] > m { m = z[j] }
        if m == -.infinity { return -.infinity }
        var s: Float = 0
        for j in 0..<count { s += Foundation.exp(z[j] - m) }
        return m + Foundation.log(s)
    }
}

extension Sequential {
    /// A compiled, allocation-free inference path for this model (see `InferencePlan`), or nil when the
    /// model has layers the plan does not support.
    public func inferencePlan(maxBatch: Int = 256) -> InferencePlan? { InferencePlan(self, maxBatch: maxBatch) }
}
