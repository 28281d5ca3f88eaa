import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
import EBJRRouting

/// A specialized side model's subset and design, with the energy-margin hinge parameters (docs/method.md §3).
public struct Specialization: Equatable, Sendable {
    /// Global class indices of the subset `C`, in student output order.
    public var subset: [Int]
    public var design: SpecializedDesign
    public var marginIn: Float
    public var marginOut: Float
    public var marginWeight: Float
    /// `m_in` / `m_out` are `auto`: set from data before training (`MarginCalibration`), replacing the values above.
    public var isMarginInAuto: Bool
    public var isMarginOutAuto: Bool

    public init(subset: [Int], design: SpecializedDesign, marginIn: Float = -3.75, marginOut: Float = -0.88, marginWeight: Float = 0.1,
                isMarginInAuto: Bool = false, isMarginOutAuto: Bool = false) {
        self.subset = subset
        self.design = design
        self.marginIn = marginIn
        self.marginOut = marginOut
        self.marginWeight = marginWeight
        self.isMarginInAuto = isMarginInAuto
        self.isMarginOutAuto = isMarginOutAuto
    }

    /// Whether training must first set a margin from data.
    public var needsMarginCalibration: Bool { design.usesMargin && (isMarginInAuto || isMarginOutAuto) }

    /// Number of student outputs.
    public var outputCount: Int { design.outputCount(subsetSize: subset.count) }
}

/// Knowledge distillation from a teacher's logits on the training split (docs/method.md §4).
public struct Distillation {
    /// Teacher logits `[N, K]` row-major, aligned with the training split (before any subset filtering).
    public var teacherLogits: [Float]
    public var teacherClasses: Int
    /// Weight of the distillation term, `α ∈ [0, 1]`.
    public var alpha: Float
    /// Distillation temperature `T_kd > 0`.
    public var temperature: Float

    public init(teacherLogits: [Float], teacherClasses: Int, alpha: Float, temperature: Float) {
        self.teacherLogits = teacherLogits
        self.teacherClasses = teacherClasses
        self.alpha = alpha
        self.temperature = temperature
    }
}

/// Image (or feature-vector) classification with a layer-stack model: cross-entropy, distillation, and the
/// specialized designs' label mapping and energy hinge; the metric is validation accuracy (specialized models: on
/// in-subset samples, over the subset outputs).
public final class ClassificationTask: TrainingTask {
    public let config: ModelConfig
    public let sequential: Sequential
    public var model: Module { sequential }
    public let train: any LabelledSamples
    public let validation: any LabelledSamples
    public let test: (any LabelledSamples)?
    public let targets: SubsetTargets?
    public let objective: TrainingObjective
    public let sampler: BatchSampler
    /// Class names of the data set (stored in checkpoints).
    public let classNames: [String]
    public var metric: ValidationMetric { .accuracy }
    public var trainingCount: Int { train.count }
    public var batchesPerEpoch: Int { sampler.batchesPerEpoch }
    /// Recipe text and specialization stored in checkpoints.
    public var recipeText = ""
    /// Random crops and flips of every training batch (nil: none). Its generator is seeded from the step's noise
    /// after the dropout layers' seeds, so runs without augmentation draw exactly what they drew before.
    public var augmentation: ImageAugmentation?
    /// The normalisation the splits were given (`NormalizedSamples`), stored in checkpoints so that inference on new
    /// data normalises alike; nil when the features are used as read.
    public var inputNormalization: InputNormalization?
    /// Lines about how the task was set up (e.g. the normalisation used), printed when training starts.
    public var setupNotes: [String] = []
    let dropoutLayers: [Dropout]

