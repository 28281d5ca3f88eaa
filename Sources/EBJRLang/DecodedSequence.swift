/// One decoded output: the tokens (end token excluded) and the logits of every decoder step that produced them,
/// including the step that produced the end token (absent when decoding hit its length limit).
public struct DecodedSequence: Sendable {
    public var tokens: [Int]
    /// Row-major `[steps, vocabularySize]`.
    public var logits: [Float]
    public var vocabularySize: Int
    /// Whether the end token was produced.
    public var isFinished: Bool

    /// Number of decoder steps (rows of `logits`).
    public var steps: Int { vocabularySize == 0 ? 0 : logits.count / vocabularySize }

    /// The tokens chosen at each step (`tokens` plus the end token when finished).
    public var emittedTokens: [Int] { isFinished ? tokens + [G2PVocabulary.end] : tokens }
}
