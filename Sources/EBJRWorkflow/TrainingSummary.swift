import Foundation
import EBJRTraining

/// The one line `ebjr train` prints when a run finishes.
public enum TrainingSummary {
    /// `<recipe>: validation <metric> x% (epoch e)[, test accuracy y%], n <items>/s, checkpoint <path>`.
    public static func line(recipe: String, outcome: TrainingOutcome) -> String {
        var parts = [String(format: "validation %@ %.2f%% (epoch %d)", outcome.metric.label, outcome.validationMetric * 100, outcome.keptEpoch)]
        for (key, value) in outcome.finalMetrics.sorted(by: { $0.key < $1.key }) {
            parts.append(String(format: "%@ %.2f%%", key.replacingOccurrences(of: "_", with: " "), value * 100))
        }
        if outcome.itemsPerSecond > 0 { parts.append(String(format: "%.0f %@/s", outcome.itemsPerSecond, outcome.itemName)) }
        parts.append("checkpoint \(outcome.checkpoint)")
        return "\(recipe): " + parts.joined(separator: ", ")
    }
}
