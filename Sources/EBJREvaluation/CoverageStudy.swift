import EBJRRouting
import EBJRDeferral

/// How many times to re-partition the held-out samples for a coverage study.
public struct CoverageSettings: Hashable, Sendable, Codable {
    /// Number of random validation/test re-partitions (≥ 1; use ≥ 20).
    public var repartitions: Int
    /// Seed of the first re-partition (re-partition `r` uses `seed + r`).
    public var seed: UInt64

    public init(repartitions: Int = 20, seed: UInt64 = 0) {
        self.repartitions = repartitions
        self.seed = seed
    }
}

/// Does the guaranteed operating point keep its promise? (docs/method.md §7, "measuring coverage").
///
/// The validation and test samples are pooled (`N` samples) and, `R` times, split at random into a validation
/// half of `⌊N/2⌋` and a test half. Each time, for each side model and each deployable score (learned routers are
/// refitted on the new validation), three operating points are chosen on the validation half and realised on the
/// test half; the cheapest score on validation is kept for each, as a user would:
/// - **plain**: the largest acceptance within `ε` of the deep model on validation (no promise);
/// - **guaranteed**: the harmful-rate scan at level `δ/m` per score (Bonferroni over the `m` scores);
/// - **guaranteed, uncorrected**: the same scan at `δ` per score (the promise of a score fixed in advance, broken by
///   picking the cheapest afterwards).
/// An *exceedance* is a re-partition whose realised test loss `A_D − A_joint` exceeds `ε`. A promise "with
/// probability ≥ 1 − δ" is kept when the exceedance rate is at most `δ` up to one binomial standard error
/// `√(δ(1 − δ)/R)`.
public enum CoverageStudy {
    /// The pooled held-out samples.
    public struct Pool: Sendable {
        public var labels: [Int]
        public var deepLogits: Logits
        /// One per side model: name, FLOPs, routing and its logits on the same pooled rows.
        public var sides: [(name: String, flops: Double, subsetRouting: SubsetRouting?, logits: Logits)]

        public init(labels: [Int], deepLogits: Logits,
                    sides: [(name: String, flops: Double, subsetRouting: SubsetRouting?, logits: Logits)]) {
            self.labels = labels
            self.deepLogits = deepLogits
            self.sides = sides
        }
    }

    /// Runs the study.
    /// - Parameters:
    ///   - scores: the family (reference scores are skipped).
    ///   - progress: called after each re-partition with (done, total).
    /// - Throws: `EvaluationError` naming the side model, score and re-partition that failed.
    public static func run(pool: Pool, scores: [Score], epsilon: Double, delta: Double, deepFLOPs: Double,
                           settings: CoverageSettings, progress: (Int, Int) -> Void = { _, _ in }) throws -> CoverageResult {
        guard settings.repartitions >= 1, settings.repartitions <= 100_000 else {
            throw EvaluationError.invalidSetting(name: "coverage.repartitions", value: "\(settings.repartitions)", requirement: "in 1...100000")
        }
        guard epsilon > 0, epsilon < 1, delta > 0, delta < 1 else {
            throw EvaluationError.invalidSetting(name: "coverage ε, δ", value: "\(epsilon), \(delta)", requirement: "both in (0, 1)")
        }
        let family = scores.filter { !$0.isReference }
        guard !family.isEmpty else { throw EvaluationError.empty(what: "coverage scores (deployable ones)") }
        let n = pool.labels.count
        guard n >= 4 else { throw EvaluationError.empty(what: "coverage pool (needs ≥ 4 samples)") }
        for side in pool.sides where side.logits.count != n {
            throw EvaluationError.lengthMismatch(what: "coverage: side model \(side.name) pooled logits rows vs labels", expected: n,
                                                 actual: side.logits.count)
        }
        guard pool.deepLogits.count == n else {
            throw EvaluationError.lengthMismatch(what: "coverage: deep pooled logits rows vs labels", expected: n, actual: pool.deepLogits.count)
        }
        let evaluator = Evaluator(settings: EvaluationSettings(scores: family))
        var trials = pool.sides.map { _ in [CoverageTrial]() }
        for r in 0..<settings.repartitions {
            let (validationRows, testRows) = LearnedScores.halves(count: n, seed: settings.seed &+ UInt64(r))
            let validation = try EvaluationSplit(labels: validationRows.map { pool.labels[$0] },
                                                 deepLogits: pool.deepLogits.selecting(rows: validationRows), what: "coverage validation")
            let test = try EvaluationSplit(labels: testRows.map { pool.labels[$0] },
                                           deepLogits: pool.deepLogits.selecting(rows: testRows), what: "coverage test")
            let deep = SplitValues(validation: validation.deepLogits.predictions(), test: test.deepLogits.predictions())
            for (s, side) in pool.sides.enumerated() {
                let input = SideModelInput(name: side.name, flops: side.flops, subsetRouting: side.subsetRouting,
                                           validationLogits: side.logits.selecting(rows: validationRows),
                                           testLogits: side.logits.selecting(rows: testRows))
                let cost = try withContext("coverage: side model \(side.name): cost") {
                    try CostModel(sideFLOPs: side.flops, deepFLOPs: deepFLOPs)
                }
                var best: [CoverageVariant: (validationCost: Double, trial: CoverageTrial.Outcome)] = [:]
                for score in family {
                    let context = "coverage re-partition \(r), side model \(side.name), score \(score)"
                    let view = try withContext(context) {
                        try evaluator.validationView(score: score, side: input, validation: validation, test: test,
                                                     deepPredictions: deep, inSubset: nil)
                    }
                    let (valOutcomes, testOutcomes) = try withContext(context) {
                        (try RoutingOutcomes(scored: view.scored, labels: view.labels, deepPredictions: view.deepPredictions),
                         try RoutingOutcomes(scored: view.test, labels: test.labels, deepPredictions: deep.test))
                    }
                    let sweep = ThresholdSweep(valOutcomes)
                    let points: [(CoverageVariant, SweepPoint)] = try withContext(context) { [
                        (.plain, try ThresholdSelection.accuracyTolerance(epsilon, sweep: sweep)),
                        (.guaranteed, try ThresholdSelection.guaranteed(epsilon: epsilon, delta: delta / Double(family.count), sweep: sweep).point),
                        (.uncorrected, try ThresholdSelection.guaranteed(epsilon: epsilon, delta: delta, sweep: sweep).point),
                    ] }
                    for (variant, point) in points {
                        let validationCost = cost.relativeCost(routedFraction: point.routedFraction)
                        if let current = best[variant], current.validationCost <= validationCost { continue }
                        let realised = testOutcomes.point(at: .scoreAtMost(point.threshold))
                        best[variant] = (validationCost, CoverageTrial.Outcome(
                            score: score, testLoss: realised.lossVersusDeep,
                            testRelativeCost: cost.relativeCost(routedFraction: realised.routedFraction)))
                    }
                }
                trials[s].append(CoverageTrial(repartition: r, plain: best[.plain]!.trial, guaranteed: best[.guaranteed]!.trial,
                                               uncorrected: best[.uncorrected]!.trial))
            }
            progress(r + 1, settings.repartitions)
        }
        return CoverageResult(epsilon: epsilon, delta: delta, familySize: family.count, settings: settings, pooledCount: n,
                              validationCount: n / 2,
                              sideModels: zip(pool.sides, trials).map { CoverageResult.SideModel(name: $0.name, trials: $1) })
    }
}

