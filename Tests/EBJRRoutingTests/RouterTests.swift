import Testing
@testable import EBJRRouting

@Suite struct RouterTests {
    @Test func bothConventionsAreTheSameRule() throws {
        var generator = SeededGenerator(seed: 11)
        let values = (0..<600).map { _ in Float(generator.nextUnit() * 8 - 4) }
        let logits = try Logits(values: values, count: 200, classCount: 3)
        let energies = try Score.energy(temperature: 1).values(of: logits)
        // Thresholds at, between and beyond the scores, including exact ties with a score.
        let taus = [energies[0], energies[17], energies.min()!, energies.max()!, -3.0, -1.5, 0.25, -100, 100]
        for tau in taus {
            let ours = try Router(score: .energy(temperature: 1), rule: .energyAtMost(tau)).route(logits)
            let paper = try Router(score: .energy(temperature: 1), rule: .negativeEnergyAtLeast(-tau)).route(logits)
            #expect(ours.isAccepted == paper.isAccepted)
            #expect(ours.isAccepted == energies.map { $0 <= tau })
            // The paper's rule literally: T·logsumexp(z/T) ≥ t.
            #expect(paper.isAccepted == energies.map { -$0 >= -tau })
        }
        #expect(ThresholdRule.negativeEnergyAtLeast(2.46).tau == -2.46)
        #expect(ThresholdRule.negativeEnergyAtLeast(2.46).canonical == .energyAtMost(-2.46))
    }

    @Test func acceptsExactlyWhereScoreIsAtMostTau() throws {
        let logits = try Logits(rows: [[5, 0], [1, 0.9], [0, 8], [2, 2]])
        let decision = try Router(score: .margin, rule: .scoreAtMost(-1)).route(logits)
        #expect(decision.isAccepted == [true, false, true, false])
        #expect(decision.routedIndices == [1, 3])
        #expect(decision.acceptedIndices == [0, 2])
        #expect(decision.acceptance == 0.5)
        #expect(decision.sidePredictions == [0, 0, 1, 0])
    }

    @Test func otherClassDesignNeedsArgmaxNotOtherAndScore() throws {
        // Subset {5, 7, 9}: outputs 0,1,2 = classes 5,7,9; output 3 = other.
        let routing = try SubsetRouting(subset: [5, 7, 9], design: .otherClass(scoreIncludesOther: false))
        let logits = try Logits(rows: [
            [9, 0, 0, 0],   // confident class 5 → accept
            [0, 0, 0, 9],   // other wins → route, even though the subset energy is low-ish? (it is not: all 0)
            [1, 1.1, 1, 0], // class 7 but unsure → route by score
            [0, 0, 12, 14], // other wins although subset energy very low → must route
        ])
        let router = Router(score: .energy(temperature: 1), rule: .energyAtMost(-5), subsetRouting: routing)
        let decision = try router.route(logits)
        #expect(decision.isAccepted == [true, false, false, false])
        #expect(decision.sidePredictions == [5, ScoredSamples.noPrediction, 7, ScoredSamples.noPrediction])
        #expect(decision.scored.isEligible == [true, false, true, false])
        // Energy over the m subset logits vs over all m + 1 differs on row 3.
        let subsetOnlyEnergy = decision.scored.scores[3]
        #expect(abs(subsetOnlyEnergy - ScoreFunctions.energy([0, 0, 12] as [Float])) < 1e-12)
        let withOther = try Router(score: .energy(temperature: 1), rule: .energyAtMost(-5),
                                   subsetRouting: SubsetRouting(subset: [5, 7, 9], design: .otherClass(scoreIncludesOther: true)))
            .route(logits)
        #expect(abs(withOther.scored.scores[3] - ScoreFunctions.energy([0, 0, 12, 14] as [Float])) < 1e-12)
        #expect(withOther.isAccepted == [true, false, false, false])
    }

    @Test func subsetOnlyAndGeneralRestrictedDesigns() throws {
        let subsetOnly = try SubsetRouting(subset: [2, 0], design: .subsetOnly)
        let logits = try Logits(rows: [[6, 0], [0, 6], [0.1, 0]])
        let d = try Router(score: .energy(temperature: 1), rule: .energyAtMost(-3), subsetRouting: subsetOnly).route(logits)
        #expect(d.sidePredictions == [2, 0, 2])
        #expect(d.isAccepted == [true, true, false])

        let restricted = try SubsetRouting(subset: [1], design: .generalRestricted(classCount: 3))
        let general = try Logits(rows: [[0, 9, 0], [9, 0, 0], [0, 1, 0.9]])
        let g = try Router(score: .energy(temperature: 1), rule: .energyAtMost(-5), subsetRouting: restricted).route(general)
        #expect(g.sidePredictions == [1, 0, 1])
        #expect(g.isAccepted == [true, false, false])   // row 1 is confident but out of subset
        #expect(throws: RoutingError.self) { try SubsetRouting(subset: [1, 3], design: .generalRestricted(classCount: 3)) }
        #expect(throws: RoutingError.self) { try SubsetRouting(subset: [1, 1], design: .subsetOnly) }
        #expect(throws: RoutingError.self) { try SubsetRouting(subset: [], design: .subsetOnly) }
    }

    @Test func wrongOutputCountIsAnError() throws {
        let routing = try SubsetRouting(subset: [5, 7, 9], design: .otherClass(scoreIncludesOther: false))
        let logits = try Logits(rows: [[1, 2, 3]])
        #expect(throws: RoutingError.classCountMismatch(what: "side logits for other-class subset [5, 7, 9]", expected: 4, actual: 3)) {
            try Router(score: .margin, rule: .scoreAtMost(0), subsetRouting: routing).route(logits)
        }
    }

    @Test func subsetRoutingCodableRoundTrip() throws {
        for design: SubsetRouting.Design in [.subsetOnly, .otherClass(scoreIncludesOther: true), .generalRestricted(classCount: 10)] {
            let r = try SubsetRouting(subset: [5, 7, 9], design: design)
            let data = try JSONEncoder().encode(r)
            #expect(try JSONDecoder().decode(SubsetRouting.self, from: data) == r)
        }
        for rule in [ThresholdRule.energyAtMost(-3.5), .negativeEnergyAtLeast(2.46)] {
            #expect(try JSONDecoder().decode(ThresholdRule.self, from: JSONEncoder().encode(rule)) == rule)
        }
    }
}

import Foundation
