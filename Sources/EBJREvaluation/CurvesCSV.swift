import EBJRRouting

/// Renders every trade-off curve of a result as one CSV table (`curves.csv`), one row per curve point:
/// `side_model,design,score,temperature,split,threshold,acceptance,relative_cost,joint_accuracy`.
public enum CurvesCSV {
    public static let header = "side_model,design,score,temperature,split,threshold,acceptance,relative_cost,joint_accuracy"

    public static func render(_ result: EvaluationResult) -> String {
        var lines = [header]
        for side in result.sideModels {
            for s in side.scores {
                let temperature = s.score.temperature.map { "\($0)" } ?? ""
                for (split, curve) in [("validation", s.curves.validation), ("test", s.curves.test)] {
                    for p in curve.points {
                        lines.append([field(side.name), side.kind, s.score.name, temperature, split, "\(p.threshold)",
                                      "\(p.acceptance)", "\(p.relativeCost)", "\(p.jointAccuracy)"].joined(separator: ","))
                    }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting when a field holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
