import Testing
import TinycIR
import TinycSchedule

/// The layer and model tables of the int8 host tests with every conv / depthwise / fully connected
/// weight tensor replaced by random ternary values: the generated C (ternary `_ref` or `_dsp`
/// kernels reading 2-bit or base-3 packed streams) must equal the Swift reference interpreter, which
/// runs the same graph with the weights t as int8 — byte for byte, on the host under ASan/UBSan.
enum TernaryCases {
    /// `c` with ternary weights: t uniform in {-1, 0, 1}; the weight scales are multiplied by 64 and
    /// the int32 biases divided by 64, so outputs stay in the range the int8 case was built for. Nil
    /// for a case with a zero weight scale (a "dead channel" table entry): ternary scales are positive.
    static func ternarized(_ c: HostCase, seed: UInt64) -> HostCase? {
        var g = c.graph
        var rng = SplitMix64(seed: seed)
        for node in g.nodes where node.op.weightInputIndex == 1 {
            let w = node.inputs[1]
            guard g.type(w).dtype == .s8, let count = g.constants[w]?.bytes.count else { continue }
            guard g.type(w).quantization.scales.allSatisfy({ $0 > 0 }) else { return nil }
            g[w].type.dtype = .ternary
            g[w].type.quantization = scaled(g.type(w).quantization, by: 64)
            g.constants[w] = ConstantData(int8: (0..<count).map { _ in Int8(rng.next(in: -1...1)) })
            if node.inputs.count > 2, let bias = g.constants[node.inputs[2]] {
                g.constants[node.inputs[2]] = ConstantData(int32: bias.int32.map { $0 / 64 })
                g[node.inputs[2]].type.quantization = scaled(g.type(node.inputs[2]).quantization, by: 64)
            }
        }
        return HostCase(name: "ternary \(c.name)", graph: g, inputs: c.inputs)
    }

    static func scaled(_ q: Quantization, by f: Float) -> Quantization {
        switch q {
        case .none: .none
        case .perTensor(let s, let z): .perTensor(scale: s * f, zeroPoint: z)
        case .perChannel(let s, let z, let a): .perChannel(scales: s.map { $0 * f }, zeroPoints: z, axis: a)
        }
    }

    static func all() throws -> [HostCase] {
        let tables = try Conv2DCases.all() + DepthwiseCases.all() + FullyConnectedCases.all() + ModelCases.all()
        return tables.enumerated().compactMap { ternarized($1, seed: 0x7E57 + UInt64($0)) }
    }
}

@Suite struct TernaryHostTests {
    @Test(arguments: TernaryPacking.allCases)
    func ternaryReferenceKernelsMatchReferenceBitExact(_ packing: TernaryPacking) throws {
        HostHarness.expectBitExact(try TernaryCases.all(), label: "ternary-ref-\(packing.rawValue)",
                                   kernels: KernelLibrary(dsp: false, defaultTernaryPacking: packing))
    }

    @Test(arguments: TernaryPacking.allCases)
    func ternaryDSPKernelsMatchReferenceBitExact(_ packing: TernaryPacking) throws {
        HostHarness.expectBitExact(try TernaryCases.all(), label: "ternary-dsp-\(packing.rawValue)",
                                   kernels: KernelLibrary(dsp: true, defaultTernaryPacking: packing))
    }
}
