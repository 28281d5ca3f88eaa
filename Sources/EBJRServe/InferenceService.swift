import Foundation
import EBJRDeferral
import EBJRRouting

/// The routed model behind the protocol: validates a request, runs the side model on the whole batch, keeps the
/// samples the rule accepts, sends the others to the deep model through the batcher, and merges the answers in
/// input order.
///
/// Response outputs (all `[B, …]` in request order unless said otherwise):
/// - `predicted_class` INT64 `[B]`: the global class id answered;
/// - `answered_by` BYTES `[B]`: `side`, `deep`, or `side_fallback` (routed, but the deep backend failed and
///   `--on-deep-failure side` let the side model answer);
/// - `side_score` FP64 `[B]`: the routing score of the side model (accept iff score ≤ τ);
/// - `side_logits` FP32 `[B, S]`: the side model's logits, in its output order (the side model sees every sample);
/// - `deep_logits` FP32 `[R, K]`: the deep model's logits of the `R` samples it answered, and
///   `deep_rows` INT64 `[R]` their positions in the batch.
/// Response `parameters`: `degraded` (bool, true when some sample fell back), `deep_samples` (R).
public final class InferenceService: @unchecked Sendable {
    public let modelName: String
    public let side: SideModel
    public let rule: ServingRule
    public let input: InputSpecification
    public let batcher: DeepBatcher
    public let monitor: BackendMonitor
    public let metrics: ServeMetrics
    /// Answer routed samples with the side model (marked `side_fallback`, response `degraded`) when the deep
    /// backend is down, instead of a 503.
    public let fallbackToSide: Bool
    public let deepClassCount: Int

    public static let outputNames = ["predicted_class", "answered_by", "side_score", "side_logits", "deep_logits", "deep_rows"]

    public init(modelName: String, side: SideModel, rule: ServingRule, input: InputSpecification, batcher: DeepBatcher,
                monitor: BackendMonitor, metrics: ServeMetrics, fallbackToSide: Bool, deepClassCount: Int) {
        self.modelName = modelName
        self.side = side
        self.rule = rule
        self.input = input
        self.batcher = batcher
        self.monitor = monitor
        self.metrics = metrics
        self.fallbackToSide = fallbackToSide
        self.deepClassCount = deepClassCount
    }

    /// `GET /v2/models/{name}`.
    public var metadata: ModelMetadata {
        let inputs = [TensorMetadata(name: input.name, datatype: "FP32", shape: [-1] + input.sampleShapes[0])]
        let outputs = [
            TensorMetadata(name: "predicted_class", datatype: "INT64", shape: [-1]),
            TensorMetadata(name: "answered_by", datatype: "BYTES", shape: [-1]),
            TensorMetadata(name: "side_score", datatype: "FP64", shape: [-1]),
            TensorMetadata(name: "side_logits", datatype: "FP32", shape: [-1, side.outputs]),
            TensorMetadata(name: "deep_logits", datatype: "FP32", shape: [-1, deepClassCount]),
            TensorMetadata(name: "deep_rows", datatype: "INT64", shape: [-1]),
        ]
        return ModelMetadata(name: modelName, versions: ["1"], platform: "ebjr", inputs: inputs, outputs: outputs,
                             parameters: ["routing_rule": .string(rule.summary), "deep_backend": .string(batcher.backend.name)])
    }

    /// The answer of one inference request, and how its samples were answered.
    public struct Answer: Sendable {
        public var body: InferenceResponseBody
        public var sideAnswered: Int
        public var deepAnswered: Int
        public var fallback: Int
    }

