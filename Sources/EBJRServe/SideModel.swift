import Foundation
import EBJRTensor
import EBJRNN
import EBJRCheckpoint
import EBJRRouting

/// The side model in process: its logits for a batch, computed on the caller's thread.
///
/// An MLP side model runs through `InferencePlan`s (allocation-free, one per concurrent caller, kept in a small
/// pool); any other architecture runs the ordinary forward pass with gradients off, one batch at a time.
public final class SideModel: @unchecked Sendable {
    /// Shape of one sample, e.g. `[784]`.
    public let inputShape: [Int]
    /// Outputs per sample.
    public let outputs: Int
    /// The checkpoint's class names for its outputs.
    public let outputNames: [String]
    /// The checkpoint's class subset and design, for a specialized side model.
    public let classSubset: [Int]?
    public let checkpoint: Checkpoint
    private let model: Sequential
    private let lock = NSLock()
    private var plans: [InferencePlan] = []
    private let usesPlans: Bool
    private static let planRows = 64

    /// Loads `url` (a checkpoint of ours).
    public init(checkpoint url: URL) throws {
        checkpoint = try Checkpoint.load(from: url)
        model = try checkpoint.makeModel()
        model.eval()
        guard let config = checkpoint.modelConfig else { throw CheckpointError.missingModelConfig(file: url.path) }
        inputShape = config.inputShape
        outputs = config.outputCount
        outputNames = checkpoint.outputNames(outputs: outputs)
        classSubset = checkpoint.classSubset
        if let plan = model.inferencePlan(maxBatch: Self.planRows) {
            usesPlans = true
            plans = [plan]
        } else {
            usesPlans = false
        }
    }

    /// Values per sample.
    public var features: Int { inputShape.reduce(1, *) }

    /// Logits `[count, outputs]` of `count` samples of `values` (row-major).
    public func logits(_ values: [Float], count: Int) throws -> Logits {
        precondition(values.count == count * features, "SideModel.logits: \(values.count) values for \(count) samples")
        let out: [Float]
        if usesPlans {
            let plan = borrowPlan()
            defer { returnPlan(plan) }
            var result = [Float](repeating: 0, count: count * outputs)
            values.withUnsafeBufferPointer { x in
                result.withUnsafeMutableBufferPointer { r in
                    var start = 0
                    while start < count {
                        let n = min(Self.planRows, count - start)
                        let z = plan.logits(x.baseAddress! + start * features, rows: n)
                        (r.baseAddress! + start * outputs).update(from: z, count: n * outputs)
                        start += n
                    }
                }
            }
            out = result
        } else {
            lock.lock()
            defer { lock.unlock() }
            out = noGrad { model(Tensor(values, shape: [count] + inputShape)).scalars }
        }
        return try Logits(values: out, count: count, classCount: outputs, what: "side-model logits")
    }

    private func borrowPlan() -> InferencePlan {
        lock.lock()
        if let plan = plans.popLast() { lock.unlock(); return plan }
        lock.unlock()
        return model.inferencePlan(maxBatch: Self.planRows)!
    }

    private func returnPlan(_ plan: InferencePlan) {
        lock.lock()
        if plans.count < 16 { plans.append(plan) }
        lock.unlock()
    }

    /// Checks that `router` fits this model: a specialized router needs the outputs of its design, a general one
    /// the outputs of `deepClasses` classes.
    public func check(_ router: Router, deepClasses: Int, file: String) throws {
        if let routing = router.subsetRouting {
            guard routing.outputCount == outputs else {
                throw ServeError.configuration("\(file): the rule's \(routing.designName) routing over \(routing.subset) needs \(routing.outputCount) side-model outputs, the checkpoint has \(outputs)")
            }
            if let subset = classSubset, subset != routing.subset {
                throw ServeError.configuration("\(file): the rule's class subset \(routing.subset) differs from the checkpoint's \(subset)")
            }
        } else {
            guard classSubset == nil else {
                throw ServeError.configuration("\(file): a specialized side model (class subset \(classSubset!)) needs a rule with its subset routing (from --operating-point)")
            }
            guard outputs == deepClasses else {
                throw ServeError.configuration("\(file): a general side model needs as many outputs as the deep model's \(deepClasses) classes, it has \(outputs)")
            }
        }
    }
}
