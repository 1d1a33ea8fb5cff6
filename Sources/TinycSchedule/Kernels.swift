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

    public static let reference = KernelLibrary(dsp: false)
    public static let dsp = KernelLibrary(dsp: true)

    public init(dsp: Bool) { self.dsp = dsp }

    /// The kernel of one node.
    public struct Choice: Sendable, Equatable {
        /// The C function.
        public var name: String
        /// Whether it takes the folded bias (`bias + input_offset * sum of the taps`, tc_kernels.h).
        public var foldedBias: Bool
        /// Arena bytes it needs as scratch while it runs (0: none).
        public var scratchBytes: Int

        public init(_ name: String, foldedBias: Bool = false, scratchBytes: Int = 0) {
            self.name = name
            self.foldedBias = foldedBias
            self.scratchBytes = scratchBytes
        }
    }

    /// The kernel of node `n`, run out of place on its whole tensors.
    public func choice(_ graph: Graph, _ n: Int) -> Choice {
        let node = graph.nodes[n]
        switch node.op {
        case .conv2d:
            if dsp && Self.isPointwise(graph, n) { return Choice("tc_conv2d_1x1_s8_dsp", foldedBias: true) }
            return Choice("tc_conv2d_s8_ref")
        case .depthwiseConv2d:
            return Choice("tc_dwconv_s8_ref")
        case .fullyConnected:
            return Choice("tc_fc_s8_ref")
        case .maxPool2d:
            return Choice("tc_maxpool_s8_ref")
        case .avgPool2d:
            return Choice("tc_avgpool_s8_ref")
        case .add:
            return Choice("tc_add_s8_ref")
        default:
            return Choice("")
        }
    }

    /// The kernel of conv node `n` with the add after it computed in its epilogue.
    public func fusedConvAdd(_ graph: Graph, _ n: Int) -> Choice {
        Choice("tc_conv2d_add_s8_ref")
    }

    /// The kernel of patch-stage node `n` on one tile: windowed kernels see local pads, which
    /// can be negative, and row strides. (A pointwise conv gets the crop of its input tile under
    /// the output tile, so it has no padding.)
    public func tile(_ graph: Graph, _ n: Int) -> Choice {
        choice(graph, n)
    }

    /// The kernel of in-place depthwise node `n`, and its scratch for an input of `h x w` pixels
    /// (the largest tile in a patch stage).
    public func inPlaceDepthwise(_ graph: Graph, _ n: Int, inputPixels h: Int, _ w: Int) -> Choice {
        Choice("tc_dwconv_s8_inplace_ref", scratchBytes: h * w)
    }

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
    /// in-place depthwise, a patch-stage tile, or plain.
    public func kernel(_ graph: Graph, _ n: Int) -> KernelLibrary.Choice {
        if fusedAdds[n] != nil { return kernels.fusedConvAdd(graph, n) }
        if inPlaceDepthwise.contains(n) { return kernels.inPlaceDepthwise(graph, n, inputPixels: 0, 0) }
        if let patch, n < patch.split { return kernels.tile(graph, n) }
        return kernels.choice(graph, n)
    }
}
