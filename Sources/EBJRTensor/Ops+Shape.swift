extension Tensor {
    /// The same values seen with another shape (one dimension may be `-1`); shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            target[inferred] = count / known
        }
        precondition(target.reduce(1, *) == count, "reshape: cannot reshape \(shape) (\(count) values) to \(newShape)")
        let out = Tensor(shape: target, storage: storage)
        return Tensor.record("reshape", output: out, inputs: [self]) { [shape] g in [g.reshaped(shape)] }
    }

    /// Flattens all axes from `startAxis` on.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        reshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }

    /// Axes permuted: result axis `i` is input axis `permutation[i]`. Materialises a contiguous copy.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "permute: \(permutation) is not a permutation of \(rank) axes")
        let outShape = permutation.map { shape[$0] }
        let out = Tensor.uninitialized(outShape)
        var inStrides = [Int](repeating: 1, count: rank)
        for i in Swift.stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let srcStrides = permutation.map { inStrides[$0] }
        let x = data, o = out.data
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for position in 0..<count {
            o[position] = x[offset]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1; offset += srcStrides[axis]
                if index[axis] < outShape[axis] { break }
                offset -= srcStrides[axis] * outShape[axis]; index[axis] = 0; axis -= 1
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        return Tensor.record("permute", output: out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Matrix transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transpose: expected a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// Values at `indices` along the last axis, one per row: `out[r] = self[r, indices[r]]` (a rank-2 input).
    /// The gradient scatters `g[r]` into column `indices[r]`.
    public func gather(columns indices: [Int]) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count,
                     "gather: need a [N, K] tensor and N indices, got \(shape) and \(indices.count)")
        let k = shape[1]
        for (r, c) in indices.enumerated() {
            precondition(c >= 0 && c < k, "gather: index \(c) at row \(r) is outside 0..<\(k)")
        }
        let out = Tensor.uninitialized([indices.count])
        let x = data, o = out.data
        for (r, c) in indices.enumerated() { o[r] = x[r * k + c] }
        return Tensor.record("gather", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor(zeros: shape)
            for (r, c) in indices.enumerated() { grad.data[r * k + c] = g.data[r] }
            return [grad]
        }
    }

    /// Rows of a `[V, D]` table selected by `indices` → `[indices.count, D]` (embedding lookup).
    /// The gradient adds each output row back into its source row.
    public func gather(rows indices: [Int]) -> Tensor {
        precondition(rank == 2, "gather(rows:): expected a [V, D] table, got \(shape)")
        let v = shape[0], d = shape[1]
        let out = Tensor.uninitialized([indices.count, d])
        for (r, i) in indices.enumerated() {
            precondition(i >= 0 && i < v, "gather(rows:): index \(i) at position \(r) is outside 0..<\(v)")
            (out.data + r * d).update(from: data + i * d, count: d)
        }
        return Tensor.record("gather(rows)", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor(zeros: shape)
            for (r, i) in indices.enumerated() {
                let dst = grad.data + i * d, src = g.data + r * d
                for j in 0..<d { dst[j] += src[j] }
            }
            return [grad]
        }
    }

    /// One-hot rows `[N, classes]` for class indices (a constant, no gradient).
    public static func oneHot(_ indices: [Int], classes: Int) -> Tensor {
        let out = Tensor(zeros: [indices.count, classes])
        for (r, c) in indices.enumerated() {
            precondition(c >= 0 && c < classes, "oneHot: class \(c) at row \(r) is outside 0..<\(classes)")
            out.data[r * classes + c] = 1
        }
        return out
    }

    /// Concatenation along `axis`; the gradient is split back.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let ax = first.normalizedAxis(axis, "concatenate")
        for t in tensors {
            precondition(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "concatenate: shape \(t.shape) does not match \(first.shape) outside axis \(ax)")
        }
        var outShape = first.shape
        outShape[ax] = tensors.map { $0.shape[ax] }.reduce(0, +)
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let out = Tensor.uninitialized(outShape)
        let total = outShape[ax]
        var start = 0
        var starts: [Int] = []
        for t in tensors {
            starts.append(start)
            let e = t.shape[ax]
            for a in 0..<outer {
                (out.data + (a * total + start) * inner).update(from: t.data + a * e * inner, count: e * inner)
            }
            start += e
        }
        return record("concatenate", output: out, inputs: tensors) { g in
            tensors.enumerated().map { (i, t) in
                guard t.requiresGrad else { return nil }
                let e = t.shape[ax]
                let grad = Tensor.uninitialized(t.shape)
                for a in 0..<outer {
                    (grad.data + a * e * inner).update(from: g.data + (a * total + starts[i]) * inner, count: e * inner)
                }
                return grad
            }
        }
    }

    /// The slice `start..<end` along `axis`; the gradient is zero outside it.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = normalizedAxis(axis, "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: \(range) outside 0..<\(shape[ax]) on axis \(ax) of \(shape)")
        let (outer, extent, inner) = axisLayout(ax)
        var outShape = shape
        outShape[ax] = range.count
        let out = Tensor.uninitialized(outShape)
        for a in 0..<outer {
            (out.data + a * range.count * inner).update(from: data + (a * extent + range.lowerBound) * inner,
                                                        count: range.count * inner)
        }
        return Tensor.record("slice", output: out, inputs: [self]) { [shape] g in
            let grad = Tensor(zeros: shape)
            for a in 0..<outer {
                (grad.data + (a * extent + range.lowerBound) * inner).update(from: g.data + a * range.count * inner,
                                                                             count: range.count * inner)
            }
            return [grad]
        }
    }
}
