import Foundation
import EBJRKernels

// MARK: - Threading of large elementwise work

extension Tensor {
    /// Elementwise passes over at least this many values are split over the kernel threads.
    static let parallelElementwiseThreshold = 1 << 17

    /// Calls `body` on disjoint index ranges covering `0..<count`, in parallel for large counts. Each index is
    /// visited exactly once with the same arithmetic, so results do not depend on the number of threads.
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = count >= parallelElementwiseThreshold ? KernelConfiguration.threadCount : 1
        if threads <= 1 { body(0..<count); return }
        let chunks = threads * 2
        parallelFor(chunks: chunks, threads: threads) { chunk in
            body((chunk * count / chunks)..<((chunk + 1) * count / chunks))
        }
    }
}

// MARK: - Binary operations with broadcasting

extension Tensor {
    /// Applies `f` elementwise over the broadcast of `a` and `b`.
    @inline(__always) static func broadcastBinary(_ a: Tensor, _ b: Tensor, _ name: String,
                                _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            let out = Tensor.uninitialized(a.shape)
            let x = a.data, y = b.data, o = out.data
            forEachChunk(a.count) { range in for i in range { o[i] = f(x[i], y[i]) } }
            return out
        }
        guard let shape = Broadcast.shape(a.shape, b.shape) else {
            preconditionFailure("\(name): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let out = Tensor.uninitialized(shape)
        let o = out.data, x = a.data, y = b.data
        if b.count == 1 {
            let s = y[0]; for i in 0..<out.count { o[i] = f(x[i], s) }
            return out
        }
        if a.count == 1 {
            let s = x[0]; for i in 0..<out.count { o[i] = f(s, y[i]) }
            return out
        }
        let sa = Broadcast.strides(of: a.shape, in: shape)
        let sb = Broadcast.strides(of: b.shape, in: shape)
        let rank = shape.count
        let inner = shape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0, position = 0
        for _ in 0..<(out.count / Swift.max(inner, 1)) {
            for j in 0..<inner { o[position + j] = f(x[offA + j * ia], y[offB + j * ib]) }
            position += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1; offA += sa[axis]; offB += sb[axis]
                if index[axis] < shape[axis] { break }
                offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis]; index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// `a + b` with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, "add", +)
        return record("add", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.reducedToShape(a.shape) : nil, b.requiresGrad ? g.reducedToShape(b.shape) : nil]
        }
    }

    /// `a − b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, "sub", -)
        return record("sub", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.reducedToShape(a.shape) : nil,
             b.requiresGrad ? g.mapValues { -$0 }.reducedToShape(b.shape) : nil]
        }
    }

    /// `a ⊙ b` with broadcasting; `∂/∂a = g ⊙ b`, `∂/∂b = g ⊙ a`.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, "mul", *)
        return record("mul", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? broadcastBinary(g, b, "mul", *).reducedToShape(a.shape) : nil,
             b.requiresGrad ? broadcastBinary(g, a, "mul", *).reducedToShape(b.shape) : nil]
        }
    }

    /// `a ⊘ b` with broadcasting; `∂/∂a = g / b`, `∂/∂b = −g·a / b²`.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, "div", /)
        return record("div", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? broadcastBinary(g, b, "div", /).reducedToShape(a.shape) : nil,
             b.requiresGrad ? broadcastBinary(broadcastBinary(g, out, "mul", *), b, "div", { -$0 / $1 })
                .reducedToShape(b.shape) : nil]
        }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a + Tensor(scalar: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a - Tensor(scalar: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a * Tensor(scalar: s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a / Tensor(scalar: s) }
    public static func * (s: Float, a: Tensor) -> Tensor { Tensor(scalar: s) * a }
    public static func + (s: Float, a: Tensor) -> Tensor { Tensor(scalar: s) + a }
    public static func - (s: Float, a: Tensor) -> Tensor { Tensor(scalar: s) - a }

    /// `−a`.
    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.mapValues { -$0 }
        return record("neg", output: out, inputs: [a]) { g in [g.mapValues { -$0 }] }
    }
}

// MARK: - Unary operations

extension Tensor {
    /// A new tensor with `f` applied to every value (no history).
    @inline(__always) public func mapValues(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let x = data, o = out.data
        Tensor.forEachChunk(count) { range in for i in range { o[i] = f(x[i]) } }
        return out
    }

