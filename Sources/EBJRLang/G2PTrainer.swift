import Foundation
import EBJRTensor
import EBJROptimizers

/// Teacher-forced training of a `G2PModel` on the first pronunciation of each training word.
///
/// Each epoch: a seeded shuffle, then groups of 32 batches sorted by word length (less padding; the loss is
/// unaffected because padding is masked), batches in shuffled order. Loss = mean token NLL of the batch;
/// Adam; gradients clipped to `gradientClip`; learning rate `η · decay^(max(0, epoch − decayStart + 1))`.
/// After each epoch greedy WER on `validationWords` validation words picks the best epoch, whose parameters
/// are restored at the end.
public enum G2PTrainer {
    public struct EpochRecord: Codable, Sendable {
        public var epoch: Int
        public var meanLoss: Double
        public var validationWER: Double
        public var seconds: Double
        public var learningRate: Float
    }

    /// Trains `model` in place; `log` receives one plain line per progress report. With `checkpointPath`, the
    /// best parameters so far are written there after every epoch that improves validation WER.
    @discardableResult
    public static func train(_ model: G2PModel, recipe: G2PRecipe, dataset: G2PDataset, checkpointPath: String? = nil,
                             log: (String) -> Void = { print($0) }) -> [EpochRecord] {
        let parameters = model.namedParameters()
        let optimizer = Adam(parameters: parameters, learningRate: recipe.learningRate)
        var generator = RandomGenerator(seed: recipe.seed &+ 1)
        let train = dataset.train
        let validation = Array(recipe.validationWords > 0 ? dataset.validation.prefix(recipe.validationWords) : dataset.validation[...])
        var records: [EpochRecord] = []
        var best: (wer: Double, values: [[Float]])?
        log("\(recipe.name): \(model.parameterCount) parameters, \(train.count) training words, batch \(recipe.batchSize)")
        for epoch in 1...Swift.max(recipe.epochs, 1) {
            let decaySteps = Swift.max(0, epoch - recipe.decayStartEpoch + 1)
            optimizer.learningRate = recipe.learningRate * Float(Foundation.pow(Double(recipe.learningRateDecay), Double(decaySteps)))
            let batches = epochBatches(count: train.count, lengths: train.map(\.letters.count), batchSize: recipe.batchSize,
                                       generator: &generator)
            let start = Date()
            var lossSum = 0.0, tokenSum = 0
            for (index, batch) in batches.enumerated() {
                let (sum, tokens) = model.negativeLogLikelihood(sources: batch.map { train[$0].letters },
                                                                targets: batch.map { train[$0].references[0] })
                let loss = sum * (1 / Float(tokens))
                loss.backward()
                if recipe.gradientClip > 0 { clipGradientNorm(model.parameters, maxNorm: recipe.gradientClip) }
                optimizer.step()
                optimizer.zeroGrad()
                lossSum += Double(sum.item)
                tokenSum += tokens
                if (index + 1) % 200 == 0 {
                    let elapsed = Date().timeIntervalSince(start)
                    log(String(format: "%@ epoch %d batch %d/%d loss %.4f  %.0f words/s", recipe.name, epoch, index + 1,
                               batches.count, lossSum / Double(tokenSum), Double((index + 1) * recipe.batchSize) / elapsed))
                }
            }
            let seconds = Date().timeIntervalSince(start)
            let wer = G2PEvaluation.wordErrorRate(model, examples: validation)
            records.append(EpochRecord(epoch: epoch, meanLoss: lossSum / Double(tokenSum), validationWER: wer, seconds: seconds,
                                       learningRate: optimizer.learningRate))
            log(String(format: "%@ epoch %d: loss %.4f, validation WER %.2f%% (%d words), %.0f s", recipe.name, epoch,
                       lossSum / Double(tokenSum), 100 * wer, validation.count, seconds))
            if best == nil || wer < best!.wer {
                best = (wer, model.parameters.map(\.scalars))
                if let checkpointPath {
                    do { try ParameterFile.save(model.namedParameters(), to: checkpointPath) } catch { log("checkpoint not written: \(error)") }
                }
            }
        }
        if let best {
            for (parameter, values) in zip(model.parameters, best.values) {
                values.withUnsafeBufferPointer { parameter.data.update(from: $0.baseAddress!, count: values.count) }
            }
        }
        return records
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
