/// Errors of the learned deferral router: each names what is wrong and where.
public enum DeferralError: Error, CustomStringConvertible, Equatable {
    /// A feature matrix or target vector with the wrong number of rows or columns.
    case shapeMismatch(what: String, expected: Int, actual: Int)
    /// Too few samples, or only one class among the training targets.
    case notTrainable(what: String, reason: String)
    /// A setting outside its range.
    case invalidSetting(name: String, value: String, requirement: String)
    /// A feature that is NaN or infinite.
    case nonFiniteFeature(what: String, row: Int, column: Int)
    /// A stored router (`DeferralRouterState`) that does not describe a network.
    case invalidState(reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(what, expected, actual):
            return "learned deferral: \(what) has \(actual) where \(expected) are expected"
        case let .notTrainable(what, reason):
            return "learned deferral: cannot train on \(what): \(reason)"
        case let .invalidSetting(name, value, requirement):
            return "learned deferral: \(name) = \(value) must be \(requirement)"
        case let .nonFiniteFeature(what, row, column):
            return "learned deferral: \(what) has a non-finite feature at row \(row), column \(column)"
        case let .invalidState(reason):
            return "learned deferral: the stored router is not usable: \(reason)"
        }
    }
}
