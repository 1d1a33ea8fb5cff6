import TinycIR

/// The weight precision of one conv2d, depthwise_conv2d or fully_connected layer of a quantized
/// graph. Activations stay int8 in every case.
public enum WeightPrecision: String, Sendable, CaseIterable, Comparable {
    case int8
    case int4
    case ternary

    public var dtype: DType {
        switch self {
        case .int8: .s8
        case .int4: .s4
        case .ternary: .ternary
        }
    }

    /// Lower precision sorts first.
    public static func < (a: WeightPrecision, b: WeightPrecision) -> Bool { a.dtype.weightBits < b.dtype.weightBits }
}

/// Lowers the int8 weights of the given layers of a quantized graph to int4 or ternary: the real
/// weights W = s8[c] · w8 are requantized per output channel to integers q in [-7, 7] (int4) or
/// [-1, 1] (ternary) at a scale s[c], and the int32 bias is rescaled to the new s_in · s[c].
///
/// With calibration statistics (`LayerStatistics`) the rounding is GPTQ's, which keeps the
/// layer's output error small rather than each weight's, and s[c] is the candidate (int4: 0.7 to 1
/// times max|W| / 7; ternary: 0.5 to 2 times mean|W|) with the least output error proxy. Without
/// them each weight is rounded to nearest at the s[c] with the least squared weight error.
/// Layers whose weights are not int8 (already int4 or ternary) are left alone, as is every layer
/// not named.
///
/// Requires: a quantized graph (int8 activations). Guarantees: the named layers' weights have the
/// precision asked for; the graph stays valid.
extension Pass {
    public static func lowerWeights(_ precisions: [Int: WeightPrecision], statistics: LayerStatistics = .init()) -> Pass {
        Pass("lower-weights") { (graph: inout Graph) throws(GraphError) in
            var lowered: [Int: LoweredLayer] = [:]
            for (index, precision) in precisions where precision != .int8 && WeightLowering.canLower(graph, index) {
                lowered[index] = try WeightLowering.lower(graph, index, to: precision, moments: statistics.moments[index])
            }
            WeightLowering.apply(lowered, to: &graph)
        }
    }

    /// Substitutes layers lowered before (the precision search lowers each layer once per precision
    /// and combines the results).
    public static func applyLowered(_ lowered: [Int: LoweredLayer]) -> Pass {
        Pass("lower-weights") { (graph: inout Graph) throws(GraphError) in WeightLowering.apply(lowered, to: &graph) }
    }
}

/// One layer's lowered weights and rescaled bias.
public struct LoweredLayer: Sendable {
    public var weights: TensorType
    public var values: [Int8]
    public var bias: (type: TensorType, values: [Int32])?
}

public enum WeightLowering {
    /// Whether layer `index` has int8 weights that `lowerWeights` can lower.
    public static func canLower(_ graph: Graph, _ index: Int) -> Bool {
        let node = graph.nodes[index]
        switch node.op {
        case .conv2d, .depthwiseConv2d, .fullyConnected:
            return graph.type(node.inputs[0]).dtype == .s8 && graph.type(node.inputs[1]).dtype == .s8
                && graph.isConstant(node.inputs[1])
        default:
            return false
        }
    }

    public static func apply(_ lowered: [Int: LoweredLayer], to graph: inout Graph) {
        for (index, l) in lowered.sorted(by: { $0.key < $1.key }) {
            let node = graph.nodes[index]
            let suffix = l.weights.dtype == .s4 ? "int4" : "ternary"
            graph.nodes[index].inputs[1] = graph.addTensor("\(graph[node.inputs[1]].name).\(suffix)", l.weights, data: ConstantData(int8: l.values))
            if let b = l.bias {
                graph.nodes[index].inputs[2] = graph.addTensor("\(graph[node.inputs[2]].name).rescaled", b.type, data: ConstantData(int32: b.values))
            }
        }
        graph.compactTensors()
    }

