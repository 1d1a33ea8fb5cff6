/// Checks the invariants every stage relies on; the pipeline runs it after every pass.
///
/// Guarantees on success: one input and one output; every tensor has positive dimensions; constant
/// data has exactly `byteCount` bytes; nodes are in topological order and every non-constant tensor
/// is a graph input or the output of exactly one node; every output shape equals `ShapeInference`;
/// every node is either all-float or fully quantized with the TFLite int8 conventions.
public enum Verifier {
    public static func verify(_ graph: Graph) throws(GraphError) {
        guard graph.inputs.count == 1 else { throw GraphError(.graph, "expected exactly one graph input, got \(graph.inputs.count)") }
        guard graph.outputs.count == 1 else { throw GraphError(.graph, "expected exactly one graph output, got \(graph.outputs.count)") }
        for (i, tensor) in graph.tensors.enumerated() {
            guard !tensor.type.shape.isEmpty, tensor.type.shape.allSatisfy({ $0 > 0 }) else {
                throw GraphError(.tensor(name: tensor.name), "dimensions must be positive, got \(tensor.type.shape)")
            }
            if let data = graph.constants[TensorID(i)], data.bytes.count != tensor.type.byteCount {
                throw GraphError(.tensor(name: tensor.name), "has \(data.bytes.count) bytes of data, \(tensor.type.dtype.rawValue)\(tensor.type.shape) needs \(tensor.type.byteCount)")
            }
        }
        for id in graph.inputs where graph.isConstant(id) {
            throw GraphError(.tensor(name: graph[id].name), "a graph input cannot be a constant")
        }
        var available = Set(graph.inputs).union(graph.constants.keys)
        for (index, node) in graph.nodes.enumerated() {
            for t in node.inputs where !available.contains(t) {
                throw .node(index, node, "input '\(graph[t].name)' is not computed before this node (missing producer or a cycle)")
            }
            guard node.outputs.count == 1 else { throw .node(index, node, "must have exactly one output, got \(node.outputs.count)") }
            let out = node.outputs[0]
            guard !available.contains(out) else {
                throw .node(index, node, "output '\(graph[out].name)' is already a graph input, a constant or another node's output")
            }
            try verifyConstness(index, in: graph)
            let expected = try ShapeInference.outputShape(of: index, in: graph)
            guard graph.type(out).shape == expected else {
                throw .node(index, node, "output '\(graph[out].name)' is declared \(graph.type(out).shape), the op computes \(expected)")
            }
            try verifyTypes(index, in: graph)
            available.insert(out)
        }
        for id in graph.outputs where !available.contains(id) {
            throw GraphError(.tensor(name: graph[id].name), "graph output is never computed")
        }
    }

    /// Weights, biases, batch-norm statistics and the pad value are constants. The data input of every
    /// other op is computed at run time, except that `add` and `concat` may take constant operands as
    /// long as one operand is computed (a node on constants only would need constant folding).
    static func verifyConstness(_ index: Int, in graph: Graph) throws(GraphError) {
        let node = graph.nodes[index]
        switch node.op {
        case .conv2d, .depthwiseConv2d, .fullyConnected, .batchNorm:
            guard !graph.isConstant(node.inputs[0]) else {
                throw .node(index, node, "input '\(graph[node.inputs[0]].name)' is a constant; this op needs a computed tensor there")
            }
            for t in node.inputs.dropFirst() where !graph.isConstant(t) {
                throw .node(index, node, "'\(graph[t].name)' must be a constant (weights, bias and statistics need data)")
            }
        case .add, .concat:
            guard node.inputs.contains(where: { !graph.isConstant($0) }) else {
                throw .node(index, node, "every input is a constant; fold this node before exporting the model")
            }
        case .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad:
            guard !graph.isConstant(node.inputs[0]) else {
                throw .node(index, node, "input '\(graph[node.inputs[0]].name)' is a constant; fold this node before exporting the model")
            }
            if case .pad = node.op, node.inputs.count == 2, !graph.isConstant(node.inputs[1]) {
                throw .node(index, node, "the pad value '\(graph[node.inputs[1]].name)' must be a constant")
            }
        }
    }

