import Foundation
import EBJRTensor
import EBJRNN
import EBJRCheckpoint

/// Where the deep model runs: in this process or on a remote v2 server.
public protocol DeepBackend: Sendable {
    /// A short name for logs and errors, e.g. `in-process checkpoints/fmnist-cnn.h5` or the remote URL.
    var name: String { get }
    /// Number of classes `K` (the deep model's outputs).
    var classCount: Int { get }
    /// Logits `[count, K]` of `count` samples of `values` (row-major, `features` each).
    func logits(_ values: [Float], count: Int) async throws -> [Float]
    /// Whether the backend answers its own readiness check; `nil` detail when ready, else why not.
    func readiness() async -> String?
}

/// The deep model in process, from a checkpoint of ours: batches run one at a time on their own thread, so the
/// HTTP event loops and the side path never wait for a deep forward pass.
public final class InProcessDeepBackend: DeepBackend, @unchecked Sendable {
    public let name: String
    public let classCount: Int
    public let inputShape: [Int]
    private let model: Sequential
    private let queue = DispatchQueue(label: "ebjr.serve.deep")

    public init(checkpoint url: URL) throws {
        let checkpoint = try Checkpoint.load(from: url)
        model = try checkpoint.makeModel()
        model.eval()
        guard let config = checkpoint.modelConfig else { throw CheckpointError.missingModelConfig(file: url.path) }
        guard checkpoint.classSubset == nil else {
            throw ServeError.configuration("\(url.path): a specialized model (class subset \(checkpoint.classSubset!)) cannot be the deep model")
        }
        inputShape = config.inputShape
        classCount = config.outputCount
        name = "in-process \(url.path)"
    }

    public func logits(_ values: [Float], count: Int) async throws -> [Float] {
        let shape = [count] + inputShape
        return await withCheckedContinuation { continuation in
            queue.async { [model] in
                let out = noGrad { model(Tensor(values, shape: shape)).scalars }
                continuation.resume(returning: out)
            }
        }
    }

    public func readiness() async -> String? { nil }
}
