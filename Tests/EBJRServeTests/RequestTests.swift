import Testing
import Foundation
@testable import EBJRServe

/// Reading v2 inference requests: flat, nested and binary `data` give the same batch; every kind of bad request is
/// a `ServeError` with the status and words the protocol error body will carry.
@Suite struct RequestTests {
    let spec = InputSpecification(name: "input", sampleShapes: [[4], [1, 2, 2]], maxBatch: 3)

    func parse(_ json: String, header: Int? = nil, tail: [UInt8] = []) throws -> InputSpecification.Batch {
        try spec.validate(try InferenceRequest.parse(Array(json.utf8) + tail, headerLength: header))
    }

    func expectError(_ json: String, status: Int, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(json)
            Issue.record("accepted: \(json)", sourceLocation: sourceLocation)
        } catch let error as ServeError {
            #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
            for word in words { #expect(error.description.contains(word), "'\(error)' lacks '\(word)'", sourceLocation: sourceLocation) }
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a ServeError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func flatNestedAndBinaryDataAreTheSameBatch() throws {
        let flat = try parse(#"{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8.5]}]}"#)
        let nested = try parse(#"{"inputs": [{"name": "input", "shape": [2, 1, 2, 2], "datatype": "FP32", "data": [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8.5]]]]}]}"#)
        let values: [Float] = [1, 2, 3, 4, 5, 6, 7, 8.5]
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let header = #"{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "parameters": {"binary_data_size": 32}}]}"#
        let binary = try parse(header, header: header.utf8.count, tail: bytes)
        for batch in [flat, nested, binary] {
            #expect(batch.count == 2)
            #expect(batch.values == values)
        }
    }

    @Test func badRequestsNameTheProblem() {
        expectError(#"{"inputs": ["#, status: 400, ["malformed", "invalid JSON"])
        expectError(#"{"outputs": []}"#, status: 400, ["missing field 'inputs'"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "INT32", "data": [1, 2, 3, 4]}]}"#, status: 400, ["datatype INT32", "FP32"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "BYTES", "data": ["a"]}]}"#, status: 400, ["datatype BYTES"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [1, 2, 3, 4, 5]}]}"#, status: 400, ["shape [1, 5]", "[B, 4] or [B, 1, 2, 2]"])
        expectError(#"{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, status: 400, ["4 values", "needs 8"])
        expectError(#"{"inputs": [{"name": "input", "shape": [4, 4], "datatype": "FP32", "data": []}]}"#, status: 400, ["batch size 4", "1 to 3"])
        expectError(#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, status: 400, ["missing input 'input'", "'x'"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, NaN, 3, 4]}]}"#, status: 400, ["non-finite", "sample 0, element 1"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, -Infinity]}]}"#, status: 400, ["non-finite", "element 3"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 1e39]}]}"#, status: 400, ["non-finite"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, "3", 4]}]}"#, status: 400, ["neither a number nor an array"])
        expectError(#"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "parameters": {"binary_data_size": 16}}]}"#, status: 400, ["binary_data_size 16"])
    }

    @Test func responsesEncodeAsTheProtocolSays() throws {
        let body = InferenceResponseBody(model_name: "m", model_version: "1", id: "7", parameters: ["degraded": .bool(false)],
                                         outputs: [ResponseOutput(name: "predicted_class", shape: [2], data: .int64([3, 9])),
                                                   ResponseOutput(name: "answered_by", shape: [2], data: .bytes(["side", "deep"]))])
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as! [String: Any]
        #expect(json["model_name"] as? String == "m")
        #expect((json["parameters"] as? [String: Any])?["degraded"] as? Bool == false)
        let outputs = json["outputs"] as! [[String: Any]]
        #expect(outputs[0]["datatype"] as? String == "INT64")
        #expect(outputs[0]["data"] as? [Int] == [3, 9])
        #expect(outputs[1]["datatype"] as? String == "BYTES")
        #expect(outputs[1]["data"] as? [String] == ["side", "deep"])
        #expect(ServeError.overloaded(queued: 4, capacity: 4).status == 429)
        #expect(ServeError.deepUnavailable(backend: "http://x/v2/models/cnn", reason: "timed out").description.contains("http://x/v2/models/cnn"))
    }
}
