import Foundation
import EBJRRouting

/// Everything `ebjr serve` needs, as given on the command line.
public struct ServeConfiguration: Sendable {
    /// Where the deep model runs.
    public enum Deep: Sendable {
        /// A checkpoint of ours, in process.
        case checkpoint(String)
        /// A v2 model URL, e.g. `http://127.0.0.1:8080/v2/models/cnn`.
        case remote(url: String, inputName: String, inputShape: [Int]?, outputName: String?, classCount: Int?)
    }

    /// How the routing rule is chosen.
    public enum RuleSource: Sendable {
        /// From `report.json`: side model name, criterion, and optionally the score.
        case report(file: String, sideName: String, criterion: String, score: Score?)
        /// Given directly: score and threshold τ (accept iff score ≤ τ); the subset routing of a specialized side
        /// model comes from its checkpoint.
        case direct(score: Score, rule: ThresholdRule, scoreIncludesOther: Bool)
        /// From an exported router's `router.json` (`RouterManifestFile`).
        case manifest(file: String)
    }

    public var sideCheckpoint: String
    public var deep: Deep
    public var rule: RuleSource
    public var host = "127.0.0.1"
    /// 0 = any free port (the log line `listening on …` tells which).
    public var port = 8000
    public var modelName = "ebjr"
    public var inputName = "input"
    public var maxBodyBytes = 8 << 20
    public var maxRequestBatch = 1024
    public var batching = DeepBatcher.Settings()
    public var fallbackToSide = false
    public var deepTimeout: Duration = .seconds(5)
    public var healthInterval: Duration = .seconds(1)

    public init(sideCheckpoint: String, deep: Deep, rule: RuleSource) {
        self.sideCheckpoint = sideCheckpoint
        self.deep = deep
        self.rule = rule
    }

    /// Checks the numbers before anything is loaded.
    public func validate() throws {
        func positive(_ value: Int, _ option: String) throws {
            guard value > 0 else { throw ServeError.configuration("\(option) must be positive, got \(value)") }
        }
        try positive(maxBodyBytes, "--max-body-bytes")
        try positive(maxRequestBatch, "--max-request-batch")
        try positive(batching.maxBatchSize, "--max-batch-size")
        try positive(batching.queueCapacity, "--queue-capacity")
        try positive(batching.maxInFlight, "--max-in-flight")
        guard batching.maxWait >= .zero else { throw ServeError.configuration("--max-batch-wait-ms must be ≥ 0") }
        guard deepTimeout > .zero else { throw ServeError.configuration("--deep-timeout-ms must be positive") }
        guard healthInterval > .zero else { throw ServeError.configuration("--health-interval-ms must be positive") }
        guard (0...65535).contains(port) else { throw ServeError.configuration("--port must be in 0...65535, got \(port)") }
    }
}
