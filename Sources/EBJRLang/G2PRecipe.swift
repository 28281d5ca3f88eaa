import Foundation

/// A G2P training recipe (`recipes/g2p-*.yaml`): the model shape and the optimisation settings.
///
/// The file is a flat subset of YAML — one `key: value` per line, `#` comments, blank lines — parsed here
/// because EBJRLang does not depend on Yams. Unknown keys, duplicate keys and unparsable values are errors
/// naming the file and line. The integrator may instead fill this Codable struct from a full YAML parser.
public struct G2PRecipe: Codable, Equatable, Sendable {
    public var name: String
    public var embeddingSize: Int
    public var hiddenSize: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Learning rate multiplier applied once per epoch from `decayStartEpoch` (1-based) on.
    public var learningRateDecay: Float = 1
    public var decayStartEpoch: Int = 1
    /// Maximum joint L2 norm of the gradients (0 = no clipping).
    public var gradientClip: Float = 5
    public var seed: UInt64 = 0
    /// Validation words decoded after each epoch to pick the best epoch (0 = all).
    public var validationWords: Int = 2000

    public var modelConfig: G2PModelConfig { G2PModelConfig(embeddingSize: embeddingSize, hiddenSize: hiddenSize) }


    /// Parses recipe text; `path` is used in error messages only.
    public init(text: String, path: String = "<recipe>") throws {
        var values: [String: (value: String, line: Int)] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw LangError.recipe(path: path, line: index + 1, reason: "expected 'key: value'")
            }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard G2PRecipe.knownKeys.contains(key) else {
                throw LangError.recipe(path: path, line: index + 1,
                                       reason: "unknown key '\(key)' (known: \(G2PRecipe.knownKeys.sorted().joined(separator: ", ")))")
            }
            if values[key] != nil { throw LangError.recipe(path: path, line: index + 1, reason: "duplicate key '\(key)'") }
            values[key] = (value, index + 1)
        }
        func string(_ key: String) throws -> String {
            guard let entry = values[key] else { throw LangError.recipe(path: path, line: 0, reason: "missing key '\(key)'") }
            return entry.value
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ fallback: T? = nil) throws -> T {
            guard let entry = values[key] else {
                if let fallback { return fallback }
                throw LangError.recipe(path: path, line: 0, reason: "missing key '\(key)'")
            }
            guard let value = T(entry.value) else {
                throw LangError.recipe(path: path, line: entry.line, reason: "'\(key)' must be a \(T.self), got '\(entry.value)'")
            }
            return value
        }
        name = try string("name")
        embeddingSize = try number("embedding_size")
        hiddenSize = try number("hidden_size")
        epochs = try number("epochs")
        batchSize = try number("batch_size")
        learningRate = try number("learning_rate")
        learningRateDecay = try number("learning_rate_decay", Float(1))
        decayStartEpoch = try number("decay_start_epoch", 1)
        gradientClip = try number("gradient_clip", Float(5))
        seed = try number("seed", UInt64(0))
        validationWords = try number("validation_words", 2000)
        guard hiddenSize > 0, hiddenSize % 2 == 0 else {
            throw LangError.recipe(path: path, line: values["hidden_size"]!.line, reason: "hidden_size must be positive and even")
        }
    }

    /// Reads a recipe file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LangError.fileUnreadable(path: path)
        }
        try self.init(text: text, path: path)
    }

    static let knownKeys: Set<String> = ["name", "embedding_size", "hidden_size", "epochs", "batch_size", "learning_rate",
                                         "learning_rate_decay", "decay_start_epoch", "gradient_clip", "seed", "validation_words"]
}
