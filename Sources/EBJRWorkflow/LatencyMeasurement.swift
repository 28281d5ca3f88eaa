import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRRouting
import EBJREvaluation

/// Measured (not simulated) cost of the joint model: batch-1 latency (median, p90) and batched throughput of
/// the side model alone, the deep model alone, and the joint model end to end (side + score + route, then the
/// deep model only on routed samples), at each side model's validation-chosen "accuracy tolerance" point with
/// its cheapest score.
struct LatencyMeasurement {
    let samples: Int
    let quiet: Bool
    let batchSize = 256

    init(samples: Int, quiet: Bool) throws {
        self.samples = samples
        self.quiet = quiet
    }

    struct Row: Codable {
        var model: String
        var batch1MedianMicroseconds: Double
        var batch1P90Microseconds: Double
        var batchedSamplesPerSecond: Double
        var routedFraction: Double?
    }

    struct Report {
        var rows: [Row]
        var notes: [String]
        var markdown: String
        var json: Data
    }

    func measure(deep: EvaluationRunner.ResolvedModel, sides: [EvaluationRunner.ResolvedModel], result: EvaluationResult,
                 splits: SplitCache) throws -> Report {
        guard let deepModel = deep.model else { return Report(rows: [], notes: [], markdown: "", json: Data("[]".utf8)) }
        deepModel.eval()
        let deepData = try splits.dataset(.test, for: deep)
        let n = min(samples, deepData.count)
        var rows: [Row] = []
        let forwards = ForwardPasses(maxBatch: batchSize)
        func forward(_ model: Module, _ data: Dataset, _ indices: [Int]) -> Tensor { forwards.logits(model, data, indices) }
        func logits(_ t: Tensor) throws -> Logits {
            try Logits(values: Array(UnsafeBufferPointer(start: t.data, count: t.count)), count: t.shape[0], classCount: t.shape[1])
        }
        rows.append(Row(model: "deep: \(deep.source.name)",
                        batch1MedianMicroseconds: 0, batch1P90Microseconds: 0, batchedSamplesPerSecond: 0, routedFraction: nil))
        let deepTimes = Self.time(n) { i in _ = forward(deepModel, deepData, [i]) }
        rows[0].batch1MedianMicroseconds = deepTimes.median
        rows[0].batch1P90Microseconds = deepTimes.p90
        rows[0].batchedSamplesPerSecond = Self.throughput(count: deepData.count, batch: batchSize) { _ = forward(deepModel, deepData, $0) }

        for side in sides {
            guard let sideModel = side.model,
                  let evaluation = result.sideModels.first(where: { $0.name == side.source.name }),
                  let (score, point) = Self.cheapestTolerancePoint(evaluation) else { continue }
            sideModel.eval()
            let sideData = try splits.dataset(.test, for: side)
            let router = Router(score: score, rule: point.rule, subsetRouting: side.subsetRouting)
            let sideTimes = Self.time(n) { i in _ = forward(sideModel, sideData, [i]) }
            let routeTimes = Self.time(n) { i in _ = try? router.route(try logits(forward(sideModel, sideData, [i]))) }
            var routedCount = 0
            let jointTimes = Self.time(n) { i in
                guard let decision = try? router.route(try logits(forward(sideModel, sideData, [i]))) else { return }
                if !decision.isAccepted[0] { routedCount += 1; _ = forward(deepModel, deepData, [i]) }
            }
            let joint = JointModel<Int>(router: router, side: { try logits(forward(sideModel, sideData, $0)) },
                                        deep: { try logits(forward(deepModel, deepData, $0)) })
            // Routed counts per call; the first call is the warm-up batch and is not counted.
            var routedPerCall: [Int] = []
            let jointRate = Self.throughput(count: deepData.count, batch: batchSize) { batch in
                routedPerCall.append((try? joint.predict(batch))?.decision.routedIndices.count ?? 0)
            }
            let routedBatched = routedPerCall.dropFirst().reduce(0, +)
            let sideRate = Self.throughput(count: sideData.count, batch: batchSize) { _ = forward(sideModel, sideData, $0) }
            rows.append(Row(model: "side: \(side.source.name)", batch1MedianMicroseconds: sideTimes.median,
                            batch1P90Microseconds: sideTimes.p90, batchedSamplesPerSecond: sideRate, routedFraction: nil))
            rows.append(Row(model: "side + \(score) + route: \(side.source.name)", batch1MedianMicroseconds: routeTimes.median,
                            batch1P90Microseconds: routeTimes.p90, batchedSamplesPerSecond: 0, routedFraction: nil))
            rows.append(Row(model: "joint (\(score), \(point.rule)): \(side.source.name)", batch1MedianMicroseconds: jointTimes.median,
                            batch1P90Microseconds: jointTimes.p90, batchedSamplesPerSecond: jointRate,
                            routedFraction: Double(routedBatched) / Double(deepData.count)))
            _ = routedCount
        }
        var md = "# Measured latency\n\nTest split, single process, batch-1 over the first \(n) samples; batched throughput over all samples in batches of \(batchSize).\n\n"
        md += "| model | batch-1 median (µs) | batch-1 p90 (µs) | batched samples/s | routed | time vs deep (batched) |\n|---|---:|---:|---:|---:|---:|\n"
        let deepRate = rows[0].batchedSamplesPerSecond
        for r in rows {
            let rel = r.batchedSamplesPerSecond > 0 ? String(format: "%.3f", deepRate / r.batchedSamplesPerSecond) : "–"
            md += String(format: "| %@ | %.1f | %.1f | %@ | %@ | %@ |\n", r.model, r.batch1MedianMicroseconds, r.batch1P90Microseconds,
                         r.batchedSamplesPerSecond > 0 ? String(format: "%.0f", r.batchedSamplesPerSecond) : "–",
                         r.routedFraction.map { String(format: "%.1f%%", $0 * 100) } ?? "–", rel)
        }
        let notes = rows.map { r in
            String(format: "Latency %@: batch-1 median %.1f µs (p90 %.1f)%@", r.model, r.batch1MedianMicroseconds,
                   r.batch1P90Microseconds, r.batchedSamplesPerSecond > 0 ? String(format: ", batched %.0f samples/s", r.batchedSamplesPerSecond) : "")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Report(rows: rows, notes: notes, markdown: md, json: try encoder.encode(rows))
    }

    /// The non-reference closed-form score with the lowest validation relative cost at the accuracy-tolerance
    /// criterion (a learned score is not timed: `Router` computes closed-form scores only).
    static func cheapestTolerancePoint(_ evaluation: SideModelEvaluation) -> (Score, OperatingPointEvaluation)? {
        var best: (Score, OperatingPointEvaluation)?
        for s in evaluation.scores where !s.score.isReference && s.score.hasClosedForm {
            for p in s.operatingPoints {
                guard case .accuracyTolerance = p.criterion else { continue }
                if best == nil || p.validation.relativeCost < best!.1.validation.relativeCost { best = (s.score, p) }
            }
        }
        return best
    }

    /// Median and 90th percentile (µs) of `body(i)` for `i` in `0..<n`, after a short warm-up.
    static func time(_ n: Int, _ body: (Int) -> Void) -> (median: Double, p90: Double) {
        for i in 0..<min(20, n) { body(i) }
        var times: [Double] = []
        times.reserveCapacity(n)
        for i in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            body(i)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        times.sort()
        return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.9))])
    }

    /// Samples per second of `body(batchIndices)` over `count` samples in batches of `batch`.
    static func throughput(count: Int, batch: Int, _ body: ([Int]) -> Void) -> Double {
        body(Array(0..<min(batch, count)))
        let start = DispatchTime.now().uptimeNanoseconds
        var i = 0
        while i < count {
            body(Array(i..<min(i + batch, count)))
            i += batch
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(count) / max(seconds, 1e-9)
    }
}

/// The forward pass that latency and throughput are measured through, the one evaluation and `ebjr logits` use:
/// each model's `InferencePlan` (made once per model), or the autograd forward for a model the plan cannot run.
private final class ForwardPasses {
    private let maxBatch: Int
    private var plans: [ObjectIdentifier: InferencePlan?] = [:]

    init(maxBatch: Int) { self.maxBatch = maxBatch }

    func logits(_ model: Module, _ data: Dataset, _ indices: [Int]) -> Tensor {
        let key = ObjectIdentifier(model)
        if plans[key] == nil {
            plans[key] = (model as? Sequential)?.inferencePlan(inputShape: data.sampleShape, maxBatch: maxBatch)
        }
        let x = data.batchTensor(indices)
        if let plan = plans[key] ?? nil { return plan.logits(x) }
        return noGrad { model(x) }
    }
}
