import Foundation
import EBJRKernels
import EBJRTensor

/// A lean inference path for a feed-forward `Sequential`: a convolutional part (`Conv2d`, `MaxPool2d`, `ReLU`,
/// `Tanh`, `BatchNorm` in evaluation mode, `ResidualBlock`, `GlobalAvgPool2d`) run sample by sample, then a fully
/// connected part (`Linear`, `ReLU`, `Tanh`) run on the whole batch. `Flatten` and `Dropout` (the identity at
/// inference) cost nothing. Batch norm applies its running statistics, `y = x·s + (β − μ·s)` with
/// `s = γ / √(σ² + ε)`, read from the module at every call (a model compiled in training mode is refused: its forward
/// would use batch statistics).
///
/// What it saves over the autograd forward (`noGrad { model(x) }`):
/// - no tape, no tensor objects and no allocation per call: every buffer is made once, for up to `maxBatch` rows;
/// - the convolutional part of one sample runs start to finish on one thread (columns unfolded straight into the
///   GEMM's panels, GEMM, bias, activation, pooling) while its activations are still in cache, and only its last output is kept for the batch; batches
///   spread samples over the kernel threads, a single sample spreads each convolution's GEMM over them instead;
/// - bias and activation are applied in the pass that finishes each layer's output; a batch-1 `Linear` with a
///   large weight matrix splits its output columns over the threads (the product is bound by reading the weights).
///
/// The arithmetic is the autograd forward's, operation for operation (bias first, then `C += W · cols` for a
/// convolution; bias first, then `C += x · Wᵀ` for a linear layer), so the logits are bitwise the same for the same
/// batch.
/// (A GEMM's rounding depends on its row count — a few-row product takes another path — so splitting a batch
/// differently can change the last bits, in either engine.)
///
/// The plan reads the model's weights in place (later optimizer updates are seen). It also computes the energy
/// score `E(x) = −logsumexp(z)` and the routing decision `E(x) > threshold` (docs/method.md §3) without leaving
/// its buffers. A plan is not thread-safe: use one per thread.
public final class InferencePlan {
    private enum Activation {
        case none, relu, tanh
    }

    /// One step of the per-sample (convolutional) part.
    private enum SampleStep {
        case conv(weight: Tensor, bias: Tensor?, geometry: ConvGeometry, outputs: Int, activation: Activation)
        case maxPool(channels: Int, height: Int, width: Int, kernel: Int, stride: Int)
        case activation(Activation)
        /// Running-statistics batch norm over `channels` planes of `area` values, then `activation`, in place.
        case batchNorm(BatchNorm, area: Int, activation: Activation)
        case residual(ResidualStep)
        /// The mean of each of `channels` planes of `area` values.
        case globalAveragePool(channels: Int, area: Int)
    }

    /// A convolution without bias followed by batch norm (the parts of a residual block).
    private struct ConvNorm {
        let weight: Tensor
        let geometry: ConvGeometry
        let outputs: Int
        let norm: BatchNorm
    }

    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, the shortcut `x` or `bn(conv1×1(x))`.
    private struct ResidualStep {
        let first: ConvNorm
        let second: ConvNorm
        let projection: ConvNorm?
    }

    /// One layer of the batched (fully connected) part.
    private struct LinearStep {
        let weight: Tensor
        let bias: Tensor?
        let inputs: Int
        let outputs: Int
        var activation: Activation
    }

    /// Scratch of one worker of the per-sample part: two activation buffers used in turn and the packed columns
    /// of a convolution (`ConvolutionGemm`).
    private struct Scratch {
        let ping: UnsafeMutablePointer<Float>
        let pong: UnsafeMutablePointer<Float>
        let columns: UnsafeMutablePointer<Float>
        /// The inner activations of a residual block.
        let first: UnsafeMutablePointer<Float>
        let second: UnsafeMutablePointer<Float>
    }

    private var sampleSteps: [SampleStep] = []
    /// Values per sample after each sample step.
    private var sampleSizes: [Int] = []
    private var linearSteps: [LinearStep] = []
    private var linearBuffers: [UnsafeMutablePointer<Float>] = []
    /// Output of the per-sample part for the whole batch (nil without a convolutional part).
    private var sampleOutput: UnsafeMutablePointer<Float>?
    private var scratch: [Scratch] = []
    private var allocations: [UnsafeMutablePointer<Float>] = []
    private var alignedAllocations: [UnsafeMutablePointer<Float>] = []

