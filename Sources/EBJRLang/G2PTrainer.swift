import Foundation
import EBJRTensor
import EBJROptimizers
import EBJRCheckpoint

/// Teacher-forced training of a `G2PModel` on the first pronunciation of each training word.
///
/// Each epoch: a seeded shuffle, then groups of 32 batches sorted by word length (less padding; the loss is
/// unaffected because padding is masked), batches in shuffled order. Loss = mean token NLL of the batch;
/// Adam; gradients clipped to `gradientClip`; learning rate `η · decay^(max(0, epoch − decayStart + 1))`;
/// optional dropout (`recipe.dropout`, masks seeded by the step so `--resume` stays exact).
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

    /// Reports progress within an epoch: `(epoch, batches done, batches in the epoch, running mean token loss)`.
    public typealias Progress = (_ epoch: Int, _ done: Int, _ total: Int, _ loss: Double) -> Void

    /// Trains `model` in place and returns one record per epoch run.
    ///
    /// With `checkpointPath`, an HDF5 checkpoint (`G2PCheckpoint`) is written atomically after every epoch with the
    /// current weights, the Adam state and the training state (epoch, step, data-order generator, best epoch so
    /// far), so `resume` continues exactly; at the end it is rewritten with the best epoch's weights. `resume`
    /// (whose weights the caller has already applied to `model`) restores the optimizer and training state when it
    /// has them, otherwise its weights are only the starting point. The best-epoch choice of a resumed run is among
    /// the resumed weights (with their recorded WER) and the epochs it runs itself.
    /// Without `progress`, a plain line is logged every 200 batches.
    @discardableResult
    public static func train(_ model: G2PModel, recipe: G2PRecipe, dataset: G2PDataset, checkpointPath: String? = nil,
                             resume: Checkpoint? = nil, progress: Progress? = nil,
                             log: (String) -> Void = { print($0) }) throws -> [EpochRecord] {
        let parameters = model.namedParameters()
        let optimizer = Adam(parameters: parameters, learningRate: recipe.learningRate)
        var generator = RandomGenerator(seed: recipe.seed &+ 1)
        var firstEpoch = 1, globalStep = 0
        var best: (epoch: Int, wer: Double, values: [[Float]])?
        if let resume {
            if let snapshot = resume.optimizer { try snapshot.restore(into: optimizer, file: resume.source?.path) }
            if let state = resume.trainingState {
                firstEpoch = state.epoch + 1
                globalStep = state.globalStep
                if let words = state.randomStates["data"], words.count == 4 { generator = RandomGenerator(stateWords: words) }
                if let wer = state.reals["weights_validation_wer"] {
                    best = (state.epoch, wer, model.parameters.map(\.scalars))
                }
            }
        }
        let train = recipe.trainLimit.map { Array(dataset.train.prefix($0)) } ?? dataset.train
        let validation = Array(recipe.validationWords > 0 ? dataset.validation.prefix(recipe.validationWords) : dataset.validation[...])
        var records: [EpochRecord] = []
        log("\(recipe.name): \(model.parameterCount) parameters, \(train.count) training words, batch \(recipe.batchSize), "
            + "epochs \(firstEpoch)…\(recipe.epochs)")
        func state(epoch: Int, lastWER: Double) -> TrainingState {
            var reals = ["weights_validation_wer": lastWER]
            var integers: [String: Int64] = ["seed": Int64(bitPattern: recipe.seed)]
            if let best { reals["best_validation_wer"] = best.wer; integers["best_epoch"] = Int64(best.epoch) }
            return TrainingState(epoch: epoch, globalStep: globalStep, randomStates: ["data": generator.stateWords],
                                 integers: integers, reals: reals)
        }
        var lastState: TrainingState?
        for epoch in firstEpoch..<Swift.max(recipe.epochs + 1, firstEpoch) {
            let decaySteps = Swift.max(0, epoch - recipe.decayStartEpoch + 1)
            optimizer.learningRate = recipe.learningRate * Float(Foundation.pow(Double(recipe.learningRateDecay), Double(decaySteps)))
            let batches = epochBatches(count: train.count, lengths: train.map(\.letters.count), batchSize: recipe.batchSize,
                                       generator: &generator)
            let start = Date()
            var lossSum = 0.0, tokenSum = 0
            for (index, batch) in batches.enumerated() {
                let noise = recipe.dropout > 0
                    ? DropoutNoise(probability: recipe.dropout,
                                   generator: RandomGenerator(seed: (recipe.seed &+ 0x5EED) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(globalStep)))
                    : nil
                let (sum, tokens) = model.negativeLogLikelihood(sources: batch.map { train[$0].letters },
                                                                targets: batch.map { train[$0].references[0] }, dropout: noise)
                let loss = sum * (1 / Float(tokens))
                loss.backward()
                if recipe.gradientClip > 0 { clipGradientNorm(model.parameters, maxNorm: recipe.gradientClip) }
                optimizer.step()
                optimizer.zeroGrad()
                globalStep += 1
                lossSum += Double(sum.item)
                tokenSum += tokens
                if let progress {
                    progress(epoch, index + 1, batches.count, lossSum / Double(tokenSum))
                } else if (index + 1) % 200 == 0 {
                    let elapsed = Date().timeIntervalSince(start)
                    log(String(format: "%@ epoch %d batch %d/%d loss %.4f  %.0f words/s", recipe.name, epoch, index + 1,
                               batches.count, lossSum / Double(tokenSum), Double((index + 1) * recipe.batchSize) / elapsed))
                }
            }
            let seconds = Date().timeIntervalSince(start)
            let wer = G2PEvaluation.wordErrorRate(model, examples: validation)
            records.append(EpochRecord(epoch: epoch, meanLoss: lossSum / Double(tokenSum), validationWER: wer, seconds: seconds,
                                       learningRate: optimizer.learningRate))
            log(String(format: "%@ epoch %d/%d: loss %.4f, validation WER %.2f%% (%d words), %.0f s", recipe.name, epoch, recipe.epochs,
                       lossSum / Double(tokenSum), 100 * wer, validation.count, seconds))
            if best == nil || wer < best!.wer { best = (epoch, wer, model.parameters.map(\.scalars)) }
            lastState = state(epoch: epoch, lastWER: wer)
            if let checkpointPath {
                try G2PCheckpoint.save(model, to: checkpointPath, recipe: recipe, optimizer: optimizer, trainingState: lastState,
                                       metadata: ["weights": "epoch \(epoch) (latest; training in progress)"])
            }
        }
        if let best {
            for (parameter, values) in zip(model.parameters, best.values) {
                values.withUnsafeBufferPointer { parameter.data.update(from: $0.baseAddress!, count: values.count) }
            }
            var finalState = lastState ?? resume?.trainingState
            finalState?.reals["weights_validation_wer"] = best.wer
            if let checkpointPath {
                try G2PCheckpoint.save(model, to: checkpointPath, recipe: recipe, optimizer: optimizer, trainingState: finalState,
                                       metadata: ["weights": "best epoch \(best.epoch) by validation WER",
                                                  "validation_wer": String(best.wer)])
                log(String(format: "%@: best epoch %d (validation WER %.2f%%) written to %@", recipe.name, best.epoch, 100 * best.wer, checkpointPath))
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
