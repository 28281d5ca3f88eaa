import Foundation
import EBJRRecipe
import EBJRData
import EBJRCheckpoint
import EBJRTensor
import EBJRTraining
import EBJRFiles

extension DataChoice {
    /// The data set a command-line tool reads: the `data` section of a training or evaluation recipe, or the
    /// recipes' default data set (with its files in `directory` when given).
    public static func forCommandLine(recipe: String?, directory: String?) throws -> DataChoice {
        if let recipe {
            let root = try RecipeDocument.root(text: try RecipeDocument.text(path: recipe), file: recipe)
            return try parse(root["data"], extraKeys: ["train_limit"])
        }
        guard let directory else { return recipeDefault }
        switch recipeDefault {
        case .fashionMNIST: return .fashionMNIST(directory: directory)
        default: return recipeDefault
        }
    }
}

/// A checkpoint's logits on one split of a data set, written as a logits file (`ebjr logits`).
public enum ModelLogits {
    /// Computes and writes the logits; returns their size and the accuracy against the split's labels (NaN for a
    /// specialized model, whose outputs are not the data set's classes).
    public static func write(checkpoint: URL, data choice: DataChoice, split: DataSplit, to output: URL) throws
        -> (count: Int, classes: Int, accuracy: Double) {
        guard let source = try choice.classificationSource else { throw WorkflowError.unsupported(file: checkpoint.path, what: "logits on \(choice.name)") }
        try OutputGuard.check(output: output.path, inputs: [("checkpoint", checkpoint.path)])
        let loaded = try Checkpoint.load(from: checkpoint)
        let model = try loaded.makeModel()
        // Read lazily, normalised as the checkpoint's model was trained (its stored input normalisation).
        let data = try loaded.modelInputs(source.samples(split))
        let (values, classes) = try Inference.logits(of: model, on: data)
        let file = LogitsFile(logits: Tensor(values, shape: [data.count, classes]), split: split.rawValue, inputChecksum: try data.featureChecksum(),
                              classNames: loaded.outputNames(outputs: classes))
        try file.write(to: output)
        let accuracy = loaded.classSubset == nil ? Inference.accuracy(logits: values, classes: classes, labels: data.labels) : .nan
        return (data.count, classes, accuracy)
    }
}
