import Foundation
import Testing
import TinycFrontends
import TinycIR
import TinycPasses
import TinycReference

/// Lowering int8 weights to int4 / ternary, and the per-layer precision search (sensitivities and
/// the knapsack), on the digits example quantized to int8.
struct PrecisionTests {
    static func int8Digits() throws -> Graph {
        let g = try NetJSONReader.read(contentsOf: PassesTests.digits)
        return try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: PassesTests.inputs(64, count: 16))), on: g)
    }

    static func quantizedInputs(_ g: Graph, count: Int) -> [[Int8]] {
        let q = g.type(g.inputs[0]).quantization.perTensorParameters!
        return PassesTests.inputs(64, count: count).map { ReferenceInterpreter.quantize($0, scale: q.scale, zeroPoint: q.zeroPoint) }
    }

    @Test func loweringKeepsTheRealWeightsWithinHalfAStep() throws {
        let g = try Self.int8Digits()
        let convs = g.nodes.indices.filter { WeightLowering.canLower(g, $0) }
        #expect(convs.count == 5)
        for p in [WeightPrecision.int4, .ternary] {
            let lowered = try Pipeline.run([.lowerWeights(Dictionary(uniqueKeysWithValues: convs.map { ($0, p) }))], on: g)
            for n in convs {
                let w8 = g.constants[g.nodes[n].inputs[1]]!.int8, t8 = g.type(g.nodes[n].inputs[1])
                let wl = lowered.constants[lowered.nodes[n].inputs[1]]!.int8, tl = lowered.type(lowered.nodes[n].inputs[1])
                #expect(tl.dtype == p.dtype)
                #expect(wl.allSatisfy { tl.dtype.lowBitRange!.contains($0) })
                if p == .int4 {
                    // int4: every real weight is within half a step of its int8 value, unless clipped
                    let s8 = Ternary.scaleOfElement(t8), sl = Ternary.scaleOfElement(tl)
                    for i in w8.indices where abs(wl[i]) < 7 {
                        #expect(abs(Float(w8[i]) * s8(i) - Float(wl[i]) * sl(i)) <= sl(i) / 2 * 1.0001)
                    }
                }
                // the bias moves to the new scale s_in · s[c]: same real value within half a step
                if lowered.nodes[n].inputs.count == 3 {
                    let b8 = g.constants[g.nodes[n].inputs[2]]!.int32, bl = lowered.constants[lowered.nodes[n].inputs[2]]!.int32
                    let qb8 = g.type(g.nodes[n].inputs[2]).quantization, qbl = lowered.type(lowered.nodes[n].inputs[2]).quantization
                    for c in b8.indices {
                        let real = Double(b8[c]) * Double(qb8.scale(channel: c))
                        #expect(abs(real - Double(bl[c]) * Double(qbl.scale(channel: c))) <= Double(qbl.scale(channel: c)) * 0.5001)
                    }
                }
            }
        }
    }

    @Test func int4HasALowerOutputErrorThanTernaryOnEveryLayer() throws {
        let g = try Self.int8Digits()
        let search = PrecisionSearch(graph: g, inputs: Self.quantizedInputs(g, count: 16),
                                     options: .init(flash: 1_000_000, bytes: { c, p in p == .int8 ? c : p == .int4 ? (c + 1) / 2 : (c + 3) / 4 }))
        let r = try search.run()
        #expect(r.precisions.isEmpty) // everything fits as int8: nothing is lowered
        #expect(r.error == 0)
        for l in r.layers { #expect(l.error[.int4]! <= l.error[.ternary]!, "\(l.name): \(l.error)") }
    }

    @Test func theSearchFitsTheBudgetAndPrefersTheLeastError() throws {
        let g = try Self.int8Digits()
        let int8Bytes = g.constants.keys.reduce(0) { $0 + g.type($1).byteCount }
        let bytes: @Sendable (Int, WeightPrecision) -> Int = { c, p in p == .int8 ? c : p == .int4 ? (c + 1) / 2 : (c + 3) / 4 }
        for budget in [int8Bytes - 100, int8Bytes * 6 / 10, int8Bytes / 2] {
            let search = PrecisionSearch(graph: g, inputs: Self.quantizedInputs(g, count: 16), options: .init(flash: budget, bytes: bytes))
            let r = try search.run()
            #expect(r.chosenBytes <= budget)
            let measured = r.graph.constants.keys.reduce(0) { s, t -> Int in
                let type = r.graph.type(t)
                return s + (type.dtype == .s4 ? (type.count + 1) / 2 : type.dtype == .ternary ? (type.count + 3) / 4 : type.byteCount)
            }
            #expect(measured == r.chosenBytes)
            // exhaustive check of the knapsack: no other assignment that fits has a smaller summed error
            let layers = r.layers
            let chosenSum = layers.reduce(0.0) { $0 + $1.error[$1.chosen]! }
            let fixed = int8Bytes - layers.reduce(0) { $0 + $1.weights }
            var best = Double.infinity
            let options = WeightPrecision.allCases
            for code in 0..<Int(pow(3.0, Double(layers.count))) {
                var c = code, sum = 0.0, size = fixed
                for l in layers {
                    let p = options[c % 3]
                    c /= 3
                    sum += l.error[p]!
                    size += bytes(l.weights, p)
                }
                if size <= budget { best = min(best, sum) }
            }
            #expect(abs(chosenSum - best) <= 1e-9 * max(1, best), "budget \(budget): chose \(chosenSum), best \(best)")
        }
    }

    @Test func anImpossibleBudgetSaysHowMuchIsMissing() throws {
        let g = try Self.int8Digits()
        let search = PrecisionSearch(graph: g, inputs: [], options: .init(flash: 100, bytes: { c, p in p == .int8 ? c : p == .int4 ? (c + 1) / 2 : (c + 3) / 4 }))
        let error = #expect(throws: PrecisionSearch.Failure.self) { try search.run() }
        #expect(error?.message.contains("more than the budget of 100 bytes") == true, "\(error?.message ?? "")")
    }

    @Test func aRejectedChoicePinsTheWorstLayerAndSearchesAgain() throws {
        let g = try Self.int8Digits()
        let int8Bytes = g.constants.keys.reduce(0) { $0 + g.type($1).byteCount }
        let search = PrecisionSearch(graph: g, inputs: Self.quantizedInputs(g, count: 8),
                                     options: .init(flash: int8Bytes - 50, bytes: { c, p in p == .int8 ? c : p == .int4 ? (c + 1) / 2 : (c + 3) / 4 }))
        var seen: [Graph] = []
        let r = try search.run { g throws(GraphError) in
            seen.append(g)
            return (seen.count >= 2, Double(seen.count), "rejected for the test")
        }
        #expect(r.attempts == 2)
        #expect(r.chosenBytes <= int8Bytes - 50)
    }
}
