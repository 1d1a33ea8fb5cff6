import TinycIR

/// gemmlowp's scalar int32 fixed-point arithmetic, as TFLite Micro's int8 softmax uses it.
///
/// A value in format Q`m`.`n` (m integer bits, n = 31 − m fractional bits) is an `Int32` raw value
/// `r` meaning `r / 2^n`; the type-level bookkeeping of gemmlowp's `FixedPoint<int32_t, m>` is done
/// by hand here, so every function says the formats of its arguments and result. Multiplying
/// Q`a` by Q`b` is one `SaturatingRoundingDoublingHighMul` and gives Q`a+b`. Additions are plain
/// (wrapping) int32 additions, as gemmlowp's `Add` is for 32-bit raw types.
///
/// Written from the published definitions (gemmlowp `fixedpoint/fixedpoint.h`); the constants are
/// gemmlowp's, which ALGORITHMS.md §3.8 lists.
enum FixedPoint {
    /// `SaturatingRoundingDoublingHighMul`: (a·b + 2^30 rounding) / 2^31, saturating MIN·MIN to MAX.
    @inline(__always)
    static func mul(_ a: Int32, _ b: Int32) -> Int32 {
        QuantMath.saturatingRoundingDoublingHighMul(a, b)
    }

    /// `RoundingDivideByPOT`: arithmetic shift right by `exponent` (0…31), ties away from zero.
    @inline(__always)
    static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        QuantMath.roundingDivideByPOT(x, exponent)
    }

    /// `SaturatingRoundingMultiplyByPOT<exponent>`: a saturating left shift for exponent > 0
    /// (values above 2^(31−exponent) − 1 in magnitude go to INT32_MAX / INT32_MIN), a rounding right
    /// shift for exponent < 0, the identity for 0.
    static func saturatingRoundingMultiplyByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return roundingDivideByPOT(x, Int32(-exponent)) }
        let threshold = (Int32(1) << Int32(31 - exponent)) - 1
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << Int32(exponent)
    }

    /// `Rescale<dst>(x)` for x in Q`src`: changes the number of integer bits, rounding or saturating.
    @inline(__always)
    static func rescale(_ x: Int32, from src: Int, to dst: Int) -> Int32 {
        saturatingRoundingMultiplyByPOT(x, src - dst)
    }

    /// `RoundingHalfSum`: (a + b) / 2 rounded half away from zero, computed in 64 bits.
    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        let sign: Int64 = sum >= 0 ? 1 : -1
        return Int32(truncatingIfNeeded: (sum + sign) / 2)
    }

    /// One in Q`m`.(31−m): INT32_MAX for Q0.31 (1.0 itself is not representable), else 2^(31−m).
    static func one(integerBits m: Int) -> Int32 {
        m == 0 ? Int32.max : Int32(1) << Int32(31 - m)
    }

    /// `exp_on_interval_between_negative_one_quarter_and_0_excl`: exp(a) for a in [−1/4, 0).
    /// Argument and result are Q0.31. A degree-4 Taylor expansion around −1/8:
    /// exp(−1/8)·(1 + x + x²/2 + x³/6 + x⁴/24) with x = a + 1/8.
    static func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1895147668  // exp(−1/8) in Q0.31
        let constantOneThird: Int32 = 715827883  // 1/3 in Q0.31
        let x = a &+ (Int32(1) << 28)  // + 1/8
        let x2 = mul(x, x)
        let x3 = mul(x2, x)
        let x4 = mul(x2, x2)
        let x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2)
        let poly = saturatingRoundingMultiplyByPOT(mul(x4Over4 &+ x3, constantOneThird) &+ x2, -1)
        return constantTerm &+ mul(constantTerm, x &+ poly)
    }

    /// `exp_on_negative_values`: exp(a) for a ≤ 0, `a` in Q`integerBits`, result in Q0.31.
    ///
    /// Splits a = (a mod 1/4 − 1/4) − remainder: the first part goes to the Taylor expansion
    /// above; each set bit of the remainder (which is a multiple of 1/4) multiplies in a constant
    /// exp(−2^k), k = −2…4 (gemmlowp's "barrel shifter"). Inputs below −32 give 0 (only reachable
    /// with more than 5 integer bits); a = 0 gives exactly Q0.31 one (INT32_MAX).
    static func expOnNegativeValues(_ a: Int32, integerBits: Int) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter = Int32(1) << Int32(fractionalBits - 2)
        let mask = oneQuarter - 1
        let aModQuarterMinusOneQuarter = (a & mask) &- oneQuarter
        var result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
            rescale(aModQuarterMinusOneQuarter, from: integerBits, to: 0))
        let remainder = aModQuarterMinusOneQuarter &- a

        // (k, exp(−2^k) in Q0.31)
        let barrel: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
            (2, 39332535), (3, 720401), (4, 242),
        ]
        for (k, multiplier) in barrel where integerBits > k {
            let bit = Int32(1) << Int32(fractionalBits + k)
            if remainder & bit != 0 { result = mul(result, multiplier) }
        }

        if integerBits > 5 {
            let clamp = -(Int32(1) << Int32(36 - integerBits))  // −32 in Q`integerBits`
            if a < clamp { result = 0 }
        }
        if a == 0 { result = one(integerBits: 0) }
        return result
    }

    /// `one_over_one_plus_x_for_x_in_0_1`: 1/(1 + a) for a in [0, 1), argument and result Q0.31.
    ///
    /// Newton–Raphson division on d = (1 + a)/2 ∈ [1/2, 1) in Q2.29: start from
    /// 48/17 − 32/17·d, then three steps x ← x + x·(1 − d·x); the result 1/(2d) is x/2.
    static func oneOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, one(integerBits: 0))  // Q0.31
        let constant48Over17: Int32 = 1515870810  // Q2.29
        let constantNeg32Over17: Int32 = -1010580540  // Q2.29
        let oneQ2 = one(integerBits: 2)
        var x = constant48Over17 &+ mul(halfDenominator, constantNeg32Over17)  // Q0 · Q2 → Q2
        for _ in 0..<3 {
            let halfDenominatorTimesX = mul(halfDenominator, x)  // Q2
            let oneMinusHalfDenominatorTimesX = oneQ2 &- halfDenominatorTimesX  // Q2
            // Q2 · Q2 → Q4, rescaled back to Q2.
            x = x &+ rescale(mul(x, oneMinusHalfDenominatorTimesX), from: 4, to: 2)
        }
        // ExactMulByPot<−1> turns Q2 into Q1 without touching the raw value; then Rescale<0>.
        return rescale(x, from: 1, to: 0)
    }

    /// gemmlowp `logistic`: 1 / (1 + e^−a) for `a` in Q`integerBits`, result in Q0.31.
    /// For a > 0 it is `one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(−a))`; for a < 0 the
    /// same of |a| subtracted from Q0.31 one (INT32_MAX); a = 0 gives exactly 1/2 (2^30).
    static func logistic(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return Int32(1) << 30 }
        let magnitude = a > 0 ? a : 0 &- a
        let positive = oneOverOnePlusXForXIn01(expOnNegativeValues(0 &- magnitude, integerBits: integerBits))
        return a > 0 ? positive : one(integerBits: 0) &- positive
    }

    /// TFLite `GetReciprocal`: for x > 0 in Q`integerDigits`, a Q0.31 value s and a bit count n with
    /// 1/x = s · 2^−n. x is normalised to [1, 2) by its leading zeros, then 1/(1 + (x' − 1)).
    static func reciprocal(_ x: Int32, integerDigits: Int) -> (scale: Int32, numBitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let numBitsOverUnit = integerDigits - headroomPlusOne
        let shifted = (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31)
        let scale = oneOverOnePlusXForXIn01(Int32(bitPattern: shifted))
        return (scale, numBitsOverUnit)
    }
}
