import EBJRTensor
import EBJRNN
import EBJRData
import EBJRRouting

/// Inference over a dataset in batches, with gradient recording off.
public enum Inference {
    /// Logits `[N, K]` row-major of `model` on every sample of `data`, read `batchSize` samples at a time (lazy
    /// samples hold no more than one batch of features in memory), in evaluation mode (batch norm with its
    /// running statistics, no dropout; the model's mode is restored afterwards): through the model's
    /// `InferencePlan` when it has one (bitwise the same values, no tape, no per-batch allocation), else the
    /// autograd forward.
    public static func logits(of model: Module, on data: any LabelledSamples, batchSize: Int = 512) throws -> (values: [Float], classes: Int) {
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        if let sequential = model as? Sequential,
           let plan = sequential.inferencePlan(inputShape: data.sampleShape, maxBatch: Swift.max(1, Swift.min(batchSize, data.count))) {
            var values: [Float] = []
            values.reserveCapacity(data.count * plan.outputFeatures)
            var start = 0
            while start < data.count {
                let end = min(start + batchSize, data.count)
                let out = plan.logits(try data.batchTensor(range: start..<end))
                values.append(contentsOf: UnsafeBufferPointer(start: out.data, count: out.count))
                start = end
            }
            return (values, plan.outputFeatures)
        }
        var values: [Float] = []
        var classes = 0
        try noGrad {
            var start = 0
            while start < data.count {
                let end = min(start + batchSize, data.count)
                let out = model(try data.batchTensor(range: start..<end))
                classes = out.shape[1]
                values.append(contentsOf: out.scalars)
                start = end
            }
        }
        return (values, classes)
    }

    /// The index of the largest of the first `among` values of row `row` (ties: the first), in logits of `classes`
    /// columns.
    public static func argmax(_ logits: [Float], row: Int, classes: Int, among: Int? = nil) -> Int {
        let base = row * classes
        return EBJRRouting.argmax(logits[base..<(base + (among ?? classes))]) - base
    }

    /// Top-1 accuracy of row-wise argmax of `logits` against `labels` (NaN for no labels).
    public static func accuracy(logits: [Float], classes: Int, labels: [Int]) -> Double {
        guard !labels.isEmpty else { return .nan }
        var correct = 0
        for (r, label) in labels.enumerated() where argmax(logits, row: r, classes: classes) == label { correct += 1 }
        return Double(correct) / Double(labels.count)
    }
}