    /// `g ⊙ f(x, y)` for a gradient `g`, this tensor `x` and a same-shaped `y` (no history).
    @inline(__always) func zipValues(_ y: Tensor, _ g: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let xs = data, ys = y.data, gs = g.data, o = out.data
        Tensor.forEachChunk(count) { range in for i in range { o[i] = f(gs[i], xs[i], ys[i]) } }
        return out
    }

    /// `exp(x)`; `∂ = g · exp(x)`.
    public func exp() -> Tensor {
        let out = mapValues { Foundation.exp($0) }
        return Tensor.record("exp", output: out, inputs: [self]) { g in [out.zipValues(out, g) { g, y, _ in g * y }] }
    }

    /// `log(x)`; `∂ = g / x`.
    public func log() -> Tensor {
        let out = mapValues { Foundation.log($0) }
        return Tensor.record("log", output: out, inputs: [self]) { [self] g in
            [self.zipValues(self, g) { g, x, _ in g / x }]
        }
    }

    /// `Swift.max(x, 0)`; `∂ = g · [x > 0]`.
    /// Both passes are explicit `SIMD8` loops (as closures through `mapValues`/`zipValues` they ran one call per
    /// element); per element they compute exactly `x > 0 ? x : 0` and `y > 0 ? g : 0`.
    public func relu() -> Tensor {
        let out = Tensor.uninitialized(shape)
        let x = data, o = out.data
        Tensor.forEachChunk(count) { range in Tensor.maskedCopy(range, values: x, mask: x, into: o) }
        return Tensor.record("relu", output: out, inputs: [self]) { g in
            let grad = Tensor.uninitialized(out.shape)
            let gs = g.data, ys = out.data, d = grad.data
            Tensor.forEachChunk(out.count) { range in Tensor.maskedCopy(range, values: gs, mask: ys, into: d) }
            return [grad]
        }
    }

    /// `dst[i] = mask[i] > 0 ? values[i] : 0` over `range`.
    @inline(__always)
    static func maskedCopy(_ range: Range<Int>, values: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                           into dst: UnsafeMutablePointer<Float>) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
            let m = UnsafeRawPointer(mask + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD8<Float>().replacing(with: v, where: m .> 0),
                                                        as: SIMD8<Float>.self)
            i += 8
        }
        while i < range.upperBound { dst[i] = mask[i] > 0 ? values[i] : 0; i += 1 }
    }

    /// `tanh(x)`; `∂ = g · (1 − tanh²)`.
    public func tanh() -> Tensor {
        let out = mapValues { Foundation.tanh($0) }
        return Tensor.record("tanh", output: out, inputs: [self]) { g in
            [out.zipValues(out, g) { g, y, _ in g * (1 - y * y) }]
        }
    }

    /// `σ(x) = 1 / (1 + e^{−x})`; `∂ = g · σ(1 − σ)`.
    public func sigmoid() -> Tensor {
        let out = mapValues { $0 >= 0 ? 1 / (1 + Foundation.exp(-$0)) : Foundation.exp($0) / (1 + Foundation.exp($0)) }
        return Tensor.record("sigmoid", output: out, inputs: [self]) { g in
            [out.zipValues(out, g) { g, y, _ in g * y * (1 - y) }]
        }
    }

    /// `x²`; `∂ = 2 g x`.
    public func squared() -> Tensor {
        let out = mapValues { $0 * $0 }
        return Tensor.record("square", output: out, inputs: [self]) { [self] g in
            [self.zipValues(self, g) { g, x, _ in 2 * g * x }]
        }
    }

    /// `√x`; `∂ = g / (2√x)`.
    public func sqrt() -> Tensor {
        let out = mapValues { $0.squareRoot() }
        return Tensor.record("sqrt", output: out, inputs: [self]) { g in
            [out.zipValues(out, g) { g, y, _ in g / (2 * y) }]
        }
    }

    /// `clamp(x, lo, hi)`; the gradient passes where `lo < x < hi` ... and at the bounds' interior side.
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        let out = mapValues { Swift.min(Swift.max($0, lo), hi) }
        return Tensor.record("clamp", output: out, inputs: [self]) { [self] g in
            [self.zipValues(self, g) { g, x, _ in (x >= lo && x <= hi) ? g : 0 }]
        }
    }
}
