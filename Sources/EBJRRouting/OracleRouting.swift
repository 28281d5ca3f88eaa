/// What any router could reach with the two models' correctness vectors (docs/method.md §8).
public enum OracleRouting {
    /// The ceiling at any cost: `P(side correct ∨ deep correct)`.
    public static func ceiling(sideCorrect: [Bool], deepCorrect: [Bool]) throws -> Double {
        try bestAccuracy(sideCorrect: sideCorrect, deepCorrect: deepCorrect, routingBudget: 1)
    }

    /// The best joint accuracy of any router sending at most a fraction `ρ` of the samples to the deep model:
    /// keep everything, then route the samples where only the deep model is right, up to `⌊ρ·n⌋` of them:
    /// `(#side correct + min(⌊ρ·n⌋, #(side wrong ∧ deep right))) / n`.
    public static func bestAccuracy(sideCorrect: [Bool], deepCorrect: [Bool], routingBudget rho: Double) throws -> Double {
        guard !sideCorrect.isEmpty else { throw RoutingError.empty(what: "correctness vectors for the oracle") }
        guard deepCorrect.count == sideCorrect.count else {
            throw RoutingError.lengthMismatch(what: "deep vs side correctness", expected: sideCorrect.count,
                                              actual: deepCorrect.count)
        }
        guard rho >= 0, rho <= 1 else {
            throw RoutingError.invalidParameter(name: "routing budget ρ", value: rho, requirement: "in [0, 1]")
        }
        let n = sideCorrect.count
        let sideRight = sideCorrect.lazy.filter { $0 }.count
        let onlyDeepRight = zip(sideCorrect, deepCorrect).lazy.filter { !$0 && $1 }.count
        let budget = Int((rho * Double(n) + 1e-9).rounded(.down))
        return Double(sideRight + min(budget, onlyDeepRight)) / Double(n)
    }
}
