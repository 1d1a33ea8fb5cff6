import TinycIR

/// Which Runtime-C kernel runs each node, chosen at compile time per layer, and the scratch memory
/// it needs. The schedule reserves the scratch in the arena (so the peak SRAM includes it) and the
/// code generator calls the kernel; both ask this one place.
///
/// `.reference` uses the portable `_ref` kernels everywhere (cores without the DSP extension,
/// e.g. Cortex-M0/M3). `.dsp` picks the `_dsp` kernel of a node where one exists (SMLAD/SXTB16 on
/// Cortex-M4/M7/M33; bit-exact with `_ref`, and portable C on the host). The scratch formulas
/// mirror the `tc_*_scratch_bytes` functions of the runtime's headers.
public struct KernelLibrary: Sendable, Equatable {
    public var dsp: Bool
    /// How each ternary weight tensor is packed; the others use `defaultTernaryPacking`.
    public var ternaryPacking: [TensorID: TernaryPacking]
    /// The packing of ternary tensors not in `ternaryPacking` (2-bit codes: the faster to decode).
    public var defaultTernaryPacking: TernaryPacking

    public static let reference = KernelLibrary(dsp: false)
    public static let dsp = KernelLibrary(dsp: true)

    public init(dsp: Bool, ternaryPacking: [TensorID: TernaryPacking] = [:], defaultTernaryPacking: TernaryPacking = .twoBit) {
        self.dsp = dsp
        self.ternaryPacking = ternaryPacking
        self.defaultTernaryPacking = defaultTernaryPacking
    }

    /// The packing of ternary weight tensor `id`.
    public func packing(of id: TensorID) -> TernaryPacking { ternaryPacking[id] ?? defaultTernaryPacking }

    /// Flash bytes of constant `t` as emitted: a 2-bit ternary tensor's own packed stream; for a
    /// base-3 tensor, the bytes it adds to the model's shared base-3 stream (these add up to
    /// exactly the stream's length); else its data.
    public func flashBytes(_ graph: Graph, _ t: TensorID) -> Int {
        let type = graph.type(t)
        if type.dtype == .s4 { return Int4Packing.bytes(count: type.count) }
        guard type.dtype == .ternary else { return type.byteCount }
        guard packing(of: t) == .base3, let first = base3Stream(graph).first[t] else { return packing(of: t).bytes(count: type.count) }
        let b3 = TernaryPacking.base3
        return b3.bytes(count: first + type.count) - b3.bytes(count: first)
    }

    /// The model's one base-3 stream: every base-3 tensor's weights one after the other, in tensor
    /// order, so that no tensor wastes the unused trits of a last byte of its own (each kernel
    /// takes the index of its tensor's first weight). `first[t]` is where tensor t starts;
    /// `weights` is the stream's length.
    public func base3Stream(_ graph: Graph) -> (first: [TensorID: Int], weights: Int) {
        var first: [TensorID: Int] = [:]
        var weights = 0
        for t in graph.tensors.indices.map(TensorID.init)
        where graph.isConstant(t) && graph.type(t).dtype == .ternary && packing(of: t) == .base3 {
            first[t] = weights
            weights += graph.type(t).count
        }
        return (first, weights)
    }

    /// The packing of node `n`'s weights when they are ternary, else nil.
    public func ternary(_ graph: Graph, _ n: Int) -> TernaryPacking? {
        let node = graph.nodes[n]
        guard node.op.weightInputIndex == 1, graph.type(node.inputs[1]).dtype == .ternary else { return nil }
        return packing(of: node.inputs[1])
    }

    /// The kernel of one node.
    public struct Choice: Sendable, Equatable {
        /// The C function.
        public var name: String
        /// Whether it takes the folded bias (`bias + input_offset * sum of the taps`, tc_kernels.h).
        public var foldedBias: Bool
        /// Arena bytes it needs as scratch while it runs (0: none).
        public var scratchBytes: Int
        /// Whether it reads the weights in its own layout (`tc_fc_s8_dsp_pack_weights`), emitted
        /// 4-byte aligned, instead of TFLite's.
        public var packedWeights: Bool
        /// For ternary weights, the packed stream format it is passed with (tc_ternary.h).
        public var ternary: TernaryPacking?

        public init(_ name: String, foldedBias: Bool = false, scratchBytes: Int = 0, packedWeights: Bool = false,
                    ternary: TernaryPacking? = nil) {
            self.name = name
            self.foldedBias = foldedBias
            self.scratchBytes = scratchBytes
            self.packedWeights = packedWeights
            self.ternary = ternary
        }
    }

    /// Height and width of a node's input and output as one call of its kernel sees them: the
    /// whole tensors, or the largest tile of a patch stage (each dimension maximised separately).
    public struct Extent: Sendable, Equatable {
        public var input: HW, output: HW
        public init(input: HW, output: HW) { self.input = input; self.output = output }

