import EBJRTensor

/// The serialisable description of one layer: the vocabulary of recipes, checkpoints and exports.
public enum LayerConfig: Equatable, Sendable {
    case linear(inputFeatures: Int, outputFeatures: Int, bias: Bool)
    case conv2d(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    case relu
    case tanh
    case maxPool2d(kernelSize: Int, stride: Int)
    case flatten
    case dropout(probability: Float)
    /// `BatchNorm1d` over `[features]` samples.
    case batchNorm1d(features: Int)
    /// `BatchNorm2d` over `[channels, H, W]` samples.
    case batchNorm2d(channels: Int)
    /// Global average pooling `[C, H, W] → [C]`.
    case globalAvgPool
    /// A basic residual block (`ResidualBlock`): two 3×3 convolutions with batch norm, identity or 1×1 projection
    /// shortcut.
    case residual(inputChannels: Int, outputChannels: Int, stride: Int)

    /// The short type name used in recipes and files (`linear`, `conv2d`, `relu`, …).
    public var typeName: String {
        switch self {
        case .linear: "linear"
        case .conv2d: "conv2d"
        case .relu: "relu"
        case .tanh: "tanh"
        case .maxPool2d: "maxpool2d"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .batchNorm1d: "batchnorm1d"
        case .batchNorm2d: "batchnorm2d"
        case .globalAvgPool: "globalavgpool"
        case .residual: "residual"
        }
    }
}

extension LayerConfig: Codable {
    private enum Keys: String, CodingKey {
        case type, inputFeatures = "in", outputFeatures = "out", bias, inputChannels = "in_channels",
             outputChannels = "out_channels", kernelSize = "kernel_size", stride, padding, probability = "p",
             features = "num_features"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "linear":
            self = .linear(inputFeatures: try c.decode(Int.self, forKey: .inputFeatures),
                           outputFeatures: try c.decode(Int.self, forKey: .outputFeatures),
                           bias: try c.decodeIfPresent(Bool.self, forKey: .bias) ?? true)
        case "conv2d":
            self = .conv2d(inputChannels: try c.decode(Int.self, forKey: .inputChannels),
                           outputChannels: try c.decode(Int.self, forKey: .outputChannels),
                           kernelSize: try c.decode(Int.self, forKey: .kernelSize),
                           stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1,
                           padding: try c.decodeIfPresent(Int.self, forKey: .padding) ?? 0,
                           bias: try c.decodeIfPresent(Bool.self, forKey: .bias) ?? true)
        case "relu": self = .relu
        case "tanh": self = .tanh
        case "maxpool2d":
            let k = try c.decode(Int.self, forKey: .kernelSize)
            self = .maxPool2d(kernelSize: k, stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? k)
        case "flatten": self = .flatten
        case "dropout": self = .dropout(probability: try c.decode(Float.self, forKey: .probability))
        case "batchnorm1d": self = .batchNorm1d(features: try c.decode(Int.self, forKey: .features))
        case "batchnorm2d": self = .batchNorm2d(channels: try c.decode(Int.self, forKey: .features))
        case "globalavgpool": self = .globalAvgPool
        case "residual":
            self = .residual(inputChannels: try c.decode(Int.self, forKey: .inputChannels),
                             outputChannels: try c.decode(Int.self, forKey: .outputChannels),
                             stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription:
                "unknown layer type '\(type)' (expected linear, conv2d, relu, tanh, maxpool2d, flatten, dropout, batchnorm1d, "
                + "batchnorm2d, globalavgpool, residual)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case let .linear(i, o, b):
            try c.encode(i, forKey: .inputFeatures); try c.encode(o, forKey: .outputFeatures); try c.encode(b, forKey: .bias)
        case let .conv2d(i, o, k, s, p, b):
            try c.encode(i, forKey: .inputChannels); try c.encode(o, forKey: .outputChannels)
            try c.encode(k, forKey: .kernelSize); try c.encode(s, forKey: .stride); try c.encode(p, forKey: .padding)
            try c.encode(b, forKey: .bias)
        case let .maxPool2d(k, s): try c.encode(k, forKey: .kernelSize); try c.encode(s, forKey: .stride)
        case let .dropout(p): try c.encode(p, forKey: .probability)
        case let .batchNorm1d(f): try c.encode(f, forKey: .features)
        case let .batchNorm2d(f): try c.encode(f, forKey: .features)
        case let .residual(i, o, s):
            try c.encode(i, forKey: .inputChannels); try c.encode(o, forKey: .outputChannels); try c.encode(s, forKey: .stride)
        case .relu, .tanh, .flatten, .globalAvgPool: break
        }
    }
}

/// A feed-forward classifier: input shape (without the batch axis) and its layers in order.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// Shape of one sample, e.g. `[784]` for an MLP or `[1, 28, 28]` for a CNN.
    public var inputShape: [Int]
    public var layers: [LayerConfig]

