import Foundation
import EBJR

/// Runs a recipe from the command line.
struct RecipeRunner {
    let options: TrainOptions

    func run() throws {
        let trainer = RecipeTrainer(options: .init(resume: options.resume, epochs: options.epochs, alpha: options.alpha,
                                                   checkpoint: options.output, quiet: options.quiet,
                                                   trainMissingTeacher: !options.noTeacherTraining))
        let outcome = try trainer.run(recipePath: options.recipe)
        print(String(format: "%@: validation accuracy %.2f%%, test accuracy %.2f%%, %.0f samples/s, checkpoint %@",
                     options.recipe, outcome.validationAccuracy * 100, outcome.testAccuracy * 100, outcome.samplesPerSecond,
                     outcome.checkpoint))
    }
}
