/// The shape of a `G2PModel`: serialisable, so checkpoints and recipes can record it.
public struct G2PModelConfig: Codable, Equatable, Sendable {
    /// Width of letter and phoneme embeddings.
    public var embeddingSize: Int
    /// Decoder hidden width `H`; the bidirectional encoder uses `H/2` per direction so its outputs are `H` wide.
    public var hiddenSize: Int
    public var sourceVocabularySize: Int
    public var targetVocabularySize: Int

    public init(embeddingSize: Int, hiddenSize: Int, sourceVocabularySize: Int = G2PVocabulary.standard.sourceSize,
                targetVocabularySize: Int = G2PVocabulary.standard.targetSize) {
        precondition(hiddenSize % 2 == 0, "G2PModelConfig: hidden size \(hiddenSize) must be even (two encoder directions)")
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
    }
}

extension G2PModelConfig {
    /// Why a model of this configuration must not be built for the stored weights `storedShapes` (parameter name →
    /// shape), or nil. Checked before the model is allocated, since the configuration comes from a file: every size
    /// must be positive and `H` even, and the three tensors that fix the sizes must be stored with the shapes the
    /// configuration gives them — `source_embedding.weight` `[V_s, E]`, `target_embedding.weight` `[V_t, E]`,
    /// `decoder.weight_hh` `[3H, H]` — so the model built is no larger than a small multiple of what the file
    /// actually stores (a configuration claiming `H = 10¹²` is refused, not allocated).
    public func problem(storedShapes: [String: [Int]]) -> String? {
        let sizes = [("embeddingSize", embeddingSize), ("hiddenSize", hiddenSize),
                     ("sourceVocabularySize", sourceVocabularySize), ("targetVocabularySize", targetVocabularySize)]
        if let (name, value) = sizes.first(where: { $0.1 < 1 }) { return "\(name) is \(value); sizes must be positive" }
        guard hiddenSize % 2 == 0 else { return "hiddenSize is \(hiddenSize); it must be even (two encoder directions)" }
        let (gates, overflow) = hiddenSize.multipliedReportingOverflow(by: 3)
        let expected = [("source_embedding.weight", [sourceVocabularySize, embeddingSize]),
                        ("target_embedding.weight", [targetVocabularySize, embeddingSize]),
                        ("decoder.weight_hh", [overflow ? -1 : gates, hiddenSize])]
        for (name, shape) in expected where storedShapes[name] != shape {
            let actual = storedShapes[name].map { "\($0)" } ?? "missing"
            return "the configuration needs '\(name)' of shape \(shape), the file stores \(actual)"
        }
        return nil
    }
}
