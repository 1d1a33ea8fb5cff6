import Foundation
import TinycIR
import TinycReference

/// Post-training int8 quantization of a float graph (TFLite's full-integer scheme):
/// weights symmetric per output channel in [−127, 127], activations asymmetric per tensor with
/// ranges calibrated by running the float graph on the calibration samples, bias int32 with scale
/// `s_in · s_w[c]`.
///
/// Requires: a float graph without batch_norm. Guarantees: every tensor is int8 (bias int32) with the
/// TFLite int8 conventions the Verifier checks; tensors that TFLite kernels require to share
/// quantization (pooling, reshape, concat inputs and output) share it, and so do pad's input, value
/// and output and a standalone relu/relu6's input and output (their int8 kernels then only move or
/// clamp raw values); the softmax and logistic outputs are (1/256, −128). A requantize (the identity
/// in a float graph) gets its calibrated range. An already-quantized graph passes through unchanged.
extension Pass {
    public static func quantize(calibration: [[Float]]) -> Pass {
        Pass("quantize") { (graph: inout Graph) throws(GraphError) in
            guard let input = graph.inputs.first, graph.type(input).dtype == .f32 else { return }
            guard !calibration.isEmpty else {
                throw GraphError(.graph, "the model has float weights: int8 quantization needs calibration samples (--calib FILE.npy with inputs shaped like '\(graph[input].name)' \(graph.type(input).shape))")
            }
            let ranges = try Calibration.ranges(of: graph, samples: calibration)
            graph = try Quantizer(graph: graph, ranges: ranges).quantized()
        }
    }
}

/// Observed [min, max] of every activation over the calibration samples.
enum Calibration {
    static func ranges(of graph: Graph, samples: [[Float]]) throws(GraphError) -> [TensorID: ClosedRange<Float>] {
        let interpreter = try ReferenceInterpreter(graph)
        var ranges: [TensorID: ClosedRange<Float>] = [:]
        for sample in samples {
            for (id, value) in try interpreter.runAll(.f32(sample)) {
                guard case .f32(let v) = value, let lo = v.min(), let hi = v.max() else { continue }
                guard lo.isFinite, hi.isFinite else {
                    throw GraphError(.tensor(name: graph[id].name), "calibration produced a non-finite value")
                }
                let old = ranges[id] ?? lo...hi
                ranges[id] = min(old.lowerBound, lo)...max(old.upperBound, hi)
            }
        }
        return ranges
    }
}

/// Rewrites a float graph to int8 given calibrated activation ranges.
struct Quantizer {
    var graph: Graph
    let ranges: [TensorID: ClosedRange<Float>]

    func quantized() throws(GraphError) -> Graph {
        var g = graph
        let activation = activationQuantization()
        for (id, q) in activation {
            g[id].type = TensorType(shape: g.type(id).shape, dtype: .s8, quantization: q)
            if let data = graph.constants[id], let (scale, zeroPoint) = q.perTensorParameters {
                g.constants[id] = ConstantData(int8: ReferenceInterpreter.quantize(data.floats, scale: scale, zeroPoint: zeroPoint))
            }
        }
        for (index, node) in graph.nodes.enumerated() {
            switch node.op {
            case .conv2d, .depthwiseConv2d, .fullyConnected:
                try quantizeWeights(of: index, node, inputQuantization: activation[node.inputs[0]]!, into: &g)
            case .add, .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat:
                break
            case .batchNorm:
                throw .node(index, node, "batch_norm must be folded before quantization")
            }
        }
        g.compactTensors()
        return g
    }

    /// Per-tensor (scale, zero point) for every activation. Tensors that must share quantization are
    /// grouped (union-find) and get the union of their ranges.
    func activationQuantization() -> [TensorID: Quantization] {
        var parent: [TensorID: TensorID] = [:]
        func find(_ t: TensorID) -> TensorID {
            var r = t
            while let p = parent[r], p != r { r = p }
            return r
        }
        func union(_ a: TensorID, _ b: TensorID) { parent[find(a)] = find(b) }
        // Constant operands of add and concat are quantized like activations, from their own data.
        let constantOperands = Set(graph.nodes.filter { $0.op.weightInputIndex == nil }.flatMap(\.inputs).filter(graph.isConstant))
        let activations = graph.tensors.indices.map(TensorID.init).filter { !graph.isConstant($0) || constantOperands.contains($0) }
        for t in activations { parent[t] = t }
        var fixed: [TensorID: Quantization] = [:]
        for node in graph.nodes {
            switch node.op {
            case .maxPool2d, .avgPool2d, .pad, .reshape, .activation, .concat:
                for x in node.inputs where parent[x] != nil { union(x, node.outputs[0]) }
            case .softmax, .logistic:
                fixed[node.outputs[0]] = .perTensor(scale: 1.0 / 256, zeroPoint: -128)
            case .conv2d, .depthwiseConv2d, .fullyConnected, .add, .mean, .requantize, .batchNorm:
                break
            }
        }
        var groupRange: [TensorID: ClosedRange<Float>] = [:]
        for t in activations {
            let data = graph.constants[t]?.floats ?? []
            let r = data.isEmpty ? ranges[t] ?? 0...0 : data.min()!...data.max()!
            let root = find(t)
            let old = groupRange[root] ?? r
            groupRange[root] = min(old.lowerBound, r.lowerBound)...max(old.upperBound, r.upperBound)
        }
        // A fixed quantization (softmax output) binds its whole group, e.g. a reshape after softmax.
        var fixedGroup: [TensorID: Quantization] = [:]
        for (t, q) in fixed { fixedGroup[find(t)] = q }
        var result: [TensorID: Quantization] = [:]
        for t in activations {
            result[t] = fixedGroup[find(t)] ?? Self.asymmetric(groupRange[find(t)]!)
        }
        return result
    }

