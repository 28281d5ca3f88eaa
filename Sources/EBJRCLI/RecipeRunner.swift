import Foundation
import EBJR

/// Runs a recipe: builds the run, trains, reports accuracy.
struct RecipeRunner {
    let options: TrainOptions

    func run() throws {
        var recipe = try Recipe.load(path: options.recipe)
        if let epochs = options.epochs { recipe.training.epochs = epochs }
        let run = try TrainingRun(recipe: recipe)
        run.trainer.quiet = options.quiet
        logLine("\(recipe.name): \(run.model.parameterCount) parameters, \(recipe.model.flops) FLOPs/sample, \(run.trainData.count) training samples")
        while run.trainer.progress.epoch < recipe.training.epochs {
            let summary = try run.trainer.runEpoch()
            let valAccuracy = run.accuracy(on: run.validation)
            logLine(String(format: "epoch %d/%d: loss %.4f, %.0f samples/s, validation accuracy %.2f%%", summary.epoch + 1,
                           recipe.training.epochs, summary.meanLoss, summary.samplesPerSecond, valAccuracy * 100))
        }
        let test = try FashionMNIST.load(.test, directory: recipe.data.directory ?? FashionMNIST.defaultDirectory,
                                         flatten: recipe.model.inputShape.count == 1)
        print(String(format: "%@: test accuracy %.2f%%", recipe.name, run.accuracy(on: test) * 100))
    }
}
