import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import EBJRRouting
import EBJRCheckpoint
import EBJRFiles

/// `ebjr serve`: loads the models and the rule, then serves the Open Inference Protocol REST API until SIGTERM or
/// SIGINT, after which it stops accepting connections, finishes the requests in flight and exits.
///
/// Routes: `GET /v2`, `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2/models/{name}[/versions/1]`,
/// `GET /v2/models/{name}[/versions/1]/ready`, `POST /v2/models/{name}[/versions/1]/infer`, `GET /metrics`.
public enum ServeServer {
    /// The loaded parts of a server, before it listens.
    public struct Parts: Sendable {
        public var service: InferenceService
        public var remote: RemoteDeepBackend?
    }

    /// Loads the side model, the deep backend and the rule, and checks that they fit together.
    public static func load(_ configuration: ServeConfiguration, logger: Logger, metrics: ServeMetrics) throws -> Parts {
        try configuration.validate()
        let side = try SideModel(checkpoint: URL(fileURLWithPath: configuration.sideCheckpoint))
        var local: InProcessDeepBackend?
        let deepShape: [Int], deepClasses: Int
        switch configuration.deep {
        case let .checkpoint(path):
            let loaded = try InProcessDeepBackend(checkpoint: URL(fileURLWithPath: path))
            guard loaded.inputShape.reduce(1, *) == side.features else {
                throw ServeError.configuration("\(path): the deep model takes \(loaded.inputShape), the side model \(side.inputShape): not the same number of values")
            }
            local = loaded
            deepShape = loaded.inputShape
            deepClasses = loaded.classCount
        case let .remote(_, _, inputShape, _, classCount):
            deepShape = inputShape ?? side.inputShape
            guard deepShape.reduce(1, *) == side.features else {
                throw ServeError.configuration("--deep-input-shape \(deepShape) does not hold the side model's \(side.features) values")
            }
            deepClasses = classCount ?? (side.classSubset == nil ? side.outputs : side.checkpoint.classNames.count)
            guard deepClasses > 0 else {
                throw ServeError.configuration("\(configuration.sideCheckpoint): no class names to size the deep model's output; give --deep-classes")
            }
        }
        let rule = try makeRule(configuration, side: side)
        try side.check(rule.router, deepClasses: deepClasses, file: configuration.sideCheckpoint)
        // The HTTP client last: once made, it must be shut down (Parts.shutdown).
        let backend: any DeepBackend
        var remote: RemoteDeepBackend?
        if let local {
            backend = local
        } else if case let .remote(url, inputName, _, outputName, _) = configuration.deep {
            remote = RemoteDeepBackend(url: url, classCount: deepClasses, inputName: inputName, inputShape: deepShape,
                                       outputName: outputName, timeout: configuration.deepTimeout,
                                       maxConnections: configuration.batching.maxInFlight)
            backend = remote!
        } else { preconditionFailure("deep backend neither local nor remote") }
        var shapes = [side.inputShape]
        if deepShape != side.inputShape { shapes.append(deepShape) }
        if !shapes.contains([side.features]) { shapes.append([side.features]) }
        let monitor = BackendMonitor(backend: backend, interval: configuration.healthInterval, logger: logger, metrics: metrics)
        let batcher = DeepBatcher(backend: backend, settings: configuration.batching, metrics: metrics,
                                  onFailure: { [monitor] reason in monitor.reportFailure(reason) })
        let service = InferenceService(modelName: configuration.modelName, side: side, rule: rule,
                                       input: InputSpecification(name: configuration.inputName, sampleShapes: shapes,
                                                                 maxBatch: configuration.maxRequestBatch),
                                       batcher: batcher, monitor: monitor, metrics: metrics,
                                       fallbackToSide: configuration.fallbackToSide, deepClassCount: backend.classCount)
        return Parts(service: service, remote: remote)
    }

    /// What `--dry-run` prints: the models and the rule in force.
    public static func describe(_ configuration: ServeConfiguration) async throws -> String {
        let parts = try load(configuration, logger: Logger(label: "ebjr.serve.dry-run"), metrics: ServeMetrics())
        await parts.remote?.shutdown()
        let service = parts.service
        return ["side model: \(configuration.sideCheckpoint), input \(service.side.inputShape), \(service.side.outputs) outputs",
                "deep model: \(service.batcher.backend.name), \(service.deepClassCount) classes",
                "routing rule: \(service.rule.summary)"].joined(separator: "\n")
    }

