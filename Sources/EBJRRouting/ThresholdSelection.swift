/// Choosing a threshold on the validation split (docs/method.md §7). Each function returns a `SweepPoint` of the
/// validation sweep; its `threshold` is then applied, unchanged, to the test split.
public enum ThresholdSelection {
    /// **Target acceptance**: `τ` = the `q`-quantile of the eligible validation scores, i.e. the smallest
    /// threshold that accepts at least `k = round(q·n)` samples (more with ties at `τ`). `q = 0` gives the
    /// accept-nothing point; if fewer than `k` samples are eligible, all eligible ones are accepted.
    public static func targetAcceptance(_ q: Double, sweep: ThresholdSweep) throws -> SweepPoint {
        guard q >= 0, q <= 1 else {
            throw RoutingError.invalidParameter(name: "target acceptance q", value: q, requirement: "in [0, 1]")
        }
        let k = Int((q * Double(sweep.acceptNothing.sampleCount)).rounded())
        return sweep.points.first { $0.acceptedCount >= k } ?? sweep.points[sweep.points.count - 1]
    }

    /// **Accuracy tolerance**: the largest acceptance whose validation joint accuracy is within `δ_acc` of the
    /// deep model's, `A_D − A_joint ≤ δ_acc`. The accept-nothing point always qualifies (`A_joint = A_D`).
    public static func accuracyTolerance(_ deltaAccuracy: Double, sweep: ThresholdSweep) throws -> SweepPoint {
        guard deltaAccuracy >= 0, deltaAccuracy.isFinite else {
            throw RoutingError.invalidParameter(name: "accuracy tolerance δ_acc", value: deltaAccuracy, requirement: "finite and ≥ 0")
        }
        let slack = 1e-12
        return sweep.points.last { $0.lossVersusDeep <= deltaAccuracy + slack } ?? sweep.acceptNothing
    }

    /// **Guaranteed** (Learn-Then-Test, fixed sequence): scan thresholds from the strictest to the loosest; at
    /// each, `U(τ)` = the one-sided `(1 − δ)` Clopper–Pearson upper bound of the harmful rate (harmful count out
    /// of all `n`); stop at the first `τ` with `U(τ) > ε` and keep the one before. With probability ≥ `1 − δ`
    /// over the validation draw, `A_D − A_joint ≤ h(τ) ≤ ε` on new data from the same distribution.
    /// If even the strictest real threshold fails, the result is the accept-nothing point (route everything),
    /// whose loss is exactly 0, with bound 0.
    public static func guaranteed(epsilon: Double, delta: Double, sweep: ThresholdSweep) throws -> GuaranteedSelection {
        try validate(epsilon: epsilon, delta: delta)
        let n = sweep.acceptNothing.sampleCount
        var cache: [Int: Double] = [:]
        var chosen = sweep.acceptNothing
        var chosenBound = 0.0
        var tested = 0
        for point in sweep.points.dropFirst() {
            tested += 1
            let bound: Double
            if let cached = cache[point.harmfulCount] {
                bound = cached
            } else {
                bound = try ClopperPearson.upperBound(events: point.harmfulCount, trials: n, delta: delta)
                cache[point.harmfulCount] = bound
            }
            if bound > epsilon {
                return GuaranteedSelection(kind: .harmfulRate, epsilon: epsilon, delta: delta, point: chosen,
                                           upperBound: chosenBound, testedCount: tested, firstFailure: point,
                                           firstFailureBound: bound)
            }
            chosen = point
            chosenBound = bound
        }
        return GuaranteedSelection(kind: .harmfulRate, epsilon: epsilon, delta: delta, point: chosen,
                                   upperBound: chosenBound, testedCount: tested, firstFailure: nil, firstFailureBound: nil)
    }

    /// **Selective risk** (Geifman & El-Yaniv 2017, selection with guaranteed risk) — *the weaker promise*: it
    /// bounds the side model's error rate among accepted samples, not the joint model's loss against the deep
    /// model. Binary search over the sweep for the largest acceptance whose Clopper–Pearson upper bound of
    /// (side errors among accepted / accepted) is ≤ `ε`, each of the `⌈log₂ P⌉` tests at level `δ/⌈log₂ P⌉`
    /// (P = number of candidate thresholds), so the bound holds jointly with probability ≥ `1 − δ`.
    public static func selectiveRisk(epsilon: Double, delta: Double, sweep: ThresholdSweep) throws -> GuaranteedSelection {
        try validate(epsilon: epsilon, delta: delta)
        let candidates = Array(sweep.points.dropFirst())
        var chosen = sweep.acceptNothing
        var chosenBound = 0.0
        guard !candidates.isEmpty else {
            return GuaranteedSelection(kind: .selectiveRisk, epsilon: epsilon, delta: delta, point: chosen,
                                       upperBound: 0, testedCount: 0, firstFailure: nil, firstFailureBound: nil)
        }
        var steps = 1
        while (1 << steps) < candidates.count + 1 { steps += 1 }
        let level = delta / Double(steps)
        var low = 0   // the search assumes the bound grows with acceptance, as it does for a useful score
        var high = candidates.count - 1
        var tested = 0
        var failure: (SweepPoint, Double)?
        while low <= high && tested < steps {
            let mid = (low + high + 1) / 2
            let point = candidates[mid]
            tested += 1
            let bound = try ClopperPearson.upperBound(events: point.sideErrorsAccepted, trials: point.acceptedCount,
                                                      delta: level)
            if bound <= epsilon {
                if point.acceptedCount > chosen.acceptedCount {
                    chosen = point
                    chosenBound = bound
                }
                low = mid + 1
            } else {
                if failure == nil || point.acceptedCount < failure!.0.acceptedCount { failure = (point, bound) }
                high = mid - 1
            }
        }
        return GuaranteedSelection(kind: .selectiveRisk, epsilon: epsilon, delta: delta, point: chosen,
                                   upperBound: chosenBound, testedCount: tested, firstFailure: failure?.0,
                                   firstFailureBound: failure?.1)
    }

    private static func validate(epsilon: Double, delta: Double) throws {
        guard epsilon > 0, epsilon < 1 else {
            throw RoutingError.invalidParameter(name: "ε", value: epsilon, requirement: "in (0, 1)")
        }
        guard delta > 0, delta < 1 else {
            throw RoutingError.invalidParameter(name: "δ", value: delta, requirement: "in (0, 1)")
        }
    }
}

/// The result of a finite-sample threshold selection.
public struct GuaranteedSelection: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Bounds the harmful rate, hence `A_D − A_joint` (docs/method.md §7, Learn-Then-Test).
        case harmfulRate = "harmful-rate"
        /// Bounds the side model's error among accepted samples only (the weaker promise).
        case selectiveRisk = "selective-risk"
    }

    public let kind: Kind
    public let epsilon: Double
    /// The level this scan was run at (for a family of `m` scores under Bonferroni: the family's `δ/m`).
    public let delta: Double
    /// The number of scores the scan's `δ` was shared with (nil or 1: a single scan at its own level).
    public var familySize: Int?
    /// The chosen validation operating point.
    public let point: SweepPoint
    /// The upper confidence bound at the chosen point (0 for accept-nothing).
    public let upperBound: Double
    /// How many thresholds were tested.
    public let testedCount: Int
    /// The first threshold that failed (the scan stopped there), if any.
    public let firstFailure: SweepPoint?
    public let firstFailureBound: Double?
}
