import EBJRTensor
import EBJRNN

/// The reference grapheme-to-phoneme encoder–decoder.
///
/// Encoder: letter embeddings (`E`) → a bidirectional GRU (`H/2` per direction, padding-masked so each
/// direction sees only the word's own letters) → memory `M: [B, S, H]` (forward and backward states
/// concatenated), initial decoder state `h₀ = [→h_last; ←h_first]`.
/// Decoder step `t` (input feeding, Luong dot attention):
/// `h_t = GRU([emb(y_{t−1}); c_{t−1}], h_{t−1})`, `c_t = Σ_s softmax_s(h_t·M_s) M_s`,
/// `z_t = W_o [h_t; c_t] + b_o` (logits over phonemes + padding/start/end), with `y₋₁ = start`, `c₋₁ = 0`.
///
/// Parameter names (`source_embedding.weight`, `encoder_forward.weight_ih`, …, `output.bias`) are stable for
/// checkpoints.
public final class G2PModel: Module {
    public let config: G2PModelConfig
    public let sourceEmbedding: Embedding
    public let encoderForward: GRUCell
    public let encoderBackward: GRUCell
    public let targetEmbedding: Embedding
    public let decoder: GRUCell
    public let output: Linear

    public init(config: G2PModelConfig, seed: UInt64) {
        self.config = config
        var generator = RandomGenerator(seed: seed)
        let e = config.embeddingSize, h = config.hiddenSize
        sourceEmbedding = Embedding(count: config.sourceVocabularySize, dimension: e, generator: &generator)
        encoderForward = GRUCell(inputSize: e, hiddenSize: h / 2, generator: &generator)
        encoderBackward = GRUCell(inputSize: e, hiddenSize: h / 2, generator: &generator)
        targetEmbedding = Embedding(count: config.targetVocabularySize, dimension: e, generator: &generator)
        decoder = GRUCell(inputSize: e + h, hiddenSize: h, generator: &generator)
        output = Linear(inputFeatures: 2 * h, outputFeatures: config.targetVocabularySize, generator: &generator)
        super.init()
    }

    public override var children: [(name: String, module: Module)] {
        [("source_embedding", sourceEmbedding), ("encoder_forward", encoderForward), ("encoder_backward", encoderBackward),
         ("target_embedding", targetEmbedding), ("decoder", decoder), ("output", output)]
    }

    /// What the decoder attends to: memory `[B, S, H]`, per-row source lengths, and the initial state `[B, H]`.
    public struct Encoding {
        public var memory: Tensor
        public var lengths: [Int]
        public var initialHidden: Tensor
    }

    /// The decoder's recurrent state: hidden `[B, H]` and the previous attention context `[B, H]`.
    public struct DecoderState {
        public var hidden: Tensor
        public var context: Tensor
    }

    /// Encodes a batch of letter-id sequences (each non-empty; shorter ones are padded and masked).
    /// `dropout` (training only) drops letter-embedding values.
    public func encode(_ sources: [[Int]], dropout: inout DropoutNoise?) -> Encoding {
        precondition(!sources.isEmpty && sources.allSatisfy { !$0.isEmpty }, "encode: empty batch or empty word")
        let batch = sources.count, steps = sources.map(\.count).max()!, half = config.hiddenSize / 2
        let lengths = sources.map(\.count)
        let inputs = (0..<steps).map { s in DropoutNoise.apply(&dropout, sourceEmbedding(sources.map { s < $0.count ? $0[s] : 0 })) }
        let masks = (0..<steps).map { s in lengths.map { s < $0 ? Float(1) : 0 } }
        var forwardStates: [Tensor] = [], backwardStates = [Tensor?](repeating: nil, count: steps)
        var hf = Tensor(zeros: [batch, half]), hb = Tensor(zeros: [batch, half])
        for s in 0..<steps {
            hf = encoderForward(inputs[s], hidden: hf, mask: masks[s])
            forwardStates.append(hf)
        }
        for s in stride(from: steps - 1, through: 0, by: -1) {
            hb = encoderBackward(inputs[s], hidden: hb, mask: masks[s])
            backwardStates[s] = hb
        }
        let memory = Tensor.stackSteps((0..<steps).map { Tensor.concatenate([forwardStates[$0], backwardStates[$0]!], axis: 1) })
        return Encoding(memory: memory, lengths: lengths, initialHidden: Tensor.concatenate([hf, hb], axis: 1))
    }

    /// Encodes without dropout (inference).
    public func encode(_ sources: [[Int]]) -> Encoding {
        var none: DropoutNoise?
        return encode(sources, dropout: &none)
    }

    /// The state before the first decoder step.
    public func initialState(_ encoding: Encoding) -> DecoderState {
        DecoderState(hidden: encoding.initialHidden, context: Tensor(zeros: encoding.initialHidden.shape))
    }