    /// A node is float (every tensor f32) or quantized (s8 activations with per-tensor quantization,
    /// s8 symmetric weights, s32 bias with zero point 0).
    static func verifyTypes(_ index: Int, in graph: Graph) throws(GraphError) {
        let node = graph.nodes[index]
        let x = graph.type(node.inputs[0])
        let y = graph.type(node.outputs[0])
        func fail(_ message: String) -> GraphError { .node(index, node, message) }
        switch x.dtype {
        case .f32:
            for (i, t) in (node.inputs + node.outputs).enumerated() where graph.type(t).dtype != .f32 {
                // low-bit weights are scale · q: the float graph computes with those real values
                if i == 1, node.op.weightInputIndex == 1, graph.type(t).dtype.isLowBitWeight {
                    try verifyLowBitWeights(index, in: graph)
                    continue
                }
                throw fail("mixes float and quantized tensors: '\(graph[t].name)' is \(graph.type(t).dtype.rawValue)")
            }
        case .s8:
            for t in node.outputs + node.inputs.prefix(node.op.weightInputIndex ?? node.inputs.count) {
                guard graph.type(t).dtype == .s8, graph.type(t).quantization.perTensorParameters != nil else {
                    throw fail("activation '\(graph[t].name)' must be int8 with per-tensor quantization")
                }
            }
            if case .batchNorm = node.op { throw fail("batch_norm must be folded before quantization") }
            switch node.op {
            case .conv2d, .depthwiseConv2d, .fullyConnected:
                let w = graph.type(node.inputs[1])
                if w.dtype.isLowBitWeight { try verifyLowBitWeights(index, in: graph) }
                guard w.dtype == .s8 || w.dtype.isLowBitWeight, !w.quantization.scales.isEmpty, w.quantization.zeroPoints.allSatisfy({ $0 == 0 }) else {
                    throw fail("weights '\(graph[node.inputs[1]].name)' must be int8, symmetric (zero point 0), with a scale")
                }
                let channels = w.shape[node.op.isDepthwise ? 3 : 0]
                guard w.quantization.scales.count == 1 || w.quantization.scales.count == channels else {
                    throw fail("weights have \(w.quantization.scales.count) scales for \(channels) output channels")
                }
                if node.inputs.count == 3 {
                    let b = graph.type(node.inputs[2])
                    guard b.dtype == .s32, b.quantization.zeroPoints.allSatisfy({ $0 == 0 }) else {
                        throw fail("bias '\(graph[node.inputs[2]].name)' must be int32 with zero point 0")
                    }
                }
            case .add, .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat, .batchNorm:
                break
            }
            switch node.op {
            case .maxPool2d, .avgPool2d, .reshape, .concat:
                // These kernels move raw int8 values: they are exact only when every input shares the
                // output's scale and zero point (TFLite's rule for these ops).
                for t in node.inputs where graph.type(t).quantization != y.quantization {
                    throw fail("input '\(graph[t].name)' must have the output's quantization \(Graph.format(y)) (this kernel does not requantize)")
                }
            case .pad:
                // TFLM PADV2 Prepare: the value shares the output's scale and zero point. The input
                // need not: TFLM copies its raw bytes either way.
                if node.inputs.count == 2, graph.type(node.inputs[1]).quantization != y.quantization {
                    throw fail("pad value '\(graph[node.inputs[1]].name)' must have the output's quantization \(Graph.format(y))")
                }
            case .softmax, .logistic:
                // TFLM requires zero point -128 (and softmax scale 1/256); the kernels produce 1/256 steps.
                if y.quantization != .perTensor(scale: 1.0 / 256, zeroPoint: -128) {
                    throw fail("int8 \(node.op.name) output must have scale 1/256 and zero point -128")
                }
            case .conv2d, .depthwiseConv2d, .fullyConnected, .add, .mean, .activation, .requantize, .batchNorm:
                break
            }
        case .s32, .ternary, .s4:
            throw fail("input '\(graph[node.inputs[0]].name)' must be float32 or int8, got \(x.dtype.rawValue)")
        }
    }

    /// A low-bit weight tensor (ternary or int4): the weights of a conv2d, depthwise_conv2d or
    /// fully_connected, every byte in the type's range (-1...1, -8...7), with positive finite scales
    /// (one, or one per output channel on the op's channel axis) and zero points 0.
    static func verifyLowBitWeights(_ index: Int, in graph: Graph) throws(GraphError) {
        let node = graph.nodes[index]
        let id = node.inputs[1], w = graph.type(id)
        let kind = w.dtype == .ternary ? "ternary" : w.dtype.rawValue
        func fail(_ message: String) -> GraphError { .node(index, node, "\(kind) weights '\(graph[id].name)' \(message)") }
        switch node.op {
        case .conv2d, .depthwiseConv2d, .fullyConnected: break
        default: throw fail("are only supported as conv2d, depthwise_conv2d or fully_connected weights")
        }
        let axis = node.op.isDepthwise ? 3 : 0
        let q = w.quantization
        let scales = q.scales
        guard !scales.isEmpty, q.zeroPoints.allSatisfy({ $0 == 0 }), scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw fail("need positive scales and zero point 0 in their quantization")
        }
        if case .perChannel(let s, _, let a) = q, s.count > 1, a != axis || s.count != w.shape[axis] {
            throw fail("need one scale, or \(w.shape[axis]) on axis \(axis) (one per output channel), got \(s.count) on axis \(a)")
        }
        let range = w.dtype.lowBitRange ?? -128...127
        if let data = graph.constants[id], let bad = data.bytes.firstIndex(where: { !range.contains(Int8(bitPattern: $0)) }) {
            let allowed = w.dtype == .ternary ? "-1, 0 or +1" : "in \(range.lowerBound)...\(range.upperBound)"
            throw fail("hold \(Int8(bitPattern: data.bytes[bad])) at element \(bad): every element must be \(allowed)")
        }
    }
}

extension Op {
    /// Index of the first constant parameter input (weights), for ops that have them.
    public var weightInputIndex: Int? {
        switch self {
        case .conv2d, .depthwiseConv2d, .fullyConnected, .batchNorm: 1
        case .add, .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat: nil
        }
    }

    /// True for depthwise convolutions (weights' channel axis is 3, not 0).
    public var isDepthwise: Bool {
        if case .depthwiseConv2d = self { return true }
        return false
    }
}
