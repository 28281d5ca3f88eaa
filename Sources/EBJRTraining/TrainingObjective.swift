import EBJRTensor
import EBJRNN

/// The loss of one batch: plain cross-entropy, distillation (docs/method.md §4), and the specialized designs'
/// label mapping and energy hinge (docs/method.md §3).
public struct TrainingObjective {
    /// Labels as the student sees them, per training sample (nil: no class label, e.g. out-of-subset for energy-margin).
    public let studentLabels: [Int?]
    /// Teacher logits mapped to the student's outputs, `[N, outputs]` row-major, or nil without distillation.
    public let teacherLogits: [Float]?
    public let outputCount: Int
    public let alpha: Float
    public let temperature: Float
    /// Energy hinge: (`m` subset outputs, `m_in`, `m_out`, `λ`), or nil.
    public let margin: (subsetOutputs: Int, marginIn: Float, marginOut: Float, weight: Float)?
    /// Whether each training sample is in the subset (for the hinge).
    public let inSubset: [Bool]

    public init(studentLabels: [Int?], teacherLogits: [Float]?, outputCount: Int, alpha: Float, temperature: Float,
                margin: (subsetOutputs: Int, marginIn: Float, marginOut: Float, weight: Float)? = nil, inSubset: [Bool]? = nil) {
        self.studentLabels = studentLabels
        self.teacherLogits = teacherLogits
        self.outputCount = outputCount
        self.alpha = teacherLogits == nil ? 0 : alpha
        self.temperature = temperature
        self.margin = margin
        self.inSubset = inSubset ?? studentLabels.map { $0 != nil }
    }

    /// Plain cross-entropy on the given labels.
    public static func crossEntropy(labels: [Int], outputCount: Int) -> TrainingObjective {
        TrainingObjective(studentLabels: labels, teacherLogits: nil, outputCount: outputCount, alpha: 0, temperature: 1)
    }

    /// The loss for the batch of training-sample `indices` whose student logits are `logits` `[B, outputs]`.
    public func loss(logits: Tensor, indices: [Int]) -> Tensor {
        var terms: [Tensor] = []
        let labelled = indices.indices.filter { studentLabels[indices[$0]] != nil }
        if !labelled.isEmpty {
            let rows = labelled.count == indices.count ? logits : logits.gather(rows: labelled)
            let labels = labelled.map { studentLabels[indices[$0]]! }
            let teacher = teacherLogits.map { all -> Tensor in
                let t = Tensor.uninitialized([labelled.count, outputCount])
                all.withUnsafeBufferPointer { src in
                    for (r, b) in labelled.enumerated() {
                        (t.data + r * outputCount).update(from: src.baseAddress! + indices[b] * outputCount, count: outputCount)
                    }
                }
                return t
            }
            let fraction = Float(labelled.count) / Float(indices.count)
            let term = Losses.distillation(student: rows, teacher: teacher, labels: labels, alpha: alpha, temperature: temperature)
            terms.append(labelled.count == indices.count ? term : term * fraction)
        }
        if let margin {
            // E(x) = −logsumexp over the m subset outputs (T = 1).
            let subsetLogits = margin.subsetOutputs == outputCount ? logits : logits.slice(axis: 1, 0..<margin.subsetOutputs)
            let energy = -subsetLogits.logSumExp()
            let inRows = indices.indices.filter { inSubset[indices[$0]] }
            let outRows = indices.indices.filter { !inSubset[indices[$0]] }
            let e2 = energy.reshaped([indices.count, 1])
            if !inRows.isEmpty {
                let e = e2.gather(rows: inRows)
                terms.append((e - margin.marginIn).relu().squared().mean() * margin.weight)
            }
            if !outRows.isEmpty {
                let e = e2.gather(rows: outRows)
                terms.append((margin.marginOut - e).relu().squared().mean() * margin.weight)
            }
        }
        precondition(!terms.isEmpty, "TrainingObjective: batch has nothing to learn from")
        return terms.dropFirst().reduce(terms[0], +)
    }
}
