import Foundation
import Testing
import TinycIR
@testable import TinycReference

/// An int8 softmax graph over rows of `depth`, input q(scale, 0).
func softmaxGraph(rows: Int, depth: Int, scale: Float, beta: Float = 1) throws -> TestGraph {
    var g = TestGraph()
    let x = g.input([rows, depth], .s8, pt(scale, 0))
    try g.node(.softmax(beta: beta), [x], .s8, pt(1.0 / 256, -128))
    return g
}

@Test func int8SoftmaxParamsMatchTFLM() throws {
    // s_in = 1, β = 1: real = 2^26 → (2^30, 27); diff_min = −floor(31·2^26 / 2^27) = −15.
    let g = try softmaxGraph(rows: 1, depth: 2, scale: 1)
    guard case .softmax(let p) = try IntegerParams.of(0, in: g.graph) else { Issue.record("no softmax params"); return }
    #expect(p.inputMultiplier == 1 << 30)
    #expect(p.inputLeftShift == 27)
    #expect(p.diffMin == -15)
}

@Test func int8SoftmaxHandCheckedValues() throws {
    let g = try softmaxGraph(rows: 2, depth: 2, scale: 1)
    // Row [0, −1]: 256·(1/(1+e^−1)) = 187.15 → 59; 256·0.2689 = 68.85 → −59.
    // Row [10, −100]: diff −110 < diff_min −15 is skipped: [256 − 128 → 127, −128].
    #expect(try runInt8(g, [0, -1, 10, -100]) == [59, -59, 127, -128])
}

@Test func int8SoftmaxUniformRows() throws {
    // Uniform rows give exactly 256/depth − 128 (the reciprocal of a power of two is exact enough).
    #expect(try runInt8(softmaxGraph(rows: 1, depth: 1, scale: 0.1), [42]) == [127])
    #expect(try runInt8(softmaxGraph(rows: 1, depth: 2, scale: 0.1), [5, 5]) == [0, 0])
    #expect(try runInt8(softmaxGraph(rows: 2, depth: 4, scale: 0.1), [1, 1, 1, 1, -128, -128, -128, -128]) == Array(repeating: -64, count: 8))
    #expect(try runInt8(softmaxGraph(rows: 1, depth: 8, scale: 0.1), Array(repeating: 127, count: 8)) == Array(repeating: -96, count: 8))
}

@Test func int8SoftmaxPropertiesOnRandomRows() throws {
    var rng = SplitMix64(seed: 7)
    for (depth, scale, beta) in [(10, Float(0.1), Float(1)), (5, 0.05, 2), (12, 0.25, 0.5), (3, 0.01, 1)] {
        let rows = 20
        let g = try softmaxGraph(rows: rows, depth: depth, scale: scale, beta: beta)
        let x = (0..<rows * depth).map { _ in rng.int8() }
        let y = try runInt8(g, x)
        for r in 0..<rows {
            let xs = Array(x[r * depth..<(r + 1) * depth]), ys = Array(y[r * depth..<(r + 1) * depth])
            // Probabilities sum to about 1: Σ(y + 128) ≈ 256, each output off by at most one step.
            let total = ys.reduce(0) { $0 + Int($1) + 128 }
            #expect(abs(total - 256) <= depth, "row \(xs) → \(ys)")
            // Monotone in the input.
            for i in 0..<depth { for j in 0..<depth where xs[i] >= xs[j] { #expect(ys[i] >= ys[j]) } }
            // Close to the float softmax of the dequantized row.
            let m = Float(xs.max()!)
            let e = xs.map { Foundation.exp(Double(beta * scale * (Float($0) - m))) }
            let sum = e.reduce(0, +)
            for i in 0..<depth {
                let want = e[i] / sum * 256 - 128
                #expect(abs(Double(ys[i]) - min(want, 127)) <= 1.0, "row \(xs): \(ys[i]) vs \(want)")
            }
        }
    }
}

@Test func int8SoftmaxExpTableGivesIdenticalOutputs() throws {
    // The compile-time table (0 below diff_min) replaces the diff_min test exactly.
    var rng = SplitMix64(seed: 11)
    for scale in [Float(0.02), 0.1, 1, 3] {
        let g = try softmaxGraph(rows: 30, depth: 6, scale: scale)
        guard case .softmax(let p) = try IntegerParams.of(0, in: g.graph) else { Issue.record("no softmax params"); return }
        let table = Int8Softmax.expTable(p)
        let x = (0..<180).map { _ in rng.int8() }
        let y = try runInt8(g, x)
        for r in 0..<30 {
            let row = x[r * 6..<(r + 1) * 6]
            let m = Int32(row.max()!)
            let exps = row.map { table[Int(m - Int32($0))] }
            let sum = exps.reduce(Int32(0)) { $0 &+ FixedPoint.roundingDivideByPOT($1, 12) }
            let (s, n) = FixedPoint.reciprocal(sum, integerDigits: 12)
            let viaTable = exps.map { e in
                QuantMath.clampToInt8(FixedPoint.roundingDivideByPOT(FixedPoint.mul(s, e), Int32(n + 23)) - 128, -128, 127)
            }
            #expect(viaTable == Array(y[r * 6..<(r + 1) * 6]))
        }
    }
}

@Test func int8SoftmaxNeverTrapsOnExtremeRows() throws {
    // Long rows of equal maxima overflow TFLM's exponent check: a GraphError, not a crash.
    let long = try softmaxGraph(rows: 1, depth: 600, scale: 0.1)
    #expect(throws: GraphError.self) { try runInt8(long, Array(repeating: 127, count: 600)) }
    // 511 equal values still fit: 256/511 = 0.501 → 1 step above −128.
    let ok = try softmaxGraph(rows: 1, depth: 511, scale: 0.1)
    #expect(try runInt8(ok, Array(repeating: 0, count: 511)).allSatisfy { $0 == -127 })
    // Extreme inputs and a large β·s_in (multiplier capped at 2^31 − 1).
    let big = try softmaxGraph(rows: 2, depth: 3, scale: 100)
    #expect(try runInt8(big, [127, -128, 126, -128, -128, -128]) == [127, -128, -128, -43, -43, -43])
}
