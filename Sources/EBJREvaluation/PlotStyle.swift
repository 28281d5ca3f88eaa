import EBJRRouting

/// The one style of every report plot: a colour per side model, a dash pattern per score kind, grey for the
/// random and oracle references, and the zoomed accuracy range.
public enum PlotStyle {
    /// Colour of the side model at `index` in the result.
    public static func color(sideModel index: Int) -> String { Palette.color(index) }

    /// Colour of the reference curves (random, oracle).
    public static let referenceColor = "#9a9a9a"

    /// Dash patterns by score name; a score kind not listed (a new one) takes the next unused pattern by its
    /// position in `Score.names`, so new kinds slot in with a pattern of their own.
    static let dashes: [String: String?] = [
        "energy": nil, "max-softmax": "9 4", "entropy": "3 3", "margin": "12 3 2 3", "random": "1 3", "oracle": "6 2 1 2",
    ]
    static let spareDashes = ["14 4 4 4", "2 6", "8 2 2 2 2 2", "16 6"]

    /// The dash pattern of `score`'s kind (nil = solid).
    public static func dash(_ score: Score) -> String? {
        if let known = dashes[score.name] { return known }
        let position = Score.names.firstIndex(of: score.name) ?? Score.names.count
        return spareDashes[position % spareDashes.count]
    }

    /// The curves a per-model plot shows: one per score kind — the chosen score's own variant for its kind, for
    /// the others the temperature with the best validation AUROC for "side model wrong" — then the references.
    static func shownScores(_ side: SideModelEvaluation, chosen: Score?) -> [ScoreEvaluation] {
        var order: [String] = []
        var best: [String: ScoreEvaluation] = [:]
        for s in side.scores {
            let kind = s.score.name
            if !order.contains(kind) { order.append(kind) }
            if let chosen, chosen.name == kind {
                if s.score == chosen { best[kind] = s }
                continue
            }
            if best[kind] == nil || (s.aurocSideWrong.validation ?? 0) > (best[kind]!.aurocSideWrong.validation ?? 0) {
                best[kind] = s
            }
        }
        let shown = order.compactMap { best[$0] }
        return shown.filter { !$0.score.isReference } + shown.filter(\.score.isReference)
    }

    /// The main panel's accuracy range: from 3 pp below the deep model's accuracy to 2.5 pp above it (or the
    /// highest curve, if lower), so the region where a deployment would operate fills the plot.
    static func zoom(deepAccuracy: Double, result: EvaluationResult) -> ClosedRange<Double> {
        let highest = result.sideModels.flatMap { $0.scores.flatMap { $0.curves.test.points.map(\.jointAccuracy) } }.max() ?? deepAccuracy
        let low = max(0, deepAccuracy - 0.03)
        let high = min(1, max(deepAccuracy + 0.005, min(highest, deepAccuracy + 0.025)) + 0.003)
        return low...high
    }
}