        /// The whole tensors of node `n`.
        public static func whole(_ graph: Graph, _ n: Int) -> Extent {
            let x = graph.type(graph.nodes[n].inputs[0]).shape, y = graph.type(graph.nodes[n].outputs[0]).shape
            return Extent(input: HW(x.count == 4 ? x[1] : 1, x.count == 4 ? x[2] : 1),
                          output: HW(y.count == 4 ? y[1] : 1, y.count == 4 ? y[2] : 1))
        }
    }

    /// The kernel of node `n` run out of place (`extent`: nil for the whole tensors). On a patch
    /// tile the same kernel sees local pads, which can be negative, and row strides (a pointwise
    /// conv gets the crop of its input tile under the output tile, so it has no padding).
    public func choice(_ graph: Graph, _ n: Int, extent: Extent? = nil) -> Choice {
        let node = graph.nodes[n]
        let e = extent ?? .whole(graph, n)
        if let packing = ternary(graph, n) { return ternaryChoice(graph, n, packing, extent: e) }
        if node.op.weightInputIndex == 1, graph.type(node.inputs[1]).dtype == .s4 { return int4Choice(graph, n, extent: e) }
        switch node.op {
        case .conv2d:
            guard dsp else { return Choice("tc_conv2d_s8_ref") }
            if Self.isPointwise(graph, n), graph.type(node.inputs[1]).shape[3] < Self.pointwiseIm2colMinChannels {
                return Choice("tc_conv2d_1x1_s8_dsp", foldedBias: true)
            }
            return Choice("tc_conv2d_s8_dsp", foldedBias: true, scratchBytes: Self.im2colBytes(graph, n))
        case .depthwiseConv2d(let a):
            guard dsp else { return Choice("tc_dwconv_s8_ref") }
            return Choice("tc_dwconv\(Self.depthwiseVariant(graph, n, a))_s8_dsp", foldedBias: true,
                          scratchBytes: Self.depthwiseScratch(graph, n, a, output: e.output))
        case .fullyConnected:
            guard dsp else { return Choice("tc_fc_s8_ref") }
            // tc_fc_s8_dsp_scratch_bytes: the input widened to int16, in_features rounded up to 4
            let k = graph.type(node.inputs[1]).shape[1]
            return Choice("tc_fc_s8_dsp", foldedBias: true, scratchBytes: 2 * ((k + 3) / 4 * 4), packedWeights: true)
        case .maxPool2d:
            return Choice("tc_maxpool_s8_ref")
        case .avgPool2d:
            return Choice(dsp ? "tc_avgpool_s8_dsp" : "tc_avgpool_s8_ref")
        case .add:
            return Choice(dsp ? "tc_add_s8_dsp" : "tc_add_s8_ref")
        default:
            return Choice("")
        }
    }

    /// The ternary kernel of conv / depthwise / fully connected node `n` (Runtime-C tc_*_ternary.h).
    func ternaryChoice(_ graph: Graph, _ n: Int, _ packing: TernaryPacking, extent e: Extent) -> Choice {
        let family = Self.weightedFamily(graph, n)
        guard dsp else { return Choice("\(family)_ternary_ref", ternary: packing) }
        return Choice("\(family)_ternary_dsp", foldedBias: true,
                      scratchBytes: TernaryScratch.bytes(graph, n, packing, output: e.output), ternary: packing)
    }

    /// The int4-weight kernel of conv / depthwise / fully connected node `n` (Runtime-C tc_s4.h).
    func int4Choice(_ graph: Graph, _ n: Int, extent e: Extent) -> Choice {
        let family = Self.weightedFamily(graph, n)
        guard dsp else { return Choice("\(family)_s4_ref") }
        return Choice("\(family)_s4_dsp", foldedBias: true, scratchBytes: Int4Scratch.bytes(graph, n, output: e.output))
    }

    /// The kernel name prefix of conv / depthwise / fully connected node `n` (the low-bit kernels
    /// are `<prefix>_ternary_*` and `<prefix>_s4_*`).
    static func weightedFamily(_ graph: Graph, _ n: Int) -> String {
        switch graph.nodes[n].op {
        case .conv2d: "tc_conv2d"
        case .depthwiseConv2d: "tc_dwconv"
        default: "tc_fc"
        }
    }

    /// Whether node `n` may run as in-place depthwise or with the next add fused into it: the
    /// ternary and int4 kernels have neither variant.
    public func hasMemoryVariants(_ graph: Graph, _ n: Int) -> Bool {
        let node = graph.nodes[n]
        guard node.op.weightInputIndex == 1, node.inputs.count > 1 else { return true }
        return !graph.type(node.inputs[1]).dtype.isLowBitWeight
    }

    /// The kernel of conv node `n` with the add after it computed in its epilogue.
    public func fusedConvAdd(_ graph: Graph, _ n: Int) -> Choice {
        guard dsp else { return Choice("tc_conv2d_add_s8_ref") }
        return Choice("tc_conv2d_add_s8_dsp", foldedBias: true, scratchBytes: Self.im2colBytes(graph, n))
    }

