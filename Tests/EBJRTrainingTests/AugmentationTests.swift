import Testing
import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint
@testable import EBJRTraining
import _EBJRTestSupport

/// Random crops and flips do what they say on a tiny image; a ResNet with batch norm and augmentation resumes
/// bit-identically (weights and running statistics); evaluation runs in evaluation mode.
@Suite("Augmentation and batch norm in training")
struct AugmentationTests {
    /// A 3×4 image with distinct values, two channels.
    static let image = Tensor((1...24).map(Float.init), shape: [1, 2, 3, 4])

    /// `image` shifted by (dy, dx) with zero fill, optionally mirrored first: output (i, j) = input(i + dy, j' + dx).
    static func shifted(dy: Int, dx: Int, flip: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: 24)
        for c in 0..<2 { for i in 0..<3 { for j in 0..<4 {
            let y = i + dy, x = (flip ? 3 - j : j) + dx
            if (0..<3).contains(y), (0..<4).contains(x) { out[c * 12 + i * 4 + j] = image.data[c * 12 + y * 4 + x] }
        } } }
        return out
    }

    @Test func flipMirrorsAboutHalfTheImages() {
        let flip = ImageAugmentation(horizontalFlip: true)
        var generator = RandomGenerator(seed: 1)
        var mirrored = 0
        let mirror: [Float] = [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17, 24, 23, 22, 21]
        for _ in 0..<200 {
            let out = flip.apply(to: Self.image, generator: &generator).scalars
            if out == mirror { mirrored += 1 } else { #expect(out == Self.image.scalars) }
        }
        #expect((70...130).contains(mirrored), "\(mirrored) of 200 mirrored")
    }

    @Test func cropIsAZeroFilledShiftWithinThePadding() {
        let crop = ImageAugmentation(cropPadding: 1)
        var generator = RandomGenerator(seed: 2)
        var seen = Set<[Int]>()
        for _ in 0..<300 {
            let out = crop.apply(to: Self.image, generator: &generator).scalars
            let shifts = (-1...1).flatMap { dy in (-1...1).map { [dy, $0] } }.filter { Self.shifted(dy: $0[0], dx: $0[1], flip: false) == out }
            #expect(shifts.count == 1, "the output is not a shift of at most 1 pixel: \(out)")
            if let shift = shifts.first { seen.insert(shift) }
        }
        #expect(seen.count == 9, "every shift in −1…1 × −1…1 occurs (saw \(seen.sorted { $0.lexicographicallyPrecedes($1) }))")
        // Both together: a shift of the image or of its mirror.
        let both = ImageAugmentation(cropPadding: 2, horizontalFlip: true)
        for _ in 0..<50 {
            let out = both.apply(to: Self.image, generator: &generator).scalars
            let matches = (-2...2).flatMap { dy in (-2...2).flatMap { dx in [false, true].map { Self.shifted(dy: dy, dx: dx, flip: $0) } } }
            #expect(matches.contains(out))
        }
        // Samples of a batch are augmented independently.
        let batch = Tensor((0..<(16 * 24)).map { Float($0 % 24 + 1) }, shape: [16, 2, 3, 4])
        let out = both.apply(to: batch, generator: &generator)
        #expect(Set((0..<16).map { Array(out.scalars[($0 * 24)..<($0 * 24 + 24)]) }).count > 1)
    }

    /// Three classes of 6×6 images: a bright row, column or diagonal, with noise.
    static func data(_ n: Int, seed: UInt64, name: String) -> Dataset {
        var generator = RandomGenerator(seed: seed)
        var features: [Float] = [], labels: [Int] = []
        for i in 0..<n {
            let label = i % 3
            for y in 0..<6 { for x in 0..<6 {
                let on = label == 0 ? y == 2 : label == 1 ? x == 3 : x == y
                features.append((on ? 1 : 0) + 0.3 * generator.nextUniform())
            } }
            labels.append(label)
        }
        return Dataset(features: features, labels: labels, sampleShape: [1, 6, 6], classNames: ["row", "column", "diagonal"], name: name)
    }

    static func task() throws -> ClassificationTask {
        let task = try ClassificationTask(config: .resnet(inputShape: [1, 6, 6], classes: 3, width: 2, blocksPerStage: 1),
                                          train: data(40, seed: 1, name: "train"), validation: data(12, seed: 2, name: "validation"),
                                          test: nil, batchSize: 8, seed: 3)
        task.augmentation = ImageAugmentation(cropPadding: 1, horizontalFlip: true)
        return task
    }

    static func settings(epochs: Int) -> TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: 8, learningRate: 0.05, optimizer: .sgd(momentum: 0.9, nesterov: false, weightDecay: 5e-4),
                         schedule: .cosine(minimum: 0), keep: .bestValidation, seed: 4)
    }

    @Test func resNetWithAugmentationResumesBitIdentically() throws {
        let dir = try TemporaryDirectory("augment-resume")
        let straightPath = dir.file("straight.h5").path
        let half = dir.file("half.h5").path
        // The straight run checkpoints after every epoch; the copy taken while epoch 2 runs is an interrupted run.
        _ = try Trainer(task: try Self.task(), settings: Self.settings(epochs: 3), checkpointPath: straightPath, quiet: true, log: { line in
            if line.hasPrefix("epoch 2/") { try? FileManager.default.copyItem(atPath: straightPath, toPath: half) }
        }).run()
        #expect(try Checkpoint.load(from: URL(fileURLWithPath: half)).trainingState?.epoch == 1)
        let resumed = Trainer(task: try Self.task(), settings: Self.settings(epochs: 3), checkpointPath: half, quiet: true, log: { _ in })
        try resumed.resume(from: half)
        _ = try resumed.run()
        let a = try Checkpoint.load(from: URL(fileURLWithPath: straightPath)), b = try Checkpoint.load(from: URL(fileURLWithPath: half))
        #expect(a.modelState.map(\.name) == b.modelState.map(\.name))
        #expect(a.modelState.contains { $0.name.hasSuffix("running_var") })
        for ((name, x), (_, y)) in zip(a.modelState, b.modelState) {
            #expect(x.scalars.map(\.bitPattern) == y.scalars.map(\.bitPattern), "\(name) differs after --resume")
        }
        // Augmentation changes the run: without it the weights differ.
        let plain = try Self.task()
        plain.augmentation = nil
        let plainPath = dir.file("plain.h5").path
        _ = try Trainer(task: plain, settings: Self.settings(epochs: 3), checkpointPath: plainPath, quiet: true, log: { _ in }).run()
        #expect(try Checkpoint.load(from: URL(fileURLWithPath: plainPath)).modelState.first!.tensor.scalars != a.modelState.first!.tensor.scalars)
    }

    @Test func validationUsesRunningStatisticsAndKeepsTheMode() throws {
        let task = try Self.task()
        let model = task.sequential
        let norm = try #require(model.layers[1] as? BatchNorm)
        let before = norm.runningMean.scalars
        model.train()
        _ = try task.validate()
        #expect(norm.runningMean.scalars == before && norm.batchesTracked.item == 0, "validation must not update running statistics")
        #expect(model.isTraining)
        model.eval()
        _ = try Inference.logits(of: model, on: Self.data(5, seed: 9, name: "x"))
        #expect(!model.isTraining, "Inference restores evaluation mode")
    }
}

