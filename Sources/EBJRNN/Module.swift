import EBJRTensor

/// A differentiable building block with named parameters and sub-modules.
///
/// Parameter names follow PyTorch's dotted paths (`layers.0.weight`), so state dicts line up with
/// `torch.nn.Module.state_dict()` keys.
open class Module {
    /// Whether the module is in training mode (`Dropout` drops values, `BatchNorm` normalises with the batch's
    /// statistics and updates its running ones); `eval()` switches a whole tree off, `train()` on.
    public private(set) var isTraining = true

    public init() {}

    /// Parameters owned directly by this module, by local name (`weight`, `bias`).
    open var ownParameters: [(name: String, tensor: Tensor)] { [] }

    /// Buffers owned directly by this module, by local name: state that is saved and loaded with the parameters
    /// but not trained by the optimizer (`running_mean`, `running_var`, `num_batches_tracked` of batch norm).
    open var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    /// Direct sub-modules, by local name.
    open var children: [(name: String, module: Module)] { [] }

    /// The forward computation.
    open func forward(_ input: Tensor) -> Tensor { fatalError("\(type(of: self)) does not implement forward") }

    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    /// All parameters with their full dotted names, depth first, in declaration order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownParameters.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for child in children { result += child.module.namedParameters(prefix: prefix + child.name + ".") }
        return result
    }

    /// Everything a checkpoint stores, in the order of torch's `state_dict()`: each module's own parameters, then its
    /// own buffers, then its children's entries, depth first. Without buffers this is `namedParameters`.
    public func namedState(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownParameters.map { (name: prefix + $0.name, tensor: $0.tensor) }
        result += ownBuffers.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for child in children { result += child.module.namedState(prefix: prefix + child.name + ".") }
        return result
    }

    /// All buffers with their full dotted names, depth first.
    public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownBuffers.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for child in children { result += child.module.namedBuffers(prefix: prefix + child.name + ".") }
        return result
    }

    /// All parameters, in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters().map(\.tensor) }

    /// Every module in the tree with its dotted path (the root is `""`).
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        var result: [(name: String, module: Module)] = [(prefix, self)]
        for child in children {
            result += child.module.namedModules(prefix: prefix.isEmpty ? child.name : prefix + "." + child.name)
        }
        return result
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Switches this module and all sub-modules to training mode.
    public func train() { setTraining(true) }
    /// Switches this module and all sub-modules to evaluation mode.
    public func eval() { setTraining(false) }

    private func setTraining(_ value: Bool) {
        isTraining = value
        for child in children { child.module.setTraining(value) }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}
