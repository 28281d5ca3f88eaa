/// Merging the side and deep answers into the joint model's answer, in input order:
/// `joint_i = side_i` if sample `i` is accepted, else the deep model's answer for it.
public enum JointPrediction {
    /// - Parameters:
    ///   - side: the side model's predictions for all `N` samples.
    ///   - deepRouted: the deep model's predictions for the routed samples only, in ascending index order.
    ///   - accepted: the accept mask (`N` entries).
    /// - Throws: `RoutingError.lengthMismatch` if `side` and `accepted` differ in length, or `deepRouted` does not
    ///   hold exactly one prediction per routed sample.
    public static func merge(side: [Int], deepRouted: [Int], accepted: [Bool]) throws -> [Int] {
        guard side.count == accepted.count else {
            throw RoutingError.lengthMismatch(what: "side predictions vs accept mask", expected: accepted.count,
                                              actual: side.count)
        }
        let routedCount = accepted.lazy.filter { !$0 }.count
        guard deepRouted.count == routedCount else {
            throw RoutingError.lengthMismatch(what: "deep predictions vs routed samples", expected: routedCount,
                                              actual: deepRouted.count)
        }
        var next = 0
        var out = side
        for i in out.indices where !accepted[i] {
            out[i] = deepRouted[next]
            next += 1
        }
        return out
    }

    /// The same merge when the deep model's predictions are known for all `N` samples (evaluation).
    public static func merge(side: [Int], deepAll: [Int], accepted: [Bool]) throws -> [Int] {
        guard side.count == accepted.count, deepAll.count == accepted.count else {
            throw RoutingError.lengthMismatch(what: "side / deep predictions vs accept mask", expected: accepted.count,
                                              actual: side.count == accepted.count ? deepAll.count : side.count)
        }
        return accepted.indices.map { accepted[$0] ? side[$0] : deepAll[$0] }
    }
}
