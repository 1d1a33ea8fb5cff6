import TinycIR

/// Scratch bytes of the ternary `_dsp` kernels, mirroring `tc_*_ternary_dsp_scratch_bytes` in
/// Runtime-C/include/tinyc/tc_conv2d_ternary.h and tc_fc_ternary.h.
enum TernaryScratch {
    static func bytes(_ graph: Graph, _ n: Int, _ packing: TernaryPacking, output: HW) -> Int {
        0 // filled in from the runtime's formulas
    }
}
