import EBJREvaluation
import EBJRRouting

/// A seeded synthetic 10-class problem for evaluation and report tests: the deep model is right 90% of the time;
/// the general side model is right with a probability that rises with its confidence (so confidence scores carry
/// signal); an other-class specialized side model handles the subset {5, 7, 9}.
public struct SyntheticEvaluation {
    /// The class subset of the specialized side model.
    public static let subset = [5, 7, 9]

    public let split: EvaluationSplit
    public let labels: [Int]
    /// General 784-32-10-like side model; its validation and test logits are both this split's logits.
    public let general: SideModelInput
    /// Other-class specialized side model over `subset` (4 outputs).
    public let specialized: SideModelInput

    /// Draws `count` samples from the generator seeded with `seed`.
    public init(count: Int, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        var labels: [Int] = [], deep: [Float] = [], general: [Float] = [], special: [Float] = []
        for _ in 0..<count {
            let y = Int(g.next() % 10)
            labels.append(y)
            let deepClass = g.nextUnit() < 0.9 ? y : Int(g.next() % 10)
            deep += (0..<10).map { Float($0 == deepClass ? 4 : 0) + Float(g.nextUnit()) }
            let confidence = Float(g.nextUnit() * 6)
            let sideClass = g.nextUnit() < 0.4 + 0.1 * Double(confidence) ? y : Int(g.next() % 10)
            general += (0..<10).map { Float($0 == sideClass ? confidence : 0) + Float(g.nextUnit()) }
            let local = Self.subset.firstIndex(of: y) ?? 3
            let specialClass = g.nextUnit() < 0.9 ? local : Int(g.next() % 4)
            special += (0..<4).map { Float($0 == specialClass ? 2 + confidence : 0) + Float(g.nextUnit()) }
        }
        self.labels = labels
        split = try EvaluationSplit(labels: labels, deepLogits: Logits(values: deep, count: count, classCount: 10))
        let generalLogits = try Logits(values: general, count: count, classCount: 10)
        let specialLogits = try Logits(values: special, count: count, classCount: 4)
        self.general = SideModelInput(name: "mlp|general, 784-32-10", flops: 50_816,
                                      validationLogits: generalLogits, testLogits: generalLogits)
        specialized = SideModelInput(name: "footwear <other-class>", flops: 50_000,
                                     subsetRouting: try SubsetRouting(subset: Self.subset,
                                                                      design: .otherClass(scoreIncludesOther: false)),
                                     validationLogits: specialLogits, testLogits: specialLogits)
    }

    /// Side models whose validation logits come from `validation` and test logits from `test`.
    public static func sideModels(validation: SyntheticEvaluation, test: SyntheticEvaluation) -> [SideModelInput] {
        zip([validation.general, validation.specialized], [test.general, test.specialized]).map { pair in
            var side = pair.0
            side.testLogits = pair.1.testLogits
            return side
        }
    }
}
