/// One word as the router sees it: the Swift model's score, whether each model is right, and what each costs.
public struct RoutedWord: Sendable {
    public var score: Double
    public var swiftCorrect: Bool
    public var superCorrect: Bool
    public var swiftCost: Double
    public var superCost: Double

    public init(score: Double, swiftCorrect: Bool, superCorrect: Bool, swiftCost: Double, superCost: Double) {
        (self.score, self.swiftCorrect, self.superCorrect, self.swiftCost, self.superCost) = (score, swiftCorrect, superCorrect, swiftCost, superCost)
    }
}

/// The joint system at one threshold.
public struct OperatingPoint: Codable, Equatable, Sendable {
    /// Keep the Swift output iff `score ≤ threshold`.
    public var threshold: Double
    public var routedFraction: Double
    public var jointWER: Double
    /// `(Σ_all swiftCost + Σ_routed superCost) / Σ_all superCost`.
    public var relativeCost: Double
}

/// E-LANG routing of whole sequences: the Swift model always decodes; words whose score exceeds `τ` are decoded
/// again by the Super model, whose output replaces the Swift one.
public enum SequenceRouter {
    /// The joint system at `threshold`.
    public static func evaluate(_ words: [RoutedWord], threshold: Double) -> OperatingPoint {
        var errors = 0, routed = 0, cost = 0.0, superTotal = 0.0
        for w in words {
            cost += w.swiftCost
            superTotal += w.superCost
            if w.score <= threshold { errors += w.swiftCorrect ? 0 : 1 } else {
                routed += 1; cost += w.superCost; errors += w.superCorrect ? 0 : 1
            }
        }
        let n = Double(Swift.max(words.count, 1))
        return OperatingPoint(threshold: threshold, routedFraction: Double(routed) / n, jointWER: Double(errors) / n,
                              relativeCost: superTotal > 0 ? cost / superTotal : 0)
    }

    /// Every distinct operating point, from routing everything (`τ = −∞`) to routing nothing, one per distinct
    /// score (accepting the `k` lowest scores).
    public static func curve(_ words: [RoutedWord]) -> [OperatingPoint] {
        let sorted = words.sorted { $0.score < $1.score }
        var errors = sorted.reduce(0) { $0 + ($1.superCorrect ? 0 : 1) }
        var cost = sorted.reduce(0.0) { $0 + $1.swiftCost + $1.superCost }
        let superTotal = sorted.reduce(0.0) { $0 + $1.superCost }, n = Double(Swift.max(words.count, 1))
        var points = [OperatingPoint(threshold: -.infinity, routedFraction: 1, jointWER: Double(errors) / n, relativeCost: cost / superTotal)]
        var i = 0
        while i < sorted.count {
            let score = sorted[i].score
            while i < sorted.count && sorted[i].score == score {
                errors += (sorted[i].swiftCorrect ? 0 : 1) - (sorted[i].superCorrect ? 0 : 1)
                cost -= sorted[i].superCost
                i += 1
            }
            points.append(OperatingPoint(threshold: score, routedFraction: Double(sorted.count - i) / n, jointWER: Double(errors) / n,
                                         relativeCost: cost / superTotal))
        }
        return points
    }

    /// The cheapest threshold whose joint WER is within `tolerance` of the Super model alone (the rule
    /// "joint WER ≤ Super WER + 1 pp" with `tolerance = 0.01`), chosen on `words` (validation).
    public static func threshold(_ words: [RoutedWord], tolerance: Double) -> Double {
        let superWER = Double(words.filter { !$0.superCorrect }.count) / Double(Swift.max(words.count, 1))
        let feasible = curve(words).filter { $0.jointWER <= superWER + tolerance + 1e-12 }
        return feasible.min { $0.relativeCost < $1.relativeCost }?.threshold ?? -.infinity
    }

    /// Area under the ROC curve of `score` for detecting Swift errors (1 = every wrong word scores above every
    /// right one; 0.5 = chance), ties counted half.
    public static func auroc(_ words: [RoutedWord]) -> Double {
        let sorted = words.sorted { $0.score < $1.score }
        let wrong = Double(words.filter { !$0.swiftCorrect }.count), right = Double(words.count) - wrong
        guard wrong > 0, right > 0 else { return .nan }
        var rightBelow = 0.0, total = 0.0, i = 0
        while i < sorted.count {
            var j = i, tiedRight = 0.0, tiedWrong = 0.0
            while j < sorted.count && sorted[j].score == sorted[i].score {
                if sorted[j].swiftCorrect { tiedRight += 1 } else { tiedWrong += 1 }
                j += 1
            }
            total += tiedWrong * (rightBelow + 0.5 * tiedRight)
            rightBelow += tiedRight
            i = j
        }
        return total / (wrong * right)
    }
}
