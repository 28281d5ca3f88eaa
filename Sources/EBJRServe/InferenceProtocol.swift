import Foundation

// The JSON bodies of the Open Inference Protocol (KServe v2) REST API, field for field: `snake_case` keys as in
// the protocol, optional fields omitted when absent. `parameters` values are strings, numbers or booleans.

/// A `parameters` value: the protocol allows a string, a number or a boolean.
public enum ParameterValue: Codable, Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .string(s): try c.encode(s)
        case let .number(n): try c.encode(n)
        case let .bool(b): try c.encode(b)
        }
    }
}

public typealias Parameters = [String: ParameterValue]

/// `$metadata_server_response`: `GET /v2`.
public struct ServerMetadata: Codable, Equatable, Sendable {
    public var name: String
    public var version: String
    public var extensions: [String]
}

/// `$metadata_model_tensor`: one input or output of a model.
public struct TensorMetadata: Codable, Equatable, Sendable {
    public var name: String
    public var datatype: String
    /// `-1` for a variable dimension (the batch).
    public var shape: [Int]
    public var parameters: Parameters?

    public init(name: String, datatype: String, shape: [Int], parameters: Parameters? = nil) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.parameters = parameters
    }
}

/// `$metadata_model_response`: `GET /v2/models/{name}`.
public struct ModelMetadata: Codable, Equatable, Sendable {
    public var name: String
    public var versions: [String]?
    public var platform: String
    public var inputs: [TensorMetadata]
    public var outputs: [TensorMetadata]
    public var parameters: Parameters?
}

/// `$inference_request` as sent to a remote v2 server (inputs with flat `data`).
public struct InferenceRequestBody: Encodable, Sendable {
    public struct Input: Encodable, Sendable {
        public var name: String
        public var shape: [Int]
        public var datatype: String
        public var data: [Float]
    }

    public struct RequestedOutput: Encodable, Sendable {
        public var name: String
    }

    public var id: String?
    public var inputs: [Input]
    public var outputs: [RequestedOutput]?
}

/// `$request_output`: an output the client asks for.
public struct RequestedOutput: Decodable, Sendable {
    public var name: String
    public var parameters: Parameters?
}

/// `$response_output`: one output tensor of an inference response.
public struct ResponseOutput: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var datatype: String
    public var parameters: Parameters?
    public var data: TensorValues

    public init(name: String, shape: [Int], data: TensorValues, parameters: Parameters? = nil) {
        self.name = name
        self.shape = shape
        self.datatype = data.datatype
        self.parameters = parameters
        self.data = data
    }
}

/// The `data` of an output, row-major and flat (the protocol allows flat or nested; we write flat).
public enum TensorValues: Codable, Sendable, Equatable {
    case fp32([Float])
    case fp64([Double])
    case int64([Int64])
    case bytes([String])

    /// The protocol datatype name.
    public var datatype: String {
        switch self {
        case .fp32: return "FP32"
        case .fp64: return "FP64"
        case .int64: return "INT64"
        case .bytes: return "BYTES"
        }
    }

    public init(from decoder: Decoder) throws {
        var values: [Double] = []
        var c = try decoder.unkeyedContainer()
        try NumericData.flatten(&c, into: &values, depth: 0, path: "data")
        self = .fp64(values)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .fp32(v): try c.encode(v)
        case let .fp64(v): try c.encode(v)
        case let .int64(v): try c.encode(v)
        case let .bytes(v): try c.encode(v)
        }
    }

    /// The values as Doubles (after decoding a remote server's response every numeric output is `.fp64`).
    public var doubles: [Double] {
        switch self {
        case let .fp32(v): return v.map(Double.init)
        case let .fp64(v): return v
        case let .int64(v): return v.map(Double.init)
        case .bytes: return []
        }
    }
}

/// `$inference_response`.
public struct InferenceResponseBody: Codable, Sendable {
    public var model_name: String
    public var model_version: String?
    public var id: String?
    public var parameters: Parameters?
    public var outputs: [ResponseOutput]
}

/// `$inference_error_response`: `{"error": "..."}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public init(error: String) { self.error = error }
}

/// Flattening of the `data` member, which the protocol allows flat (`[1, 2, 3, 4]`) or nested (`[[1, 2], [3, 4]]`).
enum NumericData {
    /// Deepest nesting accepted (a tensor of more dimensions is refused, not recursed into).
    static let maxDepth = 8

    /// Appends every number under `container` to `values`, row-major.
    static func flatten(_ container: inout UnkeyedDecodingContainer, into values: inout [Double], depth: Int,
                        path: String) throws {
        guard depth < maxDepth else { throw ServeError.invalidInput("\(path) is nested deeper than \(maxDepth) levels") }
        if let count = container.count { values.reserveCapacity(values.count + count) }
        while !container.isAtEnd {
            if let value = try? container.decode(Double.self) {
                values.append(value)
            } else if var nested = try? container.nestedUnkeyedContainer() {
                try flatten(&nested, into: &values, depth: depth + 1, path: path)
            } else {
                throw ServeError.invalidInput("\(path)[\(container.currentIndex)] is neither a number nor an array")
            }
        }
    }
}