    public init(inputShape: [Int], layers: [LayerConfig]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    private enum CodingKeys: String, CodingKey { case inputShape = "input_shape", layers }

    /// An MLP `sizes[0]-sizes[1]-…` with ReLU between linear layers (e.g. `[784, 32, 10]`).
    public static func mlp(_ sizes: [Int]) -> ModelConfig {
        precondition(sizes.count >= 2, "mlp: need at least input and output sizes")
        var layers: [LayerConfig] = []
        for i in 0..<(sizes.count - 1) {
            if i > 0 { layers.append(.relu) }
            layers.append(.linear(inputFeatures: sizes[i], outputFeatures: sizes[i + 1], bias: true))
        }
        return ModelConfig(inputShape: [sizes[0]], layers: layers)
    }

    /// docs/method.md §6's CNN: `conv3x3(1→32)-ReLU-conv3x3(32→64)-ReLU-maxpool2-flatten-fc(9216→128)-ReLU-fc(128→classes)`.
    public static func fashionCNN(classes: Int = 10) -> ModelConfig {
        ModelConfig(inputShape: [1, 28, 28], layers: [
            .conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 3, stride: 1, padding: 0, bias: true), .relu,
            .conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, stride: 1, padding: 0, bias: true), .relu,
            .maxPool2d(kernelSize: 2, stride: 2), .flatten,
            .linear(inputFeatures: 9216, outputFeatures: 128, bias: true), .relu,
            .linear(inputFeatures: 128, outputFeatures: classes, bias: true),
        ])
    }

    /// A CIFAR-style ResNet (He et al. 2016, §4.2) for `inputShape = [C, H, W]`: `conv3x3(C→w, no bias)-BN-ReLU`, three
    /// stages of `blocksPerStage` residual blocks with `w`, `2w`, `4w` channels (the first block of stages 2 and 3 has
    /// stride 2 and a 1×1 projection shortcut), global average pooling and `linear(4w→classes)`. Depth
    /// `6·blocksPerStage + 2`: `width 16, blocksPerStage 3` is ResNet-20.
    public static func resnet(inputShape: [Int], classes: Int, width: Int = 16, blocksPerStage: Int = 3) -> ModelConfig {
        precondition(inputShape.count == 3, "resnet: input shape \(inputShape) is not [C, H, W]")
        var layers: [LayerConfig] = [
            .conv2d(inputChannels: inputShape[0], outputChannels: width, kernelSize: 3, stride: 1, padding: 1, bias: false),
            .batchNorm2d(channels: width), .relu,
        ]
        var channels = width
        for stage in 0..<3 {
            let stageWidth = width << stage
            for block in 0..<blocksPerStage {
                layers.append(.residual(inputChannels: channels, outputChannels: stageWidth, stride: stage > 0 && block == 0 ? 2 : 1))
                channels = stageWidth
            }
        }
        layers += [.globalAvgPool, .linear(inputFeatures: channels, outputFeatures: classes, bias: true)]
        return ModelConfig(inputShape: inputShape, layers: layers)
    }

    /// Output shapes after each layer (without the batch axis), or an error naming the first layer that does
    /// not fit its input.
    public func outputShapes() throws -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        for (index, layer) in layers.enumerated() {
            func mismatch(_ expected: String) -> ModelConfigError {
                .shapeMismatch(layer: index, type: layer.typeName, input: shape, expected: expected)
            }
            switch layer {
            case let .linear(i, o, _):
                guard shape == [i] else { throw mismatch("[\(i)]") }
                shape = [o]
            case let .conv2d(i, o, k, s, p, _):
                guard shape.count == 3, shape[0] == i else { throw mismatch("[\(i), H, W]") }
                let h = (shape[1] + 2 * p - k) / s + 1, w = (shape[2] + 2 * p - k) / s + 1
                guard h > 0, w > 0 else { throw mismatch("an image of at least \(k)×\(k)") }
                shape = [o, h, w]
            case let .maxPool2d(k, s):
                guard shape.count == 3, shape[1] >= k, shape[2] >= k else { throw mismatch("[C, H ≥ \(k), W ≥ \(k)]") }
                shape = [shape[0], (shape[1] - k) / s + 1, (shape[2] - k) / s + 1]
            case .flatten: shape = [shape.reduce(1, *)]
            case let .batchNorm1d(f):
                guard shape == [f] else { throw mismatch("[\(f)]") }
            case let .batchNorm2d(f):
                guard shape.count == 3, shape[0] == f else { throw mismatch("[\(f), H, W]") }
            case .globalAvgPool:
                guard shape.count == 3 else { throw mismatch("[C, H, W]") }
                shape = [shape[0]]
            case let .residual(i, o, s):
                guard shape.count == 3, shape[0] == i else { throw mismatch("[\(i), H, W]") }
                guard s > 0 else { throw mismatch("a positive stride") }
                shape = [o, (shape[1] - 1) / s + 1, (shape[2] - 1) / s + 1]
            case .relu, .tanh, .dropout: break
            }
            shapes.append(shape)
        }
        return shapes
    }

    /// Checks every size before anything is allocated: input and layer sizes in `1…maximumWidth`, strides and kernels
    /// at least 1, padding non-negative, dropout probabilities in `[0, 1)`, shapes that fit together, and at most
    /// `maximumElements` parameters and values per activation (products computed with overflow checks). Returns the
    /// number of values a checkpoint of the model stores — parameters and buffers such as batch norm's running
    /// statistics and `num_batches_tracked` — computed without building it.
    @discardableResult
    public func validate(maximumWidth: Int = 1 << 20, maximumElements: Int = 1 << 31) throws -> Int {
        func checkedProduct(_ values: [Int]) -> Int? {
            var product = 1
            for v in values {
                let (p, overflow) = product.multipliedReportingOverflow(by: v)
                guard !overflow, p <= maximumElements else { return nil }
                product = p
            }
            return product
        }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ (1...maximumWidth).contains($0) }), checkedProduct(inputShape) != nil else {
            throw ModelConfigError.shapeMismatch(layer: 0, type: "input", input: inputShape, expected: "sizes in 1…\(maximumWidth)")
        }
        var parameters = 0
        for (index, layer) in layers.enumerated() {
            func invalid(_ reason: String) -> ModelConfigError { .invalidLayer(layer: index, type: layer.typeName, reason: reason) }
            let width = 1...maximumWidth
            switch layer {
            case let .linear(i, o, bias):
                guard width.contains(i), width.contains(o) else { throw invalid("sizes must be in 1…\(maximumWidth)") }
                guard let count = checkedProduct([bias ? i + 1 : i, o]) else { throw ModelConfigError.tooLarge(parameters: "\(i)×\(o)", limit: maximumElements) }
                parameters += count
            case let .conv2d(i, o, k, s, p, bias):
                guard width.contains(i), width.contains(o), (1...1024).contains(k) else { throw invalid("channels and kernel size must be positive") }
                guard (1...1024).contains(s) else { throw invalid("stride must be in 1…1024 (got \(s))") }
                guard (0...1024).contains(p) else { throw invalid("padding must be in 0…1024 (got \(p))") }
                guard let count = checkedProduct([i * k * k + (bias ? 1 : 0), o]) else { throw ModelConfigError.tooLarge(parameters: "\(i)×\(o)×\(k)×\(k)", limit: maximumElements) }
                parameters += count
            case let .maxPool2d(k, s):
                guard (1...1024).contains(k), (1...1024).contains(s) else { throw invalid("kernel size and stride must be in 1…1024") }
            case let .dropout(p):
                guard p.isFinite, p >= 0, p < 1 else { throw invalid("probability must be in [0, 1) (got \(p))") }
            case let .batchNorm1d(f), let .batchNorm2d(f):
                guard width.contains(f) else { throw invalid("num_features must be in 1…\(maximumWidth) (got \(f))") }
                parameters += 4 * f + 1  // weight, bias, running_mean, running_var; num_batches_tracked
            case let .residual(i, o, s):
                guard width.contains(i), width.contains(o) else { throw invalid("channels must be in 1…\(maximumWidth)") }
                guard (1...1024).contains(s) else { throw invalid("stride must be in 1…1024 (got \(s))") }
                // conv1, conv2, bn1, bn2 (+ a 1×1 projection and its batch norm); one num_batches_tracked per norm.
                let projects = ResidualBlock.needsProjection(inputChannels: i, outputChannels: o, stride: s)
                guard let count = checkedProduct([9 * i + 9 * o + 8 + (projects ? i + 4 : 0), o]) else {
                    throw ModelConfigError.tooLarge(parameters: "\(i)×\(o)×3×3", limit: maximumElements)
                }
                parameters += count + (projects ? 3 : 2)
            case .relu, .tanh, .flatten, .globalAvgPool: break
            }
            guard parameters <= maximumElements else { throw ModelConfigError.tooLarge(parameters: "\(parameters)", limit: maximumElements) }
        }
        for shape in try outputShapes() where checkedProduct(shape) == nil {
            throw ModelConfigError.tooLarge(parameters: "an activation of shape \(shape)", limit: maximumElements)
        }
        return parameters
    }

    /// Number of output classes (the last layer's output size).
    public var outputCount: Int { (try? outputShapes().last?.reduce(1, *)) ?? 0 }

    /// FLOPs of one forward pass of one sample as docs/method.md §6 counts them: 2 × multiply-accumulates of linear
    /// and convolution layers, residual blocks included (bias, batch norm, activations and pooling not counted).
    public var flops: Int {
        guard let shapes = try? outputShapes() else { return 0 }
        var total = 0
        var input = inputShape
        for (layer, output) in zip(layers, shapes) {
            switch layer {
            case let .linear(i, o, _): total += 2 * i * o
            case let .conv2d(i, o, k, _, _, _): total += 2 * i * k * k * o * output[1] * output[2]
            case let .residual(i, o, s):
                let projection = ResidualBlock.needsProjection(inputChannels: i, outputChannels: o, stride: s) ? i : 0
                total += 2 * (9 * i + 9 * o + projection) * o * output[1] * output[2]
            default: break
            }
            input = output
        }
        _ = input
        return total
    }

    /// Builds the model with torch-default initialisation from `generator`.
    public func makeModel(generator: inout RandomGenerator) throws -> Sequential {
        _ = try outputShapes()
        var modules: [Module] = []
        for layer in layers {
            switch layer {
            case let .linear(i, o, b):
                modules.append(Linear(inputFeatures: i, outputFeatures: o, bias: b, generator: &generator))
            case let .conv2d(i, o, k, s, p, b):
                modules.append(Conv2d(inputChannels: i, outputChannels: o, kernelSize: k, stride: s, padding: p, bias: b,
                                      generator: &generator))
            case .relu: modules.append(ReLU())
            case .tanh: modules.append(Tanh())
            case let .maxPool2d(k, s): modules.append(MaxPool2d(kernelSize: k, stride: s))
            case .flatten: modules.append(Flatten())
            case let .dropout(p):
                modules.append(Dropout(probability: p, generator: RandomGenerator(seed: generator.next())))
            case let .batchNorm1d(f): modules.append(BatchNorm(features: f, inputRank: 2))
            case let .batchNorm2d(f): modules.append(BatchNorm(features: f, inputRank: 4))
            case .globalAvgPool: modules.append(GlobalAvgPool2d())
            case let .residual(i, o, s):
                modules.append(ResidualBlock(inputChannels: i, outputChannels: o, stride: s, generator: &generator))
            }
        }
        return Sequential(modules)
    }
}

/// Errors in a model description.
public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(layer: Int, type: String, input: [Int], expected: String)
    case invalidLayer(layer: Int, type: String, reason: String)
    case tooLarge(parameters: String, limit: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, type, input, expected):
            "model layer \(layer) (\(type)) receives shape \(input) but expects \(expected)"
        case let .invalidLayer(layer, type, reason): "model layer \(layer) (\(type)): \(reason)"
        case let .tooLarge(parameters, limit): "model has \(parameters) parameters or activations, over the limit of \(limit)"
        }
    }
}
