import EBJRKernels

/// Sample groups of a convolution's forward and backward (see `conv2d`).
let convolutionChunks = 8

extension Tensor {
    /// 2-D cross-correlation (PyTorch's `conv2d`) of `x: [N, C, H, W]` with `weight: [O, C, kh, kw]`
    /// and optional `bias: [O]`:
    /// `y[n, o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] · x[n, c, s·i + u − p, s·j + v − p]` (zero padding).
    ///
    /// Implemented per sample as `W[O, C·kh·kw] · im2col(x[n])` (`ConvolutionGemm`: the columns unfolded straight
    /// into the GEMM's panels), samples spread over the kernel threads.
    /// Backward: `∂W = Σ_n G[n] · colsᵀ`, `∂x[n] = col2im(Wᵀ · G[n])`, `∂b = Σ G`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape) ([N, C, H, W]) does not match weight \(weight.shape) ([O, C, kh, kw])")
        let n = x.shape[0], outC = weight.shape[0]
        let geo = ConvGeometry(channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                               kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], stride: stride, padding: padding)
        precondition(geo.outputHeight > 0 && geo.outputWidth > 0, "conv2d: kernel larger than padded input \(x.shape)")
        if let bias { precondition(bias.shape == [outC], "conv2d: bias \(bias.shape) should be [\(outC)]") }
        let p = geo.positions, ck = geo.patchSize, inSize = geo.channels * geo.height * geo.width
        let out = Tensor.uninitialized([n, outC, geo.outputHeight, geo.outputWidth])
        // A fixed number of sample groups (not one per thread): threads take groups dynamically, so a descheduled
        // thread on a shared machine holds back little, and the weight-gradient partial sums below are the same
        // for every thread count.
        let chunks = Swift.min(n, convolutionChunks)
        let threads = KernelConfiguration.threadCount
        let xs = SendableConstPointer(UnsafePointer(x.data)), ws = SendableConstPointer(UnsafePointer(weight.data))
        let os = SendablePointer(out.data), bs = bias.map { SendableConstPointer(UnsafePointer($0.data)) }
        parallelFor(chunks: chunks, threads: threads) { chunk in
            // The columns go straight into the GEMM's panels (bitwise the values of im2col + sgemm).
            let packed = ConvolutionGemm.allocateScratch(ConvolutionGemm.scratchCount(geo))
            defer { packed.deallocate() }
            for sample in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                let dst = os.pointer + sample * outC * p
                if let bs { for o in 0..<outC { (dst + o * p).update(repeating: bs.pointer[o], count: p) } }
                ConvolutionGemm.run(weight: ws.pointer, outputs: outC, image: xs.pointer + sample * inSize, geometry: geo,
                                    beta: bs == nil ? 0 : 1, output: dst, packed: packed, threads: 1)
            }
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return record("conv2d", output: out, inputs: inputs) { g in
            let gx = x.requiresGrad ? Tensor(zeros: x.shape) : nil
            let gxs = gx.map { SendablePointer($0.data) }
            let gs = SendableConstPointer(UnsafePointer(g.data))
            // Per-group weight-gradient accumulators, summed afterwards in group order.
            let partialW = Tensor(zeros: [chunks, outC * ck])
            let pws = SendablePointer(partialW.data)
            let needW = weight.requiresGrad
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let cols = UnsafeMutablePointer<Float>.allocate(capacity: ck * p)
                defer { cols.deallocate() }
                for sample in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                    let gOut = gs.pointer + sample * outC * p
                    if needW {
                        im2col(xs.pointer + sample * inSize, geo, into: cols)
                        sgemm(transA: false, transB: true, m: outC, n: ck, k: p, a: gOut, lda: p, b: cols, ldb: p,
                              beta: 1, c: pws.pointer + chunk * outC * ck, ldc: ck, threads: 1)
                    }
                    if let gxs {
                        sgemm(transA: true, transB: false, m: ck, n: p, k: outC, a: ws.pointer, lda: ck, b: gOut, ldb: p,
                              c: cols, ldc: p, threads: 1)
                        col2im(cols, geo, addingInto: gxs.pointer + sample * inSize)
                    }
                }
            }
            var gw: Tensor?
            if needW {
                let t = Tensor.exclusiveGradient(weight.shape)
                t.data.update(from: partialW.data, count: outC * ck)
                for c in 1..<Swift.max(chunks, 1) { addFloats(partialW.data + c * outC * ck, into: t.data, count: outC * ck) }
                gw = t
            }
            var gb: Tensor?
            if let bias, bias.requiresGrad {
                let t = Tensor.exclusiveGradient([outC])
                t.data.update(repeating: 0, count: outC)
                for sample in 0..<n { for o in 0..<outC {
                    t.data[o] += sumFloats(g.data + (sample * outC + o) * p, count: p)
                } }
                gb = t
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }

    /// 2-D max pooling of `[N, C, H, W]` with a square window `kernelSize` and `stride` (default: the window),
    /// no padding. The gradient goes to the first maximal element of each window in row-major scan order.
    public func maxPool2d(kernelSize: Int, stride: Int? = nil) -> Tensor {
        precondition(rank == 4, "maxPool2d: expected [N, C, H, W], got \(shape)")
        let s = stride ?? kernelSize
        let n = shape[0], c = shape[1], h = shape[2], w = shape[3]
        let oh = (h - kernelSize) / s + 1, ow = (w - kernelSize) / s + 1
        precondition(oh > 0 && ow > 0, "maxPool2d: window \(kernelSize) larger than input \(shape)")
        let out = Tensor.uninitialized([n, c, oh, ow])
        var argmax = [Int32](repeating: 0, count: out.count)
        let x = data, o = out.data
        argmax.withUnsafeMutableBufferPointer { am in
            if kernelSize == 2 && s == 2 {
                // The common 2×2, stride-2 window, unrolled; planes are independent and spread over the threads.
                let amp = SendablePointer(am.baseAddress!), os = SendablePointer(o), xs = SendableConstPointer(UnsafePointer(x))
                let planes = n * c
                let threads = planes * h * w >= Tensor.parallelElementwiseThreshold ? KernelConfiguration.threadCount : 1
                parallelFor(chunks: threads, threads: threads) { chunk in
                    let am = amp.pointer, o = os.pointer, x = xs.pointer
                    for plane in (chunk * planes / threads)..<((chunk + 1) * planes / threads) {
                        let src = x + plane * h * w
                        for i in 0..<oh {
                            let top = src + 2 * i * w, bottom = top + w
                            for j in 0..<ow {
                                var best = top[2 * j], bestIndex = 2 * i * w + 2 * j
                                if top[2 * j + 1] > best { best = top[2 * j + 1]; bestIndex = 2 * i * w + 2 * j + 1 }
                                if bottom[2 * j] > best { best = bottom[2 * j]; bestIndex = (2 * i + 1) * w + 2 * j }
                                if bottom[2 * j + 1] > best { best = bottom[2 * j + 1]; bestIndex = (2 * i + 1) * w + 2 * j + 1 }
                                let oi = (plane * oh + i) * ow + j
                                o[oi] = best
                                am[oi] = Int32(bestIndex)
                            }
                        }
                    }
                }
                return
            }
            for plane in 0..<(n * c) {
                let src = x + plane * h * w
                for i in 0..<oh { for j in 0..<ow {
                    var best = -Float.infinity, bestIndex = (i * s) * w + j * s
                    for u in 0..<kernelSize { for v in 0..<kernelSize {
                        let idx = (i * s + u) * w + (j * s + v)
                        if src[idx] > best { best = src[idx]; bestIndex = idx }
                    } }
                    let oi = (plane * oh + i) * ow + j
                    o[oi] = best
                    am[oi] = Int32(bestIndex)
                } }
            }
        }
        return Tensor.record("maxPool2d", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor(zeros: shape)
            let gd = grad.data, gs = g.data
            for plane in 0..<(n * c) {
                for q in 0..<(oh * ow) {
                    let oi = plane * oh * ow + q
                    gd[plane * h * w + Int(argmax[oi])] += gs[oi]
                }
            }
            return [grad]
        }
    }
}
