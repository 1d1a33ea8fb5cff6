import Testing
import TinycIR
import TinycSchedule

/// The layer and model tables of the int8 host tests with every conv / depthwise / fully connected
/// weight tensor replaced by random int4 values: the generated C (int4 `_ref` or `_dsp` kernels
/// reading TFLite's packed nibbles) must equal the Swift reference interpreter, which runs the same
/// graph with the weights as int8 — byte for byte, on the host under ASan/UBSan.
enum Int4Cases {
    /// `c` with int4 weights uniform in -8...7 (both ends included: -8 is legal in TFLite's int4);
    /// the weight scales are multiplied by 16 and the int32 biases divided by 16, so outputs stay in
    /// the range the int8 case was built for. Nil for a case with a zero weight scale.
    static func lowered(_ c: HostCase, seed: UInt64) -> HostCase? {
        var g = c.graph
        var rng = SplitMix64(seed: seed)
        for node in g.nodes where node.op.weightInputIndex == 1 {
            let w = node.inputs[1]
            guard g.type(w).dtype == .s8, let count = g.constants[w]?.bytes.count else { continue }
            guard g.type(w).quantization.scales.allSatisfy({ $0 > 0 }) else { return nil }
            g[w].type.dtype = .s4
            g[w].type.quantization = TernaryCases.scaled(g.type(w).quantization, by: 16)
            g.constants[w] = ConstantData(int8: (0..<count).map { _ in Int8(rng.next(in: -8...7)) })
            if node.inputs.count > 2, let bias = g.constants[node.inputs[2]] {
                g.constants[node.inputs[2]] = ConstantData(int32: bias.int32.map { $0 / 16 })
                g[node.inputs[2]].type.quantization = TernaryCases.scaled(g.type(node.inputs[2]).quantization, by: 16)
            }
        }
        return HostCase(name: "int4 \(c.name)", graph: g, inputs: c.inputs)
    }

    static func all() throws -> [HostCase] {
        let tables = try Conv2DCases.all() + DepthwiseCases.all() + FullyConnectedCases.all() + ModelCases.all()
        return tables.enumerated().compactMap { lowered($1, seed: 0x1444 + UInt64($0)) }
    }
}

@Suite struct Int4HostTests {
    @Test func int4ReferenceKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try Int4Cases.all(), label: "int4-ref", kernels: KernelLibrary(dsp: false))
    }

    @Test func int4DSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try Int4Cases.all(), label: "int4-dsp", kernels: KernelLibrary(dsp: true))
    }
}
