/// Errors of the language-model module, each naming the file or item concerned.
public enum LangError: Error, CustomStringConvertible, Equatable {
    case fileUnreadable(path: String)
    case malformedArray(path: String, reason: String)
    case recipe(path: String, line: Int, reason: String)
    case unknownSymbol(word: String, symbol: String)
    case parameterFile(path: String, reason: String)
    case missingCheckpoint(path: String, command: String?)
    case notAG2PCheckpoint(path: String, kind: String)
    case importedLogits(path: String, reason: String)
    case configMismatch(path: String, checkpoint: G2PModelConfig, recipe: G2PModelConfig)
    /// A lexicon that gives a split no words (empty, or nothing but malformed lines): training on it would report a
    /// meaningless WER.
    case unusableLexicon(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileUnreadable(path): "cannot read '\(path)'"
        case let .malformedArray(path, reason): "'\(path)' is not a readable array: \(reason)"
        case let .recipe(path, line, reason): "\(path):\(line): \(reason)"
        case let .unknownSymbol(word, symbol): "'\(word)' contains '\(symbol)', which is not in the vocabulary"
        case let .parameterFile(path, reason): "parameter file '\(path)': \(reason)"
        case let .missingCheckpoint(path, command):
            "checkpoint \(path) does not exist" + (command.map { ": run `\($0)` first" } ?? "")
        case let .notAG2PCheckpoint(path, kind): "\(path): holds a \(kind) model, not a G2P model (model_kind 'g2p')"
        case let .importedLogits(path, reason): "\(path): \(reason)"
        case let .unusableLexicon(path, reason): "\(path): \(reason)"
        case let .configMismatch(path, checkpoint, recipe):
            "\(path): holds a G2P model with embedding \(checkpoint.embeddingSize), hidden \(checkpoint.hiddenSize), but the recipe asks for "
                + "embedding \(recipe.embeddingSize), hidden \(recipe.hiddenSize)"
        }
    }
}