    /// Builds everything from `configuration` and serves until shutdown.
    public static func run(_ configuration: ServeConfiguration, logger: Logger, metrics: ServeMetrics = ServeMetrics()) async throws {
        let parts = try load(configuration, logger: logger, metrics: metrics)
        let service = parts.service, remote = parts.remote
        let side = service.side, backend = service.batcher.backend, rule = service.rule
        let monitor = service.monitor, batcher = service.batcher
        logger.info("side model \(configuration.sideCheckpoint): input \(side.inputShape), \(side.outputs) outputs")
        logger.info("deep model: \(backend.name), \(backend.classCount) classes")
        logger.info("routing rule: \(rule.summary)")
        let b = configuration.batching
        logger.info("deep batching \(b.batching ? "on: up to \(b.maxBatchSize) samples, waiting at most \(b.maxWait)" : "off"); queue \(b.queueCapacity) samples; \(b.maxInFlight) batches in flight; on deep failure: \(configuration.fallbackToSide ? "side model (degraded)" : "503")")
        await monitor.check()
        let router = makeRouter(service: service, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ebjr"),
            services: [monitor, batcher],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("listening on http://\(configuration.host):\(port) (model '\(configuration.modelName)')")
            },
            logger: logger)
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            await remote?.shutdown()
            throw error
        }
        await remote?.shutdown()
        logger.info("stopped")
    }

    static func makeRule(_ configuration: ServeConfiguration, side: SideModel) throws -> ServingRule {
        switch configuration.rule {
        case let .report(file, sideName, criterion, score):
            return try OperatingPointFile.rule(file: file, sideName: sideName, criterion: criterion, score: score)
        case let .manifest(file):
            let (manifest, path) = try RouterManifestFile.load(file)
            return try RouterManifestFile.rule(manifest, file: path, side: side, sidePath: configuration.sideCheckpoint)
        case let .direct(score, rule, includesOther):
            if case .learned = score {
                throw ServeError.configuration("score \(score) is a trained router: serve it from its report (--operating-point report.json --side-name N --criterion C --score \(score.name))")
            }
            var routing: SubsetRouting?
            if let subset = side.classSubset {
                guard let design = side.checkpoint.subsetDesign else {
                    throw ServeError.configuration("\(configuration.sideCheckpoint): class_subset without subset_design")
                }
                routing = try SubsetRouting(subset: subset, trainedAs: design, scoreIncludesOther: includesOther)
            }
            return ServingRule(router: EBJRRouting.Router(score: score, rule: rule.canonical, subsetRouting: routing), source: "the command line")
        }
    }

    /// The HTTP routes over `service`.
    public static func makeRouter(service: InferenceService, maxBodyBytes: Int, logger: Logger) -> Hummingbird.Router<BasicRequestContext> {
        let router = Hummingbird.Router(context: BasicRequestContext.self)
        let metrics = service.metrics

        router.get("/v2") { _, _ in
            json(ServerMetadata(name: "ebjr", version: toolkitVersion, extensions: []))
        }
        router.get("/v2/health/live") { _, _ in Response(status: .ok) }
        router.get("/v2/health/ready") { _, _ in Response(status: service.monitor.isReady ? .ok : .serviceUnavailable) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        for prefix in ["/v2/models/:name", "/v2/models/:name/versions/:version"] {
            router.get(RouterPath(prefix)) { _, context in
                if let error = check(context, service) { return errorResponse(error, metrics) }
                return json(service.metadata)
            }
            router.get(RouterPath(prefix + "/ready")) { _, context in
                if let error = check(context, service) { return errorResponse(error, metrics) }
                return Response(status: service.monitor.isReady ? .ok : .serviceUnavailable)
            }
            router.post(RouterPath(prefix + "/infer")) { request, context in
                let start = ContinuousClock.now
                if let error = check(context, service) { return errorResponse(error, metrics) }
                if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                    return errorResponse(.payloadTooLarge(bytes: length, limit: maxBodyBytes), metrics)
                }
                var request = request
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: maxBodyBytes) } catch {
                    return errorResponse(.payloadTooLarge(bytes: nil, limit: maxBodyBytes), metrics)
                }
                let header = request.headers.first { $0.name.canonicalName == "inference-header-content-length" }
                    .map { Int($0.value) ?? -1 }
                do {
                    let answer = try await service.infer(body: Array(buffer: body), headerLength: header)
                    metrics.recordRequest(status: 200, side: answer.sideAnswered, deep: answer.deepAnswered,
                                          fallback: answer.fallback, duration: ContinuousClock.now - start)
                    return json(answer.body)
                } catch let error as ServeError {
                    if error.status >= 500 || error.status == 429 {
                        logger.debug("infer: \(error)")
                    }
                    return errorResponse(error, metrics)
                } catch {
                    return errorResponse(.malformedRequest("\(error)"), metrics)
                }
            }
        }
        return router
    }

    private static func check(_ context: BasicRequestContext, _ service: InferenceService) -> ServeError? {
        let name = context.parameters.get("name") ?? ""
        guard name == service.modelName else { return .modelNotFound(name) }
        if let version = context.parameters.get("version"), version != "1" {
            return .modelNotFound("\(name)' version '\(version)")
        }
        return nil
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"response encoding failed"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: ServeError, _ metrics: ServeMetrics) -> Response {
        metrics.recordRequest(status: error.status)
        var response = json(ErrorBody(error: error.description), status: HTTPResponse.Status(code: error.status))
        if error.status == 429 || error.status == 503 { response.headers[.retryAfter] = "1" }
        return response
    }
}
