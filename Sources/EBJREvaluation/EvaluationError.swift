import EBJRRouting
import EBJRDeferral

/// Everything that can go wrong while evaluating and writing reports; each case names what and where.
public enum EvaluationError: Error, CustomStringConvertible {
    /// A routing computation failed; `context` says for which side model / score / split.
    case routing(context: String, underlying: RoutingError)
    /// Training a learned router failed; `context` says for which side model / score.
    case deferral(context: String, underlying: DeferralError)
    /// Two inputs that must describe the same samples differ in length.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// An input that must hold at least one item is empty.
    case empty(what: String)
    /// A setting is outside its allowed range.
    case invalidSetting(name: String, value: String, requirement: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)
    /// A requested resample cannot be drawn without replacement.
    case infeasibleResample(requested: Int, inSubset: Int, outOfSubset: Int, share: Double)

    public var description: String {
        switch self {
        case let .routing(context, underlying):
            return "\(context): \(underlying.description)"
        case let .deferral(context, underlying):
            return "\(context): \(underlying.description)"
        case let .lengthMismatch(what, expected, actual):
            return "\(what): expected \(expected), got \(actual)"
        case let .empty(what):
            return "\(what) is empty"
        case let .invalidSetting(name, value, requirement):
            return "setting \(name) = \(value) is invalid: must be \(requirement)"
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason)"
        case let .infeasibleResample(requested, inSubset, outOfSubset, share):
            return "cannot draw \(requested) samples with in-subset share \(share) without replacement from "
                + "\(inSubset) in-subset and \(outOfSubset) out-of-subset samples"
        }
    }
}

/// Runs a routing call and wraps its error with the context it was called in.
func withContext<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as RoutingError {
        throw EvaluationError.routing(context: context(), underlying: error)
    } catch let error as DeferralError {
        throw EvaluationError.deferral(context: context(), underlying: error)
    }
}
