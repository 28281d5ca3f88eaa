import EBJRRouting

/// The protocol of the learned score (docs/method.md, "learned deferral"): the validation split is cut in two
/// halves by a seeded shuffle; the router is trained on the *fit* half (its eligible samples), thresholds are then
/// chosen on the *selection* half only, and the router and threshold are applied once to test. So no sample both
/// trains the router and chooses its threshold.
public struct LearnedScores {
    /// Validation rows (ascending) the router was trained on, and those left for choosing the threshold.
    public let fitRows: [Int]
    public let selectionRows: [Int]
    /// `g(x)` on the selection rows (in `selectionRows` order) and on every test sample.
    public let selection: [Double]
    public let test: [Double]
    public let router: DeferralRouter

    /// Splits `0..<count` into two halves with a seeded Fisher–Yates shuffle (SplitMix64): the first `⌊count/2⌋`
    /// shuffled rows fit, the rest select; both returned in ascending order.
    public static func halves(count: Int, seed: UInt64) -> (fit: [Int], selection: [Int]) {
        var rows = Array(0..<count)
        var generator = SeededGenerator(seed: seed)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                rows.swapAt(i, j)
            }
        }
        let half = count / 2
        return (Array(rows[..<half]).sorted(), Array(rows[half...]).sorted())
    }

    /// Trains the router on the fit half of validation and scores the selection half and the test split.
    ///
    /// - Parameters:
    ///   - sideCorrect, deepCorrect, isEligible: per validation sample (the router trains on the eligible
    ///     samples of the fit half: the others are routed whatever their score).
    ///   - seed: the shuffle of the halves and the initialisation of an MLP.
    /// - Throws: `DeferralError` / `RoutingError` for mismatched inputs or an untrainable half.
    public init(validation: Logits, test: Logits, subsetRouting: SubsetRouting?, sideCorrect: [Bool], deepCorrect: [Bool],
                isEligible: [Bool], settings: DeferralRouterSettings) throws {
        let n = validation.count
        for (what, array) in [("side correctness", sideCorrect), ("deep correctness", deepCorrect), ("eligibility", isEligible)]
        where array.count != n {
            throw DeferralError.shapeMismatch(what: "validation \(what)", expected: n, actual: array.count)
        }
        let (fit, selection) = Self.halves(count: n, seed: settings.seed)
        let features = try DeferralFeatures(side: validation, subsetRouting: subsetRouting)
        let trainRows = fit.filter { isEligible[$0] }
        let targets = DeferralRouter.targets(sideCorrect: trainRows.map { sideCorrect[$0] },
                                             deepCorrect: trainRows.map { deepCorrect[$0] })
        router = try DeferralRouter(training: features.selecting(rows: trainRows), targets: targets, settings: settings)
        fitRows = fit
        selectionRows = selection
        self.selection = try router.probabilities(features.selecting(rows: selection))
        self.test = try router.probabilities(try DeferralFeatures(side: test, subsetRouting: subsetRouting))
    }
}