    /// TFLite-style asymmetric int8 parameters for a real range (widened to include 0).
    static func asymmetric(_ range: ClosedRange<Float>) -> Quantization {
        let lo = Double(min(range.lowerBound, 0)), hi = Double(max(range.upperBound, 0))
        let scale = hi > lo ? (hi - lo) / 255 : 1.0 / 255
        let zeroPoint = (-128 - lo / scale).rounded(.toNearestOrAwayFromZero)
        return .perTensor(scale: Float(scale), zeroPoint: Int32(min(max(zeroPoint, -128), 127)))
    }

    /// Symmetric per-output-channel int8 weights and int32 bias for node `index`, as new tensors.
    func quantizeWeights(of index: Int, _ node: Node, inputQuantization: Quantization, into g: inout Graph) throws(GraphError) {
        let wID = node.inputs[1]
        let wType = graph.type(wID)
        let channelAxis = node.op.isDepthwise ? wType.shape.count - 1 : 0
        let channels = wType.shape[channelAxis]
        if wType.dtype.isLowBitWeight {
            // Already integers (ternary t, int4 q) with scales γ: the weights stay as they are (the
            // kernels read them packed), and the bias gets the scale s_in · γ[c] like any int8 layer's.
            let gamma = (0..<channels).map { wType.quantization.scale(channel: $0) }
            try quantizeBias(of: index, node, inputQuantization: inputQuantization, weightScales: gamma, into: &g)
            return
        }
        let w = graph.constants[wID]!.floats
        let inner = wType.shape[(channelAxis + 1)...].reduce(1, *)
        func channel(_ i: Int) -> Int { (i / inner) % channels }
        var maxAbs = [Float](repeating: 0, count: channels)
        for i in w.indices { maxAbs[channel(i)] = max(maxAbs[channel(i)], abs(w[i])) }
        // An all-zero (or denormal-tiny) channel still needs a sane scale; its weights quantize to 0
        // either way. And the bias, at scale s_in * s_w, must fit int32 with room to spare: like
        // TFLite's converter, widen the weight scale of a channel whose weights are tiny next to its bias.
        let inputScale = Double(inputQuantization.scale(channel: 0))
        let bias = node.inputs.count == 3 ? graph.constants[node.inputs[2]]!.floats : []
        let scales = maxAbs.indices.map { c -> Float in
            let fromWeights = maxAbs[c] > 1e-30 ? maxAbs[c] / 127 : 1.0 / 127
            let forBias = bias.isEmpty ? 0 : Float(Double(abs(bias[c])) / (inputScale * Double(1 << 30)))
            return max(fromWeights, forBias)
        }
        let q = w.indices.map { i in Int8(max(-127, min(127, (w[i] / scales[channel(i)]).rounded(.toNearestOrAwayFromZero)))) }
        let newW = g.addTensor("\(graph[wID].name).q", TensorType(shape: wType.shape, dtype: .s8,
            quantization: .perChannel(scales: scales, zeroPoints: Array(repeating: 0, count: channels), axis: channelAxis)),
            data: ConstantData(int8: q))
        g.nodes[index].inputs[1] = newW
        try quantizeBias(of: index, node, inputQuantization: inputQuantization, weightScales: scales, into: &g)
    }

    /// The int32 bias of node `index` at scale s_in · s_w[c], as a new tensor.
    func quantizeBias(of index: Int, _ node: Node, inputQuantization: Quantization, weightScales scales: [Float],
                      into g: inout Graph) throws(GraphError) {
        guard node.inputs.count == 3 else { return }
        let inputScale = Double(inputQuantization.scale(channel: 0))
        let channels = scales.count
        let b = graph.constants[node.inputs[2]]!.floats
        var biasScales: [Float] = []
        var qb: [Int32] = []
        for c in 0..<channels {
            let s = inputScale * Double(scales[c])
            let v = (Double(b[c]) / s).rounded(.toNearestOrAwayFromZero)
            guard abs(v) < Double(Int32.max) else {
                throw .node(index, node, "bias of channel \(c) (\(b[c])) does not fit int32 at scale \(s)")
            }
            biasScales.append(Float(s))
            qb.append(Int32(v))
        }
        let newB = g.addTensor("\(graph[node.inputs[2]].name).q", TensorType(shape: [channels], dtype: .s32,
            quantization: .perChannel(scales: biasScales, zeroPoints: Array(repeating: 0, count: channels), axis: 0)),
            data: ConstantData(int32: qb))
        g.nodes[index].inputs[2] = newB
    }
}
