import TinycIR

/// int8 kernels, bit-exact with TFLite Micro's reference integer kernels (ALGORITHMS.md §3).
///
/// Arithmetic is C's: 32-bit accumulators with wrapping `&+`/`&*` where the C kernel uses int32
/// (so no int8 input can trap), 64-bit products inside `QuantMath`, arithmetic right shifts and
/// truncating division. All integer constants come from `IntegerParams`.
enum Int8Kernels {
    @inline(__always)
    static func clamp(_ v: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
        QuantMath.clampToInt8(v, lo, hi)
    }

    /// The requantization tail shared by conv, depthwise and fully connected:
    /// MultiplyByQuantizedMultiplier, + output offset, clamp to the activation range.
    @inline(__always)
    static func requantize(_ acc: Int32, _ channel: Int, _ p: IntegerParams.Conv) -> Int8 {
        let scaled = QuantMath.multiplyByQuantizedMultiplier(acc, p.multipliers[channel])
        return clamp(scaled &+ p.outputOffset, p.actMin, p.actMax)
    }

    /// TFLM ConvPerChannel: acc = Σ_taps w·(x + inputOffset) + bias, per-channel requantization.
    static func conv2d(_ x: [Int8], _ w: [Int8], _ bias: [Int32]?, _ g: Window, _ p: IntegerParams.Conv) -> [Int8] {
        var out = [Int8](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for oc in 0..<g.outC {
                    var acc: Int32 = 0
                    g.forEachTap(oy, ox) { ky, kx, pixel in
                        let xBase = pixel * g.inC
                        let wBase = ((oc * g.kH + ky) * g.kW + kx) * g.inC
                        for ic in 0..<g.inC {
                            acc = acc &+ Int32(w[wBase + ic]) &* (Int32(x[xBase + ic]) &+ p.inputOffset)
                        }
                    }
                    if let bias { acc = acc &+ bias[oc] }
                    out[(oy * g.outW + ox) * g.outC + oc] = requantize(acc, oc, p)
                }
            }
        }
        return out
    }

    /// TFLM DepthwiseConvPerChannel; output channel oc reads input channel oc / m.
    static func depthwise(_ x: [Int8], _ w: [Int8], _ bias: [Int32]?, _ g: Window, multiplier m: Int, _ p: IntegerParams.Conv) -> [Int8] {
        var out = [Int8](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for oc in 0..<g.outC {
                    let ic = oc / m
                    var acc: Int32 = 0
                    g.forEachTap(oy, ox) { ky, kx, pixel in
                        let xv = Int32(x[pixel * g.inC + ic]) &+ p.inputOffset
                        acc = acc &+ Int32(w[(ky * g.kW + kx) * g.outC + oc]) &* xv
                    }
                    if let bias { acc = acc &+ bias[oc] }
                    out[(oy * g.outW + ox) * g.outC + oc] = requantize(acc, oc, p)
                }
            }
        }
        return out
    }

    /// TFLM FullyConnected (per-tensor or per-channel weights): x flattened to [N_in].
    static func fullyConnected(_ x: [Int8], _ w: [Int8], _ bias: [Int32]?, outputs: Int, _ p: IntegerParams.Conv) -> [Int8] {
        let n = x.count
        return (0..<outputs).map { o in
            var acc: Int32 = 0
            for i in 0..<n { acc = acc &+ Int32(w[o * n + i]) &* (Int32(x[i]) &+ p.inputOffset) }
            if let bias { acc = acc &+ bias[o] }
            return requantize(acc, o, p)
        }
    }

    /// Max of the raw values over the in-bounds taps, then the activation clamp (no requantization).
    static func maxPool(_ x: [Int8], _ g: Window, actMin: Int32, actMax: Int32) -> [Int8] {
        var out = [Int8](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for c in 0..<g.outC {
                    var m = Int8.min
                    g.forEachTap(oy, ox) { _, _, pixel in m = max(m, x[pixel * g.inC + c]) }
                    out[(oy * g.outW + ox) * g.outC + c] = clamp(Int32(m), actMin, actMax)
                }
            }
        }
        return out
    }

    /// Sum of the raw values over the in-bounds taps, divided by their count rounding half away from
    /// zero (C truncating division on sum ± count/2), then the activation clamp.
    /// The interpreter rejects geometries with an empty window before running.
    static func avgPool(_ x: [Int8], _ g: Window, actMin: Int32, actMax: Int32) -> [Int8] {
        var out = [Int8](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for c in 0..<g.outC {
                    var sum: Int32 = 0
                    var count: Int32 = 0
                    g.forEachTap(oy, ox) { _, _, pixel in
                        sum = sum &+ Int32(x[pixel * g.inC + c])
                        count += 1
                    }
                    let n = max(count, 1)
                    let avg = sum > 0 ? (sum &+ n / 2) / n : (sum &- n / 2) / n
                    out[(oy * g.outW + ox) * g.outC + c] = clamp(avg, actMin, actMax)
                }
            }
        }
        return out
    }

    /// TFLM AddFunc: both inputs shifted left by `leftShift`, rescaled to a common scale with
    /// "smaller than one" multipliers, summed, rescaled to the output, offset and clamped; applied to
    /// each (a, b) index pair of the broadcast (`BroadcastIndex.pairs`).
    static func add(_ a: [Int8], _ b: [Int8], pairs: [(Int, Int)], _ p: IntegerParams.Add) -> [Int8] {
        let shift = Int32(1) << p.leftShift
        return pairs.map { i, j in
            let x1 = a[i], x2 = b[j]
            let shifted1 = (Int32(x1) &+ p.input1Offset) &* shift
            let shifted2 = (Int32(x2) &+ p.input2Offset) &* shift
            let scaled1 = QuantMath.multiplyByQuantizedMultiplierSmallerThanOne(shifted1, p.input1)
            let scaled2 = QuantMath.multiplyByQuantizedMultiplierSmallerThanOne(shifted2, p.input2)
            let raw = QuantMath.multiplyByQuantizedMultiplierSmallerThanOne(scaled1 &+ scaled2, p.output)
            return clamp(raw &+ p.outputOffset, p.actMin, p.actMax)
        }
    }

    /// TFLM integer Mean over H and W: acc = Σ (x + inputOffset) per channel, then
    /// MultiplyByQuantizedMultiplier with the multiplier that already contains 1/N, + output offset.
    static func mean(_ x: [Int8], pixels: Int, channels: Int, _ p: IntegerParams.Mean) -> [Int8] {
        (0..<channels).map { c in
            var acc: Int32 = 0
            for q in 0..<pixels { acc = acc &+ (Int32(x[q * channels + c]) &+ p.inputOffset) }
            let scaled = QuantMath.multiplyByQuantizedMultiplier(acc, p.multiplier)
            return clamp(scaled &+ p.outputOffset, p.actMin, p.actMax)
        }
    }

    /// Standalone relu6, or relu with shared quantization: a clamp of the raw values to [actMin, actMax].
    static func clampAll(_ x: [Int8], actMin: Int32, actMax: Int32) -> [Int8] {
        x.map { clamp(Int32($0), actMin, actMax) }
    }
}
