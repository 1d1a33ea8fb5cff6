import TinycIR

/// Scratch bytes of the int4 `_dsp` kernels, mirroring `tc_*_s4_dsp_scratch_bytes` in
/// Runtime-C/include/tinyc/tc_s4.h (RuntimeHostTests run the kernels in arenas sized from these).
enum Int4Scratch {
    static func bytes(_ graph: Graph, _ n: Int, output: HW) -> Int {
        let node = graph.nodes[n]
        let k = graph.type(node.inputs[1]).shape
        switch node.op {
        case .fullyConnected:
            // the input as int16 pairs (x[j], x[j + 4]) per group of 8, twice when rows start inside a byte
            let inFeatures = k[1], odd = inFeatures % 2
            return 16 * ((inFeatures + odd + 7) / 8) * (1 + odd)
        case .depthwiseConv2d(let a):
            // the taps decoded to int8, then tc_dwconv_s8_dsp's own scratch
            return 4 * ((k[1] * k[2] * k[3] + 3) / 4) + KernelLibrary.depthwiseScratch(graph, n, a, output: output)
        default:
            // int16 im2col columns of 4 pixels per group of 8 reduction elements (a second, shifted
            // set when K is odd) and an int8 staging column unless every tap is whole groups
            let inC = k[3], taps = k[1] * k[2] * inC, odd = taps % 2
            let groups = (taps + odd + 7) / 8
            return 64 * groups * (1 + odd) + (inC % 8 != 0 ? 8 * groups + 4 : 0)
        }
    }
}
