import Testing
import TinycIR

/// Whole small models: several layers, so the arena plan reuses memory and keeps long-lived
/// tensors (residuals, concat branches) apart from short-lived ones.
enum ModelCases {
    /// conv → dwconv → 1x1 conv → add(residual) → maxpool → mean → fc → softmax.
    static func residualBlock(seed: UInt64) throws -> HostCase {
        let name = "model residual conv-dw-conv-add-maxpool-mean-fc-softmax seed \(seed)"
        var b = CaseBuilder(name: name, seed: seed)
        let x = b.input([1, 9, 9, 3])
        let c1 = try b.conv2d(x, outChannels: 8, kernel: HW(3, 3), Conv2D(padding: .same, activation: .relu), bias: true, perChannel: true)
        let d = try b.depthwise(c1, kernel: HW(3, 3), DepthwiseConv2D(padding: .same, activation: .relu6), bias: true, perChannel: true)
        let c2 = try b.conv2d(d, outChannels: 8, kernel: HW(1, 1), Conv2D(), bias: true, perChannel: false)
        let a = try b.add(c1, c2, .relu)
        let p = try b.node(.maxPool2d(Pool2D(kernel: HW(2, 2), stride: HW(2, 2), padding: .same)), [a], b.q(a))
        let m = try b.node(.mean(Mean(keepDims: false)), [p], Q(scale: b.q(p).scale * 0.7, zeroPoint: b.rnd.zeroPoint() / 4))
        let f = try b.fullyConnected(m, outFeatures: 10, activation: .none, bias: true, perChannel: true, outScale: 0.05)
        try b.node(.softmax(beta: 1), [f], Q(scale: 1.0 / 256, zeroPoint: -128))
        return HostCase(name: name, graph: b.graph, inputs: b.rnd.clusteredInputs(pixels: 81, channels: 3, count: 4))
    }

    /// conv s2 valid → avgpool → pad → dwconv m2 → mean (keep dims) → reshape → fc → fc → softmax.
    static func strided(seed: UInt64) throws -> HostCase {
        let name = "model strided conv-avgpool-pad-dw(m2)-mean-reshape-fc-fc-softmax seed \(seed)"
        var b = CaseBuilder(name: name, seed: seed)
        let x = b.input([1, 11, 7, 2])
        let c = try b.conv2d(x, outChannels: 6, kernel: HW(5, 5), Conv2D(stride: HW(2, 2), activation: .relu6), bias: true, perChannel: true)
        let ap = try b.node(.avgPool2d(Pool2D(kernel: HW(3, 3), padding: .same)), [c], b.q(c))
        let pd = try b.node(.pad(Pads(top: 1, bottom: 1, left: 1, right: 1)), [ap], b.q(ap))
        let d = try b.depthwise(pd, kernel: HW(3, 3), DepthwiseConv2D(depthMultiplier: 2, activation: .relu), bias: false, perChannel: true)
        let m = try b.node(.mean(Mean(keepDims: true)), [d], Q(scale: b.q(d).scale * 0.8, zeroPoint: b.q(d).zeroPoint / 2))
        let r = try b.node(.reshape, [m], b.q(m), shape: [1, b.shape(m)[3]])
        let f1 = try b.fullyConnected(r, outFeatures: 5, activation: .relu, bias: true, perChannel: false)
        let f2 = try b.fullyConnected(f1, outFeatures: 3, activation: .none, bias: true, perChannel: true, outScale: 0.08)
        try b.node(.softmax(beta: 0.5), [f2], Q(scale: 1.0 / 256, zeroPoint: -128))
        return HostCase(name: name, graph: b.graph, inputs: b.rnd.clusteredInputs(pixels: 77, channels: 2, count: 4))
    }

    /// conv → (relu branch) → concat → dwconv s2 → maxpool → add(dw, maxpool) → reshape → fc.
    static func branches(seed: UInt64) throws -> HostCase {
        let name = "model branches conv-relu-concat-dw-maxpool-add-reshape-fc seed \(seed)"
        var b = CaseBuilder(name: name, seed: seed)
        let x = b.input([1, 8, 6, 4])
        let c = try b.conv2d(x, outChannels: 6, kernel: HW(1, 1), Conv2D(), bias: true, perChannel: true)
        let r = try b.node(.activation(.relu), [c], b.q(c))
        let cat = try b.node(.concat(axis: 3), [c, r], b.q(c))
        let d = try b.depthwise(cat, kernel: HW(3, 3), DepthwiseConv2D(stride: HW(2, 2), padding: .same), bias: true, perChannel: true)
        let mp = try b.node(.maxPool2d(Pool2D(kernel: HW(3, 3), padding: .same)), [d], b.q(d))
        let a = try b.add(d, mp, .none)
        let flat = try b.node(.reshape, [a], b.q(a), shape: [1, b.shape(a).reduce(1, *)])
        try b.fullyConnected(flat, outFeatures: 7, activation: .none, bias: true, perChannel: false)
        return HostCase(name: name, graph: b.graph, inputs: b.rnd.clusteredInputs(pixels: 48, channels: 4, count: 4))
    }

