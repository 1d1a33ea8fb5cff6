import TinycIR

/// The folded bias of the `_dsp` conv, depthwise and fully connected kernels (tc_kernels.h):
///
///     bias_f[o] = bias[o] + input_offset * (sum of every filter tap of output channel o)   (mod 2^32)
///
/// so the kernels' inner loops multiply raw int8 values. Exact: the kernels accumulate mod 2^32
/// and treat taps outside the input as the raw value -input_offset, which cancels their share.
enum FoldedBias {
    /// Per output channel of conv / depthwise / fully connected node `index`.
    static func of(_ index: Int, in graph: Graph, inputOffset: Int32) -> [Int32] {
        let node = graph.nodes[index]
        let shape = graph.type(node.inputs[1]).shape
        let w = graph.constants[node.inputs[1]]!.int8
        let bias = node.inputs.count > 2 ? graph.constants[node.inputs[2]]!.int32 : nil
        let channels: Int
        var sums: [Int]
        if case .depthwiseConv2d = node.op {
            // (1, kh, kw, channels): channel o's taps are every `channels`-th value
            channels = shape[3]
            sums = Array(repeating: 0, count: channels)
            for (i, v) in w.enumerated() { sums[i % channels] += Int(v) }
        } else {
            // conv (o, kh, kw, ic) and fully connected (o, in): channel o's taps are contiguous
            channels = shape[0]
            let taps = w.count / channels
            sums = (0..<channels).map { o in w[(o * taps)..<((o + 1) * taps)].reduce(0) { $0 + Int($1) } }
        }
        return (0..<channels).map { o in
            Int32(truncatingIfNeeded: Int(bias?[o] ?? 0) &+ Int(inputOffset) &* sums[o])
        }
    }
}
