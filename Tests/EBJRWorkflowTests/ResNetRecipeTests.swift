import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRTraining
import EBJRRecipe
import EBJRNN
import _EBJRTestSupport

private func parse(_ text: String) throws -> TrainingRecipe { try TrainingRecipe.parse(text: text, file: "r.yaml") }
private func layers(_ r: TrainingRecipe) -> ModelConfig? { if case let .layers(c) = r.model { c } else { nil } }

/// `preset: resnet` (shape from the data set, width and depth options, outputs from the design) and
/// `training.augmentation`, with one-line located errors for bad values.
@Suite struct ResNetRecipeTests {
    @Test func resnetPresetDefaultsToResNet20OnTheDataShape() throws {
        let config = try #require(layers(try parse("model: {preset: resnet}\n")))
        #expect(config == ModelConfig.resnet(inputShape: [1, 28, 28], classes: 10, width: 16, blocksPerStage: 3))
        let convolutions = config.layers.reduce(0) { count, layer in
            switch layer {
            case .conv2d: count + 1
            case .residual: count + 2
            default: count
            }
        }
        #expect(convolutions + 1 == 20, "ResNet-20: 19 convolutions and one linear layer")
        let wide = try #require(layers(try parse("model: {preset: resnet, width: 8, blocks_per_stage: 1}\n")))
        #expect(wide.layers.count == 3 + 3 + 2)
        #expect(wide.layers[4] == .residual(inputChannels: 8, outputChannels: 16, stride: 2))
        // A specialized design: four outputs for three classes and `other`.
        let side = try #require(layers(try parse("model: {preset: resnet, width: 4}\nspecialization: {subset: [sandal, sneaker, ankle-boot]}\n")))
        #expect(side.outputCount == 4)
    }

    @Test(arguments: [
        ("model: {preset: resnet, width: 0}\n", "r.yaml:1", "model.width"),
        ("model:\n  preset: resnet\n  blocks_per_stage: 100\n", "r.yaml:3", "model.blocks_per_stage"),
        ("model: {preset: resnet, depth: 20}\n", "r.yaml:1", "depth"),
        ("model: {preset: mlp, sizes: [784, 10]}\ntraining:\n  augmentation: {horizontal_flip: true}\n", "r.yaml:3", "training.augmentation"),
        ("model: {preset: resnet}\ntraining:\n  augmentation:\n    random_crop: {padding: 40}\n", "r.yaml:4", "training.augmentation.random_crop.padding"),
        ("model: {preset: resnet}\ntraining:\n  augmentation:\n    random_crop: {size: 4}\n", "r.yaml:4", "size"),
        ("model: {preset: resnet}\ntraining:\n  augmentation: {flip: true}\n", "r.yaml:3", "flip"),
    ])
    func badValuesAreOneLocatedLine(_ text: String, _ location: String, _ key: String) {
        do {
            _ = try parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            let message = "\(error)"
            #expect(message.contains(location) && message.contains(key) && !message.contains("\n"), "\(message)")
        }
    }

    @Test func augmentationIsOffByDefaultAndParsed() throws {
        #expect(try parse("model: {preset: resnet}\n").augmentation == nil)
        let r = try parse("model: {preset: resnet}\ntraining:\n  augmentation: {random_crop: {padding: 4}, horizontal_flip: true}\n")
        #expect(r.augmentation == ImageAugmentation(cropPadding: 4, horizontalFlip: true))
        #expect(try parse("model: {preset: cnn}\ntraining: {augmentation: {horizontal_flip: false}}\n").augmentation == nil)
    }

    @Test func theRepositoryResNetRecipesParse() throws {
        let root = TestSupport.packageRoot.appendingPathComponent("recipes")
        let teacher = try TrainingRecipe.load(path: root.appendingPathComponent("fmnist-resnet20.yaml").path)
        #expect(layers(teacher) == ModelConfig.resnet(inputShape: [1, 28, 28], classes: 10))
        #expect(teacher.training.optimizer == .sgd(momentum: 0.9, nesterov: false, weightDecay: 0.0005))
        #expect(teacher.augmentation == ImageAugmentation(cropPadding: 4, horizontalFlip: true))
        let side = try TrainingRecipe.load(path: root.appendingPathComponent("fmnist-footwear-other-resnet.yaml").path)
        #expect(side.distillation?.teacherRecipe == "fmnist-resnet20.yaml")
        let evaluation = try EvaluationRecipe.load(path: root.appendingPathComponent("fmnist-ebjr-resnet.yaml").path)
        #expect(evaluation.deep.recipe?.hasSuffix("fmnist-resnet20.yaml") == true)
    }
}
