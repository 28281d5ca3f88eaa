import EBJRTensor

extension G2PModel {
    /// Greedy decoding of a batch, `y_t = argmax_v z_t[v]`, until every word has produced the end token or
    /// `maxSteps(sourceLength)` steps. Runs without gradient history; rows that finished early are still
    /// stepped (batched) but their later steps are discarded.
    public func greedyDecode(_ sources: [[Int]], maxSteps: (Int) -> Int = G2PModel.defaultMaxSteps) -> [DecodedSequence] {
        noGrad {
            let encoding = encode(sources)
            let vocabulary = config.targetVocabularySize
            let limits = sources.map { maxSteps($0.count) }
            var results = sources.map { _ in DecodedSequence(tokens: [], logits: [], vocabularySize: vocabulary, isFinished: false) }
            var active = Array(repeating: true, count: sources.count)
            var previous = Array(repeating: G2PVocabulary.start, count: sources.count)
            var state = initialState(encoding)
            for t in 0..<(limits.max() ?? 0) {
                let result = step(previous, state: state, encoding: encoding)
                state = result.state
                let z = logits(result.features)
                let choices = z.argmaxLastAxis()
                for b in 0..<sources.count where active[b] {
                    results[b].logits.append(contentsOf: UnsafeBufferPointer(start: z.data + b * vocabulary, count: vocabulary))
                    if choices[b] == G2PVocabulary.end {
                        results[b].isFinished = true
                        active[b] = false
                    } else {
                        results[b].tokens.append(choices[b])
                        if t + 1 >= limits[b] { active[b] = false }
                    }
                }
                if !active.contains(true) { break }
                previous = choices
            }
            return results
        }
    }

    /// The default decoding limit: `2·letters + 4` steps.
    public static let defaultMaxSteps: @Sendable (Int) -> Int = { 2 * $0 + 4 }
}
