import Foundation
import Testing
@testable import EBJRRouting
import _EBJRTestSupport

/// Seeded logits for cascade tests: 10 classes, a deep model right ~85 % of the time, two general models and two
/// other-class specialists ({5, 7, 9} and {1, 8}) whose confidence carries signal.
private struct CascadeFixture {
    var labels: [Int] = []
    var deep: [Float] = [], small: [Float] = [], middle: [Float] = [], footwear: [Float] = [], pair: [Float] = []
    static let footwearSubset = [5, 7, 9], pairSubset = [1, 8]

    init(count: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        func noisy(_ k: Int, _ right: Int, _ height: Float) -> [Float] {
            (0..<k).map { Float($0 == right ? height : 0) + Float(g.nextUnit() * 1.5) }
        }
        for _ in 0..<count {
            let y = Int(g.next() % 10)
            labels.append(y)
            deep += noisy(10, g.nextUnit() < 0.85 ? y : Int(g.next() % 10), 4)
            let c1 = Float(g.nextUnit() * 5)
            small += noisy(10, g.nextUnit() < 0.35 + 0.12 * Double(c1) ? y : Int(g.next() % 10), c1)
            let c2 = Float(g.nextUnit() * 5)
            middle += noisy(10, g.nextUnit() < 0.5 + 0.1 * Double(c2) ? y : Int(g.next() % 10), c2)
            for (subset, out) in [(Self.footwearSubset, 0), (Self.pairSubset, 1)] {
                let local = subset.firstIndex(of: y) ?? subset.count
                let c = Float(g.nextUnit() * 5)
                let row = noisy(subset.count + 1, g.nextUnit() < 0.6 + 0.08 * Double(c) ? local : Int(g.next() % UInt64(subset.count + 1)), c)
                if out == 0 { footwear += row } else { pair += row }
            }
        }
    }

    func scored(_ name: String, _ score: Score) throws -> ScoredSamples {
        let n = labels.count
        switch name {
        case "small": return try ScoredSamples(side: Logits(values: small, count: n, classCount: 10), score: score)
        case "middle": return try ScoredSamples(side: Logits(values: middle, count: n, classCount: 10), score: score)
        case "footwear":
            return try ScoredSamples(side: Logits(values: footwear, count: n, classCount: 4), score: score,
                                     subsetRouting: SubsetRouting(subset: Self.footwearSubset, design: .otherClass(scoreIncludesOther: false)))
        default:
            return try ScoredSamples(side: Logits(values: pair, count: n, classCount: 3), score: score,
                                     subsetRouting: SubsetRouting(subset: Self.pairSubset, design: .otherClass(scoreIncludesOther: false)))
        }
    }

    /// Stages as `[[(model, score)]]` with these FLOPs per model.
    static let flops: [String: Double] = ["small": 50_816, "middle": 1_337_344, "footwear": 50_432, "pair": 50_368]
    func cascade(_ stages: [[String]], scores: [Score]) throws -> Cascade {
        try Cascade(stages: zip(stages, scores).map { members, score in
            Cascade.Stage(members: try members.map { Cascade.Member(name: $0, scored: try scored($0, score)) },
                          flops: members.reduce(0) { $0 + Self.flops[$1]! })
        }, finalPredictions: try Logits(values: deep, count: labels.count, classCount: 10).predictions(), finalFLOPs: 23_984_896)
    }

    /// Float32 logits as exact doubles, for NumPy.
    var json: [String: Any] {
        func d(_ x: [Float]) -> [Double] { x.map(Double.init) }
        return ["labels": labels, "deep": d(deep), "small": d(small), "middle": d(middle), "footwear": d(footwear), "pair": d(pair)]
    }
}

/// The same cascade logic written independently in NumPy: scores from the logits, assignment, quantile grids,
/// every combination of grid indices scored by brute force, the cheapest within tolerance picked, the chosen
/// thresholds applied to a second split.
private let numpyCascade = #"""
import itertools, json, sys
import numpy as np
spec = json.load(open(sys.argv[1]))
subsets = {"footwear": [5, 7, 9], "pair": [1, 8]}
classes = {"small": 10, "middle": 10, "footwear": 4, "pair": 3}
FLOPS = {"small": 50816, "middle": 1337344, "footwear": 50432, "pair": 50368}
DEEP = 23984896
NOTHING = -np.finfo(np.float64).max

def model(split, name):
    z = np.array(split[name], dtype=np.float32).astype(np.float64).reshape(-1, classes[name])
    arg = z.argmax(axis=1)
    if name in subsets:
        m = len(subsets[name])
        eligible = arg != m
        pred = np.array([subsets[name][a] if a < m else -1 for a in arg])
        z = z[:, :m]
    else:
        eligible = np.ones(len(z), dtype=bool)
        pred = arg
    return z, pred, eligible

