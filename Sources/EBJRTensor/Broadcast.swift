/// NumPy broadcasting rules: shapes are aligned at the right; each pair of dimensions must be equal or 1.
public enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Element strides of `shape` seen from a broadcast result of `target` rank (0 on broadcast axes).
    static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        let offset = target.count - shape.count
        var strides = [Int](repeating: 0, count: target.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + offset] = shape[i] == 1 ? 0 : running
            running *= shape[i]
        }
        return strides
    }
}

extension Tensor {
    /// Sums a gradient of the broadcast shape back down to this tensor's `shape`: the single place where
    /// broadcasting is undone in backward passes.
    public func reducedToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let strides = Broadcast.strides(of: target, in: shape)
        let out = Tensor(zeros: target)
        let o = out.data, src = data
        // Iterate over this tensor's elements with a running multi-index.
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        let inner = shape.last ?? 1
        let innerStride = strides.last ?? 0
        let outer = count / Swift.max(inner, 1)
        var position = 0
        for _ in 0..<outer {
            if innerStride == 0 {
                var acc: Float = 0
                for j in 0..<inner { acc += src[position + j] }
                o[offset] += acc
            } else {
                for j in 0..<inner { o[offset + j] += src[position + j] }
            }
            position += inner
            // Advance the multi-index over all but the last axis.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}
