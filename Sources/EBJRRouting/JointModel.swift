/// The deployable joint model: run the side model on the whole batch, route, and run the deep model **only**
/// on the routed samples; answers come back merged in input order.
///
/// Generic over the sample type; a batch is `[Sample]`, so the deep model sees the routed samples as a
/// smaller batch, in ascending index order.
public struct JointModel<Sample> {
    /// The side model: `batch → N × outputs` logits.
    public var side: ([Sample]) throws -> Logits
    /// The deep model: `batch → M × K` logits (K global classes).
    public var deep: ([Sample]) throws -> Logits
    public var router: Router

    public init(router: Router, side: @escaping ([Sample]) throws -> Logits,
                deep: @escaping ([Sample]) throws -> Logits) {
        self.router = router
        self.side = side
        self.deep = deep
    }

    /// Predicts a batch. The deep closure is not called when nothing is routed.
    ///
    /// - Throws: `RoutingError` when a model returns the wrong number of rows, plus whatever the closures throw.
    public func predict(_ batch: [Sample]) throws -> JointOutput {
        let sideLogits = try side(batch)
        guard sideLogits.count == batch.count else {
            throw RoutingError.lengthMismatch(what: "side model output rows vs batch", expected: batch.count,
                                              actual: sideLogits.count)
        }
        let decision = try router.route(sideLogits)
        let routed = decision.routedIndices
        var deepPredictions: [Int] = []
        if !routed.isEmpty {
            let deepLogits = try deep(routed.map { batch[$0] })
            guard deepLogits.count == routed.count else {
                throw RoutingError.lengthMismatch(what: "deep model output rows vs routed samples", expected: routed.count,
                                                  actual: deepLogits.count)
            }
            deepPredictions = deepLogits.predictions()
        }
        let joint = try JointPrediction.merge(side: decision.sidePredictions, deepRouted: deepPredictions,
                                              accepted: decision.isAccepted)
        return JointOutput(predictions: joint, decision: decision, deepPredictions: deepPredictions)
    }
}

/// The joint model's answer for a batch.
public struct JointOutput: Sendable, Equatable {
    /// Global class ids, in input order.
    public let predictions: [Int]
    public let decision: RoutingDecision
    /// The deep model's predictions for `decision.routedIndices`, in that order.
    public let deepPredictions: [Int]
}
