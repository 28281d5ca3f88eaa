import Foundation

/// `$inference_request`, read leniently in layout (flat or nested `data`, the binary-data extension) and strictly
/// in content: `InputSpecification.validate` turns it into one checked batch.
public struct InferenceRequest: Decodable, Sendable {
    public var id: String?
    public var parameters: Parameters?
    public var inputs: [RequestInput]
    public var outputs: [RequestedOutput]?

    /// `$request_input`. `data` is read only for numeric datatypes; with the binary-data extension it is absent
    /// and `parameters.binary_data_size` gives its byte count after the JSON header.
    public struct RequestInput: Decodable, Sendable {
        public var name: String
        public var shape: [Int]
        public var datatype: String
        public var parameters: Parameters?
        /// The flattened numbers of `data` (nil when the values come as binary data).
        public var data: [Double]?

        private enum CodingKeys: String, CodingKey { case name, shape, datatype, parameters, data }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            shape = try c.decode([Int].self, forKey: .shape)
            datatype = try c.decode(String.self, forKey: .datatype)
            parameters = try c.decodeIfPresent(Parameters.self, forKey: .parameters)
            guard c.contains(.data) else { data = nil; return }
            guard InputSpecification.numericDatatypes.contains(datatype) else {
                throw ServeError.invalidInput("input '\(name)' has datatype \(datatype); this model takes FP32")
            }
            var values: [Double] = []
            var nested = try c.nestedUnkeyedContainer(forKey: .data)
            try NumericData.flatten(&nested, into: &values, depth: 0, path: "input '\(name)' data")
            data = values
        }

        /// The byte count of this input's binary data (binary-data extension), if any.
        var binaryDataSize: Int? {
            guard case let .number(n)? = parameters?["binary_data_size"] else { return nil }
            return n >= 0 && n == n.rounded() && n < Double(Int32.max) ? Int(n) : -1
        }
    }

    /// Parses a body. `headerLength` is the `Inference-Header-Content-Length` header of the binary-data extension:
    /// the JSON is the first `headerLength` bytes and the inputs' binary data follow, in input order.
    ///
    /// - Throws: `ServeError.malformedRequest` for bad JSON or a missing field, `ServeError.invalidInput` for a
    ///   datatype, binary size or nesting problem.
    public static func parse(_ body: [UInt8], headerLength: Int? = nil) throws -> InferenceRequest {
        let jsonEnd = headerLength ?? body.count
        guard jsonEnd >= 0 && jsonEnd <= body.count else {
            throw ServeError.malformedRequest("Inference-Header-Content-Length \(jsonEnd) is outside the body's \(body.count) bytes")
        }
        var request: InferenceRequest
        do {
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true   // NaN and Infinity literals parse, then fail validation by name
            request = try decoder.decode(InferenceRequest.self, from: Data(body[0..<jsonEnd]))
        } catch let error as ServeError {
            throw error
        } catch let error as DecodingError {
            throw ServeError.malformedRequest(Self.oneLine(error))
        } catch {
            throw ServeError.malformedRequest("\(error)")
        }
        var offset = jsonEnd
        for i in request.inputs.indices {
            guard let size = request.inputs[i].binaryDataSize else { continue }
            let input = request.inputs[i]
            guard size >= 0, offset + size <= body.count else {
                throw ServeError.invalidInput("input '\(input.name)': binary_data_size \(size) exceeds the \(body.count - offset) bytes left in the body")
            }
            guard input.datatype == "FP32" else {
                throw ServeError.invalidInput("input '\(input.name)' has datatype \(input.datatype); this model takes FP32")
            }
            guard size % 4 == 0 else { throw ServeError.invalidInput("input '\(input.name)': binary_data_size \(size) is not a multiple of 4 (FP32)") }
            var values = [Double](repeating: 0, count: size / 4)
            for j in 0..<(size / 4) {
                let b = offset + 4 * j
                let bits = UInt32(body[b]) | UInt32(body[b + 1]) << 8 | UInt32(body[b + 2]) << 16 | UInt32(body[b + 3]) << 24
                values[j] = Double(Float(bitPattern: bits))
            }
            request.inputs[i].data = values
            offset += size
        }
        return request
    }

    /// A decoding error as one line: what went wrong and at which key path.
    static func oneLine(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field '\(key.stringValue)'\(path(context))"
        case let .typeMismatch(type, context): return "expected \(type)\(path(context))"
        case let .valueNotFound(type, context): return "null where \(type) is expected\(path(context))"
        case let .dataCorrupted(context):
            let detail = (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
                .split(separator: "\n").first.map(String.init) ?? "invalid JSON"
            return "invalid JSON\(path(context)): \(detail)"
        @unknown default: return "invalid JSON"
        }
    }
}

