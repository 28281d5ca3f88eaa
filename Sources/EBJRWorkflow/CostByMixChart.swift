import EBJRRouting
import EBJREvaluation

/// The bar chart `cost-by-mix.svg`: for every side model, the realised (test) relative cost of its chosen point at
/// the headline criterion, at each workload mix, against the deep model alone (cost 1).
enum CostByMixChart {
    /// Nil when there is no side model to show.
    static func plot(results: [EvaluationResult], labels: [String], criterion: SelectionCriterion) -> ReportWriter.Plot? {
        guard let first = results.first, !first.sideModels.isEmpty else { return nil }
        let series = first.sideModels.enumerated().map { index, side in
            BarChart.Series(name: side.name, color: PlotStyle.color(sideModel: index), values: results.map { result in
                result.sideModels.first { $0.name == side.name }
                    .flatMap { Recommender.chosen($0, criterion: criterion) }?.point.test.relativeCost
            })
        }
        let chart = BarChart(title: "Relative cost per side model at each workload mix (test, \(criterion))",
                             yLabel: "relative cost (joint / deep FLOPs)", categories: labels, series: series,
                             referenceLine: ("deep model alone (cost 1)", 1))
        return ReportWriter.Plot(fileName: "cost-by-mix.svg", sideModel: nil, svg: chart.svg())
    }
}
