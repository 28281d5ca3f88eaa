/// Everything that can go wrong in the routing library. Each case names *what* was wrong and *where*,
/// and `description` is one line a user can act on.
public enum RoutingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A logits buffer does not hold `count × classCount` values.
    case logitsShape(what: String, valueCount: Int, count: Int, classCount: Int)
    /// A logit is NaN or infinite.
    case nonFiniteLogit(what: String, row: Int, column: Int)
    /// A score is NaN or infinite.
    case nonFiniteScore(what: String, index: Int)
    /// Two arrays that must describe the same samples have different lengths.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// A split or array that must hold at least one sample is empty.
    case empty(what: String)
    /// A parameter is outside its allowed range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// A model produced a number of outputs other than the router expects.
    case classCountMismatch(what: String, expected: Int, actual: Int)
    /// A label or prediction is not a valid class id.
    case classOutOfRange(what: String, index: Int, value: Int, classCount: Int)
    /// A class subset is empty, repeats a class, or holds a negative or too large id.
    case invalidSubset(reason: String)
    /// A score name that is not one of `Score.names`.
    case unknownScore(name: String)
    /// A score needs inputs that were not given (the oracle needs labels).
    case missingInput(what: String, reason: String)
    /// A router manifest (`router.json`) holds a value a reader cannot use.
    case invalidManifest(key: String, reason: String)

    public var description: String {
        switch self {
        case let .logitsShape(what, valueCount, count, classCount):
            return "\(what): \(valueCount) values cannot be \(count) rows × \(classCount) classes "
                + "(need count × classCount values and classCount ≥ 1)"
        case let .nonFiniteLogit(what, row, column):
            return "\(what): logit at row \(row), column \(column) is NaN or infinite"
        case let .nonFiniteScore(what, index):
            return "\(what): score of sample \(index) is NaN or infinite"
        case let .lengthMismatch(what, expected, actual):
            return "\(what): expected \(expected) samples, got \(actual)"
        case let .empty(what):
            return "\(what) is empty: need at least one sample"
        case let .invalidParameter(name, value, requirement):
            return "\(name) = \(value) is invalid: must be \(requirement)"
        case let .classCountMismatch(what, expected, actual):
            return "\(what): expected \(expected) outputs per sample, got \(actual)"
        case let .classOutOfRange(what, index, value, classCount):
            return "\(what): sample \(index) has class \(value), outside 0..<\(classCount)"
        case let .invalidSubset(reason):
            return "invalid class subset: \(reason)"
        case let .unknownScore(name):
            return "unknown score '\(name)': use one of \(Score.names.joined(separator: ", "))"
        case let .missingInput(what, reason):
            return "\(what) is missing: \(reason)"
        case let .invalidManifest(key, reason):
            return "router manifest: \(key) \(reason)"
        }
    }
}
