import EBJRRouting

/// Every operating point of a result as one CSV table (`operating-points.csv`), one row per side model, score,
/// criterion and split, in the report's sign convention (`accuracy_change = A_joint − A_D`, negative = lost):
/// `side_model,design,score,temperature,criterion,threshold,split,samples,acceptance,joint_accuracy,accuracy_change,relative_cost,flags`.
/// `threshold` is empty when the point routes everything.
public enum OperatingPointsCSV {
    public static let header = "side_model,design,score,temperature,criterion,threshold,split,samples,acceptance,joint_accuracy,"
        + "accuracy_change,relative_cost,flags"

    public static func render(_ result: EvaluationResult) -> String {
        var lines = [header]
        for side in result.sideModels {
            for s in side.scores {
                let temperature = s.score.temperature.map { "\($0)" } ?? ""
                for p in s.operatingPoints {
                    let tau = p.rule.tau == ThresholdSweep.acceptNothingThreshold ? "" : "\(p.rule.tau)"
                    for (split, point) in [("validation", p.validation), ("test", p.test)] {
                        let change = point.measuredJointAccuracy - point.statistics.deepAccuracy
                        lines.append([CurvesCSV.field(side.name), side.kind, s.score.name, temperature,
                                      CurvesCSV.field(p.criterion.description), tau, split, "\(point.statistics.sampleCount)",
                                      "\(point.statistics.acceptance)", "\(point.measuredJointAccuracy)", "\(change)",
                                      "\(point.relativeCost)", "\(point.flags.count)"].joined(separator: ","))
                    }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