    /// `POST /v2/models/{name}/infer`.
    /// - Throws: `ServeError` (4xx for the request, 429 queue full, 503 deep backend down).
    public func infer(body: [UInt8], headerLength: Int?) async throws -> Answer {
        let request = try InferenceRequest.parse(body, headerLength: headerLength)
        let requested = try requestedOutputs(request)
        let batch = try input.validate(request)
        let sideLogits: Logits
        let decision: RoutingDecision
        do {
            sideLogits = try side.logits(batch.values, count: batch.count)
            decision = try rule.route(sideLogits)
        } catch let error as RoutingError {
            throw ServeError.invalidInput("input '\(input.name)': the side model's output is not usable (\(error))")
        } catch let error as DeferralError {
            throw ServeError.invalidInput("input '\(input.name)': the side model's output is not usable (\(error))")
        }
        let routed = decision.routedIndices
        var deepLogits: [Float] = []
        var degraded = false
        if !routed.isEmpty {
            do {
                if let reason = monitor.notReadyReason {
                    throw ServeError.deepUnavailable(backend: batcher.backend.name, reason: "not ready (\(reason))")
                }
                var rows: [Float] = []
                rows.reserveCapacity(routed.count * input.features)
                for i in routed { rows.append(contentsOf: batch.values[(i * input.features)..<((i + 1) * input.features)]) }
                deepLogits = try await batcher.submit(rows, count: routed.count)
                guard deepLogits.allSatisfy(\.isFinite) else {
                    throw ServeError.deepUnavailable(backend: batcher.backend.name, reason: "it answered non-finite logits")
                }
            } catch let error as ServeError {
                guard case .deepUnavailable = error, fallbackToSide else { throw error }
                degraded = true
            }
        }
        let k = deepClassCount
        var classes = decision.sidePredictions.map(Int64.init)
        var answeredBy = [String](repeating: "side", count: batch.count)
        if degraded {
            for i in routed {
                answeredBy[i] = "side_fallback"
                // The side model's own best class when it predicted none of the task's classes ("other").
                if classes[i] < 0 { classes[i] = Int64(Self.bestGlobalClass(sideLogits.row(i), routing: rule.router.subsetRouting)) }
            }
        } else {
            for (r, i) in routed.enumerated() {
                answeredBy[i] = "deep"
                classes[i] = Int64(EBJRRouting.argmax(deepLogits[(r * k)..<((r + 1) * k)]) - r * k)
            }
        }
        let deepRows = degraded ? [] : routed
        var outputs: [ResponseOutput] = [
            ResponseOutput(name: "predicted_class", shape: [batch.count], data: .int64(classes)),
            ResponseOutput(name: "answered_by", shape: [batch.count], data: .bytes(answeredBy)),
            ResponseOutput(name: "side_score", shape: [batch.count], data: .fp64(decision.scored.scores)),
            ResponseOutput(name: "side_logits", shape: [batch.count, side.outputs], data: .fp32(sideLogits.values)),
            ResponseOutput(name: "deep_logits", shape: [deepRows.count, k], data: .fp32(degraded ? [] : deepLogits)),
            ResponseOutput(name: "deep_rows", shape: [deepRows.count], data: .int64(deepRows.map(Int64.init))),
        ]
        if let requested { outputs = outputs.filter { requested.contains($0.name) } }
        let parameters: Parameters = ["degraded": .bool(degraded), "deep_samples": .number(Double(deepRows.count))]
        let body = InferenceResponseBody(model_name: modelName, model_version: "1", id: request.id, parameters: parameters,
                                         outputs: outputs)
        return Answer(body: body, sideAnswered: batch.count - routed.count, deepAnswered: deepRows.count,
                      fallback: degraded ? routed.count : 0)
    }

    private func requestedOutputs(_ request: InferenceRequest) throws -> Set<String>? {
        guard let outputs = request.outputs, !outputs.isEmpty else { return nil }
        for output in outputs where !Self.outputNames.contains(output.name) {
            throw ServeError.invalidInput("unknown output '\(output.name)' (this model has \(Self.outputNames.joined(separator: ", ")))")
        }
        return Set(outputs.map(\.name))
    }

    /// The global class of the side model's largest logit among the outputs that name a class.
    static func bestGlobalClass(_ row: ArraySlice<Float>, routing: SubsetRouting?) -> Int {
        guard let routing else { return EBJRRouting.argmax(row) - row.startIndex }
        var best = -1
        var bestValue = -Float.infinity
        for (j, value) in row.enumerated() where routing.globalClass(ofOutput: j) != nil && (best < 0 || value > bestValue) {
            best = j
            bestValue = value
        }
        return routing.globalClass(ofOutput: best) ?? best
    }
}
