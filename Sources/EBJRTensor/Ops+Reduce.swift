extension Tensor {
    /// Splits `shape` around `axis` into (outer, extent, inner) element counts.
    func axisLayout(_ axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    func normalizedAxis(_ axis: Int, _ op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return a
    }

    static func reducedShape(_ shape: [Int], axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Sum of all values, as a scalar; `∂ = g` everywhere.
    public func sum() -> Tensor {
        var acc: Float = 0
        let x = data
        for i in 0..<count { acc += x[i] }
        let out = Tensor(scalar: acc)
        return Tensor.record("sum", output: out, inputs: [self]) { [shape] g in
            [Tensor(repeating: g.item, shape: shape)]
        }
    }

    /// Mean of all values, as a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Sum over `axis`; `∂` broadcasts `g` back along it.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis, "sum")
        let (outer, extent, inner) = axisLayout(axis)
        let out = Tensor(zeros: Tensor.reducedShape(shape, axis: axis, keepDims: keepDims))
        let x = data, o = out.data
        for a in 0..<outer {
            for e in 0..<extent {
                let src = x + (a * extent + e) * inner, dst = o + a * inner
                for i in 0..<inner { dst[i] += src[i] }
            }
        }
        return Tensor.record("sum(axis)", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor.uninitialized(shape)
            let gs = g.data, d = grad.data
            for a in 0..<outer { for e in 0..<extent {
                (d + (a * extent + e) * inner).update(from: gs + a * inner, count: inner)
            } }
            return [grad]
        }
    }

    /// Mean over `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, "mean")
        return sum(axis: a, keepDims: keepDims) * (1 / Float(Swift.max(shape[a], 1)))
    }

    /// Maximum over `axis`. The gradient goes to the first maximal element (ties are broken by position,
    /// deterministically).
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis, "max")
        let (outer, extent, inner) = axisLayout(axis)
        precondition(extent > 0, "max: empty axis \(axis) in \(shape)")
        let out = Tensor.uninitialized(Tensor.reducedShape(shape, axis: axis, keepDims: keepDims))
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let x = data, o = out.data
        for a in 0..<outer {
            for i in 0..<inner {
                var best = x[a * extent * inner + i], bestIndex = 0
                for e in 1..<extent {
                    let v = x[(a * extent + e) * inner + i]
                    if v > best || (best.isNaN && !v.isNaN) { best = v; bestIndex = e }
                }
                o[a * inner + i] = best
                argmax[a * inner + i] = Int32(bestIndex)
            }
        }
        return Tensor.record("Swift.max(axis)", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor(zeros: shape)
            let gs = g.data, d = grad.data
            for a in 0..<outer { for i in 0..<inner {
                d[(a * extent + Int(argmax[a * inner + i])) * inner + i] = gs[a * inner + i]
            } }
            return [grad]
        }
    }

    /// Index of the maximum along the last axis, per row (no gradient).
    public func argmaxLastAxis() -> [Int] {
        let k = shape.last ?? 1
        let rows = count / Swift.max(k, 1)
        var result = [Int](repeating: 0, count: rows)
        let x = data
        for r in 0..<rows {
            var best = x[r * k], bi = 0
            for j in 1..<k where x[r * k + j] > best { best = x[r * k + j]; bi = j }
            result[r] = bi
        }
        return result
    }
}
