import Testing
import TinycIR
import TinycReference
import TinycSchedule

/// The machinery of the value-driven patch experiment (docs/vdpc.md): the b-bit grid on
/// hand-computed values, the outlier classification of constructed inputs, and that a stage with
/// every feature map at 8 bits is exactly the tile-by-tile 8-bit run.
struct ValueDrivenPatchTests {
    /// Hand-computed: level k is z + k·step, ties round away from the zero point, then clamp.
    @Test func fourAndTwoBitGridsOnHandComputedValues() {
        let relu4 = LowBitGrid(bits: 4, zeroPoint: -128)  // step 16, levels 0...15 (int8 -128 ... 112)
        #expect(relu4.step == 16 && relu4.levels == 0...15)
        #expect(relu4.apply(-128) == -128)
        #expect(relu4.apply(-121) == -128)  // 7/16 rounds to 0
        #expect(relu4.apply(-120) == -112)  // 8/16 is a tie: away from zero, to 1
        #expect(relu4.apply(0) == 0)  // 128/16 = 8 exactly
        #expect(relu4.apply(127) == 112)  // 255/16 rounds to 16, clamped to level 15

        let relu2 = LowBitGrid(bits: 2, zeroPoint: -128)  // step 64, levels 0...3
        #expect(relu2.levels == 0...3)
        #expect(relu2.apply(-97) == -128)  // 31/64 -> 0
        #expect(relu2.apply(-96) == -64)  // 32/64 tie -> 1
        #expect(relu2.apply(127) == 64)  // 255/64 -> 4, clamped to 3

        let signed = LowBitGrid(bits: 4, zeroPoint: 0)  // levels -8...7
        #expect(signed.levels == -8...7)
        #expect(signed.apply(-8) == -16)  // tie away from zero
        #expect(signed.apply(-7) == 0)
        #expect(signed.apply(-128) == -128)
        #expect(signed.apply(127) == 112)

        let odd = LowBitGrid(bits: 4, zeroPoint: -5)  // the multiples of 16 around -5 inside int8: k = -7...8
        #expect(odd.levels == -7...8)
        #expect(odd.apply(127) == 123)
        #expect(odd.apply(-128) == -117)  // -123/16 -> -8, clamped to -7

        let fitted = LowBitGrid.fitted(bits: 4, zeroPoint: -128, threshold: 100)  // 15·8 = 120 >= 100 > 15·4
        #expect(fitted.step == 8 && fitted.levels == 0...15)
        #expect(fitted.apply(-28) == -24)  // 100/8 = 12.5 -> 13
        #expect(fitted.apply(127) == -8)  // clamped to level 15
    }

