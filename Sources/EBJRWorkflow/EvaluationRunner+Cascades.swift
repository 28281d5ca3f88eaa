import EBJRRouting
import EBJREvaluation
import EBJRTraining

extension EvaluationRunner {
    /// Evaluates the recipe's cascades on the same (possibly resampled) splits as the side models, at the recipe's
    /// accuracy tolerance, and records the side-model sweep, into `result`.
    func addCascadesAndSweep(to result: inout EvaluationResult, sides: [SideModelInput], deep: (name: String, flops: Double),
                             validation: EvaluationSplit, test: EvaluationSplit) throws {
        if let sweep = recipe.sideSweep {
            result.sideSweep = SideSweepSummary(baseRecipe: sweep.baseRecipe, variants: sweep.variants)
        }
        guard !recipe.cascades.isEmpty else { return }
        let tolerance = recipe.settings.criteria.lazy.compactMap { criterion -> Double? in
            if case let .accuracyTolerance(d) = criterion { return d } else { return nil }
        }.first ?? 0.005
        result.cascades = try recipe.cascades.map { spec in
            if !quiet { logLine("cascade \(spec.name): \(spec.configurations.count) configurations, joint threshold search on validation") }
            return try CascadeEvaluator.evaluate(spec, sides: sides, deepName: deep.name, deepFLOPs: deep.flops,
                                                 validation: validation, test: test, accuracyTolerance: tolerance)
        }
    }
}
