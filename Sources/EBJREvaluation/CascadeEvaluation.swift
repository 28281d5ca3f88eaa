import EBJRRouting

/// A cascade to evaluate (recipe section `cascades`): stages of side models, named as in the evaluation's side
/// models, before the deep model. A stage of several members runs them side by side (several specialists).
public struct CascadeSpec: Hashable, Sendable, Codable {
    public struct Stage: Hashable, Sendable, Codable {
        /// Side model names; more than one = run side by side, lowest score answers.
        public var members: [String]
        /// The score every member of the stage is routed by.
        public var score: Score
        public init(members: [String], score: Score) {
            self.members = members
            self.score = score
        }
    }

    public var name: String
    public var stages: [Stage]
    /// Quantile steps per gate of the joint search (`CascadeSearch`).
    public var steps: Int
    /// Also evaluate every shorter cascade: stages dropped, a stage of several members reduced to any non-empty
    /// subset of them (all ending with the deep model).
    public var compareShorter: Bool

    public init(name: String, stages: [Stage], steps: Int = CascadeSearch.defaultSteps, compareShorter: Bool = true) {
        self.name = name
        self.stages = stages
        self.steps = steps
        self.compareShorter = compareShorter
    }

    /// The configurations evaluated: the full cascade first, then (if `compareShorter`) every shorter one.
    public var configurations: [[Stage]] {
        var options: [[Stage?]] = stages.map { stage in
            let m = stage.members.count
            var subsets: [Stage?] = (1..<(1 << m)).reversed().map { mask in
                Stage(members: stage.members.indices.filter { mask & (1 << $0) != 0 }.map { stage.members[$0] }, score: stage.score)
            }
            subsets.append(nil)
            return subsets
        }
        if !compareShorter { options = stages.map { [$0] } }
        var out: [[Stage]] = [[]]
        for choices in options {
            out = out.flatMap { prefix in choices.map { choice in choice.map { prefix + [$0] } ?? prefix } }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// One cascade configuration: thresholds chosen jointly on validation, then applied once to test.
public struct CascadeConfigurationResult: Hashable, Sendable, Codable {
    public var stages: [CascadeSpec.Stage]
    /// `thresholds[s][m]` (accept iff score ≤ τ; `ThresholdSweep.acceptNothingThreshold` = answers nothing).
    public var thresholds: [[Double]]
    public var validation: CascadeSplitResult
    public var test: CascadeSplitResult

    /// `a → b+c → deep` style label.
    public func label(deep: String) -> String {
        (stages.map { $0.members.joined(separator: " + ") } + [deep]).joined(separator: " → ")
    }
}

/// A cascade's figures on one split.
public struct CascadeSplitResult: Hashable, Sendable, Codable {
    public var accuracy: Double
    /// `A_cascade − A_deep` (negative = loses accuracy against the deep model).
    public var deltaVersusDeep: Double
    public var relativeCost: Double
    /// Fraction answered by each stage, the deep model last.
    public var answeredFractions: [Double]
}

/// Every configuration of one cascade spec on one workload.
public struct CascadeEvaluation: Hashable, Sendable, Codable {
    public var spec: CascadeSpec
    /// The accuracy tolerance the thresholds were chosen for (`A_D − A_cascade ≤ δ_acc` on validation).
    public var accuracyTolerance: Double
    public var deepName: String
    /// The full cascade first, then the shorter ones, in `CascadeSpec.configurations` order.
    public var configurations: [CascadeConfigurationResult]

    /// The index of the configuration chosen on validation: lowest validation cost, then higher validation
    /// accuracy, then fewer stages (test plays no part).
    public var winnerIndex: Int {
        configurations.indices.min { a, b in
            let x = configurations[a].validation, y = configurations[b].validation
            if x.relativeCost != y.relativeCost { return x.relativeCost < y.relativeCost }
            if x.accuracy != y.accuracy { return x.accuracy > y.accuracy }
            return configurations[a].stages.count < configurations[b].stages.count
        }!
    }
}

/// Evaluates cascades of side models before the deep model (docs/cascades.md).
public enum CascadeEvaluator {
    /// - Parameters:
    ///   - sides: the evaluation's side models; stages name them.
    ///   - accuracyTolerance: the criterion "within `δ_acc` of deep" the thresholds are chosen for on validation.
    /// - Throws: `EvaluationError` naming the cascade and the missing model or failed computation.
    public static func evaluate(_ spec: CascadeSpec, sides: [SideModelInput], deepName: String, deepFLOPs: Double,
                                validation: EvaluationSplit, test: EvaluationSplit,
                                accuracyTolerance: Double) throws -> CascadeEvaluation {
        let context = "cascade \(spec.name)"
        guard !spec.stages.isEmpty else { throw EvaluationError.empty(what: "\(context): stages") }
        var byName: [String: SideModelInput] = [:]
        for side in sides { byName[side.name] = side }
        for stage in spec.stages {
            for name in stage.members where byName[name] == nil {
                throw EvaluationError.invalidSetting(name: "\(context): stage model", value: name,
                                                     requirement: "one of the side models (\(sides.map(\.name).joined(separator: ", ")))")
            }
        }
        let deepPredictions = SplitValues(validation: validation.deepLogits.predictions(), test: test.deepLogits.predictions())
        var cache: [String: SplitValues<ScoredSamples>] = [:]
        func scored(_ name: String, _ score: Score) throws -> SplitValues<ScoredSamples> {
            let key = "\(name)\u{1}\(score)"
            if let hit = cache[key] { return hit }
            let side = byName[name]!
            let value = try withContext("\(context), \(name), \(score)") {
                SplitValues(validation: try ScoredSamples(side: side.validationLogits, score: score, subsetRouting: side.subsetRouting),
                            test: try ScoredSamples(side: side.testLogits, score: score, subsetRouting: side.subsetRouting))
            }
            cache[key] = value
            return value
        }
        var results: [CascadeConfigurationResult] = []
        for stages in spec.configurations {
            let label = (stages.map { $0.members.joined(separator: " + ") } + [deepName]).joined(separator: " → ")
            func cascade(_ split: KeyPath<SplitValues<ScoredSamples>, ScoredSamples>, _ final: [Int]) throws -> Cascade {
                try withContext("\(context) (\(label))") {
                    try Cascade(stages: try stages.map { stage in
                        Cascade.Stage(members: try stage.members.map { Cascade.Member(name: $0, scored: try scored($0, stage.score)[keyPath: split]) },
                                      flops: stage.members.reduce(0) { $0 + byName[$1]!.flops })
                    }, finalPredictions: final, finalFLOPs: deepFLOPs)
                }
            }
            let validationCascade = try cascade(\.validation, deepPredictions.validation)
            let selection = try withContext("\(context) (\(label)), validation search") {
                try CascadeSearch.cheapest(validationCascade, labels: validation.labels, accuracyTolerance: accuracyTolerance,
                                           steps: spec.steps)
            }
            let testRouting = try withContext("\(context) (\(label)), test") {
                try cascade(\.test, deepPredictions.test).route(thresholds: selection.thresholds)
            }
            results.append(CascadeConfigurationResult(
                stages: stages, thresholds: selection.thresholds,
                validation: split(selection.routing, labels: validation.labels, deep: deepPredictions.validation),
                test: split(testRouting, labels: test.labels, deep: deepPredictions.test)))
        }
        return CascadeEvaluation(spec: spec, accuracyTolerance: accuracyTolerance, deepName: deepName, configurations: results)
    }

    private static func split(_ routing: CascadeRouting, labels: [Int], deep: [Int]) -> CascadeSplitResult {
        let n = Double(labels.count)
        let right = Double(zip(routing.predictions, labels).lazy.filter { $0 == $1 }.count)
        let deepRight = Double(zip(deep, labels).lazy.filter { $0 == $1 }.count)
        return CascadeSplitResult(accuracy: right / n, deltaVersusDeep: (right - deepRight) / n, relativeCost: routing.relativeCost,
                                  answeredFractions: routing.answeredFractions)
    }
}
