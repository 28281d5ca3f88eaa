import Testing
import Foundation
import EBJRTensor
import EBJRNN
@testable import EBJRTraining

private func softmax(_ row: [Double]) -> [Double] {
    let m = row.max()!
    let e = row.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// The distillation loss of docs/method.md §4 computed directly in Double.
private func directDistillation(student: [[Double]], teacher: [[Double]], labels: [Int], alpha: Double, t: Double) -> Double {
    var kl = 0.0, ce = 0.0
    for (r, s) in student.enumerated() {
        let p = softmax(teacher[r].map { $0 / t }), q = softmax(s.map { $0 / t })
        kl += zip(p, q).map { $0 * (log($0) - log($1)) }.reduce(0, +)
        ce += -log(softmax(s)[labels[r]])
    }
    let n = Double(student.count)
    return alpha * t * t * kl / n + (1 - alpha) * ce / n
}

@Test(arguments: [0.0, 0.3, 1.0], [1.0, 4.0])
func distillationLossMatchesDirectComputation(alpha: Double, temperature: Double) {
    var g = RandomGenerator(seed: 11)
    let s = Tensor.uniform([5, 4], low: -3, high: 3, generator: &g, requiresGrad: true)
    let t = Tensor.uniform([5, 4], low: -3, high: 3, generator: &g)
    let labels = [0, 3, 1, 2, 2]
    let loss = Losses.distillation(student: s, teacher: t, labels: labels, alpha: Float(alpha), temperature: Float(temperature))
    let rows = { (x: Tensor) in (0..<5).map { r in (0..<4).map { Double(x.data[r * 4 + $0]) } } }
    let expected = directDistillation(student: rows(s), teacher: rows(t), labels: labels, alpha: alpha, t: temperature)
    #expect(abs(Double(loss.item) - expected) < 1e-4 * max(1, expected))

    // Gradient against central differences of the direct formula.
    loss.backward()
    for i in 0..<s.count {
        var plus = rows(s), minus = rows(s)
        plus[i / 4][i % 4] += 1e-4; minus[i / 4][i % 4] -= 1e-4
        let numeric = (directDistillation(student: plus, teacher: rows(t), labels: labels, alpha: alpha, t: temperature)
            - directDistillation(student: minus, teacher: rows(t), labels: labels, alpha: alpha, t: temperature)) / 2e-4
        #expect(abs(Double(s.grad!.data[i]) - numeric) < 1e-3, "∂L/∂s[\(i)]")
    }
}

@Test func alphaZeroIsCrossEntropy() {
    var g = RandomGenerator(seed: 2)
    let s = Tensor.uniform([6, 3], low: -2, high: 2, generator: &g)
    let t = Tensor.uniform([6, 3], low: -2, high: 2, generator: &g)
    let labels = [0, 1, 2, 2, 1, 0]
    let distilled = Losses.distillation(student: s, teacher: t, labels: labels, alpha: 0, temperature: 4).item
    #expect(distilled == Losses.crossEntropy(logits: s, labels: labels).item)
}

@Test func distillationKLIsZeroForIdenticalLogits() {
    let z = Tensor([1, 2, 3, -1, 0, 5], shape: [2, 3])
    #expect(abs(Losses.distillationKL(student: z, teacher: z, temperature: 2).item) < 1e-5)
}

@Test func otherTargetCarriesTheNonSubsetMass() {
    let targets = SubsetTargets(subset: [5, 7, 9], design: .otherClass, classCount: 10)
    var g = RandomGenerator(seed: 4)
    for _ in 0..<20 {
        let teacher = (0..<10).map { _ in Float.random(in: -8...8, using: &g) }
        let mapped = targets.teacherLogits(teacher, count: 1)
        #expect(mapped.count == 4)
        let p = softmax(teacher.map(Double.init))
        let q = softmax(mapped.map(Double.init))
        let nonSubset = (0..<10).filter { ![5, 7, 9].contains($0) }.map { p[$0] }.reduce(0, +)
        #expect(abs(q[3] - nonSubset) < 1e-5)
        for (i, c) in [5, 7, 9].enumerated() { #expect(abs(q[i] - p[c]) < 1e-5) }
    }
}

@Test func subsetLabelsFollowTheDesign() {
    let other = SubsetTargets(subset: [1, 8], design: .otherClass, classCount: 10)
    #expect(other.studentLabel(8) == 1)
    #expect(other.studentLabel(3) == 2)
    let margin = SubsetTargets(subset: [1, 8], design: .energyMargin, classCount: 10)
    #expect(margin.studentLabel(3) == nil)
    #expect(margin.includes(3))
    let only = SubsetTargets(subset: [1, 8], design: .subsetOnly, classCount: 10)
    #expect(!only.includes(3))
    #expect(only.outputCount == 2 && other.outputCount == 3)
}

/// The energy hinge pushes in-subset energy below m_in and out-of-subset energy above m_out.
@Test func energyMarginObjectiveSeparatesEnergies() {
    var g = RandomGenerator(seed: 8)
    let layer = Linear(inputFeatures: 2, outputFeatures: 2, generator: &g)
    // Two clusters: in-subset near (1, 1) with labels 0/1, out-of-subset near (−1, −1).
    var features: [Float] = [], labels: [Int?] = [], inSubset: [Bool] = []
    for i in 0..<40 {
        let isIn = i % 2 == 0
        features += isIn ? [1 + Float(i % 4) * 0.1, 1] : [-1, -1 - Float(i % 3) * 0.1]
        labels.append(isIn ? (i % 4 == 0 ? 0 : 1) : nil)
        inSubset.append(isIn)
    }
    let x = Tensor(features, shape: [40, 2])
    let objective = TrainingObjective(studentLabels: labels, teacherLogits: nil, outputCount: 2, alpha: 0, temperature: 1,
                                      margin: (subsetOutputs: 2, marginIn: -4, marginOut: -1, weight: 1), inSubset: inSubset)
    let optimizer = EBJROptimizersAdam(layer)
    for _ in 0..<500 {
        let loss = objective.loss(logits: layer(x), indices: Array(0..<40))
        optimizer.zeroGrad(); loss.backward(); optimizer.step()
    }
    let energy = noGrad { -layer(x).logSumExp() }.scalars
    let inEnergy = (0..<40).filter { inSubset[$0] }.map { energy[$0] }
    let outEnergy = (0..<40).filter { !inSubset[$0] }.map { energy[$0] }
    #expect(inEnergy.max()! < outEnergy.min()!)
    #expect(inEnergy.max()! < -3)
    #expect(outEnergy.min()! > -2)
}
