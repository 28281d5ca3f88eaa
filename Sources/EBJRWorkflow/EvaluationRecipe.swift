import Foundation
import EBJRRecipe
import Yams
import EBJRRouting
import EBJREvaluation
import EBJRData

/// An evaluation described in YAML (`ebjr evaluate`): a deep model, side models (general and specialized),
/// scores and temperatures to sweep, how thresholds are chosen on validation, workload mixes, and where the
/// report goes. `recipes/README.md` documents every key.
public struct EvaluationRecipe: Sendable {
    /// A model given by a training recipe (trained first if its checkpoint is missing), a checkpoint, or
    /// precomputed logits files per split (black box).
    public struct ModelSource: Sendable, Equatable {
        public var name: String
        public var recipe: String?
        public var checkpoint: String?
        public var logits: [String: String]
        /// Cost of one forward pass; taken from the model config when a checkpoint is known.
        public var flops: Double?
        /// For a general side model: accept only predictions in this subset (the comparison row of docs/method.md §3).
        public var restrictToSubset: [Int]?
        /// For an other-class model: take the energy over all `m + 1` outputs instead of the `m` subset outputs.
        public var scoreIncludesOther: Bool
        /// A training recipe built in memory (a `side_sweep` variant); used instead of reading `recipe`.
        public var trainingRecipe: TrainingRecipe? = nil
    }

    public var file: String
    public var name: String
    public var deep: ModelSource
    public var sideModels: [ModelSource]
    public var settings: EvaluationSettings
    /// In-subset shares to resample validation and test to (besides the natural mix), with the subset they refer to.
    public var workloadShares: [Double]
    public var workloadSubset: [Int]?
    public var workloadSeed: UInt64
    public var outputDirectory: String
    /// Measure batch-1 and batched latency of side, deep and joint models.
    public var measureLatency: Bool
    public var latencySamples: Int
    /// The data set the models are evaluated on (its validation and test splits).
    public var data: DataChoice
    /// Cascades of side models before the deep model (section `cascades`).
    public var cascades: [CascadeSpec] = []
    /// The side-model sweep (section `side_sweep`); its variants are also in `sideModels`.
    public var sideSweep: SideSweep? = nil
    /// Re-partition validation + test to measure how often the guaranteed point breaks its promise (nil: off).
    public var coverage: CoverageSettings?

    /// Reads and validates an evaluation recipe; errors name the file, key and line.
    public static func load(path: String) throws -> EvaluationRecipe {
        let text = try RecipeDocument.text(path: path)
        return try parse(text: text, file: path)
    }

