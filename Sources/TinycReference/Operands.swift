import TinycIR

/// The input values of one node, with typed accessors that throw (instead of trapping) when a
/// tensor has an unexpected element type.
struct Operands {
    let index: Int
    let node: Node
    let values: [TensorValue]

    init(index: Int, graph: Graph, values: [TensorValue?]) throws(GraphError) {
        self.index = index
        node = graph.nodes[index]
        var inputs: [TensorValue] = []
        for id in node.inputs {
            guard let v = values[id.index] else {
                throw .node(index, node, "input '\(graph[id].name)' has no value")
            }
            inputs.append(v)
        }
        self.values = inputs
    }

    func value(_ i: Int) throws(GraphError) -> TensorValue {
        guard i < values.count else { throw .node(index, node, "missing input \(i)") }
        return values[i]
    }

    func f32(_ i: Int) throws(GraphError) -> [Float] {
        let v = try value(i)
        guard let f = v.floats else { throw wrongType(i, v, .f32) }
        return f
    }

    func s8(_ i: Int) throws(GraphError) -> [Int8] {
        let v = try value(i)
        guard let q = v.int8 else { throw wrongType(i, v, .s8) }
        return q
    }

    func s32(_ i: Int) throws(GraphError) -> [Int32] {
        let v = try value(i)
        guard let q = v.int32 else { throw wrongType(i, v, .s32) }
        return q
    }

    /// An optional input (a bias): nil when the node has fewer inputs.
    func optionalF32(_ i: Int) throws(GraphError) -> [Float]? { i < values.count ? try f32(i) : nil }
    func optionalS32(_ i: Int) throws(GraphError) -> [Int32]? { i < values.count ? try s32(i) : nil }

    private func wrongType(_ i: Int, _ v: TensorValue, _ expected: DType) -> GraphError {
        .node(index, node, "input \(i) must be \(expected.rawValue), got \(v.dtype.rawValue)")
    }
}

extension ReferenceInterpreter {
    /// Checks what the interpreter needs beyond the `Verifier`: int8 nodes read only int8
    /// per-tensor-quantized data inputs (weights and bias are checked by the Verifier), and no
    /// pooling window lies entirely in the padding (TFLite's average pool rejects it).
    static func checkSupported(_ index: Int, in graph: Graph) throws(GraphError) {
        let node = graph.nodes[index]
        if graph.type(node.inputs[0]).dtype == .s8 {
            let dataInputs: [TensorID]
            switch node.op {
            case .conv2d, .depthwiseConv2d, .fullyConnected:
                dataInputs = [node.inputs[0]]
            case .add, .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat, .batchNorm:
                dataInputs = node.inputs
            }
            for t in dataInputs {
                let type = graph.type(t)
                guard type.dtype == .s8, type.quantization.perTensorParameters != nil else {
                    throw .node(index, node, "input '\(graph[t].name)' must be int8 with per-tensor quantization")
                }
            }
        }
        if case .maxPool2d(let a) = node.op, hasEmptyWindow(index, a, in: graph) {
            throw .node(index, node, "a pooling window lies entirely in the padding \(a.padding)")
        }
        if case .avgPool2d(let a) = node.op, hasEmptyWindow(index, a, in: graph) {
            throw .node(index, node, "a pooling window lies entirely in the padding \(a.padding) (average of no values)")
        }
    }

    private static func hasEmptyWindow(_ index: Int, _ a: Pool2D, in graph: Graph) -> Bool {
        let node = graph.nodes[index]
        let x = graph.type(node.inputs[0]).shape, y = graph.type(node.outputs[0]).shape
        let pads = WindowGeometry.pads(input: HW(x[1], x[2]), kernel: a.kernel, stride: a.stride, dilation: .one, padding: a.padding)
        let g = Window(inH: x[1], inW: x[2], inC: x[3], outH: y[1], outW: y[2], outC: y[3],
                       kH: a.kernel.h, kW: a.kernel.w, stride: a.stride, dilation: .one, pads: pads)
        return g.hasEmptyWindow
    }
}
