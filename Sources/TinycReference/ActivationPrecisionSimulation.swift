import TinycIR

/// Where one activation tensor's values live in a fake-quantized run.
public enum ActivationGrid: String, Hashable, Sendable {
    /// The int8 graph's own scale and zero point.
    case int8
    /// TFLite's 16x8 scheme: symmetric, zero point 0, scale = max|x| over calibration / 32767.
    case int16
    /// Not quantized at all (only the weights are int8): how far activation precision alone can go.
    case float
}

/// Which grid every activation tensor uses: one default, with per-tensor exceptions.
public struct ActivationPrecision: Hashable, Sendable {
    public var defaultGrid: ActivationGrid
    public var exceptions: [TensorID: ActivationGrid]

    public init(_ defaultGrid: ActivationGrid, exceptions: [TensorID: ActivationGrid] = [:]) {
        self.defaultGrid = defaultGrid
        self.exceptions = exceptions
    }

    public func grid(_ t: TensorID) -> ActivationGrid { exceptions[t] ?? defaultGrid }
}

/// Fake-quant simulation of int8 vs int16 activations on the float graph.
///
/// Why: before anyone writes s16 kernels (issue 7, item 3), measure what int16 activations would buy.
/// A real int16 interpreter would need those kernels first; quantize-dequantize on the float graph
/// needs none and isolates the one thing that changes, the activation grid. The weights are the
/// int8 graph's own (per-channel int8, dequantized), so every configuration shares the same weight
/// error and differs only in where activations are rounded.
///
/// What it does not model: the integer arithmetic inside the int8 kernels (fixed-point
/// requantization, the add's 20-bit left shift, softmax's and logistic's table-free approximations,
/// the mean's integer division) and the biases' grid (int32 at s_in·s_w, which is what int8 uses
/// and finer than any activation grid; a 16x8 kernel would use int64 at a finer scale, the difference
/// is far below one activation step). `int8Output` runs the real int8 interpreter so callers can
/// check how much those omissions matter.
///
/// The float graph and the int8 graph must be the compiler's pair: the float graph after the float
/// passes and the int8 graph quantized from it. Quantization keeps the nodes and their order, so
/// node i of one is node i of the other; the initializer checks names, ops and shapes.
public struct ActivationPrecisionSimulation: Sendable {
    /// One activation tensor of the float graph: the model input or a node's output.
    public struct Activation: Sendable {
        public let tensor: TensorID
        /// The same tensor in the int8 graph.
        public let int8Tensor: TensorID
        /// The producing node's index, nil for the model input.
        public let node: Int?
        public let name: String
        public let op: String
        /// Bytes of the tensor in the int8 graph (1 per element).
        public let int8Bytes: Int
        public let int8Scale: Float
        public let int8ZeroPoint: Int32
        public let int16Scale: Float
    }

    /// The float graph as it came (the reference the errors are measured against).
    public let floatGraph: Graph
    /// Model input first, then every node's output in node order.
    public let activations: [Activation]
    /// The input of the final softmax or logistic, when the model ends in one: the logits. Errors
    /// there are linear in the activation noise, while saturated probabilities hide most of it.
    public let logits: TensorID?
    let pure: ReferenceInterpreter
    /// The float graph with every constant replaced by its int8 graph value, dequantized.
    let fakeWeights: ReferenceInterpreter
    let int8: ReferenceInterpreter
    let byTensor: [TensorID: Int]