    /// Values of one input sample.
    public let inputFeatures: Int
    /// Outputs (logits) per sample.
    public let outputFeatures: Int
    /// Largest batch the preallocated buffers hold.
    public let maxBatch: Int
    /// Samples of the per-sample part run as this many groups, one at a time per thread.
    private static let sampleGroups = 8

    /// Compiles an MLP-like `model` (no convolution): the input shape is the first `Linear`'s `[inputs]`.
    /// Returns nil when the model has a layer the plan does not support or no layer it computes.
    public convenience init?(_ model: Sequential, maxBatch: Int = 256) {
        guard let first = model.layers.first(where: { $0 is Linear }) as? Linear,
              !model.layers.contains(where: { $0 is Conv2d || $0 is MaxPool2d }) else { return nil }
        self.init(model, inputShape: [first.inputFeatures], maxBatch: maxBatch)
    }

    /// Compiles `model` for samples of `inputShape` (`[features]`, or `[channels, height, width]` for a
    /// convolutional model). Returns nil when a layer is not supported (the caller keeps the autograd forward),
    /// when a convolution or pooling follows a `Linear`, or when the shapes do not fit.
    public init?(_ model: Sequential, inputShape: [Int], maxBatch: Int = 256) {
        precondition(maxBatch > 0, "InferencePlan: maxBatch must be positive")
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else { return nil }
        var shape = inputShape
        var steps: [SampleStep] = [], sizes: [Int] = [], linears: [LinearStep] = []
        var lastWasPool = false
        for layer in model.layers {
            switch layer {
            case let conv as Conv2d:
                guard linears.isEmpty, shape.count == 3, conv.weight.shape[1] == shape[0] else { return nil }
                let geometry = ConvGeometry(channels: shape[0], height: shape[1], width: shape[2],
                                            kernelHeight: conv.weight.shape[2], kernelWidth: conv.weight.shape[3],
                                            stride: conv.stride, padding: conv.padding)
                guard geometry.outputHeight > 0, geometry.outputWidth > 0 else { return nil }
                let outputs = conv.weight.shape[0]
                steps.append(.conv(weight: conv.weight, bias: conv.bias, geometry: geometry, outputs: outputs, activation: .none))
                shape = [outputs, geometry.outputHeight, geometry.outputWidth]
                sizes.append(shape.reduce(1, *))
                lastWasPool = false
            case let pool as MaxPool2d:
                guard linears.isEmpty, shape.count == 3 else { return nil }
                let oh = (shape[1] - pool.kernelSize) / pool.stride + 1, ow = (shape[2] - pool.kernelSize) / pool.stride + 1
                guard pool.kernelSize > 0, pool.stride > 0, oh > 0, ow > 0 else { return nil }
                steps.append(.maxPool(channels: shape[0], height: shape[1], width: shape[2], kernel: pool.kernelSize,
                                      stride: pool.stride))
                shape = [shape[0], oh, ow]
                sizes.append(shape.reduce(1, *))
                lastWasPool = true
            case let norm as BatchNorm:
                guard !norm.isTraining, linears.isEmpty, norm.inputRank == 4, shape.count == 3, shape[0] == norm.features,
                      !steps.isEmpty else { return nil }
                steps.append(.batchNorm(norm, area: shape[1] * shape[2], activation: .none))
                sizes.append(sizes[sizes.count - 1])
                lastWasPool = false
            case let block as ResidualBlock:
                guard linears.isEmpty, shape.count == 3, !block.bn1.isTraining, !block.bn2.isTraining,
                      block.projection.map({ !$0.bn.isTraining }) ?? true else { return nil }
                func convNorm(_ conv: Conv2d, _ norm: BatchNorm, input: [Int]) -> ConvNorm? {
                    guard conv.bias == nil, input.count == 3, conv.weight.shape[1] == input[0],
                          norm.features == conv.weight.shape[0] else { return nil }
                    let g = ConvGeometry(channels: input[0], height: input[1], width: input[2],
                                         kernelHeight: conv.weight.shape[2], kernelWidth: conv.weight.shape[3],
                                         stride: conv.stride, padding: conv.padding)
                    guard g.outputHeight > 0, g.outputWidth > 0 else { return nil }
                    return ConvNorm(weight: conv.weight, geometry: g, outputs: conv.weight.shape[0], norm: norm)
                }
                guard let first = convNorm(block.conv1, block.bn1, input: shape) else { return nil }
                let inner = [first.outputs, first.geometry.outputHeight, first.geometry.outputWidth]
                guard let second = convNorm(block.conv2, block.bn2, input: inner),
                      [second.outputs, second.geometry.outputHeight, second.geometry.outputWidth] == inner else { return nil }
                var projection: ConvNorm?
                if let p = block.projection {
                    guard let made = convNorm(p.conv, p.bn, input: shape),
                          [made.outputs, made.geometry.outputHeight, made.geometry.outputWidth] == inner else { return nil }
                    projection = made
                } else if shape != inner {
                    return nil
                }
                steps.append(.residual(ResidualStep(first: first, second: second, projection: projection)))
                shape = inner
                sizes.append(shape.reduce(1, *))
                lastWasPool = false
            case is GlobalAvgPool2d:
                guard linears.isEmpty, shape.count == 3, !steps.isEmpty else { return nil }
                steps.append(.globalAveragePool(channels: shape[0], area: shape[1] * shape[2]))
                shape = [shape[0]]
                sizes.append(shape[0])
                lastWasPool = false
            case is ReLU, is Tanh:
                let activation: Activation = layer is ReLU ? .relu : .tanh
                if var last = linears.last {
                    guard last.activation == .none else { return nil }
                    last.activation = activation
                    linears[linears.count - 1] = last
                } else if case let .conv(w, b, g, o, .none)? = steps.last, !lastWasPool {
                    steps[steps.count - 1] = .conv(weight: w, bias: b, geometry: g, outputs: o, activation: activation)
                } else if case let .batchNorm(norm, area, .none)? = steps.last {
                    steps[steps.count - 1] = .batchNorm(norm, area: area, activation: activation)
                } else if !steps.isEmpty {
                    steps.append(.activation(activation))
                    sizes.append(sizes[sizes.count - 1])
                    lastWasPool = false
                } else {
                    return nil
                }
            case let linear as Linear:
                guard shape == [linear.inputFeatures] else { return nil }
                linears.append(LinearStep(weight: linear.weight, bias: linear.bias, inputs: linear.inputFeatures,
                                          outputs: linear.outputFeatures, activation: .none))
                shape = [linear.outputFeatures]
            case is Flatten:
                shape = [shape.reduce(1, *)]
            case is Dropout:
                continue
            default:
                return nil
            }
        }
        guard !steps.isEmpty || !linears.isEmpty, shape.count == 1 else { return nil }
        sampleSteps = steps
        sampleSizes = sizes
        linearSteps = linears
        inputFeatures = inputShape.reduce(1, *)
        outputFeatures = shape[0]
        self.maxBatch = maxBatch
        if let last = sizes.last {
            let output = allocate(last * maxBatch)
            sampleOutput = output
            let largest = sizes.max() ?? 0
            let columns = steps.reduce(1) { size, step in
                switch step {
                case let .conv(_, _, g, _, _): return Swift.max(size, ConvolutionGemm.scratchCount(g))
                case let .residual(r):
                    let counts = [r.first, r.second].map { ConvolutionGemm.scratchCount($0.geometry) }
                        + (r.projection.map { [ConvolutionGemm.scratchCount($0.geometry)] } ?? [])
                    return Swift.max(size, counts.max()!)
                default: return size
                }
            }
            let hasResidual = steps.contains { if case .residual = $0 { return true } else { return false } }
            for _ in 0..<Swift.min(maxBatch, Self.sampleGroups) {
                let packed = ConvolutionGemm.allocateScratch(columns)
                alignedAllocations.append(packed)
                scratch.append(Scratch(ping: allocate(largest), pong: allocate(largest), columns: packed,
                                       first: allocate(hasResidual ? largest : 1), second: allocate(hasResidual ? largest : 1)))
            }
        }
        for step in linears { linearBuffers.append(allocate(step.outputs * maxBatch)) }
    }

