import Foundation
import EBJRKernels

/// Per-channel statistics of one batch, as `Tensor.batchNormTraining` computed them.
public struct BatchStatistics: Sendable {
    /// `μ_c = (1/M) Σ x` over the `M` values of channel `c` (every sample and position).
    public var mean: [Float]
    /// The biased variance `σ²_c = (1/M) Σ (x − μ_c)²` used to normalise the batch.
    public var variance: [Float]
    /// `M`, the number of values per channel.
    public var count: Int
}

extension Tensor {
    /// `(samples N, channels C, values per channel and sample)` of a `[N, C]` or `[N, C, …]` tensor: channel `c` of
    /// sample `n` is the contiguous run `(n·C + c)·inner ..< (n·C + c + 1)·inner`.
    func channelLayout(_ op: String) -> (samples: Int, channels: Int, inner: Int) {
        precondition(rank >= 2, "\(op): expected [N, C] or [N, C, …], got \(shape)")
        return (shape[0], shape[1], shape[2...].reduce(1, *))
    }

    /// Batch normalisation in training mode (`torch.nn.functional.batch_norm(training=True)`) over axis 1 of
    /// `x: [N, C]` or `[N, C, H, W]` with per-channel `weight γ: [C]` and `bias β: [C]`:
    /// `x̂ = (x − μ_c) / √(σ²_c + ε)`, `y = γ_c · x̂ + β_c`, with the batch's mean `μ_c` and biased variance `σ²_c` over
    /// the `M = N·H·W` values of each channel (returned, for the running statistics).
    ///
    /// Backward (the batch statistics depend on `x`): `∂β_c = Σ g`, `∂γ_c = Σ g·x̂`,
    /// `∂x = γ_c / (M·√(σ²_c + ε)) · (M·g − Σ g − x̂ · Σ g·x̂)`. Channel sums are accumulated in Double, in eight lanes
    /// (`DoubleLanes`); channels are spread over the kernel threads (each channel's arithmetic is the same for any
    /// thread count).
    public static func batchNormTraining(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float)
        -> (output: Tensor, statistics: BatchStatistics) {
        let (n, c, inner) = x.channelLayout("batchNormTraining")
        precondition(weight.shape == [c] && bias.shape == [c], "batchNormTraining: weight \(weight.shape) and bias \(bias.shape) should be [\(c)]")
        precondition(n * inner > 0, "batchNormTraining: no values per channel in \(x.shape)")
        let m = n * inner
        let normalized = Tensor.uninitialized(x.shape), out = Tensor.uninitialized(x.shape)
        var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
        var inverseStd = [Float](repeating: 0, count: c)
        let xs = SendableConstPointer(UnsafePointer(x.data)), hs = SendablePointer(normalized.data), os = SendablePointer(out.data)
        let ws = SendableConstPointer(UnsafePointer(weight.data)), bs = SendableConstPointer(UnsafePointer(bias.data))
        mean.withUnsafeMutableBufferPointer { meanBuffer in
        variance.withUnsafeMutableBufferPointer { varianceBuffer in
        inverseStd.withUnsafeMutableBufferPointer { inverseBuffer in
            let mp = SendablePointer(meanBuffer.baseAddress!), vp = SendablePointer(varianceBuffer.baseAddress!)
            let ip = SendablePointer(inverseBuffer.baseAddress!)
            parallelFor(chunks: c, threads: Self.channelThreads(x.count)) { ch in
                var sum = DoubleLanes()
                for s in 0..<n { sum.add(xs.pointer + (s * c + ch) * inner, count: inner) }
                let mu = sum.total / Double(m)
                var squares = DoubleLanes()
                for s in 0..<n { squares.addSquaredDeviations(xs.pointer + (s * c + ch) * inner, count: inner, from: mu) }
                let sigma2 = squares.total / Double(m)
                let inv = Float(1 / (sigma2 + Double(epsilon)).squareRoot())
                let muF = Float(mu), gamma = ws.pointer[ch], beta = bs.pointer[ch]
                for s in 0..<n {
                    let offset = (s * c + ch) * inner
                    let p = xs.pointer + offset, h = hs.pointer + offset, o = os.pointer + offset
                    for i in 0..<inner { let v = (p[i] - muF) * inv; h[i] = v; o[i] = gamma * v + beta }
                }
                mp.pointer[ch] = muF
                vp.pointer[ch] = Float(sigma2)
                ip.pointer[ch] = inv
            }
        } } }
        let statistics = BatchStatistics(mean: mean, variance: variance, count: m)
        let recorded = record("batchNormTraining", output: out, inputs: [x, weight, bias]) { g in
            let gs = SendableConstPointer(UnsafePointer(g.data))
            let gx = x.requiresGrad ? Tensor.exclusiveGradient(x.shape) : nil
            let gxs = gx.map { SendablePointer($0.data) }
            let gw = Tensor.exclusiveGradient([c]), gb = Tensor.exclusiveGradient([c])
            let gws = SendablePointer(gw.data), gbs = SendablePointer(gb.data)
            let hsc = SendableConstPointer(UnsafePointer(normalized.data))
            inverseStd.withUnsafeBufferPointer { inverseBuffer in
                let ip = SendableConstPointer(inverseBuffer.baseAddress!)
                parallelFor(chunks: c, threads: Self.channelThreads(x.count)) { ch in
                    var sumGLanes = DoubleLanes(), sumGHLanes = DoubleLanes()
                    for s in 0..<n {
                        let offset = (s * c + ch) * inner
                        sumGLanes.add(gs.pointer + offset, count: inner)
                        sumGHLanes.addProducts(gs.pointer + offset, hsc.pointer + offset, count: inner)
                    }
                    let sumG = sumGLanes.total, sumGH = sumGHLanes.total
                    gbs.pointer[ch] = Float(sumG)
                    gws.pointer[ch] = Float(sumGH)
                    guard let gxs else { return }
                    let scale = ws.pointer[ch] * ip.pointer[ch] / Float(m)
                    let meanG = Float(sumG), meanGH = Float(sumGH), count = Float(m)
                    for s in 0..<n {
                        let offset = (s * c + ch) * inner
                        let gp = gs.pointer + offset, h = hsc.pointer + offset, d = gxs.pointer + offset
                        for i in 0..<inner { d[i] = scale * (count * gp[i] - meanG - h[i] * meanGH) }
                    }
                }
            }
            return [gx, weight.requiresGrad ? gw : nil, bias.requiresGrad ? gb : nil]
        }
        return (recorded, statistics)
    }