    /// Builds the model from `config` (initialised from `seed`), maps labels and teacher logits onto the student's
    /// outputs, and drops the samples a specialized design does not train on. The splits must already have the
    /// model's input shape. The splits may be lazy (`LabelledSamples`): only a batch of features is read at a time.
    public init(config: ModelConfig, train fullTrain: any LabelledSamples, validation: any LabelledSamples, test: (any LabelledSamples)?,
                batchSize: Int, seed: UInt64,
                specialization: Specialization? = nil, distillation: Distillation? = nil) throws {
        let classCount = fullTrain.classNames.count
        if let distillation {
            guard distillation.teacherClasses == classCount else {
                throw ClassificationTaskError.teacherClassMismatch(teacherClasses: distillation.teacherClasses, dataClasses: classCount)
            }
            guard distillation.teacherLogits.count == classCount * fullTrain.count else {
                throw ClassificationTaskError.teacherCountMismatch(rows: distillation.teacherLogits.count / max(classCount, 1),
                                                                   samples: fullTrain.count)
            }
        }
        var train = fullTrain
        var studentLabels: [Int?] = train.labels
        var mappedTeacher = distillation?.teacherLogits
        var outputs = classCount
        var inSubset = [Bool](repeating: true, count: train.count)
        if let spec = specialization {
            let t = SubsetTargets(subset: spec.subset, design: spec.design, classCount: classCount)
            targets = t
            let kept = train.labels.indices.filter { t.includes(train.labels[$0]) }
            if kept.count != train.count {
                mappedTeacher = mappedTeacher.map { all in kept.flatMap { all[($0 * classCount)..<($0 * classCount + classCount)] } }
                train = train.samples(at: kept, name: train.name + "[\(spec.design.rawValue)]")
            }
            studentLabels = train.labels.map { t.studentLabel($0) }
            inSubset = train.labels.map { spec.subset.contains($0) }
            mappedTeacher = mappedTeacher.map { t.teacherLogits($0, count: train.count) }
            outputs = t.outputCount
        } else {
            targets = nil
        }
        guard config.outputCount == outputs else { throw ClassificationTaskError.outputMismatch(modelOutputs: config.outputCount, needed: outputs) }
        for split in [train, validation] + (test.map { [$0] } ?? []) where split.sampleShape != config.inputShape {
            throw ClassificationTaskError.inputShapeMismatch(data: split.name, sampleShape: split.sampleShape, modelInput: config.inputShape)
        }
        self.config = config
        self.train = train
        self.validation = validation
        self.test = test
        classNames = fullTrain.classNames
        var generator = RandomGenerator(seed: seed)
        sequential = try config.makeModel(generator: &generator)
        dropoutLayers = sequential.namedModules().compactMap { $0.module as? Dropout }
        sampler = BatchSampler(count: train.count, batchSize: batchSize, seed: seed)
        let margin = specialization.flatMap { spec in
            spec.design.usesMargin ? (subsetOutputs: spec.subset.count, marginIn: spec.marginIn, marginOut: spec.marginOut,
                                      weight: spec.marginWeight) : nil
        }
        objective = TrainingObjective(studentLabels: studentLabels, teacherLogits: mappedTeacher, outputCount: outputs,
                                      alpha: distillation?.alpha ?? 0, temperature: distillation?.temperature ?? 1, margin: margin,
                                      inSubset: inSubset)
        self.specialization = specialization
    }

    public let specialization: Specialization?

    public func batches(epoch: Int) -> [[Int]] { sampler.batches(epoch: epoch) }

    public func loss(batch: [Int], noise: RandomGenerator) throws -> BatchLoss {
        var noise = noise
        for layer in dropoutLayers { layer.generator = RandomGenerator(seed: noise.next()) }
        var input = try train.batchTensor(batch)
        if let augmentation, !augmentation.isIdentity {
            var generator = RandomGenerator(seed: noise.next())
            input = augmentation.apply(to: input, generator: &generator)
        }
        let loss = objective.loss(logits: sequential(input), indices: batch)
        return BatchLoss(loss: loss, sum: Double(loss.item) * Double(batch.count), count: batch.count)
    }

    public func validate() throws -> Double { try accuracy(on: validation) }

    public func finalMetrics() throws -> [String: Double] {
        guard let test else { return [:] }
        return ["test_accuracy": try accuracy(on: test)]
    }

    /// Accuracy of the model on a split, counted in the student's label space (specialized models: in-subset
    /// samples only, over the subset outputs). NaN when no sample counts.
    public func accuracy(on data: any LabelledSamples) throws -> Double {
        let (logits, classes) = try Inference.logits(of: sequential, on: data)
        guard let targets else { return Inference.accuracy(logits: logits, classes: classes, labels: data.labels) }
        var correct = 0, total = 0
        for (r, label) in data.labels.enumerated() {
            guard let i = targets.subset.firstIndex(of: label) else { continue }
            total += 1
            if Inference.argmax(logits, row: r, classes: classes, among: targets.subset.count) == i { correct += 1 }
        }
        return total == 0 ? .nan : Double(correct) / Double(total)
    }

    public func loadWeights(from checkpoint: Checkpoint, path: String) throws {
        if let kind = checkpoint.modelKind { throw CheckpointError.otherModelKind(file: path, kind: kind) }
        try checkpoint.apply(to: sequential, architecture: config, strict: true)
    }

    public func makeCheckpoint(weights: [(name: String, tensor: Tensor)], optimizer: OptimizerSnapshot?, state: TrainingState,
                               metadata: [String: String]) throws -> Checkpoint {
        Checkpoint(modelConfig: config, modelState: weights, optimizer: optimizer, trainingState: state, recipe: recipeText,
                   classNames: classNames, classSubset: specialization?.subset, subsetDesign: specialization?.design, metadata: metadata,
                   inputNormalization: inputNormalization.map { (mean: $0.mean, std: $0.std) })
    }
}

/// Errors assembling a classification task.
public enum ClassificationTaskError: Error, CustomStringConvertible, Equatable {
    case teacherCountMismatch(rows: Int, samples: Int)
    case teacherClassMismatch(teacherClasses: Int, dataClasses: Int)
    case outputMismatch(modelOutputs: Int, needed: Int)
    case inputShapeMismatch(data: String, sampleShape: [Int], modelInput: [Int])

    public var description: String {
        switch self {
        case let .teacherCountMismatch(rows, samples):
            "teacher logits have \(rows) rows but the train split has \(samples) samples"
        case let .teacherClassMismatch(t, d): "teacher has \(t) classes but the data has \(d)"
        case let .outputMismatch(m, n): "model has \(m) outputs, the task needs \(n)"
        case let .inputShapeMismatch(data, shape, input):
            "\(data): samples of shape \(shape) do not fit the model's input shape \(input)"
        }
    }
}