    /// The kernel of in-place depthwise node `n` and its scratch (`extent`: nil for the whole tensors).
    public func inPlaceDepthwise(_ graph: Graph, _ n: Int, extent: Extent? = nil) -> Choice {
        let e = extent ?? .whole(graph, n)
        guard dsp, case .depthwiseConv2d(let a) = graph.nodes[n].op else {
            // tc_dwconv_s8_inplace_scratch_bytes: one channel plane of the input (float graphs, which
            // `tinyc inspect` schedules, have 4-byte elements)
            let element = graph.type(graph.nodes[n].inputs[0]).dtype.size
            return Choice("tc_dwconv_s8_inplace_ref", scratchBytes: e.input.h * e.input.w * element)
        }
        return Choice("tc_dwconv\(Self.depthwiseVariant(graph, n, a))_s8_inplace_dsp", foldedBias: true,
                      scratchBytes: Self.depthwiseScratch(graph, n, a, output: e.output))
    }

    /// tc_conv2d_s8_dsp_scratch_bytes: two int16 im2col columns of K4 = K rounded up to 4, K =
    /// kernel.h * kernel.w * input.c, plus an int8 staging column when input.c % 4 != 0.
    static func im2colBytes(_ graph: Graph, _ n: Int) -> Int {
        let k = graph.type(graph.nodes[n].inputs[1]).shape
        let taps = k[1] * k[2] * k[3]
        let k4 = (taps + 3) / 4 * 4
        return 4 * k4 + (k[3] % 4 != 0 ? k4 : 0)
    }

    /// "_3x3s1", "_3x3s2" or "" (the general depthwise kernel).
    static func depthwiseVariant(_ graph: Graph, _ n: Int, _ a: DepthwiseConv2D) -> String {
        let k = graph.type(graph.nodes[n].inputs[1]).shape
        guard k[1] == 3, k[2] == 3, a.dilation == .one, a.depthMultiplier == 1, a.stride.h == a.stride.w else { return "" }
        return a.stride.h == 1 ? "_3x3s1" : a.stride.h == 2 ? "_3x3s2" : ""
    }

    /// tc_dwconv_s8_dsp_scratch_bytes for an output of `output` pixels: an int16 plane of one channel
    /// of the padded window (WY x PW, PW = WX rounded up to even), max(one row + 1, 64) int32
    /// accumulators and the taps as int16 pairs.
    static func depthwiseScratch(_ graph: Graph, _ n: Int, _ a: DepthwiseConv2D, output: HW) -> Int {
        let k = graph.type(graph.nodes[n].inputs[1]).shape
        let wy = (output.h - 1) * a.stride.h + (k[1] - 1) * a.dilation.h + 1
        let wx = (output.w - 1) * a.stride.w + (k[2] - 1) * a.dilation.w + 1
        let pw = (wx + 1) / 2 * 2
        return 4 + 2 * (wy * pw + 4) + 4 * max(output.w + 1, 64) + 4 * k[1] * ((k[2] + 1) / 2)
    }

    /// Pointwise convs with at least this many input channels run through the im2col kernel: for
    /// a 1×1 window its "im2col" is just the two pixels widened to int16 once, and its 2×2 assembly
    /// loop does 32 MACs in 34 instructions against tc_conv2d_1x1_s8_dsp's 16 in 22. Below it the
    /// widening per pixel pair costs more than it saves, and the scratch-free 1×1 kernel is faster
    /// (measured with `Scripts/bench_mlperf.py --per-layer`: VWW's 8→16 pointwise layer 1.53M vs
    /// 1.61M instructions; its 16→32 layer 0.98M vs 0.88M; KWS's 64→64 layers 0.95M vs 0.78M).
    static let pointwiseIm2colMinChannels = 16

    /// Whether conv node `n` is pointwise: 1×1 kernel, stride 1, no padding (so the output has the
    /// input's height and width).
    public static func isPointwise(_ graph: Graph, _ n: Int) -> Bool {
        let node = graph.nodes[n]
        guard case .conv2d(let a) = node.op else { return false }
        let k = graph.type(node.inputs[1]).shape
        let x = graph.type(node.inputs[0]).shape, y = graph.type(node.outputs[0]).shape
        return k[1] == 1 && k[2] == 1 && a.stride == .one && a.dilation == .one && x[1] == y[1] && x[2] == y[2]
    }
}

extension Schedule {
    /// The kernel node `n` runs with in this schedule: the conv + add fused in its epilogue,
    /// in-place depthwise, or plain (on whole tensors or on patch tiles).
    public func kernel(_ graph: Graph, _ n: Int) -> KernelLibrary.Choice {
        if fusedAdds[n] != nil { return kernels.fusedConvAdd(graph, n) }
        if inPlaceDepthwise.contains(n) { return kernels.inPlaceDepthwise(graph, n) }
        return kernels.choice(graph, n)
    }
}
