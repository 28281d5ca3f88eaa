import Foundation
import EBJRRecipe
import EBJRRouting
import EBJREvaluation
import EBJRNN
import Yams

/// The `cascades` and `side_sweep` sections of an evaluation recipe (`recipes/README.md`), read strictly.
extension EvaluationRecipe {
    /// A side-model sweep: variants of one training recipe, added to the side models.
    public struct SideSweep: Sendable, Equatable {
        public var baseRecipe: String
        public var variants: [SideSweepSummary.Variant]
    }

    /// Most variants one sweep may train.
    static let maximumSweepVariants = 64

    /// `cascades: [{name, stages: [{model | models, score, temperature}], steps, compare_shorter}]`; stages name
    /// side models of `sideNames`.
    static func parseCascades(_ node: RecipeNode, sideNames: [String]) throws -> [CascadeSpec] {
        guard node.isPresent else { return [] }
        guard let items = node.node?.sequence else { throw node.wrongType("a list of cascades") }
        var specs: [CascadeSpec] = []
        for (i, item) in items.enumerated() {
            let c = RecipeNode(file: node.file, path: "\(node.path)[\(i)]", node: item)
            try c.checkKeys(["name", "stages", "steps", "compare_shorter"])
            guard let stageItems = c["stages"].node?.sequence, !stageItems.isEmpty else {
                throw RecipeError.missingKey(file: node.file, path: "\(c.path).stages (a non-empty list)")
            }
            var seen: Set<String> = []
            let stages = try stageItems.enumerated().map { j, stageItem -> CascadeSpec.Stage in
                let s = RecipeNode(file: node.file, path: "\(c.path).stages[\(j)]", node: stageItem)
                try s.checkKeys(["model", "models", "score", "temperature"])
                let single = try s["model"].string(), several = try s["models"].stringList()
                guard (single == nil) != (several == nil) else { throw s.invalid("needs exactly one of model or models") }
                let members = several ?? [single!]
                guard !members.isEmpty else { throw s["models"].invalid("must name at least one side model") }
                for name in members {
                    guard sideNames.contains(name) else {
                        throw s[several == nil ? "model" : "models"].invalid("names '\(name)', which is not a side model (\(sideNames.joined(separator: ", ")))")
                    }
                    guard seen.insert(name).inserted else { throw s.invalid("uses side model '\(name)' a second time in this cascade") }
                }
                let scoreName = try s["score"].string() ?? "energy"
                let deployable = Score.names.filter { $0 != "random" && $0 != "oracle" }
                guard deployable.contains(scoreName) else {
                    throw s["score"].invalid("must be one of \(deployable.joined(separator: ", ")) (got '\(scoreName)')")
                }
                let temperature = try s["temperature"].double() ?? 1
                guard temperature > 0, temperature <= 1e4 else { throw s["temperature"].invalid("must be in (0, 10000] (got \(temperature))") }
                return CascadeSpec.Stage(members: members, score: try Score(name: scoreName, temperature: temperature))
            }
            let steps = try c["steps"].int() ?? CascadeSearch.defaultSteps
            guard (1...100_000).contains(steps) else { throw c["steps"].invalid("must be in 1…100000 (got \(steps))") }
            let spec = CascadeSpec(name: try c["name"].string() ?? "cascade \(i)", stages: stages, steps: steps,
                                   compareShorter: try c["compare_shorter"].bool() ?? true)
            guard !specs.contains(where: { $0.name == spec.name }) else { throw c["name"].invalid("repeats cascade name '\(spec.name)'") }
            specs.append(spec)
        }
        return specs
    }

