import EBJRTensor
import Foundation

/// Assembles an ONNX `GraphProto`: nodes with unique names, initializers taken from the weight list (each key
/// at most once, shape-checked), constants, and typed inputs/outputs with a symbolic batch dimension.
struct ONNXGraphBuilder {
    /// A node attribute.
    enum Attribute {
        case int(String, Int)
        case ints(String, [Int])
        case float(String, Float)
    }

    private(set) var graph = Onnx_GraphProto()
    private var weights: [String: Tensor] = [:]
    private var usedWeights: Set<String> = []

    /// Fails on a key given twice.
    init(name: String, weights: [(name: String, tensor: Tensor)]) throws {
        graph.name = name
        for (key, tensor) in weights {
            guard self.weights.updateValue(tensor, forKey: key) == nil else { throw ExportError.duplicateWeight(key: key) }
        }
    }

    /// Adds the weight `key` as a float32 initializer after checking its shape; returns its name.
    mutating func weight(_ key: String, shape: [Int]) throws -> String {
        guard let tensor = weights[key] else { throw ExportError.missingWeight(key: key) }
        guard tensor.shape == shape else {
            throw ExportError.weightShapeMismatch(key: key, expected: shape, actual: tensor.shape)
        }
        if usedWeights.insert(key).inserted {
            graph.initializer.append(Self.tensorProto(key, type: .float, dims: shape,
                                                      rawData: Self.littleEndianBytes(tensor)))
        }
        return key
    }

    /// Marks the weight `key` as accounted for without adding it to the graph (a buffer inference does not read,
    /// such as batch norm's `num_batches_tracked`); fails if it is missing.
    mutating func skipWeight(_ key: String) throws {
        guard weights[key] != nil else { throw ExportError.missingWeight(key: key) }
        usedWeights.insert(key)
    }

    /// Fails naming the first (sorted) weight no layer asked for.
    func checkAllWeightsUsed() throws {
        if let extra = weights.keys.filter({ !usedWeights.contains($0) }).min() {
            throw ExportError.unexpectedWeight(key: extra)
        }
    }

    /// Adds a float32 scalar initializer; returns its name.
    mutating func addConstant(_ name: String, float value: Float) -> String {
        var bits = value.bitPattern.littleEndian
        graph.initializer.append(Self.tensorProto(name, type: .float, dims: [],
                                                  rawData: Data(bytes: &bits, count: 4)))
        return name
    }

    /// Adds a float32 initializer of shape `dims` (row-major `values`); returns its name.
    mutating func addConstant(_ name: String, floats values: [Float], dims: [Int]) -> String {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        graph.initializer.append(Self.tensorProto(name, type: .float, dims: dims, rawData: data))
        return name
    }

    /// Adds a float64 scalar initializer; returns its name.
    mutating func addConstant(_ name: String, double value: Double) -> String {
        var bits = value.bitPattern.littleEndian
        graph.initializer.append(Self.tensorProto(name, type: .double, dims: [], rawData: Data(bytes: &bits, count: 8)))
        return name
    }

    /// Adds a 1-D bool initializer; returns its name.
    mutating func addConstant(_ name: String, bool values: [Bool]) -> String {
        graph.initializer.append(Self.tensorProto(name, type: .bool, dims: [values.count],
                                                  rawData: Data(values.map { $0 ? 1 : 0 })))
        return name
    }

    /// Adds an int64 scalar initializer (e.g. a `Gather` index that drops its axis); returns its name.
    mutating func addScalarConstant(_ name: String, int64 value: Int) -> String {
        var bits = Int64(value).littleEndian
        graph.initializer.append(Self.tensorProto(name, type: .int64, dims: [], rawData: Data(bytes: &bits, count: 8)))
        return name
    }

    /// Adds a 1-D int64 initializer; returns its name.
    mutating func addConstant(_ name: String, int64 values: [Int]) -> String {
        var data = Data(capacity: 8 * values.count)
        for value in values {
            var bits = Int64(value).littleEndian
            data.append(Data(bytes: &bits, count: 8))
        }
        graph.initializer.append(Self.tensorProto(name, type: .int64, dims: [values.count], rawData: data))
        return name
    }

    /// Adds a node named `name/<op>` writing `output` (default `name/<op>:0`); returns the output name.
    @discardableResult
    mutating func addNode(_ op: String, name: String, inputs: [String], attributes: [Attribute] = [],
                          output: String? = nil) -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = "\(name)/\(op)"
        node.input = inputs
        node.output = [output ?? "\(node.name):0"]
        node.attribute = attributes.map(Self.attributeProto)
        graph.node.append(node)
        return node.output[0]
    }

    /// Gives the last node a further output (e.g. `TopK`'s indices, which ONNX requires even when unused).
    mutating func addOutputToLastNode(_ name: String) {
        graph.node[graph.node.count - 1].output.append(name)
    }

    /// Renames the output of the last node (which must exist and whose output no other node reads yet).
    mutating func renameLastOutput(to name: String) {
        graph.node[graph.node.count - 1].output = [name]
    }

    /// Declares a graph input; a `nil` dimension is the symbolic batch dimension.
    mutating func addInput(_ name: String, type: Onnx_TensorProto.DataType, shape: [Int?]) {
        graph.input.append(Self.valueInfo(name, type: type, shape: shape))
    }

    /// Declares a graph output; a `nil` dimension is the symbolic batch dimension.
    mutating func addOutput(_ name: String, type: Onnx_TensorProto.DataType, shape: [Int?]) {
        graph.output.append(Self.valueInfo(name, type: type, shape: shape))
    }

    // MARK: - Protobuf values

    private static func valueInfo(_ name: String, type: Onnx_TensorProto.DataType, shape: [Int?]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.rawValue)
        tensorType.shape.dim = shape.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let size { dimension.dimValue = Int64(size) } else { dimension.dimParam = ONNXExporter.batchDimension }
            return dimension
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }

    private static func tensorProto(_ name: String, type: Onnx_TensorProto.DataType, dims: [Int],
                                    rawData: Data) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(type.rawValue)
        tensor.dims = dims.map(Int64.init)
        tensor.rawData = rawData
        return tensor
    }

    /// The values as little-endian float32 bytes (ONNX `raw_data` layout).
    private static func littleEndianBytes(_ tensor: Tensor) -> Data {
        var data = Data(count: 4 * tensor.count)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt32.self)
            for i in 0..<tensor.count { words[i] = tensor.data[i].bitPattern.littleEndian }
        }
        return data
    }

    private static func attributeProto(_ attribute: Attribute) -> Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        switch attribute {
        case let .int(name, value):
            proto.name = name
            proto.type = .int
            proto.i = Int64(value)
        case let .ints(name, values):
            proto.name = name
            proto.type = .ints
            proto.ints = values.map(Int64.init)
        case let .float(name, value):
            proto.name = name
            proto.type = .float
            proto.f = value
        }
        return proto
    }
}
