import Foundation
import EBJRRecipe
import EBJRTensor
import EBJRNN
import EBJROptimizers
import EBJRData

/// Everything a recipe needs at run time: its data splits, model, optimizer, objective and trainer.
public final class TrainingRun {
    public let recipe: Recipe
    public let model: Sequential
    public let optimizer: Optimizer
    public let trainer: Trainer
    public let trainData: Dataset
    public let validation: Dataset
    public let targets: SubsetTargets?

    /// Builds the run. `teacherLogits` (train split, `[N, K]`, aligned with the train split) is required when the
    /// recipe distills; callers obtain it from a teacher checkpoint or a logits file.
    public init(recipe: Recipe, teacherLogits: (values: [Float], classes: Int)? = nil) throws {
        self.recipe = recipe
        let flatten = recipe.model.inputShape.count == 1
        let directory = recipe.data.directory ?? FashionMNIST.defaultDirectory
        var train = try FashionMNIST.load(.train, directory: directory, flatten: flatten)
        if let limit = recipe.data.trainLimit, limit < train.count { train = train.subset(Array(0..<limit), name: train.name) }
        validation = try FashionMNIST.load(.validation, directory: directory, flatten: flatten)
        if let distillation = recipe.distillation, distillation.alpha > 0 {
            guard teacherLogits != nil else {
                throw RecipeError.invalidValue(file: recipe.file, path: "distillation", line: nil, reason: "needs teacher logits")
            }
        }
        if let teacherLogits {
            guard teacherLogits.values.count == teacherLogits.classes * max(train.count, 1) || recipe.data.trainLimit != nil else {
                throw TrainingRunError.teacherCountMismatch(rows: teacherLogits.values.count / max(teacherLogits.classes, 1),
                                                            samples: train.count)
            }
            guard teacherLogits.classes == train.classNames.count else {
                throw TrainingRunError.teacherClassMismatch(teacherClasses: teacherLogits.classes, dataClasses: train.classNames.count)
            }
        }

        // Map labels and teacher logits onto the student's outputs.
        var studentLabels: [Int?] = train.labels
        var mappedTeacher = teacherLogits.map { Array($0.values.prefix(train.count * $0.classes)) }
        var outputs = train.classNames.count
        var inSubset = [Bool](repeating: true, count: train.count)
        if let spec = recipe.specialization {
            let t = SubsetTargets(subset: spec.subset, design: spec.design, classCount: train.classNames.count)
            targets = t
            let kept = train.labels.indices.filter { t.includes(train.labels[$0]) }
            if kept.count != train.count {
                let k = train.classNames.count
                mappedTeacher = mappedTeacher.map { all in kept.flatMap { all[($0 * k)..<($0 * k + k)] } }
                train = train.subset(kept, name: train.name + "[\(spec.design.rawValue)]")
            }
            studentLabels = train.labels.map { t.studentLabel($0) }
            inSubset = train.labels.map { spec.subset.contains($0) }
            mappedTeacher = mappedTeacher.map { t.teacherLogits($0, count: train.count) }
            outputs = t.outputCount
        } else {
            targets = nil
        }
        guard recipe.model.outputCount == outputs else {
            throw TrainingRunError.outputMismatch(file: recipe.file, modelOutputs: recipe.model.outputCount, needed: outputs)
        }
        trainData = train

        var generator = RandomGenerator(seed: recipe.seed)
        model = try recipe.model.makeModel(generator: &generator)
        let t = recipe.training
        let named = model.namedParameters()
        switch t.optimizer {
        case "sgd":
            optimizer = SGD(parameters: named, learningRate: t.learningRate, momentum: t.momentum, nesterov: t.nesterov,
                            weightDecay: t.weightDecay)
        default:
            optimizer = Adam(parameters: named, learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2,
                             epsilon: t.epsilon, weightDecay: t.weightDecay, decoupled: t.optimizer == "adamw")
        }
        let sampler = BatchSampler(count: train.count, batchSize: t.batchSize, seed: recipe.seed)
        let schedule: LearningRateSchedule
        switch t.schedule {
        case "cosine": schedule = .cosine(totalSteps: t.epochs * sampler.batchesPerEpoch, minimum: t.minimumLearningRate)
        case "step": schedule = .step(stepSize: t.stepSize * sampler.batchesPerEpoch, gamma: t.gamma)
        default: schedule = .constant
        }
        let margin = recipe.specialization.flatMap { spec in
            spec.design.usesMargin ? (subsetOutputs: spec.subset.count, marginIn: spec.marginIn, marginOut: spec.marginOut,
                                      weight: spec.marginWeight) : nil
        }
        let objective = TrainingObjective(studentLabels: studentLabels, teacherLogits: mappedTeacher, outputCount: outputs,
                                          alpha: recipe.distillation?.alpha ?? 0,
                                          temperature: recipe.distillation?.temperature ?? 1, margin: margin, inSubset: inSubset)
        trainer = Trainer(model: model, optimizer: optimizer, schedule: schedule, sampler: sampler, data: train,
                          objective: objective, clipNorm: t.clipNorm)
    }

    /// Accuracy of the model on a split, counted in the student's label space (specialized models: in-subset
    /// samples only, over the subset outputs).
    public func accuracy(on data: Dataset) -> Double {
        let (logits, classes) = Inference.logits(of: model, on: data)
        guard let targets else { return Inference.accuracy(logits: logits, classes: classes, labels: data.labels) }
        var correct = 0, total = 0
        for (r, label) in data.labels.enumerated() {
            guard let i = targets.subset.firstIndex(of: label) else { continue }
            var best = 0
            for j in 1..<targets.subset.count where logits[r * classes + j] > logits[r * classes + best] { best = j }
            total += 1
            if best == i { correct += 1 }
        }
        return total == 0 ? 0 : Double(correct) / Double(total)
    }
}

/// Errors assembling a run.
public enum TrainingRunError: Error, CustomStringConvertible, Equatable {
    case teacherCountMismatch(rows: Int, samples: Int)
    case teacherClassMismatch(teacherClasses: Int, dataClasses: Int)
    case outputMismatch(file: String, modelOutputs: Int, needed: Int)

    public var description: String {
        switch self {
        case let .teacherCountMismatch(rows, samples):
            "teacher logits have \(rows) rows but the train split has \(samples) samples"
        case let .teacherClassMismatch(t, d): "teacher has \(t) classes but the data has \(d)"
        case let .outputMismatch(file, m, n): "\(file): model has \(m) outputs, the task needs \(n)"
        }
    }
}