    /// `side_sweep: {recipe, hidden, temperature, alpha}`: every combination of the lists becomes a side model
    /// trained from `recipe` with its hidden widths set to `hidden` and its distillation temperature and weight
    /// set (lists default to the base recipe's own value). A variant equal to the base recipe is the base recipe.
    static func parseSideSweep(_ node: RecipeNode, sideNames: [String]) throws -> (SideSweep, [ModelSource])? {
        guard node.isPresent else { return nil }
        try node.checkKeys(["recipe", "hidden", "temperature", "alpha"])
        let path = RecipeDocument.resolve(try node["recipe"].require(try node["recipe"].string()), relativeTo: node.file)
        let base = try TrainingRecipe.load(path: path)
        guard case let .layers(config) = base.model, let sizes = config.mlpSizes,
              (try Yams.compose(yaml: base.text))?["model"]?["sizes"] != nil else {
            throw node["recipe"].invalid("must train an MLP (preset mlp) for its hidden widths to be swept")
        }
        func list(_ key: String, _ fallback: Double?, _ range: ClosedRange<Double>) throws -> [Double?] {
            guard let texts = try node[key].stringList() else { return [fallback] }
            guard !texts.isEmpty else { throw node[key].invalid("must not be empty") }
            return try texts.map { text in
                guard let v = Double(text), v.isFinite, range.contains(v) else {
                    throw node[key].invalid("must hold numbers in [\(range.lowerBound), \(range.upperBound)] (got '\(text)')")
                }
                return v
            }
        }
        let baseHidden = Array(sizes.dropFirst().dropLast())
        let hidden: [Int?]
        if let widths = try node["hidden"].intList() {
            guard !widths.isEmpty, widths.allSatisfy({ (1...TrainingRecipe.maximumLayerWidth).contains($0) }) else {
                throw node["hidden"].invalid("must hold widths in 1…\(TrainingRecipe.maximumLayerWidth)")
            }
            guard !baseHidden.isEmpty else { throw node["hidden"].invalid("needs a base MLP with at least one hidden layer") }
            hidden = widths
        } else {
            hidden = [nil]
        }
        let distillation = base.distillation
        if distillation == nil, node["temperature"].isPresent || node["alpha"].isPresent {
            throw node.invalid("sweeps temperature or alpha but \(path) has no distillation section")
        }
        let temperatures = try list("temperature", distillation.map { Double($0.temperature) }, 1e-3...1e4)
        let alphas = try list("alpha", distillation.map { Double($0.alpha) }, 0...1)
        let count = hidden.count * temperatures.count * alphas.count
        guard count <= maximumSweepVariants else { throw node.invalid("asks for \(count) variants (at most \(maximumSweepVariants))") }

        var variants: [SideSweepSummary.Variant] = []
        var sources: [ModelSource] = []
        for h in hidden {
            for t in temperatures {
                for a in alphas {
                    let widths = h.map { w in baseHidden.map { _ in w } } ?? baseHidden
                    var name = base.name + "-h" + widths.map(String.init).joined(separator: "x")
                    if let t { name += "-T\(format(t))" }
                    if let a { name += "-a\(format(a))" }
                    guard !sideNames.contains(name), !variants.contains(where: { $0.name == name }) else {
                        throw node.invalid("makes side model '\(name)', whose name is already taken")
                    }
                    let isBase = widths == baseHidden && t == distillation.map { Double($0.temperature) }
                        && a == distillation.map { Double($0.alpha) }
                    let recipe = isBase ? base : try variant(of: base, name: name, sizes: [sizes[0]] + widths + [sizes[sizes.count - 1]],
                                                             temperature: t, alpha: a)
                    variants.append(SideSweepSummary.Variant(name: name, hidden: widths, temperature: t, alpha: a))
                    sources.append(ModelSource(name: name, recipe: path, checkpoint: nil, logits: [:], flops: nil, restrictToSubset: nil,
                                               scoreIncludesOther: false, trainingRecipe: recipe))
                }
            }
        }
        return (SideSweep(baseRecipe: path, variants: variants), sources)
    }

    /// The base recipe with new MLP sizes, distillation settings, name and checkpoint (beside the base's), as YAML
    /// text that parses to exactly this recipe (the text is what the checkpoint records).
    static func variant(of base: TrainingRecipe, name: String, sizes: [Int], temperature: Double?, alpha: Double?) throws -> TrainingRecipe {
        guard var root = try Yams.compose(yaml: base.text) else {
            throw RecipeError.invalidValue(file: base.file, path: "(root)", line: nil, reason: "is empty")
        }
        root["name"] = Node(name)
        root["model"]?["sizes"] = try sizes.represented()
        if let temperature { root["distillation"]?["temperature"] = Node(format(temperature)) }
        if let alpha { root["distillation"]?["alpha"] = Node(format(alpha)) }
        let folder = (base.checkpointPath as NSString).deletingLastPathComponent
        let checkpoint = (folder as NSString).appendingPathComponent("\(name).h5")
        root["output"] = try ["checkpoint": checkpoint].represented()
        let text = "# side_sweep variant of \((base.file as NSString).lastPathComponent), generated by ebjr evaluate\n"
            + (try Yams.serialize(node: root))
        return try TrainingRecipe.parse(text: text, file: base.file)
    }

    private static func format(_ x: Double) -> String { String(format: "%g", x) }
}

extension ModelConfig {
    /// `[in, hidden…, out]` when the model is a plain stack of linear layers fed by a flat input, else nil.
    var mlpSizes: [Int]? {
        guard inputShape.count == 1 else { return nil }
        var sizes = [inputShape[0]]
        for layer in layers {
            switch layer {
            case let .linear(_, out, _): sizes.append(out)
            case .conv2d, .maxPool2d: return nil
            default: break
            }
        }
        return sizes.count >= 2 ? sizes : nil
    }
}
