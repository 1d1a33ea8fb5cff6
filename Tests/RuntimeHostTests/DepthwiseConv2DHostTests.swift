import Testing
import TinycIR

enum DepthwiseCases {
    /// The conv window sweep (kernel, stride, padding, dilation, odd sizes) × depth multiplier 1/2/3.
    static func all() throws -> [HostCase] {
        var cases: [HostCase] = []
        for g in WindowSweep.all {
            let i = g.index
            let channels = cycle(channelCycle, i + 2), m = cycle([1, 2, 3, 1], i)
            let bias = cycle(biasCycle, i + 1), perChannel = cycle(perChannelCycle, i + 3), act = cycle(Activation.all, i + 1)
            let name = "depthwise_conv2d \(g.label) m\(m) \(g.height)x\(g.width)x\(channels)->\(channels * m) \(bias ? "bias" : "no-bias") act=\(act.name) \(perChannel ? "per-channel" : "per-tensor")"
            var b = CaseBuilder(name: name, seed: 0xD0_0000 + UInt64(i))
            let x = b.input([1, g.height, g.width, channels])
            try b.depthwise(x, kernel: g.kernel,
                            DepthwiseConv2D(stride: g.stride, dilation: g.dilation, padding: g.padding, depthMultiplier: m, activation: act),
                            bias: bias, perChannel: perChannel)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(g.height * g.width * channels)))
        }
        // Every multiplier with the common MobileNet geometry and 13 channels.
        for m in [1, 2, 3] {
            let name = "depthwise_conv2d k3x3 s2 same d1 m\(m) 9x7x13->\(13 * m) bias act=relu6 per-channel mobilenet"
            var b = CaseBuilder(name: name, seed: 0xD0_1000 + UInt64(m))
            let x = b.input([1, 9, 7, 13])
            try b.depthwise(x, kernel: HW(3, 3), DepthwiseConv2D(stride: HW(2, 2), padding: .same, depthMultiplier: m, activation: .relu6),
                            bias: true, perChannel: true)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(9 * 7 * 13)))
        }
        return cases
    }
}

@Suite("depthwise_conv2d", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct DepthwiseConv2DHostTests {
    @Test func depthwiseMatchesReferenceBitExact() throws {
        let cases = try DepthwiseCases.all()
        #expect(cases.count >= 50)
        #expect(Set(cases.map { $0.graph.nodes[0].op }.compactMap { op -> Int? in
            if case .depthwiseConv2d(let a) = op { return a.depthMultiplier } else { return nil }
        }) == [1, 2, 3])
        HostHarness.expectBitExact(cases, label: "depthwise_conv2d")
    }

    @Test func depthwiseDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try DepthwiseCases.all(), label: "depthwise_conv2d-dsp", kernels: .dsp)
    }
}
