/// A checkpoint or logits file that cannot be written, read, or applied to a model. Each case names the file
/// (when there is one) and the key involved; the description is one line a user can act on.
///
/// Failures of the file itself (missing, truncated, not HDF5, missing dataset) are `HDF5Error`s.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file is HDF5 but its root attribute `format` is not `ebjr-checkpoint` (nil: no such attribute).
    case notACheckpoint(file: String, format: String?)
    /// The file was written by a newer format version.
    case unsupportedVersion(file: String, version: Int64)
    /// The file's `weight_layout` is not `torch`.
    case unsupportedLayout(file: String, layout: String)
    /// Model parameters the checkpoint does not contain.
    case missingKeys(file: String?, keys: [String])
    /// Checkpoint entries the model has no parameter for.
    case unexpectedKeys(file: String?, keys: [String])
    /// A parameter whose stored shape differs from the model's.
    case shapeMismatch(file: String?, key: String, checkpoint: [Int], model: [Int])
    /// A stored tensor whose element type is not float32.
    case dtypeMismatch(file: String?, key: String, expected: String, actual: String)
    /// The checkpoint describes a different model architecture than the one it is applied to.
    case architectureMismatch(file: String?, checkpoint: String, model: String)
    /// The checkpoint has no `model_config`, so no model can be built from it.
    case missingModelConfig(file: String?)
    /// The checkpoint holds another model family (`model_kind`), which has its own loader.
    case otherModelKind(file: String?, kind: String)
    /// `model_config` is not a valid model description.
    case invalidModelConfig(file: String?, detail: String)
    /// A name that cannot be stored (contains `/`, or collides with a reserved name).
    case invalidName(name: String, reason: String)
    /// The checkpoint's optimizer state was written by a different optimizer.
    case optimizerMismatch(file: String?, checkpoint: String, optimizer: String)
    /// A logits file that is malformed or does not match the data it is used with.
    case invalidLogits(file: String, detail: String)
    /// A dataset or attribute holds a value outside its allowed set or range.
    case invalidValue(file: String?, key: String, detail: String)
    /// A stored model weight is NaN or infinite (flat index `index` of the dataset at `dataset`).
    case nonFiniteWeight(file: String, dataset: String, index: Int, value: Float)

    public var description: String {
        switch self {
        case let .notACheckpoint(file, format):
            "\(file): not an EBJR checkpoint (format attribute is \(format.map { "'\($0)'" } ?? "missing"))"
        case let .unsupportedVersion(file, version):
            "\(file): checkpoint format version \(version) is newer than this toolkit supports (\(CheckpointFormat.version))"
        case let .unsupportedLayout(file, layout):
            "\(file): weight layout '\(layout)' is not supported (expected '\(CheckpointFormat.weightLayout)')"
        case let .missingKeys(file, keys):
            "\(Self.prefix(file))missing \(Self.list(keys)) in checkpoint (the model has them)"
        case let .unexpectedKeys(file, keys):
            "\(Self.prefix(file))unexpected \(Self.list(keys)) in checkpoint (the model has no such parameter)"
        case let .shapeMismatch(file, key, checkpoint, model):
            "\(Self.prefix(file))parameter '\(key)' has shape \(checkpoint) in the checkpoint but \(model) in the model"
        case let .dtypeMismatch(file, key, expected, actual):
            "\(Self.prefix(file))'\(key)' is stored as \(actual), expected \(expected)"
        case let .architectureMismatch(file, checkpoint, model):
            "\(Self.prefix(file))checkpoint is for a different architecture: checkpoint \(checkpoint), model \(model)"
        case let .missingModelConfig(file):
            "\(Self.prefix(file))checkpoint has no model_config, so no model can be built from it"
        case let .otherModelKind(file, kind):
            "\(Self.prefix(file))checkpoint holds a '\(kind)' model, not a layer stack (load it with that model's loader, e.g. `ebjr evaluate` with a \(kind) recipe)"
        case let .invalidModelConfig(file, detail):
            "\(Self.prefix(file))invalid model_config: \(detail)"
        case let .invalidName(name, reason):
            "cannot store '\(name)' in a checkpoint: \(reason)"
        case let .optimizerMismatch(file, checkpoint, optimizer):
            "\(Self.prefix(file))optimizer state was saved by '\(checkpoint)' but is being restored into '\(optimizer)'"
        case let .invalidLogits(file, detail):
            "\(file): \(detail)"
        case let .invalidValue(file, key, detail):
            "\(Self.prefix(file))\(key): \(detail)"
        case let .nonFiniteWeight(file, dataset, index, value):
            "\(file): weight dataset '\(dataset)' holds \(value) at index \(index); weights must be finite (load with allowNonFinite to inspect it)"
        }
    }

    private static func prefix(_ file: String?) -> String { file.map { "\($0): " } ?? "" }

    private static func list(_ keys: [String]) -> String {
        let shown = keys.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        let more = keys.count > 5 ? " and \(keys.count - 5) more" : ""
        return (keys.count == 1 ? "key " : "keys ") + shown + more
    }
}
