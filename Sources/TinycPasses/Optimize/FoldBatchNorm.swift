import Foundation
import TinycIR

/// Folds `batch_norm` into the conv, depthwise conv or fully connected layer that produces its input:
/// `w' = w · γ/√(σ²+ε)` per output channel, `b' = (b − μ) · γ/√(σ²+ε) + β`.
///
/// Requires: a float graph. Guarantees: no `batch_norm` node is left. A batch norm whose input has
/// other consumers, an activation, or no foldable producer becomes a 1×1 depthwise conv with the same
/// per-channel scale and shift, so it still runs exactly.
extension Pass {
    public static let foldBatchNorm = Pass("fold-batch-norm") { (graph: inout Graph) throws(GraphError) in
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard case .batchNorm(let eps) = node.op else { index += 1; continue }
            let params = node.inputs[1...4].map { graph.constants[$0]?.floats }
            guard graph.type(node.inputs[0]).dtype == .f32, params.allSatisfy({ $0 != nil }) else {
                throw .node(index, node, "gamma, beta, mean and variance must be float32 constants")
            }
            let (gamma, beta, mean, variance) = (params[0]!, params[1]!, params[2]!, params[3]!)
            let scale = (0..<gamma.count).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
            let shift = (0..<gamma.count).map { beta[$0] - mean[$0] * scale[$0] }
            let x = node.inputs[0]
            if let p = foldableProducer(of: x, in: graph) {
                fold(into: p, scale: scale, shift: shift, output: node.outputs[0], graph: &graph)
                graph.nodes.remove(at: index)
            } else {
                guard graph.type(x).shape.count == 4 else {
                    throw .node(index, node, "cannot fold: its input is not produced by a conv, depthwise conv or fully connected layer, and it is not a [1, H, W, C] tensor")
                }
                let c = scale.count
                let w = graph.addTensor("\(node.name).scale", TensorType(shape: [1, 1, 1, c], dtype: .f32), data: ConstantData(floats: scale))
                let b = graph.addTensor("\(node.name).shift", TensorType(shape: [c], dtype: .f32), data: ConstantData(floats: shift))
                graph.nodes[index] = Node(op: .depthwiseConv2d(DepthwiseConv2D()), inputs: [x, w, b], outputs: node.outputs, name: node.name)
                index += 1
            }
        }
        graph.compactTensors()
    }

    /// The index of the node producing `x` if batch norm can fold into it: a float conv, depthwise
    /// conv or fully connected layer with no fused activation, whose output nobody else reads.
    static func foldableProducer(of x: TensorID, in graph: Graph) -> Int? {
        guard let p = graph.producers()[x], graph.consumers()[x]?.count == 1, !graph.outputs.contains(x) else { return nil }
        switch graph.nodes[p].op {
        case .conv2d(let a) where a.activation == .none: return p
        case .depthwiseConv2d(let a) where a.activation == .none: return p
        case .fullyConnected(let a) where a.activation == .none: return p
        default: return nil
        }
    }

    /// Scales node `p`'s weights per output channel and rewrites its bias; `p` then writes `output`.
    /// New constant tensors are created so weights shared with another node are left alone.
    private static func fold(into p: Int, scale: [Float], shift: [Float], output: TensorID, graph: inout Graph) {
        let node = graph.nodes[p]
        let wType = graph.type(node.inputs[1])
        let channels = scale.count
        // Output channel of element i: axis 0 for conv / FC (OHWI, [out, in]); the last axis for depthwise.
        let perChannel = node.op.isDepthwise ? 1 : wType.count / channels
        func channel(_ i: Int) -> Int { node.op.isDepthwise ? i % channels : i / perChannel }
        let folded: (TensorType, ConstantData)
        let lowBit = graph.constants[node.inputs[1]]!.int8
        if wType.dtype == .s4, lowBit.indices.contains(where: { lowBit[$0] == -8 && scale[channel($0)] < 0 }) {
            // -(-8) is not an int4: keep these weights as their real values (float), quantized later
            var type = wType
            type.dtype = .f32
            type.quantization = .none
            let real = Ternary.dequantized(graph.constants[node.inputs[1]]!, wType)
            folded = (type, ConstantData(floats: real.indices.map { real[$0] * scale[channel($0)] }))
        } else if wType.dtype.isLowBitWeight {
            // Exact and still low-bit: scale_c · γ_c · t = (|scale_c| γ_c) · (sign(scale_c) t).
            let t = graph.constants[node.inputs[1]]!.int8
            let gamma = Ternary.scaleOfElement(wType)
            var perChannelGamma = [Float](repeating: 1, count: channels)
            for i in t.indices { perChannelGamma[channel(i)] = gamma(i) }
            let newT = t.indices.map { i in scale[channel(i)] > 0 ? t[i] : scale[channel(i)] < 0 ? -t[i] : 0 }
            let newGamma = (0..<channels).map { c in scale[c] != 0 ? perChannelGamma[c] * abs(scale[c]) : perChannelGamma[c] }
            var type = wType
            type.quantization = .perChannel(scales: newGamma, zeroPoints: Array(repeating: 0, count: channels),
                                            axis: node.op.isDepthwise ? wType.shape.count - 1 : 0)
            folded = (type, ConstantData(int8: newT))
        } else {
            var w = graph.constants[node.inputs[1]]!.floats
            for i in w.indices { w[i] *= scale[channel(i)] }
            folded = (wType, ConstantData(floats: w))
        }
        let oldBias = node.inputs.count == 3 ? graph.constants[node.inputs[2]]!.floats : [Float](repeating: 0, count: channels)
        let bias = (0..<channels).map { oldBias[$0] * scale[$0] + shift[$0] }
        let newW = graph.addTensor("\(node.name).w_folded", folded.0, data: folded.1)
        let newB = graph.addTensor("\(node.name).b_folded", TensorType(shape: [channels], dtype: .f32), data: ConstantData(floats: bias))
        graph.nodes[p].inputs = [node.inputs[0], newW, newB]
        graph.nodes[p].outputs = [output]
    }
}