    /// Layer `index` lowered to `precision` (GPTQ when `moments` are given).
    public static func lower(_ graph: Graph, _ index: Int, to precision: WeightPrecision,
                             moments: [LayerStatistics.Moments]?) throws(GraphError) -> LoweredLayer {
        let node = graph.nodes[index]
        let wID = node.inputs[1], wType = graph.type(wID)
        let axis = node.op.isDepthwise ? wType.shape.count - 1 : 0
        let channels = wType.shape[axis]
        let inner = wType.shape[(axis + 1)...].reduce(1, *)
        func channel(_ i: Int) -> Int { (i / inner) % channels }
        let w8 = graph.constants[wID]!.int8
        // each output channel's weights in memory order: (ky, kx, c_in) for conv, taps for depthwise
        var real = [[Double]](repeating: [], count: channels)
        var members = [[Int]](repeating: [], count: channels)
        for i in w8.indices {
            let c = channel(i)
            real[c].append(Double(w8[i]) * Double(wType.quantization.scale(channel: c)))
            members[c].append(i)
        }
        var solvers: [Int: GPTQ] = [:]
        func solver(_ m: Int) -> GPTQ? {
            guard let moments, m < moments.count else { return nil }
            if let s = solvers[m] { return s }
            let s = GPTQ(moments: moments[m].values, k: moments[m].k)
            solvers[m] = s
            return s
        }
        var q = [Int8](repeating: 0, count: w8.count)
        var scales = [Float](repeating: 1, count: channels)
        var multiplier = 1
        if case .depthwiseConv2d(let a) = node.op { multiplier = a.depthMultiplier }
        for c in 0..<channels {
            // a depthwise channel c reads input channel c / multiplier; conv and FC rows share one H
            let g = solver(node.op.isDepthwise ? c / multiplier : 0)
            let (s, values) = g.flatMap { g in g.k == real[c].count ? bestGPTQ(g, real[c], precision) : nil }
                ?? bestScale(real[c].map { Float($0) }, precision)
            // an all-zero channel keeps its int8 scale: its weights are 0 at any scale
            scales[c] = s > 0 ? s : wType.quantization.scale(channel: c)
            for (k, i) in members[c].enumerated() { q[i] = values[k] }
        }
        let type = TensorType(shape: wType.shape, dtype: precision.dtype,
                              quantization: .perChannel(scales: scales, zeroPoints: Array(repeating: 0, count: channels), axis: axis))
        var bias: (TensorType, [Int32])?
        if node.inputs.count == 3 {
            bias = try rescaledBias(graph, index, oldScales: (0..<channels).map { wType.quantization.scale(channel: $0) }, newScales: scales)
        }
        return LoweredLayer(weights: type, values: q, bias: bias.map { (type: $0.0, values: $0.1) })
    }

    /// GPTQ rounding of one row at the candidate scale with the least output error proxy.
    static func bestGPTQ(_ g: GPTQ, _ w: [Double], _ precision: WeightPrecision) -> (Float, [Int8])? {
        let hi: Double = precision == .int4 ? 7 : 1
        let base: Double, factors: [Double]
        switch precision {
        case .int4:
            base = (w.map(abs).max() ?? 0) / 7
            factors = [1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7]
        default:
            base = w.isEmpty ? 0 : w.reduce(0) { $0 + abs($1) } / Double(w.count)
            factors = Array(Swift.stride(from: 0.5, through: 2.0, by: 0.1))
        }
        guard base > 0 else { return nil }
        var best: (loss: Double, s: Double, q: [Int8]) = (.infinity, base, [])
        for f in factors {
            let r = g.quantize(w, scale: base * f, hi: hi)
            if r.loss < best.loss { best = (r.loss, base * f, r.q) }
        }
        return (Float(best.s), best.q)
    }

    /// The scale and values minimizing the squared error of one channel's real weights.
    static func bestScale(_ w: [Float], _ precision: WeightPrecision) -> (Float, [Int8]) {
        let hi: Float = precision == .int4 ? 7 : 1
        let base: Float, factors: [Float]
        switch precision {
        case .int4:
            base = (w.map(abs).max() ?? 0) / 7
            factors = stride(from: 1.0 as Float, through: 0.5, by: -0.05).map { $0 }
        default:
            base = w.isEmpty ? 0 : w.reduce(0) { $0 + abs($1) } / Float(w.count)
            factors = stride(from: 0.5 as Float, through: 2.0, by: 0.05).map { $0 }
        }
        guard base > 0 else { return (0, [Int8](repeating: 0, count: w.count)) }
        var best: (err: Float, s: Float, q: [Int8]) = (.infinity, base, [])
        for f in factors {
            let s = base * f
            let q = w.map { Int8(max(-hi, min(hi, ($0 / s).rounded(.toNearestOrAwayFromZero)))) }
            var err: Float = 0
            for (x, v) in zip(w, q) { err += (x - s * Float(v)) * (x - s * Float(v)) }
            if err < best.err { best = (err, s, q) }
        }
        return (best.s, best.q)
    }

    /// The int32 bias of layer `index` moved from scale s_in · old[c] to s_in · new[c].
    static func rescaledBias(_ graph: Graph, _ index: Int, oldScales: [Float], newScales: [Float]) throws(GraphError) -> (TensorType, [Int32]) {
        let node = graph.nodes[index]
        let b = graph.constants[node.inputs[2]]!.int32
        let inputScale = Double(graph.type(node.inputs[0]).quantization.scale(channel: 0))
        var values: [Int32] = []
        for c in b.indices {
            let v = (Double(b[c]) * Double(oldScales[c]) / Double(newScales[c])).rounded(.toNearestOrAwayFromZero)
            guard abs(v) < Double(Int32.max) else {
                throw .node(index, node, "bias of channel \(c) does not fit int32 at the lowered weight scale \(newScales[c])")
            }
            values.append(Int32(v))
        }
        let type = TensorType(shape: [b.count], dtype: .s32, quantization: .perChannel(
            scales: newScales.map { Float(inputScale * Double($0)) }, zeroPoints: Array(repeating: 0, count: b.count), axis: 0))
        return (type, values)
    }
}
