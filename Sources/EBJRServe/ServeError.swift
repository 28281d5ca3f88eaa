/// Why a request (or the server's start) failed: one line naming what and where, and the HTTP status the
/// Open Inference Protocol error body goes out with (`{"error": "<description>"}`).
public enum ServeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The request is not valid JSON, or not a v2 inference request (400).
    case malformedRequest(String)
    /// A valid v2 request the model cannot take: datatype, shape, missing input, non-finite values (400).
    case invalidInput(String)
    /// The body is larger than the server's limit (413).
    case payloadTooLarge(bytes: Int?, limit: Int)
    /// No model of that name (or version) is served here (404).
    case modelNotFound(String)
    /// The deep-model queue is full: the request is refused at once (429).
    case overloaded(queued: Int, capacity: Int)
    /// The deep backend is down, timed out or answered with an error (503).
    case deepUnavailable(backend: String, reason: String)
    /// The server is stopping and takes no new deep work (503).
    case shuttingDown
    /// A configuration or start-up problem (not an HTTP answer).
    case configuration(String)

    /// The HTTP status code of the protocol error response.
    public var status: Int {
        switch self {
        case .malformedRequest, .invalidInput: return 400
        case .payloadTooLarge: return 413
        case .modelNotFound: return 404
        case .overloaded: return 429
        case .deepUnavailable, .shuttingDown: return 503
        case .configuration: return 500
        }
    }

    public var description: String {
        switch self {
        case let .malformedRequest(detail): return "malformed inference request: \(detail)"
        case let .invalidInput(detail): return detail
        case let .payloadTooLarge(bytes, limit):
            return "request body\(bytes.map { " of \($0) bytes" } ?? "") exceeds the limit of \(limit) bytes (--max-body-bytes)"
        case let .modelNotFound(name): return "model '\(name)' is not served here"
        case let .overloaded(queued, capacity):
            return "overloaded: the deep-model queue holds \(queued) of \(capacity) samples (--queue-capacity); retry later"
        case let .deepUnavailable(backend, reason): return "deep backend \(backend) unavailable: \(reason)"
        case .shuttingDown: return "server is shutting down"
        case let .configuration(detail): return detail
        }
    }
}
