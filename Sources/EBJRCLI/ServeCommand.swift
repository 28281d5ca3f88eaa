import ArgumentParser
import Foundation
import Logging
import EBJR
import EBJRServe

/// `ebjr serve`: the routed model behind the Open Inference Protocol (KServe v2) REST API (docs/serving.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve",
        abstract: "Serve side + deep model as one routed model over the KServe v2 / Open Inference Protocol REST API.",
        discussion: """
        The rule in force: an exported router (--router DIR from `ebjr export router`: its router.json gives the         side and deep checkpoints, unless --side/--deep/--deep-url are given, and the score, temperature and τ),         an operating point of an `ebjr evaluate` report (--operating-point report.json \
        --side-name NAME --criterion target-acceptance|accuracy-tolerance|guaranteed|selective-risk|fixed[=value], \
        optionally --score/--temperature to pin the score; otherwise the deployable score with the lowest validation \
        cost), or a rule given directly (--score energy --temperature 1 --at-most=-3.76, accept iff score ≤ τ). \
        The startup log (and --dry-run) prints the rule with its validation acceptance and expected accuracy loss. \
        The deep model runs in process (--deep CKPT) or on a v2 server (--deep-url http://HOST:PORT/v2/models/NAME). \
        Responses carry predicted_class, answered_by (side/deep/side_fallback), side_score, side_logits, deep_logits \
        and deep_rows; metrics at /metrics. SIGTERM/SIGINT stop it gracefully. See docs/serving.md.
        """)

    @Option(help: "Side-model checkpoint (.h5); with --router, default: the manifest's.") var side: String?
    @Option(help: "Deep-model checkpoint (.h5), run in process; with --router, default: the manifest's.") var deep: String?
    @Option(help: "An exported router: the folder `ebjr export router` wrote, or its router.json.") var router: String?
    @Option(help: "Deep model on a v2 server: its model URL, e.g. http://127.0.0.1:8080/v2/models/cnn.") var deepUrl: String?
    @Option(help: "Input name of the remote deep model.") var deepInputName = "input"
    @Option(help: "Shape of one sample for the remote deep model, e.g. 1,28,28 (default: the side model's).") var deepInputShape: String?
    @Option(help: "Output of the remote deep model holding the logits (default: its first output).") var deepOutputName: String?
    @Option(help: "Classes of the remote deep model (default: the side checkpoint's class names).") var deepClasses: Int?

    @Option(help: "An `ebjr evaluate` report.json to take the operating point from.") var operatingPoint: String?
    @Option(help: "Side model name in the report (with --operating-point).") var sideName: String?
    @Option(help: "Criterion in the report: target-acceptance, accuracy-tolerance, guaranteed, selective-risk, fixed (or kind=value).")
    var criterion: String?
    @Option(help: "Score: energy, max-softmax, entropy or margin (with --operating-point: pins the report's score).") var score: String?
    @Option(help: "Temperature of the score.") var temperature: Double?
    @Option(help: "Threshold τ in our convention: accept iff score ≤ τ (negative values need '=').") var atMost: Double?
    @Option(help: "Threshold t in the paper's convention: accept iff −score ≥ t (τ = −t).") var negatedAtLeast: Double?
    @Flag(help: "Other-class side model: the score covers the 'other' output too (with a direct rule).") var scoreIncludesOther = false

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port; the log says which).") var port = 8000
    @Option(help: "Model name in the v2 paths.") var modelName = "ebjr"
    @Option(help: "Input tensor name.") var inputName = "input"
    @Option(help: "Largest request body in bytes (413 above).") var maxBodyBytes = 8 << 20
    @Option(help: "Most samples in one request.") var maxRequestBatch = 1024
    @Option(help: "Dynamic batching: most samples in one deep batch.") var maxBatchSize = 32
    @Option(help: "Dynamic batching: longest wait of a routed sample for its batch, in ms.") var maxBatchWaitMs = 2.0
    @Flag(help: "Send each request's routed samples to the deep model on their own (no dynamic batching).") var noBatching = false
    @Option(help: "Most routed samples waiting for the deep model; beyond it requests get 429 at once.") var queueCapacity = 256
    @Option(help: "Most deep batches in flight (and pooled connections to a remote deep server).") var maxInFlight = 4
    @Option(help: "Deadline of one remote deep call, in ms.") var deepTimeoutMs = 5000
    @Option(help: "Deep-backend readiness check period, in ms.") var healthIntervalMs = 1000
    @Option(help: "On deep-backend failure: error (503) or side (answer with the side model, marked degraded).")
    var onDeepFailure = "error"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Flag(help: "Load the models and the rule, print the rule in force, and exit.") var dryRun = false

    func validate() throws {
        if deep != nil && deepUrl != nil { throw ValidationError("give --deep CKPT or --deep-url URL, not both") }
        if router != nil {
            if operatingPoint != nil || score != nil || atMost != nil || negatedAtLeast != nil {
                throw ValidationError("--router takes the rule from router.json: no --operating-point, --score, --at-most or --negated-at-least with it")
            }
        } else if side == nil || (deep == nil && deepUrl == nil) {
            throw ValidationError("give --side CKPT and --deep CKPT or --deep-url URL (or --router DIR, which names both)")
        } else if operatingPoint != nil {
            guard sideName != nil, criterion != nil else { throw ValidationError("--operating-point needs --side-name and --criterion") }
            if atMost != nil || negatedAtLeast != nil { throw ValidationError("--at-most/--negated-at-least and --operating-point exclude each other") }
        } else {
            guard score != nil, (atMost == nil) != (negatedAtLeast == nil) else {
                throw ValidationError("give --operating-point REPORT --side-name N --criterion C, or --score S [--temperature T] --at-most=τ")
            }
        }
        guard ["error", "side"].contains(onDeepFailure) else { throw ValidationError("--on-deep-failure is error or side") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard maxBatchWaitMs >= 0 && maxBatchWaitMs.isFinite else { throw ValidationError("--max-batch-wait-ms must be ≥ 0") }
    }

    func run() async throws {
        warnIfNotNativeBuild()
        do {
            let configuration = try makeConfiguration()
            let level = Logger.Level(rawValue: logLevel)!
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "ebjr.serve")
            if dryRun {
                print(try await ServeServer.describe(configuration))
                return
            }
            try await ServeServer.run(configuration, logger: logger)
        } catch let error as ExitCode { throw error } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func makeConfiguration() throws -> ServeConfiguration {
        let parsedScore = try score.map { try Score(name: $0, temperature: temperature ?? 1) }
        let ruleSource: ServeConfiguration.RuleSource
        var sidePath = side, deepPath = deep
        if let router {
            let (manifest, file) = try RouterManifestFile.load(router)
            ruleSource = .manifest(file: file)
            func recorded(_ model: RouterManifest.Model, _ option: String) throws -> String {
                guard let path = model.checkpoint else {
                    throw ServeError.configuration("\(file): the \(model.name) model has no checkpoint path: give \(option)")
                }
                return path
            }
            if sidePath == nil { sidePath = try recorded(manifest.side, "--side") }
            if deepPath == nil && deepUrl == nil { deepPath = try recorded(manifest.deep, "--deep or --deep-url") }
        } else if let operatingPoint {
            ruleSource = .report(file: operatingPoint, sideName: sideName!, criterion: criterion!, score: parsedScore)
        } else {
            let rule: ThresholdRule = atMost.map { .scoreAtMost($0) } ?? .negatedScoreAtLeast(negatedAtLeast!)
            ruleSource = .direct(score: parsedScore!, rule: rule, scoreIncludesOther: scoreIncludesOther)
        }
        let deepSource: ServeConfiguration.Deep
        if let deepPath {
            deepSource = .checkpoint(deepPath)
        } else {
            let shape = try deepInputShape.map { text -> [Int] in
                let dims = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw ServeError.configuration("--deep-input-shape '\(text)': give positive sizes separated by commas, e.g. 1,28,28")
                }
                return dims.map { $0! }
            }
            deepSource = .remote(url: deepUrl!, inputName: deepInputName, inputShape: shape, outputName: deepOutputName,
                                 classCount: deepClasses)
        }
        var configuration = ServeConfiguration(sideCheckpoint: sidePath!, deep: deepSource, rule: ruleSource)
        configuration.host = host
        configuration.port = port
        configuration.modelName = modelName
        configuration.inputName = inputName
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxRequestBatch = maxRequestBatch
        configuration.batching = .init(maxBatchSize: maxBatchSize, maxWait: .microseconds(Int64(maxBatchWaitMs * 1000)),
                                       queueCapacity: queueCapacity, maxInFlight: maxInFlight, batching: !noBatching)
        configuration.fallbackToSide = onDeepFailure == "side"
        configuration.deepTimeout = .milliseconds(deepTimeoutMs)
        configuration.healthInterval = .milliseconds(healthIntervalMs)
        return configuration
    }
}
