import Testing
import TinycIR

/// One window geometry of the conv / depthwise sweep.
struct WindowSweep {
    var kernel: HW, stride: HW, dilation: HW, padding: Padding
    var height: Int, width: Int
    var index: Int

    /// kernel 1x1 / 3x3 / 5x5 / 3x1 × stride 1 / 2 × SAME / VALID / explicit × dilation 1 / 2, with odd
    /// (and 1x1) spatial sizes cycled through; VALID-like cases too small for the dilated kernel grow
    /// just enough to fit.
    static let all: [WindowSweep] = {
        let kernels = [HW(1, 1), HW(3, 3), HW(5, 5), HW(3, 1)]
        let paddings: [Padding] = [.same, .valid, .explicit(Pads(top: 1, bottom: 0, left: 2, right: 1))]
        let sizes = [(7, 9), (5, 5), (1, 1), (9, 7), (6, 8), (3, 5), (8, 8)]
        var result: [WindowSweep] = []
        for kernel in kernels {
            for s in [1, 2] {
                for padding in paddings {
                    for d in [1, 2] {
                        let i = result.count
                        var (h, w) = cycle(sizes, i)
                        let p = WindowGeometry.pads(input: HW(h, w), kernel: kernel, stride: HW(s, s), dilation: HW(d, d), padding: padding)
                        h = max(h, WindowGeometry.effectiveKernel(kernel.h, dilation: d) - p.top - p.bottom)
                        w = max(w, WindowGeometry.effectiveKernel(kernel.w, dilation: d) - p.left - p.right)
                        result.append(WindowSweep(kernel: kernel, stride: HW(s, s), dilation: HW(d, d), padding: padding, height: h, width: w, index: i))
                    }
                }
            }
        }
        // Asymmetric stride and dilation, and a tall input with a wide kernel.
        result.append(WindowSweep(kernel: HW(3, 3), stride: HW(2, 1), dilation: HW(1, 2), padding: .same, height: 7, width: 9, index: result.count))
        result.append(WindowSweep(kernel: HW(1, 3), stride: HW(1, 2), dilation: HW(2, 1), padding: .valid, height: 9, width: 7, index: result.count))
        result.append(WindowSweep(kernel: HW(5, 5), stride: HW(2, 2), dilation: HW(1, 1), padding: .explicit(Pads(top: 2, bottom: 2, left: 2, right: 2)), height: 5, width: 5, index: result.count))
        return result
    }()

    func hw(_ v: HW) -> String { v.h == v.w ? "\(v.h)" : "(\(v.h),\(v.w))" }
    var label: String { "k\(kernel) s\(hw(stride)) \(padding.caseName) d\(hw(dilation))" }
}

let channelCycle = [1, 3, 5, 7, 13]
let biasCycle = [true, false, true, true, false]
let perChannelCycle = [true, true, false, true, false, true, false]

enum Conv2DCases {
    static func all() throws -> [HostCase] {
        var cases: [HostCase] = []
        for g in WindowSweep.all {
            let i = g.index
            let inC = cycle(channelCycle, i), outC = cycle([7, 1, 13, 3, 5, 4], i)
            let bias = cycle(biasCycle, i), perChannel = cycle(perChannelCycle, i), act = cycle(Activation.all, i)
            let name = "conv2d \(g.label) \(g.height)x\(g.width)x\(inC)->\(outC) \(bias ? "bias" : "no-bias") act=\(act.name) \(perChannel ? "per-channel" : "per-tensor")"
            var b = CaseBuilder(name: name, seed: 0xC0_0000 + UInt64(i))
            let x = b.input([1, g.height, g.width, inC])
            try b.conv2d(x, outChannels: outC, kernel: g.kernel,
                         Conv2D(stride: g.stride, dilation: g.dilation, padding: g.padding, activation: act),
                         bias: bias, perChannel: perChannel)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(g.height * g.width * inC)))
        }
        // Extremes: a dead channel (weight scale 0 → multiplier 0) and a single 1x1x1 pixel.
        do {
            let name = "conv2d k3x3 s1 same d1 5x5x3->4 bias act=relu6 per-channel dead-channel"
            var b = CaseBuilder(name: name, seed: 0xC0_1000)
            let x = b.input([1, 5, 5, 3])
            try b.conv2d(x, outChannels: 4, kernel: HW(3, 3), Conv2D(padding: .same, activation: .relu6), bias: true, perChannel: true)
            let w = b.graph.nodes[0].inputs[1]
            var scales = b.graph.type(w).quantization.scales
            scales[2] = 0
            b.graph[w].type.quantization = .perChannel(scales: scales, zeroPoints: [0, 0, 0, 0], axis: 0)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(75)))
        }
        do {
            let name = "conv2d k1x1 s1 valid d1 1x1x1->1 bias act=none per-tensor"
            var b = CaseBuilder(name: name, seed: 0xC0_1001)
            let x = b.input([1, 1, 1, 1])
            try b.conv2d(x, outChannels: 1, kernel: HW(1, 1), Conv2D(), bias: true, perChannel: false)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(1, count: 8)))
        }
        return cases
    }
}

@Suite("conv2d", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct Conv2DHostTests {
    @Test func conv2dMatchesReferenceBitExact() throws {
        let cases = try Conv2DCases.all()
        #expect(cases.count >= 50)
        HostHarness.expectBitExact(cases, label: "conv2d")
    }

    @Test func conv2dDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try Conv2DCases.all(), label: "conv2d-dsp", kernels: .dsp)
    }
}