    public static func parse(text: String, file: String) throws -> EvaluationRecipe {
        let root = try RecipeDocument.root(text: text, file: file)
        let data = try DataChoice.parse(root["data"], extraKeys: [])
        guard let source = try data.classificationSource(at: root["data"]) else { throw root["data"].invalid("must name a classification data set") }
        try root.checkKeys(["name", "deep", "side_models", "scores", "temperatures", "criteria", "workload", "output",
                            "latency", "data", "cascades", "side_sweep", "coverage"])
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        guard root["deep"].isPresent else { throw RecipeError.missingKey(file: file, path: "deep") }
        let deep = try parseModel(root["deep"], defaultName: "deep", allowRouting: false, source: source)
        guard let sideNodes = root["side_models"].node?.sequence, !sideNodes.isEmpty else {
            throw RecipeError.missingKey(file: file, path: "side_models (a non-empty list)")
        }
        var sides = try sideNodes.enumerated().map { i, n in
            try parseModel(RecipeNode(file: file, path: "side_models[\(i)]", node: n), defaultName: "side \(i)", allowRouting: true,
                           source: source)
        }
        if Set(sides.map(\.name)).count != sides.count {
            throw root["side_models"].invalid("has two side models with the same name")
        }
        let sweep = try parseSideSweep(root["side_sweep"], sideNames: sides.map(\.name))
        sides += sweep?.1 ?? []
        let cascades = try parseCascades(root["cascades"], sideNames: sides.map(\.name))

        let scoreNames = try root["scores"].stringList() ?? ["energy", "max-softmax", "entropy", "margin", "random", "oracle"]
        let temperatures = try root["temperatures"].stringList().map { list in
            try list.map { t -> Double in
                guard let v = Double(t), v > 0, v <= 1e4 else { throw root["temperatures"].invalid("must be numbers in (0, 10000] (got '\(t)')") }
                return v
            }
        } ?? [1]
        var scores: [Score] = []
        for name in scoreNames {
            guard Score.names.contains(name) else {
                throw root["scores"].invalid("names unknown score '\(name)' (known: \(Score.names.joined(separator: ", ")))")
            }
            if name == "energy" || name == "entropy" || name == "max-softmax" {
                for t in temperatures { scores.append(try Score(name: name, temperature: t)) }
            } else {
                scores.append(try Score(name: name))
            }
        }

        let c = root["criteria"]
        try c.checkKeys(["target_acceptance", "accuracy_tolerance", "guaranteed", "selective_risk", "threshold", "family_correction"])
        let familyText = try c["family_correction"].string() ?? FamilyCorrection.bonferroni.rawValue
        guard let family = FamilyCorrection(rawValue: familyText) else {
            throw c["family_correction"].invalid("must be bonferroni or none (got '\(familyText)')")
        }
        var criteria: [SelectionCriterion] = []
        for q in try c["target_acceptance"].stringList() ?? ["0.5"] {
            guard let v = Double(q), (0...1).contains(v) else { throw c["target_acceptance"].invalid("must be fractions in [0, 1]") }
            criteria.append(.targetAcceptance(v))
        }
        let tolerance = try c["accuracy_tolerance"].double() ?? 0.005
        guard tolerance >= 0, tolerance <= 1 else { throw c["accuracy_tolerance"].invalid("must be non-negative") }
        criteria.append(.accuracyTolerance(tolerance))
        for (key, make) in [("guaranteed", SelectionCriterion.guaranteed), ("selective_risk", SelectionCriterion.selectiveRisk)] {
            let n = c[key]
            guard n.isPresent || key == "guaranteed" else { continue }
            try n.checkKeys(["epsilon", "delta"])
            let e = try n["epsilon"].double() ?? 0.01, d = try n["delta"].double() ?? 0.05
            guard e > 0, e < 1, d > 0, d < 1 else { throw n.invalid("needs 0 < epsilon < 1 and 0 < delta < 1") }
            criteria.append(make(e, d))
        }
        let th = c["threshold"]
        try th.checkKeys(["energy_at_most", "negative_energy_at_least"])
        if let tau = try th["energy_at_most"].double() {
            guard tau.isFinite else { throw th["energy_at_most"].invalid("must be a finite number") }
            criteria.append(.fixed(.energyAtMost(tau)))
        }
        if let t = try th["negative_energy_at_least"].double() {
            guard t.isFinite else { throw th["negative_energy_at_least"].invalid("must be a finite number") }
            criteria.append(.fixed(.negativeEnergyAtLeast(t)))
        }

        let w = root["workload"]
        try w.checkKeys(["in_subset_share", "subset", "seed"])
        let shares = try w["in_subset_share"].stringList()?.map { s -> Double in
            guard let v = Double(s), v > 0, v < 1 else { throw w["in_subset_share"].invalid("must be fractions in (0, 1)") }
            return v
        } ?? []
        var workloadSubset: [Int]?
        if let names = try w["subset"].stringList() {
            do { workloadSubset = try source.classIndices(names) } catch { throw w["subset"].invalid("\(error)") }
        }
        let lat = root["latency"]
        try lat.checkKeys(["enabled", "samples"])
        let cov = root["coverage"]
        try cov.checkKeys(["repartitions", "seed"])
        var coverage: CoverageSettings?
        if cov.isPresent {
            let repartitions = try cov["repartitions"].int() ?? 20
            guard (1...100_000).contains(repartitions) else { throw cov["repartitions"].invalid("must be in 1...100000 (got \(repartitions))") }
            let seed = try cov["seed"].int() ?? 0
            guard seed >= 0 else { throw cov["seed"].invalid("must be ≥ 0 (got \(seed))") }
            guard criteria.contains(where: { if case .guaranteed = $0 { return true } else { return false } }) else {
                throw cov.invalid("needs criteria.guaranteed (its ε and δ are the promise measured)")
            }
            coverage = CoverageSettings(repartitions: repartitions, seed: UInt64(seed))
        }
        return EvaluationRecipe(
            file: file, name: try root["name"].string() ?? baseName, deep: deep, sideModels: sides,
            settings: EvaluationSettings(scores: scores, criteria: criteria, familyCorrection: family), workloadShares: shares,
            workloadSubset: workloadSubset, workloadSeed: UInt64(max(0, try w["seed"].int() ?? 0)),
            outputDirectory: try root["output"].string() ?? "runs/\(baseName)",
            measureLatency: try lat["enabled"].bool() ?? true, latencySamples: max(10, try lat["samples"].int() ?? 300),
            data: data, cascades: cascades, sideSweep: sweep?.0, coverage: coverage)
    }

    static func parseModel(_ node: RecipeNode, defaultName: String, allowRouting: Bool, source: any ClassificationSource) throws -> ModelSource {
        var keys = ["name", "recipe", "checkpoint", "logits", "flops"]
        if allowRouting { keys += ["restrict_to_subset", "score_includes_other"] }
        try node.checkKeys(keys)
        let logitsNode = node["logits"]
        try logitsNode.checkKeys(["validation", "test"])
        var logits: [String: String] = [:]
        for split in ["validation", "test"] { if let p = try logitsNode[split].string() { logits[split] = p } }
        let recipe = try node["recipe"].string(), checkpoint = try node["checkpoint"].string()
        let sources = [recipe != nil, checkpoint != nil, !logits.isEmpty].filter { $0 }.count
        guard sources == 1 else { throw node.invalid("needs exactly one of recipe, checkpoint or logits (found \(sources))") }
        if !logits.isEmpty {
            guard logits.count == 2 else { throw logitsNode.invalid("needs both validation and test logits files") }
            guard try node["flops"].double() != nil else { throw node.invalid("with logits files needs flops (the model's cost)") }
        }
        var restrict: [Int]?
        if let names = try node["restrict_to_subset"].stringList() {
            do { restrict = try source.classIndices(names) } catch { throw node["restrict_to_subset"].invalid("\(error)") }
        }
        let name = try node["name"].string() ?? recipe.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
            ?? defaultName
        return ModelSource(name: name, recipe: recipe.map { RecipeDocument.resolve($0, relativeTo: node.file) },
                           checkpoint: checkpoint, logits: logits, flops: try node["flops"].double(),
                           restrictToSubset: restrict, scoreIncludesOther: try node["score_includes_other"].bool() ?? false)
    }
}
