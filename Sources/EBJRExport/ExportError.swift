import EBJRNN

/// Why a model could not be exported. Each case names the layer or weight key at fault.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// The model description itself is inconsistent (a layer does not fit its input shape).
    case invalidModel(ModelConfigError)
    /// The model description has no layers.
    case emptyModel
    /// The last layer does not produce one vector of logits per sample (e.g. a model ending in a convolution).
    case outputNotVector(layer: Int, type: String, shape: [Int])
    /// A layer needs a weight that is not in the weight list.
    case missingWeight(key: String)
    /// A weight has the wrong shape for its layer.
    case weightShapeMismatch(key: String, expected: [Int], actual: [Int])
    /// The weight list holds a key that no layer uses (strict, like `load_state_dict(strict=True)`).
    case unexpectedWeight(key: String)
    /// The weight list holds the same key twice.
    case duplicateWeight(key: String)
    /// An export option is out of range (temperature, energy columns, class names, …).
    case invalidOption(String)
    /// The file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidModel(error):
            "ONNX export: \(error)"
        case .emptyModel:
            "ONNX export: the model description has no layers"
        case let .outputNotVector(layer, type, shape):
            "ONNX export: the last layer \(layer) (\(type)) produces shape \(shape) per sample, but the exported "
                + "`logits` must be one vector [K] per sample (end the model with flatten or linear)"
        case let .missingWeight(key):
            "ONNX export: missing weight '\(key)'"
        case let .weightShapeMismatch(key, expected, actual):
            "ONNX export: weight '\(key)' has shape \(actual), the model description expects \(expected)"
        case let .unexpectedWeight(key):
            "ONNX export: weight '\(key)' is not used by any layer of the model description"
        case let .duplicateWeight(key):
            "ONNX export: weight '\(key)' is given more than once"
        case let .invalidOption(message):
            "ONNX export: \(message)"
        case let .writeFailed(path, reason):
            "ONNX export: cannot write '\(path)': \(reason)"
        }
    }
}