/// The three operating points a coverage study compares.
public enum CoverageVariant: String, Hashable, Sendable, Codable, CaseIterable {
    case plain, guaranteed, uncorrected

    public var label: String {
        switch self {
        case .plain: return "plain (within ε on validation)"
        case .guaranteed: return "guaranteed, Bonferroni δ/m"
        case .uncorrected: return "guaranteed, uncorrected δ"
        }
    }
}

/// One re-partition of one side model: the cheapest score's test outcome at each variant.
public struct CoverageTrial: Hashable, Sendable, Codable {
    public struct Outcome: Hashable, Sendable, Codable {
        public var score: Score
        /// `A_D − A_joint` on the test half.
        public var testLoss: Double
        public var testRelativeCost: Double
    }

    public var repartition: Int
    public var plain: Outcome
    public var guaranteed: Outcome
    public var uncorrected: Outcome

    public func outcome(_ variant: CoverageVariant) -> Outcome {
        switch variant {
        case .plain: return plain
        case .guaranteed: return guaranteed
        case .uncorrected: return uncorrected
        }
    }
}

/// The coverage study's result (written as `coverage.json`).
public struct CoverageResult: Hashable, Sendable, Codable {
    public var epsilon: Double
    public var delta: Double
    /// `m`, the deployable scores the cheapest is picked from.
    public var familySize: Int
    public var settings: CoverageSettings
    public var pooledCount: Int
    public var validationCount: Int
    public var sideModels: [SideModel]

    public struct SideModel: Hashable, Sendable, Codable {
        public var name: String
        public var trials: [CoverageTrial]

        /// Re-partitions whose test loss exceeds `ε` at `variant`.
        public func exceedances(_ variant: CoverageVariant, epsilon: Double) -> Int {
            trials.filter { $0.outcome(variant).testLoss > epsilon + 1e-12 }.count
        }

        /// Mean test relative cost at `variant`.
        public func meanCost(_ variant: CoverageVariant) -> Double {
            trials.map { $0.outcome(variant).testRelativeCost }.reduce(0, +) / Double(max(1, trials.count))
        }

        /// Mean and largest test loss at `variant`.
        public func loss(_ variant: CoverageVariant) -> (mean: Double, max: Double) {
            let losses = trials.map { $0.outcome(variant).testLoss }
            return (losses.reduce(0, +) / Double(max(1, losses.count)), losses.max() ?? 0)
        }
    }

    /// One binomial standard error of an exceedance rate at exactly `δ` over `R` re-partitions: `√(δ(1 − δ)/R)`.
    public var standardError: Double { (delta * (1 - delta) / Double(max(1, settings.repartitions))).squareRoot() }

    /// Whether `k` exceedances in `R` re-partitions are within `δ` plus one standard error.
    public func keepsPromise(exceedances k: Int, trials r: Int) -> Bool {
        Double(k) / Double(max(1, r)) <= delta + standardError + 1e-12
    }
}