    /// One decoder step from the previous tokens; returns the new state and the features `[h_t; c_t]` (`[B, 2H]`).
    public func step(_ tokens: [Int], state: DecoderState, encoding: Encoding) -> (state: DecoderState, features: Tensor) {
        var none: DropoutNoise?
        return step(tokens, state: state, encoding: encoding, dropout: &none)
    }

    /// One decoder step; `dropout` (training only) drops phoneme-embedding values.
    public func step(_ tokens: [Int], state: DecoderState, encoding: Encoding,
                     dropout: inout DropoutNoise?) -> (state: DecoderState, features: Tensor) {
        let input = Tensor.concatenate([DropoutNoise.apply(&dropout, targetEmbedding(tokens)), state.context], axis: 1)
        let hidden = decoder(input, hidden: state.hidden)
        let context = Tensor.dotAttention(query: hidden, keys: encoding.memory, lengths: encoding.lengths)
        return (DecoderState(hidden: hidden, context: context), Tensor.concatenate([hidden, context], axis: 1))
    }

    /// Logits `[N, V]` from features `[N, 2H]`.
    public func logits(_ features: Tensor) -> Tensor { output(features) }

    /// Teacher-forced negative log-likelihood summed over every real target token (each pronunciation followed by
    /// the end token); padded positions contribute exactly 0. Returns the sum and the number of tokens, so the
    /// mean is `sum / tokens` and a batch's sum equals the sum of its words' sums.
    ///
    /// With `dropout` (training), inverted dropout is applied to the letter and phoneme embeddings and to the
    /// features `[h_t; c_t]` before the output layer; without it the model is deterministic.
    public func negativeLogLikelihood(sources: [[Int]], targets: [[Int]],
                                      dropout: DropoutNoise? = nil) -> (sum: Tensor, tokens: Int) {
        precondition(sources.count == targets.count, "negativeLogLikelihood: \(sources.count) sources, \(targets.count) targets")
        var dropout = dropout
        let encoding = encode(sources, dropout: &dropout)
        let steps = targets.map(\.count).max()! + 1
        var state = initialState(encoding)
        var features: [Tensor] = []
        for t in 0..<steps {
            let previous = targets.map { t == 0 ? G2PVocabulary.start : (t - 1 < $0.count ? $0[t - 1] : G2PVocabulary.padding) }
            let result = step(previous, state: state, encoding: encoding, dropout: &dropout)
            state = result.state
            features.append(result.features)
        }
        // Row b·T + t holds step t of word b.
        let all = DropoutNoise.apply(&dropout, Tensor.stackSteps(features).reshaped([sources.count * steps, 2 * config.hiddenSize]))
        var labels: [Int] = [], weights: [Float] = []
        for target in targets {
            for t in 0..<steps {
                labels.append(t < target.count ? target[t] : (t == target.count ? G2PVocabulary.end : G2PVocabulary.padding))
                weights.append(t <= target.count ? 1 : 0)
            }
        }
        let picked = logits(all).logSoftmax().gather(columns: labels)
        let tokens = targets.reduce(0) { $0 + $1.count + 1 }
        return (-(picked * Tensor(weights, shape: [weights.count])).sum(), tokens)
    }

    /// Multiply–add FLOPs to encode a word of `sourceLength` letters and run `decoderSteps` decoder steps
    /// (embedding lookups and elementwise work not counted): `2·L·F_enc + steps·(F_dec + 4·L·H + 2·2H·V)`.
    public func flops(sourceLength: Int, decoderSteps: Int) -> Int {
        let h = config.hiddenSize, v = config.targetVocabularySize
        let encoder = sourceLength * (encoderForward.flopsPerStep + encoderBackward.flopsPerStep)
        let perStep = decoder.flopsPerStep + 2 * 2 * sourceLength * h + 2 * 2 * h * v
        return encoder + decoderSteps * perStep
    }
}

/// Inverted dropout for training: each value is zeroed with probability `p` and the others are scaled by
/// `1/(1−p)`, so the expected activation is unchanged: `E[mask ⊙ x] = x`. Masks come from `generator`; the
/// G2P trainer seeds one per optimizer step (from the recipe seed and the step number), so a resumed run draws
/// the same masks as an uninterrupted one.
public struct DropoutNoise: Sendable {
    public let probability: Float
    public var generator: RandomGenerator

    public init(probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "DropoutNoise: probability \(probability) outside [0, 1)")
        self.probability = probability
        self.generator = generator
    }

    /// `x ⊙ mask` (`invertedDropout`, differentiable through the product).
    public mutating func apply(_ x: Tensor) -> Tensor {
        invertedDropout(x, probability: probability, generator: &generator)
    }

    /// `noise?.apply(x)`, or `x` itself without noise.
    static func apply(_ noise: inout DropoutNoise?, _ x: Tensor) -> Tensor {
        guard noise != nil else { return x }
        return noise!.apply(x)
    }
}