    /// Properties over every zero point: 8 bits is the identity; the full grid has exactly 2^b
    /// levels, all inside int8, and is idempotent.
    @Test func gridPropertiesOverEveryZeroPoint() {
        for z in -128...127 {
            let identity = LowBitGrid(bits: 8, zeroPoint: z)
            for q in Int8.min...Int8.max { #expect(identity.apply(q) == q) }
            for bits in 1...7 {
                let g = LowBitGrid(bits: bits, zeroPoint: z)
                #expect(g.levels.count == 1 << bits, "z \(z) bits \(bits)")
                let values = Set((Int8.min...Int8.max).map { g.apply($0) })
                #expect(values.count == 1 << bits)
                #expect(values.allSatisfy { g.apply($0) == $0 })
            }
        }
    }

    @Test func outlierTestReadsDistanceFromTheZeroPoint() {
        #expect(!ValueDrivenPatch.isOutlier([-128, -28, -100], zeroPoint: -128, threshold: 100))
        #expect(ValueDrivenPatch.isOutlier([-128, -27, -100], zeroPoint: -128, threshold: 100))
        #expect(!ValueDrivenPatch.isOutlier([3, -7, 13], zeroPoint: 3, threshold: 10))  // 10 below and above: not beyond
        #expect(ValueDrivenPatch.isOutlier([3, -8], zeroPoint: 3, threshold: 10))  // 11 below
        #expect(ValueDrivenPatch.isOutlier([14, 3], zeroPoint: 3, threshold: 10))  // 11 above
    }

    static func vww() throws -> (ReferenceInterpreter, PatchGeometry) {
        let graph = try PatchModels.load("vww_96_int8")
        return (try ReferenceInterpreter(graph), PatchGeometry(graph: graph, split: 8, grid: HW(1, 3)))
    }

    /// Every stage feature map on an 8-bit grid, classification on: bit-exact with `runPatched`
    /// (and the layer-by-layer run), with the 8-bit BitOPs.
    @Test func allEightBitsEqualsRunPatched() throws {
        let (interpreter, patch) = try Self.vww()
        let graph = interpreter.graph
        let maps = [graph.inputs[0]] + (0..<patch.split).map { graph.nodes[$0].outputs[0] }
        var grids: [TensorID: LowBitGrid] = [:]
        for t in maps { grids[t] = LowBitGrid(bits: 8, zeroPoint: Int(graph.type(t).quantization.perTensorParameters!.zeroPoint)) }
        let vd = ValueDrivenPatch(patch: patch, testTensor: graph.inputs[0], threshold: 200, grids: grids)
        let input = PatchModels.randomInput(graph, seed: 11)
        let run = try interpreter.runValueDriven(input, vd)
        let patched = try interpreter.runPatched(.s8(input), patch: patch)
        #expect(TensorValue.s8(run.output) == patched)
        #expect(patched == (try interpreter.run(.s8(input))))
        #expect(run.bitOps == StageCost(graph: graph, patch: patch).bitOps8)
        #expect(run.outliers == [true, true, true])  // uniform noise reaches past 200 in every tile
    }

    /// A dim image with one bright pixel in the last column: only the last tile (the only one whose
    /// input region holds that column) is an outlier and stays at 8 bits; the others run with a
    /// 4-bit input and cost half the first layer's BitOPs there.
    @Test func outlierClassificationOfAConstructedInput() throws {
        let (interpreter, patch) = try Self.vww()
        let graph = interpreter.graph
        let input = graph.inputs[0]
        #expect(patch.region(input, 0, 1).cols.upper < 95 && patch.region(input, 0, 2).cols.upper == 95)
        var x = [Int8](repeating: -28, count: graph.type(input).count)  // |q - z| = 100 everywhere
        x[(40 * 96 + 95) * 3 + 1] = 127  // one bright green pixel, |q - z| = 255
        let grid = LowBitGrid(bits: 4, zeroPoint: -128)
        let vd = ValueDrivenPatch(patch: patch, testTensor: input, threshold: 200, grids: [input: grid])
        let run = try interpreter.runValueDriven(x, vd)
        #expect(run.outliers == [false, false, true])
        let cost = StageCost(graph: graph, patch: patch)
        let saved = (0..<2).reduce(0) { $0 + cost.macs(0, 0, $1) * 4 * 8 }
        #expect(run.bitOps == cost.bitOps8 - saved)
        // The same run with the classification off lowers every tile.
        var all = vd
        all.classify = false
        #expect(try interpreter.runValueDriven(x, all).outliers == [false, false, false])
        // -28 is 100 above the zero point: on the 4-bit grid 100/16 = 6.25 -> level 6 = -32, so the
        // non-outlier tiles see a changed input and the output may differ; the threshold decides.
        #expect(grid.apply(-28) == -32)
    }

    /// The greedy search on hand-made Ω/Φ: with a small λ a cheap-to-lower, high-saving map goes
    /// down to 2 bits; a high-entropy-loss map stays at 8; λ = 1 lowers nothing.
    @Test func greedySearchFollowsTheScore() {
        let a = TensorID(1), b = TensorID(2)
        let options = [
            VDQSOption(tensor: a, bits: 4, omega: 0.1, phi: 0.2), VDQSOption(tensor: a, bits: 2, omega: 0.2, phi: 0.3),
            VDQSOption(tensor: b, bits: 4, omega: 0.9, phi: 0.05), VDQSOption(tensor: b, bits: 2, omega: 1.0, phi: 0.075),
        ]
        let (bits, steps) = VDQS.search(options, lambda: 0.3)
        // a: 8->4 S = -0.03 + 0.14 > 0; 4->2 S = -0.03 + 0.07 > 0. b: 8->4 S = -0.27 + 0.035 < 0.
        #expect(bits[a] == 2 && bits[b] == 8)
        #expect(steps.map { $0.to } == [4, 2])
        #expect(VDQS.search(options, lambda: 1).steps.isEmpty)
        #expect(VDQS.search(options, lambda: 0).bits == [a: 2, b: 2])
    }
}
