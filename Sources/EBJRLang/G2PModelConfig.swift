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