/// What the routed model takes: one FP32 input `[B, …]` whose sample shape is one of `sampleShapes` (the side
/// model's, the deep model's, or flat), at most `maxBatch` samples per request.
public struct InputSpecification: Sendable {
    /// Datatypes whose `data` is read as numbers (only FP32 is accepted; the others are refused by name).
    static let numericDatatypes: Set<String> = ["FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64",
                                                "UINT8", "UINT16", "UINT32", "UINT64", "BOOL"]

    public var name: String
    /// Accepted shapes of one sample, e.g. `[784]` and `[1, 28, 28]`; all have `features` values.
    public var sampleShapes: [[Int]]
    public var maxBatch: Int

    public init(name: String, sampleShapes: [[Int]], maxBatch: Int) {
        self.name = name
        self.sampleShapes = sampleShapes
        self.maxBatch = maxBatch
    }

    /// Values per sample.
    public var features: Int { sampleShapes[0].reduce(1, *) }

    /// The checked batch of a request: `count` samples of `features` finite values, row-major.
    public struct Batch: Sendable {
        public var values: [Float]
        public var count: Int
    }

    /// Checks the request against the model: exactly the one input, FP32, shape `[B] + sampleShape` with
    /// `1 ≤ B ≤ maxBatch`, `B·features` values, every value finite.
    public func validate(_ request: InferenceRequest) throws -> Batch {
        guard let input = request.inputs.first(where: { $0.name == name }) else {
            let given = request.inputs.map { "'\($0.name)'" }.joined(separator: ", ")
            throw ServeError.invalidInput("missing input '\(name)'" + (given.isEmpty ? " (the request has no inputs)" : " (the request has \(given))"))
        }
        if let other = request.inputs.first(where: { $0.name != name }) {
            throw ServeError.invalidInput("unexpected input '\(other.name)': this model takes only '\(name)'")
        }
        guard input.datatype == "FP32" else {
            throw ServeError.invalidInput("input '\(name)' has datatype \(input.datatype); this model takes FP32")
        }
        let expected = sampleShapes.map { "[B, \($0.map(String.init).joined(separator: ", "))]" }.joined(separator: " or ")
        guard let batch = input.shape.first, input.shape.count >= 2, Array(input.shape.dropFirst()).isIn(sampleShapes) else {
            throw ServeError.invalidInput("input '\(name)' has shape \(input.shape); this model takes \(expected)")
        }
        guard batch >= 1 && batch <= maxBatch else {
            throw ServeError.invalidInput("input '\(name)' has batch size \(batch); this server takes 1 to \(maxBatch) samples per request (--max-request-batch)")
        }
        guard let data = input.data else { throw ServeError.invalidInput("input '\(name)' has no data") }
        guard data.count == batch * features else {
            throw ServeError.invalidInput("input '\(name)' has \(data.count) values; shape \(input.shape) needs \(batch * features)")
        }
        var values = [Float](repeating: 0, count: data.count)
        for (i, x) in data.enumerated() {
            let f = Float(x)
            guard f.isFinite else {
                throw ServeError.invalidInput("input '\(name)' holds a non-finite value (\(x)) at sample \(i / features), element \(i % features)")
            }
            values[i] = f
        }
        return Batch(values: values, count: batch)
    }
}

extension Array where Element == Int {
    func isIn(_ shapes: [[Int]]) -> Bool { shapes.contains(self) }
}
