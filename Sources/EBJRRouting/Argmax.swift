/// The position of the largest element of `values` (the first one on ties, as in NumPy and PyTorch); NaN never wins
/// over a number it follows. The one argmax of the toolkit: logits rows, token distributions, accuracies.
public func argmax<C: Collection>(_ values: C) -> C.Index where C.Element: Comparable {
    precondition(!values.isEmpty, "argmax of an empty collection")
    var best = values.startIndex
    var index = values.index(after: best)
    while index != values.endIndex {
        if values[index] > values[best] { best = index }
        index = values.index(after: index)
    }
    return best
}

/// The median of `values` (the upper one of the two middle values for an even count; 0 for none): what the toolkit
/// reports for repeated timings.
public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
