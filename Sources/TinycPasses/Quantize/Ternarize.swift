import TinycIR

/// How post-training ternarization picks a layer's scale γ per output channel.
public enum TernaryScale: String, Sendable, CaseIterable {
    /// γ = mean |W| (BitNet b1.58).
    case absmean
    /// γ = median |W|, the lower median (BitNet b1.58 Reloaded).
    case median
}

/// Post-training ternarization (1.58-bit weights) of a float graph: every conv2d, depthwise_conv2d
/// and fully_connected weight tensor becomes t = clamp(round(W / γ), −1, 1) with γ per output channel
/// (clamped to at least 1e-5, as BitNet does), dtype ternary, real weight γ · t; biases stay float.
///
/// Without quantization-aware training this loses accuracy, often a lot: `tinyc eval --ternarize`
/// measures how much (docs/ternary.md). Networks trained with ternary weights
/// (Scripts/ternary/bitlayers.py) are exported as ternary and need no ternarization.
///
/// Requires: a float graph with batch norms folded. Guarantees: the weights of those ops are ternary;
/// weights that already are ternary are left alone.
extension Pass {
    public static func ternarize(_ scale: TernaryScale) -> Pass {
        Pass("ternarize") { (graph: inout Graph) throws(GraphError) in
            guard let input = graph.inputs.first, graph.type(input).dtype == .f32 else {
                throw GraphError(.graph, "ternarization needs a float model (this one is already quantized)")
            }
            for (index, node) in graph.nodes.enumerated() {
                switch node.op {
                case .conv2d, .depthwiseConv2d, .fullyConnected:
                    let w = node.inputs[1]
                    guard graph.type(w).dtype == .f32, let data = graph.constants[w] else { continue }
                    let (type, t) = Ternarizer.ternarize(data.floats, graph.type(w), depthwise: node.op.isDepthwise, scale: scale)
                    graph.nodes[index].inputs[1] = graph.addTensor("\(graph[w].name).ternary", type, data: ConstantData(int8: t))
                default:
                    continue
                }
            }
            graph.compactTensors()
        }
    }
}

enum Ternarizer {
    /// The ternary tensor (its type, with γ per output channel, and the values t) of float weights `w`.
    static func ternarize(_ w: [Float], _ type: TensorType, depthwise: Bool, scale: TernaryScale) -> (TensorType, [Int8]) {
        let axis = depthwise ? type.shape.count - 1 : 0
        let channels = type.shape[axis]
        let inner = type.shape[(axis + 1)...].reduce(1, *)
        func channel(_ i: Int) -> Int { (i / inner) % channels }
        var magnitudes = [[Float]](repeating: [], count: channels)
        for i in w.indices { magnitudes[channel(i)].append(abs(w[i])) }
        let gamma = magnitudes.map { m -> Float in
            let g: Float
            switch scale {
            case .absmean: g = m.reduce(0, +) / Float(max(m.count, 1))
            case .median: g = m.sorted()[(m.count - 1) / 2]
            }
            return max(g, 1e-5)
        }
        let t = w.indices.map { i in Int8(max(-1, min(1, (w[i] / gamma[channel(i)]).rounded(.toNearestOrAwayFromZero)))) }
        var out = type
        out.dtype = .ternary
        out.quantization = .perChannel(scales: gamma, zeroPoints: Array(repeating: 0, count: channels), axis: axis)
        return (out, t)
    }
}
