import EBJRTensor

/// A left-to-right model that beam search can drive: it scores the next token for a batch of hypotheses.
public protocol StepwiseModel {
    associatedtype State
    /// The state before the first token.
    func initialState() -> State
    /// Advances each hypothesis by its last token; returns the new states and `log p(· | prefix)` rows.
    func advance(_ states: [State], lastTokens: [Int]) -> (states: [State], logProbabilities: [[Float]])
}

/// Beam search over `StepwiseModel`s, scoring hypotheses by total log-probability `Σ_t log p(y_t | y_<t)`
/// (no length normalisation).
///
/// Each step expands every live hypothesis by every token and keeps the `beamWidth` best expansions; an
/// expansion ending in `endToken` is finished. The search stops when no hypothesis is live, after `maxSteps`,
/// or when the best finished score is at least the best live score (log-probabilities only decrease).
public struct BeamSearch: Sendable {
    public var beamWidth: Int
    public var maxSteps: Int
    public var startToken: Int
    public var endToken: Int

    public init(beamWidth: Int, maxSteps: Int, startToken: Int, endToken: Int) {
        precondition(beamWidth >= 1, "BeamSearch: beam width must be at least 1")
        self.beamWidth = beamWidth
        self.maxSteps = maxSteps
        self.startToken = startToken
        self.endToken = endToken
    }

    /// A finished (or, at the length limit, unfinished) hypothesis.
    public struct Hypothesis: Equatable, Sendable {
        /// Tokens, end token excluded.
        public var tokens: [Int]
        public var logProbability: Float
        public var isFinished: Bool
    }

    /// Hypotheses best first (at most `beamWidth`).
    public func search<Model: StepwiseModel>(_ model: Model) -> [Hypothesis] {
        var live: [(tokens: [Int], score: Float, state: Model.State)] = [([], 0, model.initialState())]
        var finished: [Hypothesis] = []
        for _ in 0..<maxSteps {
            let (states, logProbabilities) = model.advance(live.map(\.state), lastTokens: live.map { $0.tokens.last ?? startToken })
            var candidates: [(beam: Int, token: Int, score: Float)] = []
            for (i, row) in logProbabilities.enumerated() {
                for (token, lp) in row.enumerated() where lp > -.infinity { candidates.append((i, token, live[i].score + lp)) }
            }
            candidates.sort { $0.score > $1.score || ($0.score == $1.score && ($0.beam, $0.token) < ($1.beam, $1.token)) }
            var next: [(tokens: [Int], score: Float, state: Model.State)] = []
            for candidate in candidates.prefix(beamWidth) {
                if candidate.token == endToken {
                    finished.append(Hypothesis(tokens: live[candidate.beam].tokens, logProbability: candidate.score, isFinished: true))
                } else {
                    next.append((live[candidate.beam].tokens + [candidate.token], candidate.score, states[candidate.beam]))
                }
            }
            live = next
            finished.sort { $0.logProbability > $1.logProbability }
            if live.isEmpty { break }
            if finished.count >= beamWidth, let best = finished.first, best.logProbability >= live[0].score { break }
        }
        let unfinished = live.map { Hypothesis(tokens: $0.tokens, logProbability: $0.score, isFinished: false) }
        let all = finished + (finished.isEmpty ? unfinished : [])
        return Array(all.sorted { $0.logProbability > $1.logProbability }.prefix(beamWidth))
    }
}

extension G2PModel {
    /// One word's decoder as a `StepwiseModel` (hypotheses batched as rows).
    public struct WordDecoder: StepwiseModel {
        public let model: G2PModel
        public let encoding: G2PModel.Encoding

        public func initialState() -> (hidden: [Float], context: [Float]) {
            let state = model.initialState(encoding)
            return (state.hidden.scalars, state.context.scalars)
        }

        public func advance(_ states: [(hidden: [Float], context: [Float])], lastTokens: [Int])
            -> (states: [(hidden: [Float], context: [Float])], logProbabilities: [[Float]]) {
            noGrad {
                let k = states.count, h = model.config.hiddenSize, s = encoding.lengths[0]
                let memory = Tensor.uninitialized([k, s, h])
                for i in 0..<k { (memory.data + i * s * h).update(from: encoding.memory.data, count: s * h) }
                let expanded = G2PModel.Encoding(memory: memory, lengths: Array(repeating: s, count: k),
                                                 initialHidden: encoding.initialHidden)
                let state = G2PModel.DecoderState(hidden: Tensor(states.flatMap(\.hidden), shape: [k, h]),
                                                  context: Tensor(states.flatMap(\.context), shape: [k, h]))
                let result = model.step(lastTokens, state: state, encoding: expanded)
                let logProbabilities = model.logits(result.features).logSoftmax()
                let v = model.config.targetVocabularySize
                return ((0..<k).map { i in (Array(result.state.hidden.scalars[(i * h)..<((i + 1) * h)]),
                                            Array(result.state.context.scalars[(i * h)..<((i + 1) * h)])) },
                        (0..<k).map { i in Array(UnsafeBufferPointer(start: logProbabilities.data + i * v, count: v)) })
            }
        }
    }

    /// Beam-search decoding of one word; returns the best hypothesis's tokens.
    public func beamDecode(_ source: [Int], beamWidth: Int, maxSteps: Int? = nil) -> [Int] {
        let encoding = noGrad { encode([source]) }
        let search = BeamSearch(beamWidth: beamWidth, maxSteps: maxSteps ?? G2PModel.defaultMaxSteps(source.count),
                                startToken: G2PVocabulary.start, endToken: G2PVocabulary.end)
        let best = search.search(WordDecoder(model: self, encoding: encoding)).first
        return best?.tokens ?? []
    }
}
