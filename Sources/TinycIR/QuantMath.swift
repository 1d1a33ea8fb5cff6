import Foundation

/// TFLite-exact fixed-point arithmetic (ALGORITHMS.md §3). Compile-time helpers compute the integer
/// parameters the C kernels get; the run-time helpers are the Swift twins of `tc_requant.h`, used by
/// the reference interpreter. Every product is formed in Int64 and every wrap is explicit, as in C.
public enum QuantMath {
    /// A real multiplier as `mult · 2^(shift − 31)`, mult in [2^30, 2^31) or 0 (TFLite QuantizeMultiplier).
    public struct Multiplier: Hashable, Sendable {
        public var mult: Int32
        /// Positive: left shift; negative: right shift.
        public var shift: Int32
        public init(mult: Int32, shift: Int32) { self.mult = mult; self.shift = shift }
    }

    /// TFLite `QuantizeMultiplier`: frexp, round half away from zero, renormalise 2^31, flush tiny values.
    public static func quantizeMultiplier(_ m: Double) -> Multiplier {
        // Non-finite values cannot come from valid (positive, finite) scales; map them to 0
        // rather than trapping in the Int32 conversion below.
        if m == 0 || !m.isFinite { return Multiplier(mult: 0, shift: 0) }
        let fr = frexp(m)
        var q = (fr.0 * Double(1 << 31)).rounded(.toNearestOrAwayFromZero)
        var e = fr.1
        if q == Double(1 << 31) {
            q /= 2
            e += 1
        }
        if e < -31 {
            return Multiplier(mult: 0, shift: 0)
        }
        return Multiplier(mult: Int32(q), shift: Int32(e))
    }

    /// gemmlowp SaturatingRoundingDoublingHighMul.
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    /// gemmlowp RoundingDivideByPOT: arithmetic shift right by `exponent`, ties away from zero.
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        let mask: Int32 = exponent >= 31 ? Int32.max : (Int32(1) << exponent) - 1
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> exponent) + (remainder > threshold ? 1 : 0)
    }

    /// TFLite MultiplyByQuantizedMultiplier with double rounding (the default TFLM build).
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ m: Multiplier) -> Int32 {
        let left = m.shift > 0 ? m.shift : 0
        let right = m.shift > 0 ? 0 : -m.shift
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (Int32(1) << left), m.mult), right)
    }

    /// TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (used by ADD): shift ≤ 0.
    public static func multiplyByQuantizedMultiplierSmallerThanOne(_ x: Int32, _ m: Multiplier) -> Int32 {
        roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, m.mult), -m.shift)
    }

    /// TFLite `CalculateActivationRangeQuantized`: the fused activation's clamp bounds for int8,
    /// quantizing 0 and 6 in float32 with round-half-away-from-zero.
    public static func activationRange(_ act: Activation, scale: Float, zeroPoint: Int32) -> (min: Int32, max: Int32) {
        let qmin = Int32(Int8.min), qmax = Int32(Int8.max)
        // Saturating: a tiny scale or an extreme zero point (which TFLite rejects in Prepare) must not
        // trap; the result is clamped to [qmin, qmax] below anyway.
        func quantize(_ f: Float) -> Int32 {
            let t = (f / scale).rounded(.toNearestOrAwayFromZero)
            let bounded = t.isNaN ? 0 : Int64(min(max(t, -1e12), 1e12))
            return Int32(clamping: Int64(zeroPoint) + bounded)
        }
        switch act {
        case .none: return (qmin, qmax)
        case .relu: return (max(qmin, quantize(0)), qmax)
        case .relu6: return (max(qmin, quantize(0)), min(qmax, quantize(6)))
        }
    }

    /// Saturating cast to int8 after clamping to [lo, hi].
    public static func clampToInt8(_ v: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
        Int8(truncatingIfNeeded: min(max(v, lo), hi))
    }
}