    /// Batch normalisation in evaluation mode (`batch_norm(training=False)`) with fixed per-channel statistics
    /// `mean μ: [C]` and `variance v: [C]` (constants, no gradient): `y = γ_c · (x − μ_c) / √(v_c + ε) + β_c` over axis 1
    /// of `x: [N, C]` or `[N, C, …]`.
    ///
    /// Backward: `∂x = g · γ_c / √(v_c + ε)`, `∂γ_c = Σ g · (x − μ_c) / √(v_c + ε)`, `∂β_c = Σ g`.
    public static func batchNormInference(_ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                          epsilon: Float) -> Tensor {
        let (n, c, inner) = x.channelLayout("batchNormInference")
        precondition([weight, bias, mean, variance].allSatisfy { $0.shape == [c] },
                     "batchNormInference: weight, bias, mean and variance should be [\(c)] for input \(x.shape)")
        let inverse = (0..<c).map { Float(1 / (Double(variance.data[$0]) + Double(epsilon)).squareRoot()) }
        let out = Tensor.uninitialized(x.shape)
        let xs = SendableConstPointer(UnsafePointer(x.data)), os = SendablePointer(out.data)
        let ws = SendableConstPointer(UnsafePointer(weight.data)), bs = SendableConstPointer(UnsafePointer(bias.data))
        let ms = SendableConstPointer(UnsafePointer(mean.data))
        inverse.withUnsafeBufferPointer { inverseBuffer in
            let ip = SendableConstPointer(inverseBuffer.baseAddress!)
            parallelFor(chunks: c, threads: Self.channelThreads(x.count)) { ch in
                let scale = ws.pointer[ch] * ip.pointer[ch]
                let shift = bs.pointer[ch] - ms.pointer[ch] * scale
                for s in 0..<n {
                    let offset = (s * c + ch) * inner
                    let p = xs.pointer + offset, o = os.pointer + offset
                    for i in 0..<inner { o[i] = p[i] * scale + shift }
                }
            }
        }
        return record("batchNormInference", output: out, inputs: [x, weight, bias]) { g in
            let gx = x.requiresGrad ? Tensor.exclusiveGradient(x.shape) : nil
            let gw = Tensor.exclusiveGradient([c]), gb = Tensor.exclusiveGradient([c])
            for ch in 0..<c {
                let mu = mean.data[ch], inv = inverse[ch], scale = weight.data[ch] * inv
                var sumG = 0.0, sumGH = 0.0
                for s in 0..<n {
                    let offset = (s * c + ch) * inner
                    for i in 0..<inner {
                        let gv = g.data[offset + i]
                        sumG += Double(gv)
                        sumGH += Double(gv) * Double((x.data[offset + i] - mu) * inv)
                        if let gx { gx.data[offset + i] = gv * scale }
                    }
                }
                gw.data[ch] = Float(sumGH)
                gb.data[ch] = Float(sumG)
            }
            return [gx, weight.requiresGrad ? gw : nil, bias.requiresGrad ? gb : nil]
        }
    }

    /// Global average pooling `[N, C, H, W] → [N, C]`: `y[n, c] = (1/(H·W)) Σ_{i,j} x[n, c, i, j]` (torch's
    /// `adaptive_avg_pool2d(x, 1).flatten(1)`). Backward: `∂x[n, c, i, j] = g[n, c] / (H·W)`.
    public func globalAveragePool2d() -> Tensor {
        precondition(rank == 4, "globalAveragePool2d: expected [N, C, H, W], got \(shape)")
        let n = shape[0], c = shape[1], area = shape[2] * shape[3]
        precondition(area > 0, "globalAveragePool2d: empty image in \(shape)")
        let out = Tensor.uninitialized([n, c])
        let scale = 1 / Float(area)
        for plane in 0..<(n * c) { out.data[plane] = sumFloats(data + plane * area, count: area) * scale }
        return Tensor.record("globalAveragePool2d", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor.exclusiveGradient(shape)
            for plane in 0..<(n * c) { (grad.data + plane * area).update(repeating: g.data[plane] * scale, count: area) }
            return [grad]
        }
    }

    /// Threads for a per-channel pass over `count` values.
    static func channelThreads(_ count: Int) -> Int {
        count >= parallelElementwiseThreshold / 4 ? KernelConfiguration.threadCount : 1
    }
}
