/// A neural network as a value: tensors, constant data and nodes in topological order.
/// Passes take `inout Graph`; every stage after the frontend sees only this type.
public struct Graph: Hashable, Sendable {
    /// Model name; C identifiers are derived from it.
    public var name: String
    /// Indexed by `TensorID`.
    public var tensors: [Tensor]
    /// Contents of the constant tensors (weights, biases, batch-norm statistics).
    public var constants: [TensorID: ConstantData]
    /// Kept in topological order (the `Verifier` checks it).
    public var nodes: [Node]
    public var inputs: [TensorID]
    public var outputs: [TensorID]

    public init(name: String) {
        self.name = name
        tensors = []
        constants = [:]
        nodes = []
        inputs = []
        outputs = []
    }

    /// Appends a tensor and returns its id.
    @discardableResult
    public mutating func addTensor(_ name: String, _ type: TensorType, data: ConstantData? = nil) -> TensorID {
        let id = TensorID(tensors.count)
        tensors.append(Tensor(name: name, type: type))
        if let data { constants[id] = data }
        return id
    }

    public subscript(id: TensorID) -> Tensor {
        get { tensors[id.index] }
        set { tensors[id.index] = newValue }
    }

    /// The type of tensor `id`.
    public func type(_ id: TensorID) -> TensorType { tensors[id.index].type }

    public func isConstant(_ id: TensorID) -> Bool { constants[id] != nil }

    /// For each tensor, the index of the node producing it (nil for inputs and constants).
    public func producers() -> [TensorID: Int] {
        var result: [TensorID: Int] = [:]
        for (i, node) in nodes.enumerated() { for o in node.outputs { result[o] = i } }
        return result
    }

    /// For each tensor, the indices of the nodes reading it, in node order.
    public func consumers() -> [TensorID: [Int]] {
        var result: [TensorID: [Int]] = [:]
        for (i, node) in nodes.enumerated() { for t in node.inputs { result[t, default: []].append(i) } }
        return result
    }

    /// Removes tensors no node, input or output refers to, renumbering the rest in order.
    public mutating func compactTensors() {
        var used = Set(inputs + outputs)
        for node in nodes { used.formUnion(node.inputs); used.formUnion(node.outputs) }
        var remap: [TensorID: TensorID] = [:]
        var newTensors: [Tensor] = []
        var newConstants: [TensorID: ConstantData] = [:]
        for (i, tensor) in tensors.enumerated() where used.contains(TensorID(i)) {
            let newID = TensorID(newTensors.count)
            remap[TensorID(i)] = newID
            newTensors.append(tensor)
            if let data = constants[TensorID(i)] { newConstants[newID] = data }
        }
        tensors = newTensors
        constants = newConstants
        inputs = inputs.map { remap[$0]! }
        outputs = outputs.map { remap[$0]! }
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { remap[$0]! }
            nodes[i].outputs = nodes[i].outputs.map { remap[$0]! }
        }
    }
}
