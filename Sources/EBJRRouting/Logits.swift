/// A batch of classifier outputs `z ∈ R^{N×K}`, stored row-major as Float32: `values[i·K + k] = z_{i,k}`.
///
/// Construction validates the shape (`values.count = N·K`, `K ≥ 1`) and that every logit is finite, so every
/// score computed from it is finite too.
public struct Logits: Sendable, Equatable {
    /// The row-major values, `count × classCount` of them.
    public let values: [Float]
    /// The number of samples `N`.
    public let count: Int
    /// The number of outputs per sample `K`.
    public let classCount: Int

    /// Validates and wraps a row-major buffer. `what` names the buffer in errors (e.g. "side logits, test").
    public init(values: [Float], count: Int, classCount: Int, what: String = "logits") throws {
        guard classCount >= 1, count >= 0, values.count == count * classCount else {
            throw RoutingError.logitsShape(what: what, valueCount: values.count, count: count, classCount: classCount)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw RoutingError.nonFiniteLogit(what: what, row: bad / classCount, column: bad % classCount)
        }
        self.values = values
        self.count = count
        self.classCount = classCount
    }

    /// Builds logits from one array per sample; all rows must have the same, non-zero length.
    public init(rows: [[Float]], what: String = "logits") throws {
        guard let first = rows.first else { throw RoutingError.empty(what: what) }
        for (i, row) in rows.enumerated() where row.count != first.count {
            throw RoutingError.classCountMismatch(what: "\(what), row \(i)", expected: first.count, actual: row.count)
        }
        try self.init(values: rows.flatMap { $0 }, count: rows.count, classCount: first.count, what: what)
    }

    /// For values already known to be valid.
    init(unchecked values: [Float], count: Int, classCount: Int) {
        self.values = values
        self.count = count
        self.classCount = classCount
    }

    /// Row `i` as a slice of `values` (indices of the slice are those of `values`).
    public func row(_ i: Int) -> ArraySlice<Float> {
        values[(i * classCount)..<((i + 1) * classCount)]
    }

    /// `argmax_k z_{i,k}` for every row; on ties the lowest index wins (as in numpy and PyTorch).
    public func predictions() -> [Int] { predictions(columns: 0..<classCount) }

    /// `argmax` over the given columns only, returned as a column index of the full row.
    public func predictions(columns: Range<Int>) -> [Int] {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= classCount && !columns.isEmpty,
                     "Logits.predictions: columns \(columns) outside 0..<\(classCount)")
        var out = [Int](repeating: 0, count: count)
        values.withUnsafeBufferPointer { v in
            for i in 0..<count {
                let base = i * classCount
                out[i] = argmax(v[(base + columns.lowerBound)..<(base + columns.upperBound)]) - base
            }
        }
        return out
    }

    /// The rows at `indices`, in that order (indices may repeat).
    public func selecting(rows indices: [Int]) -> Logits {
        var out = [Float]()
        out.reserveCapacity(indices.count * classCount)
        for i in indices {
            precondition(i >= 0 && i < count, "Logits.selecting: row \(i) outside 0..<\(count)")
            out.append(contentsOf: row(i))
        }
        return Logits(unchecked: out, count: indices.count, classCount: classCount)
    }
}
