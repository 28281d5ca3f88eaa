import Foundation
import Testing
@testable import EBJRRouting

/// Direct (unshifted) formulas in Double, valid for moderate logits.
private func naiveEnergy(_ z: [Float], _ t: Double) -> Double { -t * log(z.map { exp(Double($0) / t) }.reduce(0, +)) }
private func naiveSoftmax(_ z: [Float], _ t: Double) -> [Double] {
    let e = z.map { exp(Double($0) / t) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

@Suite struct ScoreFunctionTests {
    static let rows: [[Float]] = [[1, 2, 3], [-0.5, 0.25, 4, -2], [0, 0, 0], [3.5, -1, 3.5, 2], [7]]

    @Test(arguments: rows, [0.5, 1.0, 2.0, 4.0])
    func matchDirectFormulas(row: [Float], temperature: Double) {
        #expect(abs(ScoreFunctions.energy(row, temperature: temperature) - naiveEnergy(row, temperature)) < 1e-10)
        let p = naiveSoftmax(row, temperature)
        #expect(abs(ScoreFunctions.negativeMaxSoftmax(row, temperature: temperature) + p.max()!) < 1e-12)
        let h = -p.map { $0 > 0 ? $0 * log($0) : 0 }.reduce(0, +)
        #expect(abs(ScoreFunctions.entropy(row, temperature: temperature) - h) < 1e-12)
        let sorted = row.map(Double.init).sorted(by: >)
        let margin = sorted.count > 1 ? -(sorted[0] - sorted[1]) : 0
        #expect(ScoreFunctions.negativeMargin(row) == margin)
    }

    @Test func extremeLogitsStayFiniteAndExact() {
        let row: [Float] = [1e4, -1e4, 5e3]
        let e = ScoreFunctions.energy(row, temperature: 1)
        #expect(e.isFinite)
        #expect(abs(e - (-1e4)) < 1e-9)          // the other terms are exp(−5000), exp(−20000)
        #expect(abs(ScoreFunctions.energy([-1e4, -1e4], temperature: 1) - (1e4 - log(2))) < 1e-9)
        #expect(ScoreFunctions.negativeMaxSoftmax(row) == -1)
        #expect(ScoreFunctions.entropy(row) == 0)
        #expect(ScoreFunctions.negativeMargin(row) == -5e3)
        #expect(ScoreFunctions.energy(row, temperature: 1e4).isFinite)
        #expect(ScoreFunctions.entropy([1e4, 1e4, -1e4]).isFinite)
        #expect(abs(ScoreFunctions.entropy([1e4, 1e4, -1e4]) - log(2)) < 1e-12)
    }

    @Test func tiesAndSingleOutput() {
        #expect(ScoreFunctions.negativeMargin([2, 5, 5, 1]) == 0)
        #expect(abs(ScoreFunctions.entropy([3, 3, 3, 3]) - log(4)) < 1e-12)
        #expect(abs(ScoreFunctions.negativeMaxSoftmax([3, 3, 3, 3]) + 0.25) < 1e-15)
        // K = 1: energy = −z, softmax is 1, entropy 0, no margin.
        #expect(ScoreFunctions.energy([2.5], temperature: 3) == -2.5)
        #expect(ScoreFunctions.negativeMaxSoftmax([2.5]) == -1)
        #expect(ScoreFunctions.entropy([2.5]) == 0)
        #expect(ScoreFunctions.negativeMargin([2.5]) == 0)
        let logits = try! Logits(rows: [[1, 3, 3], [4, 4, 0], [0, 0, 9]])
        #expect(logits.predictions() == [1, 0, 2])  // lowest index wins ties
    }

    @Test func energyShiftsWithLogitsButSoftmaxScoresDoNot() {
        let row: [Float] = [0.3, -1.2, 2.2]
        let shifted = row.map { $0 + 10 }
        #expect(abs(ScoreFunctions.energy(shifted) - (ScoreFunctions.energy(row) - 10)) < 1e-5)
        #expect(abs(ScoreFunctions.negativeMaxSoftmax(shifted) - ScoreFunctions.negativeMaxSoftmax(row)) < 1e-6)
    }
}

@Suite struct ScoreEnumTests {
    @Test func valuesOverLogitsAndColumns() throws {
        let logits = try Logits(rows: [[1, 2, 9], [0, 5, -3]])
        let all = try Score.energy(temperature: 2).values(of: logits)
        #expect(abs(all[0] - naiveEnergy([1, 2, 9], 2)) < 1e-10)
        let firstTwo = try Score.energy(temperature: 1).values(of: logits, columns: 0..<2)
        #expect(abs(firstTwo[1] - naiveEnergy([0, 5], 1)) < 1e-10)
        #expect(try Score.margin.values(of: logits) == [-7, -5])
    }

    @Test func namesAndCodableRoundTrip() throws {
        let scores: [Score] = [.energy(temperature: 2), .maxSoftmax(temperature: 1), .entropy(temperature: 0.5), .margin,
                               .random(seed: 7), .oracle, .learned(hidden: 0, seed: 3), .learned(hidden: Score.learnedMLPWidth, seed: 0)]
        #expect(scores.map(\.name) == Score.names)
        #expect(try Score(name: "learned", seed: 3) == .learned(hidden: 0, seed: 3))
        #expect(!Score.learned(hidden: 0, seed: 0).hasClosedForm && !Score.learned(hidden: 0, seed: 0).isReference)
        #expect(throws: RoutingError.self) { try Score.learned(hidden: 0, seed: 0).values(of: Logits(rows: [[1, 2]])) }
        let data = try JSONEncoder().encode(scores)
        #expect(try JSONDecoder().decode([Score].self, from: data) == scores)
        let text = String(decoding: try JSONEncoder().encode(Score.energy(temperature: 2)), as: UTF8.self)
        #expect(text.contains("\"name\":\"energy\""))
        #expect(try Score(name: "max-softmax", temperature: 3) == .maxSoftmax(temperature: 3))
        #expect(throws: RoutingError.unknownScore(name: "softmax")) { try Score(name: "softmax") }
        #expect(throws: RoutingError.self) { try Score(name: "energy", temperature: 0) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Score.self, from: Data(#"{"name":"energy","temperature":-1}"#.utf8)) }
    }

    @Test func randomIsSeededAndOracleNeedsCorrectness() throws {
        let logits = try Logits(values: [Float](repeating: 0, count: 2000), count: 1000, classCount: 2)
        let a = try Score.random(seed: 3).values(of: logits)
        #expect(a == (try Score.random(seed: 3).values(of: logits)))
        #expect(a != (try Score.random(seed: 4).values(of: logits)))
        let below = Double(a.filter { $0 <= 0.3 }.count) / 1000
        #expect(abs(below - 0.3) < 0.05)
        #expect(throws: RoutingError.self) { try Score.oracle.values(of: logits) }
        let correct = (0..<1000).map { $0 % 3 == 0 }
        #expect(try Score.oracle.values(of: logits, sideCorrect: correct) == correct.map { $0 ? 0 : 1 })
    }

    @Test func logitsValidation() {
        #expect(throws: RoutingError.logitsShape(what: "logits", valueCount: 5, count: 2, classCount: 3)) {
            try Logits(values: [1, 2, 3, 4, 5], count: 2, classCount: 3)
        }
        #expect(throws: RoutingError.nonFiniteLogit(what: "side", row: 1, column: 0)) {
            try Logits(values: [1, 2, .nan, 4], count: 2, classCount: 2, what: "side")
        }
        #expect(throws: RoutingError.self) { try Logits(values: [], count: 0, classCount: 0) }
        let l = try! Logits(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(l.selecting(rows: [2, 0]).values == [5, 6, 1, 2])
        #expect(l.row(1) == [3, 4])
    }
}
