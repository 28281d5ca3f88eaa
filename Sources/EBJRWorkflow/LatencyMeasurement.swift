import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRRouting
import EBJREvaluation

/// Measured (not simulated) cost of the joint model: batch-1 latency (median, mean, p90) and batched throughput of
/// the side model alone, the deep model alone, and the joint model end to end (side + score + route, then the
/// deep model only on routed samples), at each side model's validation-chosen "accuracy tolerance" point with
/// its cheapest score; for each joint model, the measured cost relative to the deep model beside its FLOPs cost.
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
        /// Mean batch-1 latency: what a stream of single requests costs on average (the median of a joint model
        /// is the side model's time whenever most samples stay on it).
        var batch1MeanMicroseconds: Double = 0
        /// Joint rows: measured cost relative to the deep model and the FLOPs cost of the same samples' routing,
        /// `(C_S + r·C_D) / C_D` with `r` the routed share — batch-1 over the timed samples, batched over all.
        var cost: CostComparison? = nil
    }

    /// Wall-time cost against FLOPs cost for one joint model.
    struct CostComparison: Codable {
        /// Mean joint batch-1 latency ÷ mean deep batch-1 latency, and the FLOPs cost of those samples.
        var batch1Wall: Double
        var batch1Flops: Double
        var batch1Routed: Double
        /// Deep throughput ÷ joint throughput, and the FLOPs cost of the whole split.
        var batchedWall: Double
        var batchedFlops: Double
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
        rows[0].batch1MeanMicroseconds = deepTimes.mean
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
            // Joint and deep model timed on the same sample one right after the other, so that both means see the
            // same machine state (frequency, caches, other load): their ratio is the batch-1 wall cost.
            let (jointTimes, pairedDeepTimes) = Self.timePaired(n, { i in
                guard let decision = try? router.route(try logits(forward(sideModel, sideData, [i]))) else { return }
                if !decision.isAccepted[0] { _ = forward(deepModel, deepData, [i]) }
            }, { i in _ = forward(deepModel, deepData, [i]) })
            // The routing of the timed samples, decided again outside the clock.
            let routedCount = (0..<n).filter { i in
                (try? router.route(try logits(forward(sideModel, sideData, [i]))))?.isAccepted[0] == false
            }.count
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
                            batch1P90Microseconds: sideTimes.p90, batchedSamplesPerSecond: sideRate, routedFraction: nil,
                            batch1MeanMicroseconds: sideTimes.mean))
            rows.append(Row(model: "side + \(score) + route: \(side.source.name)", batch1MedianMicroseconds: routeTimes.median,
                            batch1P90Microseconds: routeTimes.p90, batchedSamplesPerSecond: 0, routedFraction: nil,
                            batch1MeanMicroseconds: routeTimes.mean))
            let routedShare = Double(routedBatched) / Double(deepData.count), routedB1 = Double(routedCount) / Double(n)
            let flopsCost = { (routed: Double) in (evaluation.flops + routed * result.deep.flops) / result.deep.flops }
            rows.append(Row(model: "joint (\(score), \(point.rule)): \(side.source.name)", batch1MedianMicroseconds: jointTimes.median,
                            batch1P90Microseconds: jointTimes.p90, batchedSamplesPerSecond: jointRate, routedFraction: routedShare,
                            batch1MeanMicroseconds: jointTimes.mean,
                            cost: CostComparison(batch1Wall: jointTimes.mean / pairedDeepTimes.mean, batch1Flops: flopsCost(routedB1),
                                                 batch1Routed: routedB1, batchedWall: rows[0].batchedSamplesPerSecond / jointRate,
                                                 batchedFlops: flopsCost(routedShare))))
        }
        var md = "# Measured latency\n\nTest split, single process, batch-1 over the first \(n) samples; batched throughput over all samples in batches of \(batchSize).\n\n"
        md += "| model | batch-1 median (µs) | batch-1 mean (µs) | batch-1 p90 (µs) | batched samples/s | routed | time vs deep (batched) |\n|---|---:|---:|---:|---:|---:|---:|\n"
        let deepRate = rows[0].batchedSamplesPerSecond
        for r in rows {
            let rel = r.batchedSamplesPerSecond > 0 ? String(format: "%.3f", deepRate / r.batchedSamplesPerSecond) : "–"
            md += String(format: "| %@ | %.1f | %.1f | %.1f | %@ | %@ | %@ |\n", r.model, r.batch1MedianMicroseconds,
                         r.batch1MeanMicroseconds, r.batch1P90Microseconds,
                         r.batchedSamplesPerSecond > 0 ? String(format: "%.0f", r.batchedSamplesPerSecond) : "–",
                         r.routedFraction.map { String(format: "%.1f%%", $0 * 100) } ?? "–", rel)
        }
        let compared = rows.filter { $0.cost != nil }
        if !compared.isEmpty {
            md += "\n## Measured cost against FLOPs cost\n\nCost relative to the deep model alone. Wall time: mean joint batch-1 latency ÷ mean "
                + "deep batch-1 latency (the first \(n) samples, the two timed alternately on each sample), and deep throughput ÷ joint throughput (all samples). FLOPs: "
                + "`(C_S + r·C_D) / C_D` with the routed share `r` of the same samples. The difference is what the FLOPs model "
                + "leaves out: scoring and routing, gathering the routed samples, and batch size effects on either model.\n\n"
                + "| joint model | batch-1 routed | batch-1 wall | batch-1 FLOPs | difference | batched wall | batched FLOPs | difference |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n"
            for r in compared {
                let c = r.cost!
                md += String(format: "| %@ | %.1f%% | %.3f | %.3f | %+.3f | %.3f | %.3f | %+.3f |\n", r.model, c.batch1Routed * 100,
                             c.batch1Wall, c.batch1Flops, c.batch1Wall - c.batch1Flops, c.batchedWall, c.batchedFlops,
                             c.batchedWall - c.batchedFlops)
            }
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
    static func time(_ n: Int, _ body: (Int) -> Void) -> (median: Double, p90: Double, mean: Double) {
        for i in 0..<min(20, n) { body(i) }
        var times: [Double] = []
        times.reserveCapacity(n)
        for i in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            body(i)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        let mean = times.reduce(0, +) / Double(times.count)
        times.sort()
        return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.9))], mean)
    }

    /// `time` for two bodies interleaved sample by sample (`first(i)`, then `second(i)`), after a short warm-up of both.
    static func timePaired(_ n: Int, _ first: (Int) -> Void, _ second: (Int) -> Void)
        -> (first: (median: Double, p90: Double, mean: Double), second: (median: Double, p90: Double, mean: Double)) {
        for i in 0..<min(20, n) { first(i); second(i) }
        var a: [Double] = [], b: [Double] = []
        a.reserveCapacity(n)
        b.reserveCapacity(n)
        for i in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            first(i)
            let t1 = DispatchTime.now().uptimeNanoseconds
            second(i)
            let t2 = DispatchTime.now().uptimeNanoseconds
            a.append(Double(t1 - t0) / 1000)
            b.append(Double(t2 - t1) / 1000)
        }
        func statistics(_ times: [Double]) -> (median: Double, p90: Double, mean: Double) {
            let sorted = times.sorted()
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))],
                    times.reduce(0, +) / Double(times.count))
        }
        return (statistics(a), statistics(b))
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
