import Foundation
import TinycIR

/// Float32 kernels. Tensors hold `Float`; every reduction (conv, depthwise, fully connected,
/// average pool, mean, softmax sum, batch norm) accumulates in `Double` and rounds to `Float` once
/// per output element, so results do not depend on summation order to within float precision.
/// Rationale: this is the oracle the C float kernels are compared against with a tolerance; a
/// higher-precision accumulator keeps the oracle's own error negligible.
enum FloatKernels {
    /// The fused (or standalone) activation.
    @inline(__always)
    static func activate(_ v: Float, _ act: Activation) -> Float {
        switch act {
        case .none: v
        case .relu: max(v, 0)
        case .relu6: min(max(v, 0), 6)
        }
    }

    /// conv2d, weights [C_out, KH, KW, C_in], optional bias [C_out].
    static func conv2d(_ x: [Float], _ w: [Float], _ bias: [Float]?, _ g: Window, _ act: Activation) -> [Float] {
        var out = [Float](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for oc in 0..<g.outC {
                    var acc = Double(bias?[oc] ?? 0)
                    g.forEachTap(oy, ox) { ky, kx, pixel in
                        let xBase = pixel * g.inC
                        let wBase = ((oc * g.kH + ky) * g.kW + kx) * g.inC
                        for ic in 0..<g.inC { acc += Double(x[xBase + ic]) * Double(w[wBase + ic]) }
                    }
                    out[(oy * g.outW + ox) * g.outC + oc] = activate(Float(acc), act)
                }
            }
        }
        return out
    }

    /// depthwise_conv2d, weights [KH, KW, C·m]; output channel oc reads input channel oc / m.
    static func depthwise(_ x: [Float], _ w: [Float], _ bias: [Float]?, _ g: Window, multiplier m: Int, _ act: Activation) -> [Float] {
        var out = [Float](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for oc in 0..<g.outC {
                    let ic = oc / m
                    var acc = Double(bias?[oc] ?? 0)
                    g.forEachTap(oy, ox) { ky, kx, pixel in
                        acc += Double(x[pixel * g.inC + ic]) * Double(w[(ky * g.kW + kx) * g.outC + oc])
                    }
                    out[(oy * g.outW + ox) * g.outC + oc] = activate(Float(acc), act)
                }
            }
        }
        return out
    }

    /// fully_connected: x flattened to [N_in], weights [N_out, N_in], optional bias [N_out].
    static func fullyConnected(_ x: [Float], _ w: [Float], _ bias: [Float]?, outputs: Int, _ act: Activation) -> [Float] {
        let n = x.count
        return (0..<outputs).map { o in
            var acc = Double(bias?[o] ?? 0)
            for i in 0..<n { acc += Double(x[i]) * Double(w[o * n + i]) }
            return activate(Float(acc), act)
        }
    }

    /// a + b over the broadcast index pairs (`BroadcastIndex.pairs`).
    static func add(_ a: [Float], _ b: [Float], pairs: [(Int, Int)], _ act: Activation) -> [Float] {
        pairs.map { activate(a[$0] + b[$1], act) }
    }

    /// 1 / (1 + e^−x), evaluated in Double.
    static func logistic(_ x: [Float]) -> [Float] {
        x.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
    }

    /// Max over the in-bounds taps of each window, per channel.
    static func maxPool(_ x: [Float], _ g: Window, _ act: Activation) -> [Float] {
        var out = [Float](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for c in 0..<g.outC {
                    var m = -Float.infinity
                    g.forEachTap(oy, ox) { _, _, pixel in m = max(m, x[pixel * g.inC + c]) }
                    out[(oy * g.outW + ox) * g.outC + c] = activate(m, act)
                }
            }
        }
        return out
    }

    /// Average over the in-bounds taps of each window (padding excluded from the count), per channel.
    static func avgPool(_ x: [Float], _ g: Window, _ act: Activation) -> [Float] {
        var out = [Float](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for c in 0..<g.outC {
                    var sum = 0.0
                    var count = 0
                    g.forEachTap(oy, ox) { _, _, pixel in
                        sum += Double(x[pixel * g.inC + c])
                        count += 1
                    }
                    out[(oy * g.outW + ox) * g.outC + c] = activate(Float(sum / Double(max(count, 1))), act)
                }
            }
        }
        return out
    }

    /// Mean over H and W of a [1, H, W, C] input: C values.
    static func mean(_ x: [Float], pixels: Int, channels: Int) -> [Float] {
        (0..<channels).map { c in
            var sum = 0.0
            for p in 0..<pixels { sum += Double(x[p * channels + c]) }
            return Float(sum / Double(pixels))
        }
    }

    /// Numerically stable softmax over rows of `depth` values: exp(β·(x − max)) / Σ.
    static func softmax(_ x: [Float], depth: Int, beta: Float) -> [Float] {
        guard depth > 0 else { return x }
        var out = [Float](repeating: 0, count: x.count)
        for start in stride(from: 0, to: x.count, by: depth) {
            let row = x[start..<start + depth]
            let m = row.max() ?? 0
            let exps = row.map { Foundation.exp(Double($0 - m) * Double(beta)) }
            let sum = exps.reduce(0, +)
            for (c, e) in exps.enumerated() { out[start + c] = Float(e / sum) }
        }
        return out
    }

    /// Batch normalization over the last dimension: (x − mean)/sqrt(var + ε)·γ + β.
    static func batchNorm(_ x: [Float], gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) -> [Float] {
        let c = gamma.count
        guard c > 0 else { return x }
        return x.indices.map { i in
            let k = i % c
            let normalized = (Double(x[i]) - Double(mean[k])) / (Double(variance[k]) + Double(epsilon)).squareRoot()
            return Float(normalized * Double(gamma[k]) + Double(beta[k]))
        }
    }

    /// Standalone activation.
    static func activation(_ x: [Float], _ act: Activation) -> [Float] {
        x.map { activate($0, act) }
    }
}
