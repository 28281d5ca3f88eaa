import Foundation
import EBJRTensor
import EBJRNN
import EBJRCheckpoint
import EBJRTraining

/// Teacher-forced training of a `G2PModel` on the first pronunciation of each training word, as a `TrainingTask`
/// of the one `Trainer`.
///
/// Each epoch: a seeded shuffle, then groups of 32 batches sorted by word length (less padding; the loss is
/// unaffected because padding is masked), batches in shuffled order; the order's generator advances from epoch to
/// epoch and is saved as the `data` generator. Loss = mean token NLL of the batch, with optional dropout on the
/// embeddings and the output features (masks from the step's noise generator). The metric is greedy WER on the
/// first `validationWords` validation words (lower is better).
public final class G2PTask: TrainingTask {
    public let g2p: G2PModel
    public var model: Module { g2p }
    public let train: [G2PExample]
    public let validation: [G2PExample]
    public let batchSize: Int
    public let dropout: Float
    /// Recipe text and metadata stored in checkpoints.
    public var recipeText = ""
    private var generator: RandomGenerator
    public var metric: ValidationMetric { .wordErrorRate }
    public var itemName: String { "words" }
    public var trainingCount: Int { train.count }
    public var batchesPerEpoch: Int { (train.count + batchSize - 1) / batchSize }

    /// - Parameters:
    ///   - validationWords: validation words decoded after each epoch (0 = all).
    public init(config: G2PModelConfig, train: [G2PExample], validation: [G2PExample], validationWords: Int, batchSize: Int,
                dropout: Float, seed: UInt64) {
        g2p = G2PModel(config: config, seed: seed)
        self.train = train
        self.validation = validationWords > 0 ? Array(validation.prefix(validationWords)) : validation
        self.batchSize = batchSize
        self.dropout = dropout
        generator = RandomGenerator(seed: seed &+ 1)
    }

    public var randomStates: [String: [UInt64]] {
        get { ["data": generator.stateWords] }
        set { if let words = newValue["data"], words.count == 4 { generator = RandomGenerator(stateWords: words) } }
    }

    public func batches(epoch: Int) -> [[Int]] {
        Self.epochBatches(count: train.count, lengths: train.map(\.letters.count), batchSize: batchSize, generator: &generator)
    }

    public func loss(batch: [Int], noise: RandomGenerator) throws -> BatchLoss {
        let mask = dropout > 0 ? DropoutNoise(probability: dropout, generator: noise) : nil
        let (sum, tokens) = g2p.negativeLogLikelihood(sources: batch.map { train[$0].letters },
                                                      targets: batch.map { train[$0].references[0] }, dropout: mask)
        return BatchLoss(loss: sum * (1 / Float(tokens)), sum: Double(sum.item), count: tokens)
    }

    public func validate() throws -> Double {
        guard !validation.isEmpty else { return .nan }
        return G2PEvaluation.wordErrorRate(g2p, examples: validation)
    }

    public func loadWeights(from checkpoint: Checkpoint, path: String) throws {
        let config = try G2PCheckpoint.config(of: checkpoint, path: path)
        guard config == g2p.config else { throw LangError.configMismatch(path: path, checkpoint: config, recipe: g2p.config) }
        try checkpoint.apply(to: g2p, strict: true)
    }

    public func makeCheckpoint(weights: [(name: String, tensor: Tensor)], optimizer: OptimizerSnapshot?, state: TrainingState,
                               metadata: [String: String]) throws -> Checkpoint {
        try G2PCheckpoint.make(config: g2p.config, weights: weights, recipeText: recipeText, optimizer: optimizer, trainingState: state,
                               metadata: metadata)
    }

    /// One epoch's batches of indices: shuffled, then length-sorted within groups of 32 batches, in shuffled order.
    static func epochBatches(count: Int, lengths: [Int], batchSize: Int, generator: inout RandomGenerator) -> [[Int]] {
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        var batches: [[Int]] = []
        let group = batchSize * 32
        for start in stride(from: 0, to: count, by: group) {
            let chunk = order[start..<Swift.min(start + group, count)].sorted { lengths[$0] < lengths[$1] }
            for b in stride(from: 0, to: chunk.count, by: batchSize) {
                batches.append(Array(chunk[(chunk.startIndex + b)..<Swift.min(chunk.startIndex + b + batchSize, chunk.endIndex)]))
            }
        }
        batches.shuffle(using: &generator)
        return batches
    }
}
