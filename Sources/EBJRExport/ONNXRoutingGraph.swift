import EBJRRouting

/// The `prediction`, `score` and `accept` outputs of an exported side model (`ONNXExportOptions.RoutingOutput`).
///
/// Scores are computed in float64 from the float32 logits with the same steps as `ScoreFunctions`, so the graph's
/// decision agrees with the evaluation's wherever a score is not within a few float64 ulps of the threshold.
/// With `z` the (sliced) logits cast to float64, `m = max_k z_k` and `s = (z − m)/T`, `e = exp(s)`,
/// `Z = Σ_k e_k`:
/// - energy `−(m + T·log Z)`;
/// - max-softmax `−exp(−log Z)`;
/// - entropy `max(0, log Z − Σ_k e_k·s_k / Z)`;
/// - margin `z₍₂₎ − z₍₁₎` (the two largest, `TopK`; 0 for a single column).
extension ONNXExporter {
    /// Name of the predicted label output.
    public static let predictionName = "prediction"
    /// Name of the routing score output.
    public static let scoreName = "score"
    /// The scores a graph can compute (`Score.name`); the references and any score that needs more than the
    /// logits cannot be exported.
    public static let exportableScoreNames: Set<String> = ["energy", "max-softmax", "entropy", "margin"]

    /// Appends `prediction = labels[argmax(logits)]` (int64); returns the argmax node's output (the column index).
    @discardableResult
    func addPrediction(labels: [Int], to graph: inout ONNXGraphBuilder) -> String {
        let column = graph.addNode("ArgMax", name: "prediction.argmax", inputs: [Self.logitsName],
                                   attributes: [.int("axis", 1), .int("keepdims", 0)])
        let table = graph.addConstant("prediction.labels", int64: labels)
        graph.addNode("Gather", name: "prediction", inputs: [table, column], attributes: [.int("axis", 0)], output: Self.predictionName)
        graph.addOutput(Self.predictionName, type: .int64, shape: [nil])
        return column
    }

    /// Appends `score` (float64) and `accept` (bool) after `addPrediction` returned `argmaxColumn`.
    func addRouting(_ routing: ONNXExportOptions.RoutingOutput, classCount: Int, argmaxColumn: String,
                    to graph: inout ONNXGraphBuilder) {
        var z = graph.addNode("Cast", name: "score.cast", inputs: [Self.logitsName], attributes: [.int("to", 11)])
        let columns = routing.columns ?? 0..<classCount
        if columns != 0..<classCount {
            let starts = graph.addConstant("score.columns.start", int64: [columns.lowerBound])
            let ends = graph.addConstant("score.columns.end", int64: [columns.upperBound])
            let axes = graph.addConstant("score.columns.axis", int64: [1])
            z = graph.addNode("Slice", name: "score.columns", inputs: [z, starts, ends, axes])
        }
        var axis: String?
        func reduceSum(_ x: String, _ name: String) -> String {
            let axes = axis ?? graph.addConstant("score.axis", int64: [1])
            axis = axes
            return graph.addNode("ReduceSum", name: name, inputs: [x, axes], attributes: [.int("keepdims", 0)])
        }
        /// (m [batch], s [batch, K'], e, Z [batch], log Z)
        func softmaxTerms(_ t: Double) -> (m: String, s: String, e: String, total: String, logTotal: String) {
            let mKeep = graph.addNode("ReduceMax", name: "score.max_keep", inputs: [z], attributes: [.ints("axes", [1]), .int("keepdims", 1)])
            let m = graph.addNode("ReduceMax", name: "score.max", inputs: [z], attributes: [.ints("axes", [1]), .int("keepdims", 0)])
            let shifted = graph.addNode("Sub", name: "score.shift", inputs: [z, mKeep])
            let s = graph.addNode("Div", name: "score.scale", inputs: [shifted, graph.addConstant("score.temperature", double: t)])
            let e = graph.addNode("Exp", name: "score.exp", inputs: [s])
            let total = reduceSum(e, "score.total")
            let logTotal = graph.addNode("Log", name: "score.log_total", inputs: [total])
            return (m, s, e, total, logTotal)
        }
        let score: String
        switch routing.score {
        case let .energy(t):
            let terms = softmaxTerms(t)
            let scaled = graph.addNode("Mul", name: "score.t_log_total", inputs: [terms.logTotal, graph.addConstant("score.t", double: t)])
            let sum = graph.addNode("Add", name: "score.m_plus", inputs: [terms.m, scaled])
            score = graph.addNode("Neg", name: "score", inputs: [sum], output: Self.scoreName)
        case let .maxSoftmax(t):
            let terms = softmaxTerms(t)
            let negLog = graph.addNode("Neg", name: "score.neg_log_total", inputs: [terms.logTotal])
            let maxProbability = graph.addNode("Exp", name: "score.max_probability", inputs: [negLog])
            score = graph.addNode("Neg", name: "score", inputs: [maxProbability], output: Self.scoreName)
        case let .entropy(t):
            let terms = softmaxTerms(t)
            let weighted = reduceSum(graph.addNode("Mul", name: "score.e_times_s", inputs: [terms.e, terms.s]), "score.weighted")
            let ratio = graph.addNode("Div", name: "score.weighted_over_total", inputs: [weighted, terms.total])
            let entropy = graph.addNode("Sub", name: "score.entropy", inputs: [terms.logTotal, ratio])
            score = graph.addNode("Max", name: "score", inputs: [entropy, graph.addConstant("score.zero", double: 0)], output: Self.scoreName)
        case .margin:
            if columns.count == 1 {
                let m = graph.addNode("ReduceMax", name: "score.max", inputs: [z], attributes: [.ints("axes", [1]), .int("keepdims", 0)])
                score = graph.addNode("Sub", name: "score", inputs: [m, m], output: Self.scoreName)
            } else {
                let k = graph.addConstant("score.k", int64: [2])
                let top = graph.addNode("TopK", name: "score.top2", inputs: [z, k], attributes: [.int("axis", 1)])
                graph.addOutputToLastNode("score.top2/indices")
                let first = graph.addNode("Gather", name: "score.first", inputs: [top, graph.addScalarConstant("score.index0", int64: 0)],
                                          attributes: [.int("axis", 1)])
                let second = graph.addNode("Gather", name: "score.second", inputs: [top, graph.addScalarConstant("score.index1", int64: 1)],
                                           attributes: [.int("axis", 1)])
                score = graph.addNode("Sub", name: "score", inputs: [second, first], output: Self.scoreName)
            }
        default:
            preconditionFailure("validateOptions admits only exportableScoreNames")
        }
        graph.addOutput(Self.scoreName, type: .double, shape: [nil])

        let eligible = Set(routing.eligibleOutputs ?? Array(0..<classCount))
        let table = graph.addConstant("accept.eligible_outputs", bool: (0..<classCount).map { eligible.contains($0) })
        let isEligible = graph.addNode("Gather", name: "accept.eligible", inputs: [table, argmaxColumn], attributes: [.int("axis", 0)])
        let tau = graph.addConstant("accept.threshold", double: routing.threshold ?? -.infinity)
        let passes = graph.addNode("LessOrEqual", name: "accept.score_at_most", inputs: [score, tau])
        graph.addNode("And", name: "accept", inputs: [isEligible, passes], output: Self.acceptName)
        graph.addOutput(Self.acceptName, type: .bool, shape: [nil])
    }
}