def score(z, kind):
    mx = z.max(axis=1, keepdims=True)
    lse = mx[:, 0] + np.log(np.exp(z - mx).sum(axis=1))
    if kind == "energy":
        return -lse
    return -np.exp(mx[:, 0] - lse)          # max-softmax

def gates(split, stages):
    out = []
    for members, kind in stages:
        parts = [model(split, m) for m in members]
        scores = np.stack([score(z, kind) for z, _, _ in parts])
        elig = np.stack([e for _, _, e in parts])
        masked = np.where(elig, scores, np.inf)
        owner = np.where(elig.any(axis=0), masked.argmin(axis=0), -1)
        for j, (m, (_, pred, _)) in enumerate(zip(members, parts)):
            out.append(dict(score=scores[j], may=owner == j, pred=pred,
                            flops=sum(FLOPS[x] for x in members) if j == 0 else 0))
    return out

def run(split, stages, taus):
    labels = np.array(split["labels"])
    deep = np.array(split["deep"], dtype=np.float32).reshape(-1, 10).argmax(axis=1)
    n = len(labels)
    pred = deep.copy()
    open_ = np.ones(n, dtype=bool)
    cost = 0
    for g, tau in zip(gates(split, stages), taus):
        cost += g["flops"] * int(open_.sum())
        take = open_ & g["may"] & (g["score"] <= tau)
        pred[take] = g["pred"][take]
        open_ &= ~take
    cost += DEEP * int(open_.sum())
    return pred, int((pred == labels).sum()), int((deep == labels).sum()), cost

