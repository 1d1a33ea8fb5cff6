import TinycIR

/// Scratch bytes of the ternary `_dsp` kernels, mirroring `tc_*_ternary_dsp_scratch_bytes` in
/// Runtime-C/include/tinyc/tc_conv2d_ternary.h and tc_fc_ternary.h.
enum TernaryScratch {
    static func bytes(_ graph: Graph, _ n: Int, _ packing: TernaryPacking, output: HW) -> Int {
        let node = graph.nodes[n]
        let k = graph.type(node.inputs[1]).shape
        switch node.op {
        case .fullyConnected:
            // the input widened to int16 in the decode's order: 16 per 32 bytes (2-bit), 10 per 20 (base 3)
            let inFeatures = k[1]
            return packing == .twoBit ? 32 * ((inFeatures + 15) / 16) : 20 * ((inFeatures + 9) / 10)
        case .depthwiseConv2d(let a):
            // the taps decoded to int8, then tc_dwconv_s8_dsp's own scratch
            return 4 * ((k[1] * k[2] * k[3] + 3) / 4) + KernelLibrary.depthwiseScratch(graph, n, a, output: output)
        default:
            // per block of 16 (2-bit) or 15 (base 3) reduction elements: two pixels' int16 columns (64),
            // a byte staging column (16) and two decoded weight rows (8)
            let taps = k[1] * k[2] * k[3], block = packing == .twoBit ? 16 : 15
            return 88 * ((taps + block - 1) / block)
        }
    }
}