    /// A random chain: 3–6 layers drawn from conv / dwconv / pools / relu / pad / residual add /
    /// concat, then mean → fc → softmax. SAME padding everywhere keeps every shape positive.
    static func randomChain(seed: UInt64) throws -> HostCase {
        var b = CaseBuilder(name: "", seed: seed)
        let inShape = [1, b.rnd.int(5...12), b.rnd.int(5...12), b.rnd.int(1...8)]
        var t = b.input(inShape)
        var ops: [String] = []
        var earlier: [TensorID] = [t]
        for _ in 0..<b.rnd.int(3...6) {
            let c = b.shape(t)[3]
            switch b.rnd.int(0...7) {
            case 0:
                let k = [1, 3, 5][b.rnd.int(0...2)], s = b.rnd.int(1...2)
                t = try b.conv2d(t, outChannels: b.rnd.int(1...9), kernel: HW(k, k),
                                 Conv2D(stride: HW(s, s), padding: .same, activation: Activation.all[b.rnd.int(0...2)]),
                                 bias: b.rnd.bool(), perChannel: b.rnd.bool())
                ops.append("conv\(k)s\(s)")
            case 1:
                let m = b.rnd.int(1...2)
                t = try b.depthwise(t, kernel: HW(3, 3), DepthwiseConv2D(padding: .same, depthMultiplier: m, activation: Activation.all[b.rnd.int(0...2)]),
                                    bias: b.rnd.bool(), perChannel: b.rnd.bool())
                ops.append("dw m\(m)")
            case 2:
                let attrs = Pool2D(kernel: HW(2, 2), stride: HW(2, 2), padding: .same)
                t = try b.node(b.rnd.bool() ? .maxPool2d(attrs) : .avgPool2d(attrs), [t], b.q(t))
                ops.append("pool")
            case 3:
                t = try b.node(.activation(b.rnd.bool() ? .relu : .relu6), [t], b.q(t))
                ops.append("relu")
            case 4:
                t = try b.node(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), [t], b.q(t))
                ops.append("pad")
            case 5:
                // Residual add with the oldest tensor of the same shape, if any (a long lifetime).
                if let other = earlier.first(where: { b.shape($0) == b.shape(t) && $0 != t }) {
                    t = try b.add(other, t, Activation.all[b.rnd.int(0...2)])
                    ops.append("add")
                } else {
                    t = try b.depthwise(t, kernel: HW(1, 1), DepthwiseConv2D(), bias: true, perChannel: true)
                    ops.append("dw1x1")
                }
            case 6:
                let r = try b.node(.activation(.relu), [t], b.q(t))
                t = try b.node(.concat(axis: 3), [t, r], b.q(t))
                ops.append("concat")
            default:
                t = try b.conv2d(t, outChannels: c, kernel: HW(1, 1), Conv2D(), bias: true, perChannel: true)
                ops.append("conv1")
            }
            earlier.append(t)
        }
        let m = try b.node(.mean(Mean(keepDims: false)), [t], Q(scale: b.q(t).scale * 0.6, zeroPoint: b.q(t).zeroPoint / 2))
        let f = try b.fullyConnected(m, outFeatures: b.rnd.int(2...12), activation: .none, bias: true, perChannel: b.rnd.bool(), outScale: 0.05)
        try b.node(.softmax(beta: 1), [f], Q(scale: 1.0 / 256, zeroPoint: -128))
        let name = "model random seed \(seed) \(inShape.dropFirst().map(String.init).joined(separator: "x")): \(ops.joined(separator: "-"))-mean-fc-softmax"
        b.graph.name = name
        return HostCase(name: name, graph: b.graph, inputs: b.rnd.clusteredInputs(pixels: inShape[1] * inShape[2], channels: inShape[3], count: 4))
    }

    static func all() throws -> [HostCase] {
        var cases: [HostCase] = []
        for seed: UInt64 in [1, 2] {
            cases.append(try residualBlock(seed: 0x30DE_0000 + seed))
            cases.append(try strided(seed: 0x30DE_1000 + seed))
            cases.append(try branches(seed: 0x30DE_2000 + seed))
        }
        for seed: UInt64 in 1...4 { cases.append(try randomChain(seed: 0x30DE_3000 + seed)) }
        return cases
    }
}

@Suite("models", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct ModelHostTests {
    @Test func multiLayerModelsMatchReferenceBitExact() throws {
        let cases = try ModelCases.all()
        // The point of these graphs is arena reuse: every plan must share memory between tensors.
        for c in cases {
            let plan = try HostHarness.plan(c.graph)
            let total = c.graph.tensors.indices.filter { !c.graph.isConstant(TensorID($0)) }.map { c.graph.tensors[$0].type.byteCount }.reduce(0, +)
            #expect(plan.peakBytes < total, "\(c.name): arena \(plan.peakBytes) B reuses nothing (sum of activations \(total) B)")
        }
        HostHarness.expectBitExact(cases, label: "models")
    }

    /// The same graphs with the `_dsp` kernels (in-place depthwise, fused conv + add, scratch).
    @Test func multiLayerModelsWithDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try ModelCases.all(), label: "models-dsp", kernels: .dsp)
    }
}