def search(split, stages, steps, tolerance):
    gs = gates(split, stages)
    grids = []
    for g in gs:
        v = np.sort(g["score"][g["may"]])
        m = len(v)
        grids.append([NOTHING] + [v[(j * m + steps - 1) // steps - 1] if m else NOTHING for j in range(1, steps + 1)])
    n = len(split["labels"])
    best = None
    for idx in itertools.product(range(steps + 1), repeat=len(gs)):
        pred, right, deep_right, cost = run(split, stages, [grids[i][k] for i, k in enumerate(idx)])
        if deep_right - right > int(np.floor(tolerance * n + 1e-9)):
            continue
        key = (cost, -right, idx)
        if best is None or key < best[0]:
            best = (key, [grids[i][k] for i, k in enumerate(idx)])
    (cost, neg_right, idx), taus = best
    return dict(indices=list(idx), thresholds=[float(t) for t in taus], cost=cost / (n * DEEP), correct=-neg_right)

out = []
for case in spec["cases"]:
    stages = [(c["members"], c["score"]) for c in case["stages"]]
    chosen = search(spec["validation"], stages, case["steps"], case["tolerance"])
    pred, right, _, cost = run(spec["test"], stages, chosen["thresholds"])
    chosen.update(test_predictions=pred.tolist(), test_cost=cost / (len(pred) * DEEP))
    out.append(chosen)
json.dump(out, open(sys.argv[2], "w"))
"""#

@Suite struct CascadeTests {
    /// Decisions, costs and jointly chosen thresholds against the NumPy brute force: a three-stage cascade and a
    /// stage of two specialists side by side followed by a general model.
    @Test func jointSearchMatchesNumPyBruteForce() throws {
        let validation = CascadeFixture(count: 240, seed: 11), test = CascadeFixture(count: 200, seed: 12)
        let cases: [(stages: [[String]], scores: [Score], steps: Int, tolerance: Double)] = [
            ([["small"], ["middle"]], [.maxSoftmax(temperature: 1), .energy(temperature: 1)], 7, 0.01),
            ([["footwear", "pair"], ["small"]], [.energy(temperature: 1), .maxSoftmax(temperature: 1)], 5, 0.02),
            ([["small"]], [.energy(temperature: 1)], 9, 0),
        ]
        let dir = try TestSupport.temporaryDirectory("cascade")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec: [String: Any] = [
            "validation": validation.json, "test": test.json,
            "cases": cases.map { c in
                ["steps": c.steps, "tolerance": c.tolerance,
                 "stages": zip(c.stages, c.scores).map { ["members": $0, "score": $1.name] }] as [String: Any]
            },
        ]
        let input = dir.appendingPathComponent("spec.json"), output = dir.appendingPathComponent("out.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: input)
        try TestSupport.runPython(script: numpyCascade, arguments: [input.path, output.path], in: dir)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [[String: Any]])
        #expect(expected.count == cases.count)
        for (c, reference) in zip(cases, expected) {
            let chosen = try CascadeSearch.cheapest(try validation.cascade(c.stages, scores: c.scores), labels: validation.labels,
                                                    accuracyTolerance: c.tolerance, steps: c.steps)
            #expect(chosen.gridIndices.flatMap { $0 } == reference["indices"] as? [Int])
            let taus = try #require(reference["thresholds"] as? [Double])
            for (ours, theirs) in zip(chosen.thresholds.flatMap { $0 }, taus) { #expect(abs(ours - theirs) <= 1e-9 * max(1, abs(theirs))) }
            #expect(chosen.correctCount == reference["correct"] as? Int)
            #expect(abs(chosen.routing.relativeCost - (reference["cost"] as? Double ?? .nan)) < 1e-12)
            let routed = try test.cascade(c.stages, scores: c.scores).route(thresholds: chosen.thresholds)
            #expect(routed.predictions == reference["test_predictions"] as? [Int])
            #expect(abs(routed.relativeCost - (reference["test_cost"] as? Double ?? .nan)) < 1e-12)
        }
    }

    /// One stage with a step per eligible sample sees every distinct threshold, so the cheapest setting within
    /// δ is the sweep's largest acceptance within δ (`ThresholdSelection.accuracyTolerance`), at `CostModel`'s cost.
    @Test func oneStageWithFullGridIsTheAccuracyToleranceSweep() throws {
        let data = CascadeFixture(count: 300, seed: 5)
        let scored = try data.scored("small", .energy(temperature: 1))
        let deep = try Logits(values: data.deep, count: 300, classCount: 10).predictions()
        let cascade = try Cascade(stages: [.init(members: [.init(name: "small", scored: scored)], flops: 50_816)],
                                  finalPredictions: deep, finalFLOPs: 23_984_896)
        for tolerance in [0.0, 0.01, 0.05] {
            let chosen = try CascadeSearch.cheapest(cascade, labels: data.labels, accuracyTolerance: tolerance, steps: 300)
            let outcomes = try RoutingOutcomes(scored: scored, labels: data.labels, deepPredictions: deep)
            let point = try ThresholdSelection.accuracyTolerance(tolerance, sweep: ThresholdSweep(outcomes))
            #expect(chosen.routing.reachCounts[1] == 300 - point.acceptedCount)
            #expect(chosen.correctCount == point.jointCorrectCount)
            let cost = try CostModel(sideFLOPs: 50_816, deepFLOPs: 23_984_896).relativeCost(routedFraction: point.routedFraction)
            #expect(abs(chosen.routing.relativeCost - cost) < 1e-12)
        }
    }

    /// Routing by hand on four samples: who answers, the lowest-score member of a shared stage, the cost formula.
    @Test func routingByHand() throws {
        let a = try ScoredSamples(scores: [0.1, 0.9, 0.5, 0.2], predictions: [1, 1, 1, 1])
        let b = try ScoredSamples(scores: [0.3, 0.4, 0.1, 0.9], predictions: [2, 2, 2, 2], isEligible: [true, true, true, false])
        let c = try ScoredSamples(scores: [0.0, 0.5, 0.8, 0.1], predictions: [3, 3, 3, 3])
        let cascade = try Cascade(stages: [.init(members: [.init(name: "a", scored: a), .init(name: "b", scored: b)], flops: 3),
                                           .init(members: [.init(name: "c", scored: c)], flops: 10)],
                                  finalPredictions: [9, 9, 9, 9], finalFLOPs: 100)
        #expect(cascade.assignment(stage: 0) == [0, 1, 1, 0])   // lowest eligible score; b is not eligible for sample 3
        let routing = try cascade.route(thresholds: [[0.15, 0.35], [0.6]])
        // sample 0: a (0.1 ≤ 0.15); 1: b has 0.4 > 0.35 → c 0.5 ≤ 0.6; 2: b 0.1 ≤ 0.35; 3: a 0.2 > 0.15 → c 0.1
        #expect(routing.predictions == [1, 3, 2, 3])
        #expect(routing.answeringStage == [0, 1, 0, 1])
        #expect(routing.reachCounts == [4, 2, 0])
        #expect(abs(routing.relativeCost - (4.0 * 3 + 2 * 10) / (4 * 100)) < 1e-15)
        #expect(throws: RoutingError.self) { try cascade.route(thresholds: [[0.1], [0.6]]) }
        #expect(throws: RoutingError.self) { try Cascade(stages: [], finalPredictions: [1], finalFLOPs: 1) }
        #expect(throws: RoutingError.self) {
            try CascadeSearch.cheapest(cascade, labels: [1, 2, 3], accuracyTolerance: 0.01)
        }
        #expect(throws: RoutingError.self) {
            try CascadeSearch.cheapest(cascade, labels: [1, 2, 3, 9], accuracyTolerance: 0.01, steps: 0)
        }
    }

    /// A search too large for the work limit is refused with one line naming the grid, not run.
    @Test func oversizedSearchIsRefused() throws {
        let data = CascadeFixture(count: 50, seed: 3)
        let cascade = try data.cascade([["small"], ["middle"], ["footwear"], ["pair"]], scores: Array(repeating: .energy(temperature: 1), count: 4))
        do {
            _ = try CascadeSearch.cheapest(cascade, labels: data.labels, accuracyTolerance: 0.005, steps: 10_000)
            Issue.record("expected an error")
        } catch let error as RoutingError {
            #expect(error.description.contains("fewer grid steps"))
            #expect(!error.description.contains("\n"))
        }
    }
}
