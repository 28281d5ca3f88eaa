import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The deep model on any server speaking the Open Inference Protocol REST API (KServe, Triton, MLServer):
/// `POST {url}/infer` with one FP32 input `[n, …]`, the logits read from one FP32 output `[n, K]`;
/// readiness is `GET {url}/ready`.
///
/// Calls go through one `HTTPClient` with a keep-alive connection pool of `maxConnections` per host and a
/// deadline of `timeout` per request; the batcher bounds how many are in flight.
public final class RemoteDeepBackend: DeepBackend, @unchecked Sendable {
    public let name: String
    public let classCount: Int
    /// The model URL, e.g. `http://127.0.0.1:8080/v2/models/cnn` (no trailing slash).
    public let url: String
    public let inputName: String
    /// Shape of one sample sent to the server, e.g. `[1, 28, 28]`.
    public let inputShape: [Int]
    /// The output holding the logits; nil = the response's first output.
    public let outputName: String?
    public let timeout: TimeAmount
    /// Largest response body read.
    public let maxResponseBytes: Int
    private let client: HTTPClient

    public init(url: String, classCount: Int, inputName: String, inputShape: [Int], outputName: String?,
                timeout: Duration, maxConnections: Int) {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix("/infer") { trimmed.removeLast("/infer".count) }
        self.url = trimmed
        self.name = trimmed
        self.classCount = classCount
        self.inputName = inputName
        self.inputShape = inputShape
        self.outputName = outputName
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.maxResponseBytes = 64 << 20
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnections))
        configuration.timeout = .init(connect: .seconds(2), read: self.timeout)
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connection pool; call once, after the last request.
    public func shutdown() async {
        try? await client.shutdown()
    }

    public func logits(_ values: [Float], count: Int) async throws -> [Float] {
        let body = InferenceRequestBody(inputs: [.init(name: inputName, shape: [count] + inputShape, datatype: "FP32", data: values)],
                                        outputs: outputName.map { [.init(name: $0)] })
        var request = HTTPClientRequest(url: url + "/infer")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw ServeError.deepUnavailable(backend: name, reason: Self.describe(error))
        }
        let bytes: ByteBuffer
        do { bytes = try await response.body.collect(upTo: maxResponseBytes) } catch {
            throw ServeError.deepUnavailable(backend: name, reason: Self.describe(error))
        }
        guard response.status == .ok else {
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes.readableBytesView)))?.error
                ?? String(buffer: bytes).prefix(200).replacingOccurrences(of: "\n", with: " ")
            throw ServeError.deepUnavailable(backend: name, reason: "HTTP \(response.status.code): \(message)")
        }
        let decoded: RemoteResponse
        do { decoded = try JSONDecoder().decode(RemoteResponse.self, from: Data(bytes.readableBytesView)) } catch {
            throw ServeError.deepUnavailable(backend: name, reason: "its response is not a v2 inference response (\(error))")
        }
        guard let output = outputName.flatMap({ n in decoded.outputs.first { $0.name == n } }) ?? (outputName == nil ? decoded.outputs.first : nil) else {
            throw ServeError.deepUnavailable(backend: name, reason: "its response has no output '\(outputName ?? "(any)")'")
        }
        let logits = output.data.doubles
        guard logits.count == count * classCount, output.shape.reduce(1, *) == logits.count else {
            throw ServeError.deepUnavailable(backend: name, reason: "output '\(output.name)' has shape \(output.shape) and \(logits.count) values; expected [\(count), \(classCount)]")
        }
        return logits.map { Float($0) }
    }

    public func readiness() async -> String? {
        var request = HTTPClientRequest(url: url + "/ready")
        request.method = .GET
        do {
            let response = try await client.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 1 << 16)
            return response.status == .ok ? nil : "GET \(url)/ready answered HTTP \(response.status.code)"
        } catch {
            return "GET \(url)/ready failed: \(Self.describe(error))"
        }
    }

    /// The part of a v2 inference response read here (servers add their own `parameters`, which are ignored).
    struct RemoteResponse: Decodable {
        struct Output: Decodable {
            var name: String
            var shape: [Int]
            var data: TensorValues
        }
        var outputs: [Output]
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connection timed out"
            default: return "\(error)"
            }
        }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
