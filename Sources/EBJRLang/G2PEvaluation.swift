import EBJRTensor

/// Decoding a whole split and scoring it against the accepted references.
public enum G2PEvaluation {
    /// Greedy outputs for `examples`, decoded in batches of `batchSize` words sorted by length (results in input order).
    public static func greedyDecode(_ model: G2PModel, examples: [G2PExample], batchSize: Int = 256) -> [DecodedSequence] {
        let order = examples.indices.sorted { examples[$0].letters.count < examples[$1].letters.count }
        var results = [DecodedSequence?](repeating: nil, count: examples.count)
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = Array(order[start..<Swift.min(start + batchSize, order.count)])
            for (index, decoded) in zip(batch, model.greedyDecode(batch.map { examples[$0].letters })) { results[index] = decoded }
        }
        return results.map { $0! }
    }

    /// Whether each output matches one of its word's references.
    public static func correctness(_ outputs: [[Int]], examples: [G2PExample]) -> [Bool] {
        zip(outputs, examples).map { EditDistance.isCorrect($0, references: $1.references) }
    }

    /// Greedy word error rate on `examples`.
    public static func wordErrorRate(_ model: G2PModel, examples: [G2PExample]) -> Double {
        let outputs = greedyDecode(model, examples: examples).map(\.tokens)
        return EditDistance.wordErrorRate(outputs, references: examples.map(\.references))
    }
}
