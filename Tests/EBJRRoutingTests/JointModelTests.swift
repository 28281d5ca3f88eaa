import Testing
@testable import EBJRRouting

/// A sample carries its own side and deep logits, so the closures are pure lookups and every call is recorded.
private struct Sample: Equatable {
    var id: Int
    var side: [Float]
    var deep: [Float]
}

private final class CallLog {
    var deepBatches: [[Int]] = []
}

@Suite struct JointModelTests {
    private func model(tau: Double, log: CallLog) -> JointModel<Sample> {
        JointModel(router: Router(score: .maxSoftmax(temperature: 1), rule: .scoreAtMost(tau)),
                   side: { batch in try Logits(rows: batch.map(\.side)) },
                   deep: { batch in
                       log.deepBatches.append(batch.map(\.id))
                       return try Logits(rows: batch.map(\.deep))
                   })
    }

    private func batch() -> [Sample] {
        // Confident side rows (accepted at τ = −0.9) are ids 0, 3, 4; unsure ones 1, 2, 5.
        [Sample(id: 0, side: [9, 0, 0], deep: [0, 0, 9]),
         Sample(id: 1, side: [1, 1, 0], deep: [0, 9, 0]),
         Sample(id: 2, side: [0, 0.5, 0.4], deep: [0, 0, 9]),
         Sample(id: 3, side: [0, 0, 9], deep: [9, 0, 0]),
         Sample(id: 4, side: [0, 9, 0], deep: [9, 0, 0]),
         Sample(id: 5, side: [2, 2, 2], deep: [9, 0, 0])]
    }

    @Test func deepRunsOnlyOnRoutedSamplesInOrder() throws {
        let log = CallLog()
        let output = try model(tau: -0.9, log: log).predict(batch())
        #expect(log.deepBatches == [[1, 2, 5]])
        #expect(output.decision.routedIndices == [1, 2, 5])
        #expect(output.deepPredictions == [1, 2, 0])
        // accepted → side answer, routed → deep answer, in input order.
        #expect(output.predictions == [0, 1, 2, 2, 1, 0])
    }

    @Test func deepIsNotCalledWhenNothingIsRouted() throws {
        let log = CallLog()
        let output = try model(tau: 0, log: log).predict(batch())   // −max softmax ≤ 0 always
        #expect(log.deepBatches.isEmpty)
        #expect(output.predictions == [0, 0, 1, 2, 1, 0])
    }

    @Test func everythingRoutedGivesTheDeepAnswers() throws {
        let log = CallLog()
        let output = try model(tau: -2, log: log).predict(batch())
        #expect(log.deepBatches == [[0, 1, 2, 3, 4, 5]])
        #expect(output.predictions == [2, 1, 2, 0, 0, 0])
    }

    @Test func wrongDeepRowCountIsAnError() throws {
        let broken = JointModel<Sample>(router: Router(score: .maxSoftmax(temperature: 1), rule: .scoreAtMost(-0.9)),
                                        side: { try Logits(rows: $0.map(\.side)) },
                                        deep: { _ in try Logits(rows: [[1, 0, 0]]) })
        #expect(throws: RoutingError.lengthMismatch(what: "deep model output rows vs routed samples", expected: 3, actual: 1)) {
            try broken.predict(batch())
        }
    }

    @Test func mergeBothForms() throws {
        let accepted = [true, false, true, false]
        #expect(try JointPrediction.merge(side: [1, 2, 3, 4], deepRouted: [20, 40], accepted: accepted) == [1, 20, 3, 40])
        #expect(try JointPrediction.merge(side: [1, 2, 3, 4], deepAll: [10, 20, 30, 40], accepted: accepted) == [1, 20, 3, 40])
        #expect(throws: RoutingError.self) { try JointPrediction.merge(side: [1, 2, 3, 4], deepRouted: [20], accepted: accepted) }
        #expect(throws: RoutingError.self) { try JointPrediction.merge(side: [1, 2, 3], deepRouted: [20, 40], accepted: accepted) }
    }
}