    /// Pairs `float` with `int8` node by node and measures the int16 ranges on `calibration`.
    public init(float: Graph, int8 q: Graph, calibration: [[Float]]) throws(GraphError) {
        guard float.nodes.count == q.nodes.count, float.inputs.count == q.inputs.count, !float.inputs.isEmpty else {
            throw GraphError(.graph, "the float graph (\(float.nodes.count) nodes) and the int8 graph (\(q.nodes.count) nodes) are not a quantization pair")
        }
        guard float.type(float.inputs[0]).dtype == .f32, q.type(q.inputs[0]).dtype == .s8 else {
            throw GraphError(.graph, "the simulation needs a float graph and its int8 graph")
        }
        guard !calibration.isEmpty else { throw GraphError(.graph, "int16 scales need calibration inputs") }
        var weights = float
        for (i, (f, n)) in zip(float.nodes, q.nodes).enumerated() {
            guard f.name == n.name, f.op.name == n.op.name, f.inputs.count == n.inputs.count,
                  float.type(f.outputs[0]).shape == q.type(n.outputs[0]).shape else {
                throw GraphError.node(i, f, "does not match node '\(n.name)' (\(n.op.name)) of the int8 graph")
            }
            for (a, b) in zip(f.inputs, n.inputs) where float.isConstant(a) {
                guard let data = q.constants[b] else { throw GraphError.node(i, f, "constant '\(float[a].name)' is not constant in the int8 graph") }
                weights.constants[a] = ConstantData(floats: try Self.dequantized(data, q.type(b), original: float.constants[a]!, node: i, f))
            }
        }
        floatGraph = float
        pure = try ReferenceInterpreter(float)
        fakeWeights = try ReferenceInterpreter(weights)
        int8 = try ReferenceInterpreter(q)

        let scales16 = try Self.int16Scales(float, pure, calibration)
        var list: [Activation] = []
        func add(_ t: TensorID, _ qt: TensorID, node: Int?, op: String) {
            let p = q.type(qt).quantization.perTensorParameters ?? (1, 0)
            list.append(Activation(tensor: t, int8Tensor: qt, node: node, name: float[t].name, op: op, int8Bytes: q.type(qt).count,
                                   int8Scale: p.scale, int8ZeroPoint: p.zeroPoint, int16Scale: scales16[t] ?? 1))
        }
        add(float.inputs[0], q.inputs[0], node: nil, op: "input")
        for (i, node) in float.nodes.enumerated() { add(node.outputs[0], q.nodes[i].outputs[0], node: i, op: node.op.name) }
        activations = list
        let last = float.nodes.last { $0.outputs[0] == float.outputs[0] }
        switch last?.op {
        case .softmax, .logistic: logits = last?.inputs[0]
        default: logits = nil
        }
        byTensor = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.tensor, $0) })
    }

    /// The real value of an int8-graph constant: weights per channel, biases int32 at s_in·s_w,
    /// constant add/concat operands per tensor. Unquantized constants keep their float value.
    static func dequantized(_ data: ConstantData, _ type: TensorType, original: ConstantData, node: Int, _ n: Node) throws(GraphError) -> [Float] {
        let q: [Int64]
        switch type.dtype {
        case .s8: q = data.int8.map(Int64.init)
        case .s32: q = data.int32.map(Int64.init)
        case .f32: return data.floats
        case .s4, .ternary:
            throw GraphError.node(node, n, "has \(type.dtype.rawValue) weights; the simulation covers int8 weights only")
        }
        switch type.quantization {
        case .none:
            return original.floats
        case .perTensor(let s, let z):
            return q.map { Float(Double(s) * Double($0 - Int64(z))) }
        case .perChannel(let scales, let zeros, let axis):
            let inner = type.shape[(axis + 1)...].reduce(1, *)
            return q.indices.map { i in
                let c = (i / inner) % scales.count
                return Float(Double(scales[c]) * Double(q[i] - Int64(zeros[c])))
            }
        }
    }

    /// TFLite 16x8 scales: max|x| over the calibration inputs / 32767 per tensor, shared (the
    /// group's largest) where tinyc's int8 quantizer shares a grid (pooling, pad, reshape, concat,
    /// standalone activation), and 1/32768 for softmax and logistic outputs, as TFLite's int16
    /// kernels require.
    static func int16Scales(_ g: Graph, _ interpreter: ReferenceInterpreter, _ samples: [[Float]]) throws(GraphError) -> [TensorID: Float] {
        var maxAbs: [TensorID: Float] = [:]
        for s in samples {
            for (t, v) in try interpreter.runAll(.f32(s)) {
                guard let f = v.floats else { continue }
                maxAbs[t] = max(maxAbs[t] ?? 0, f.reduce(0) { max($0, abs($1)) })
            }
        }
        var parent: [TensorID: TensorID] = [:]
        func find(_ t: TensorID) -> TensorID {
            var r = t
            while let p = parent[r], p != r { r = p }
            return r
        }
        var fixed: Set<TensorID> = []
        for node in g.nodes {
            switch node.op {
            case .maxPool2d, .avgPool2d, .pad, .reshape, .activation, .concat:
                for x in node.inputs where !g.isConstant(x) { parent[find(x)] = find(node.outputs[0]) }
            case .softmax, .logistic:
                fixed.insert(node.outputs[0])
            case .conv2d, .depthwiseConv2d, .fullyConnected, .add, .mean, .requantize, .batchNorm:
                break
            }
        }
        var groupMax: [TensorID: Float] = [:]
        for (t, m) in maxAbs { groupMax[find(t)] = max(groupMax[find(t)] ?? 0, m) }
        let fixedRoots = Set(fixed.map(find))
        var scales: [TensorID: Float] = [:]
        for t in maxAbs.keys {
            let root = find(t)
            scales[t] = fixedRoots.contains(root) ? 1.0 / 32768 : max(groupMax[root]!, 1e-30) / 32767
        }
        return scales
    }

    // MARK: - Running

    /// One fake-quantized run: every tensor's value before (`raw`) and after (`values`) its
    /// activation grid, so a later run that changes a few grids can start from it.
    public struct Trace: Sendable {
        public let precision: ActivationPrecision
        var raw: [[Float]?]
        var values: [TensorValue?]
        public let outputs: Outputs
    }

    /// The model output and, when the model ends in softmax or logistic, the logits.
    public struct Outputs: Sendable {
        public let output: [Float]
        public let logits: [Float]?
    }

    /// Runs `input` with weights at int8 and activations on `precision`'s grids. With `base` (a
    /// trace of the same input), only nodes downstream of a tensor whose grid differs are
    /// recomputed: a one-tensor change then costs the layers after it, not the whole network.
    public func run(_ input: [Float], _ precision: ActivationPrecision, reusing base: Trace? = nil) throws(GraphError) -> Trace {
        let g = floatGraph
        var raw = base?.raw ?? [[Float]?](repeating: nil, count: g.tensors.count)
        var values = base?.values ?? {
            var v = [TensorValue?](repeating: nil, count: g.tensors.count)
            for (id, value) in fakeWeights.constantValues { v[id.index] = value }
            return v
        }()
        var changed: Set<TensorID> = []
        func settle(_ t: TensorID, recomputed: Bool) {
            guard recomputed || base?.precision.grid(t) != precision.grid(t) else { return }
            values[t.index] = .f32(fakeQuantized(raw[t.index]!, t, precision.grid(t)))
            changed.insert(t)
        }
        let inputID = g.inputs[0]
        if base == nil { raw[inputID.index] = input }
        settle(inputID, recomputed: base == nil)
        for (i, node) in g.nodes.enumerated() {
            let recompute = base == nil || node.inputs.contains(where: changed.contains)
            if recompute {
                let out = try fakeWeights.evaluate(i, try Operands(index: i, graph: g, values: values))
                raw[node.outputs[0].index] = out.floats
            }
            settle(node.outputs[0], recomputed: recompute)
        }
        let outputs = Outputs(output: values[g.outputs[0].index]?.floats ?? [], logits: logits.flatMap { values[$0.index]?.floats })
        return Trace(precision: precision, raw: raw, values: values, outputs: outputs)
    }

    /// Quantize-dequantize `x` on tensor `t`'s grid.
    func fakeQuantized(_ x: [Float], _ t: TensorID, _ grid: ActivationGrid) -> [Float] {
        guard let a = byTensor[t].map({ activations[$0] }) else { return x }
        switch grid {
        case .float:
            return x
        case .int8:
            let q = ReferenceInterpreter.quantize(x, scale: a.int8Scale, zeroPoint: a.int8ZeroPoint)
            return ReferenceInterpreter.dequantize(q, scale: a.int8Scale, zeroPoint: a.int8ZeroPoint)
        case .int16:
            let s = Double(a.int16Scale)
            return x.map { v in
                let q = (Double(v) / s).rounded(.toNearestOrAwayFromZero)
                return Float(s * min(max(q.isNaN ? 0 : q, -32768), 32767))
            }
        }
    }

    /// The float graph's outputs (float weights, float activations): the reference.
    public func floatOutputs(_ input: [Float]) throws(GraphError) -> Outputs {
        let all = try pure.runAll(.f32(input))
        return Outputs(output: all[floatGraph.outputs[0]]?.floats ?? [], logits: logits.flatMap { all[$0]?.floats })
    }

    /// The real int8 interpreter's outputs, dequantized: what tinyc's C computes, byte for byte.
    public func int8Outputs(_ input: [Float]) throws(GraphError) -> Outputs {
        let g = int8.graph
        let i = g.type(g.inputs[0]).quantization.perTensorParameters ?? (1, 0)
        let all = try int8.runAll(.s8(ReferenceInterpreter.quantize(input, scale: i.scale, zeroPoint: i.zeroPoint)))
        func real(_ t: TensorID) -> [Float]? {
            let p = g.type(t).quantization.perTensorParameters ?? (1, 0)
            return all[t]?.int8.map { ReferenceInterpreter.dequantize($0, scale: p.scale, zeroPoint: p.zeroPoint) }
        }
        let logitsInt8 = logits.flatMap { t in activations[byTensor[t]!].int8Tensor }
        return Outputs(output: real(g.outputs[0]) ?? [], logits: logitsInt8.flatMap(real))
    }
}