    deinit { for buffer in allocations + alignedAllocations { buffer.deallocate() } }

    private func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        buffer.initialize(repeating: 0, count: Swift.max(count, 1))
        allocations.append(buffer)
        return buffer
    }

    /// Logits of `rows` samples at `input` (`rows × inputFeatures`, row-major). The returned pointer is valid
    /// until the next call on this plan.
    @discardableResult
    public func logits(_ input: UnsafePointer<Float>, rows: Int = 1) -> UnsafePointer<Float> {
        precondition(rows > 0 && rows <= maxBatch, "InferencePlan: \(rows) rows (maxBatch \(maxBatch))")
        var x = input
        if let sampleOutput {
            runSampleSteps(input, rows: rows, into: sampleOutput)
            x = UnsafePointer(sampleOutput)
        }
        let threads = KernelConfiguration.threadCount
        for (index, step) in linearSteps.enumerated() {
            let out = linearBuffers[index]
            // As the autograd `linear`: the bias first, then `C += x · Wᵀ` (same rounding when `k` spans several
            // depth blocks of the GEMM).
            if let bias = step.bias {
                for r in 0..<rows { (out + r * step.outputs).update(from: bias.data, count: step.outputs) }
            }
            let beta: Float = step.bias == nil ? 0 : 1
            let columnSplit = rows <= 4 && threads > 1 && step.inputs * step.outputs >= 1 << 18 && step.outputs >= 2 * threads
            if columnSplit {
                // Few rows, large weights: each thread reads its own slice of the weight rows.
                let xs = SendableConstPointer(x), os = SendablePointer(out), ws = SendableConstPointer(UnsafePointer(step.weight.data))
                parallelFor(chunks: threads, threads: threads) { part in
                    let lo = part * step.outputs / threads, hi = (part + 1) * step.outputs / threads
                    sgemm(transA: false, transB: true, m: rows, n: hi - lo, k: step.inputs, a: xs.pointer, lda: step.inputs,
                          b: ws.pointer + lo * step.inputs, ldb: step.inputs, beta: beta, c: os.pointer + lo, ldc: step.outputs,
                          threads: 1)
                }
            } else {
                sgemm(transA: false, transB: true, m: rows, n: step.outputs, k: step.inputs, a: x, lda: step.inputs,
                      b: step.weight.data, ldb: step.inputs, beta: beta, c: out, ldc: step.outputs, threads: rows < 16 ? 1 : nil)
            }
            Self.finish(out, rows: rows, columns: step.outputs, bias: nil, activation: step.activation)
            x = UnsafePointer(out)
        }
        return x
    }

    /// The convolutional part for `rows` samples: sample groups over the threads, or, for fewer samples than
    /// threads, one sample at a time with each GEMM spread over the threads.
    private func runSampleSteps(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let threads = KernelConfiguration.threadCount
        let outSize = sampleSizes[sampleSizes.count - 1]
        if rows < threads || threads == 1 {
            for r in 0..<rows {
                runSample(input + r * inputFeatures, into: output + r * outSize, scratch: scratch[0], threads: threads)
            }
            return
        }
        let groups = Swift.min(rows, scratch.count)
        let xs = SendableConstPointer(input), os = SendablePointer(output)
        let box = UncheckedSendable(self)
        parallelFor(chunks: groups, threads: threads) { group in
            let plan = box.value
            for r in (group * rows / groups)..<((group + 1) * rows / groups) {
                plan.runSample(xs.pointer + r * plan.inputFeatures, into: os.pointer + r * outSize,
                               scratch: plan.scratch[group], threads: 1)
            }
        }
    }

    /// Every sample step on one sample, through the scratch buffers, the last one writing `output`.
    private func runSample(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, scratch: Scratch,
                           threads: Int) {
        var src = input
        for (index, step) in sampleSteps.enumerated() {
            let dst = index == sampleSteps.count - 1 ? output : (index % 2 == 0 ? scratch.ping : scratch.pong)
            switch step {
            case let .conv(weight, bias, g, outputs, activation):
                let positions = g.positions
                if let bias {
                    for o in 0..<outputs { (dst + o * positions).update(repeating: bias.data[o], count: positions) }
                }
                ConvolutionGemm.run(weight: weight.data, outputs: outputs, image: src, geometry: g, beta: bias == nil ? 0 : 1,
                                    output: dst, packed: scratch.columns, threads: threads)
                Self.apply(activation, to: dst, count: outputs * positions)
            case let .maxPool(channels, height, width, kernel, stride):
                Self.maxPool(src, into: dst, planes: channels, height: height, width: width, kernel: kernel, stride: stride)
            case let .activation(activation):
                let count = sampleSizes[index]
                dst.update(from: src, count: count)
                Self.apply(activation, to: dst, count: count)
            case let .batchNorm(norm, area, activation):
                Self.normalize(src, into: dst, norm: norm, area: area)
                Self.apply(activation, to: dst, count: norm.features * area)
            case let .residual(block):
                runResidual(block, src, into: dst, scratch: scratch, threads: threads)
            case let .globalAveragePool(channels, area):
                // As the autograd operation: the plane's sum (`sumFloats`) times 1/area.
                let scale = 1 / Float(area)
                for c in 0..<channels { dst[c] = sumFloats(src + c * area, count: area) * scale }
            }
            src = UnsafePointer(dst)
        }
    }

    /// A convolution without bias, then its batch norm in place.
    private func runConvNorm(_ step: ConvNorm, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                             scratch: Scratch, threads: Int) {
        ConvolutionGemm.run(weight: step.weight.data, outputs: step.outputs, image: input, geometry: step.geometry, beta: 0,
                            output: output, packed: scratch.columns, threads: threads)
        Self.normalize(output, into: output, norm: step.norm, area: step.geometry.positions)
    }

    /// One residual block on one sample: the operations of `ResidualBlock.forward`, in its order.
    private func runResidual(_ block: ResidualStep, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                             scratch: Scratch, threads: Int) {
        let count = block.second.outputs * block.second.geometry.positions
        runConvNorm(block.first, input, into: scratch.first, scratch: scratch, threads: threads)
        Self.apply(.relu, to: scratch.first, count: block.first.outputs * block.first.geometry.positions)
        runConvNorm(block.second, scratch.first, into: scratch.second, scratch: scratch, threads: threads)
        var shortcut = input
        if let projection = block.projection {
            runConvNorm(projection, input, into: scratch.first, scratch: scratch, threads: threads)
            shortcut = UnsafePointer(scratch.first)
        }
        for i in 0..<count {
            let sum = scratch.second[i] + shortcut[i]
            output[i] = sum > 0 ? sum : 0
        }
    }

    /// Batch norm with the running statistics, computed as `Tensor.batchNormInference` does (the same scale and
    /// shift, rounded the same way), so the values are bitwise the autograd forward's. `input` may be `output`.
    private static func normalize(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, norm: BatchNorm,
                                  area: Int) {
        let epsilon = Double(norm.epsilon)
        for c in 0..<norm.features {
            let inverse = Float(1 / (Double(norm.runningVariance.data[c]) + epsilon).squareRoot())
            let scale = norm.weight.data[c] * inverse
            let shift = norm.bias.data[c] - norm.runningMean.data[c] * scale
            let p = input + c * area, o = output + c * area
            for i in 0..<area { o[i] = p[i] * scale + shift }
        }
    }

    /// Max pooling of `planes` planes of `height × width`, square window, no padding (the autograd operation's
    /// comparison order, so ties and NaNs give the same values).
    private static func maxPool(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, planes: Int,
                                height h: Int, width w: Int, kernel: Int, stride s: Int) {
        let oh = (h - kernel) / s + 1, ow = (w - kernel) / s + 1
        for plane in 0..<planes {
            let src = x + plane * h * w, dst = out + plane * oh * ow
            if kernel == 2 && s == 2 {
                for i in 0..<oh {
                    let top = src + 2 * i * w, bottom = top + w
                    for j in 0..<ow {
                        var best = top[2 * j]
                        if top[2 * j + 1] > best { best = top[2 * j + 1] }
                        if bottom[2 * j] > best { best = bottom[2 * j] }
                        if bottom[2 * j + 1] > best { best = bottom[2 * j + 1] }
                        dst[i * ow + j] = best
                    }
                }
            } else {
                for i in 0..<oh { for j in 0..<ow {
                    var best = -Float.infinity
                    for u in 0..<kernel { for v in 0..<kernel {
                        let value = src[(i * s + u) * w + (j * s + v)]
                        if value > best { best = value }
                    } }
                    dst[i * ow + j] = best
                } }
            }
        }
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
            apply(activation, to: row, count: columns)
        }
    }

    /// The activation in place (ReLU as `x > 0 ? x : 0`, so NaN becomes 0 as in the autograd operation).
    private static func apply(_ activation: Activation, to values: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .none: break
        case .relu: for j in 0..<count { values[j] = values[j] > 0 ? values[j] : 0 }
        case .tanh: for j in 0..<count { values[j] = Foundation.tanh(values[j]) }
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

/// A reference that may cross into `parallelFor` workers; the plan's workers write disjoint memory.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension Sequential {
    /// A compiled, allocation-free inference path for this MLP-like model (see `InferencePlan`), or nil when
    /// the model has layers the plan does not support.
    public func inferencePlan(maxBatch: Int = 256) -> InferencePlan? { InferencePlan(self, maxBatch: maxBatch) }

    /// A compiled inference path for samples of `inputShape` (convolutional models included), or nil when the
    /// model has layers the plan does not support.
    public func inferencePlan(inputShape: [Int], maxBatch: Int = 256) -> InferencePlan? {
        InferencePlan(self, inputShape: inputShape, maxBatch: maxBatch)
    }
}
