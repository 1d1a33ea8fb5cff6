import TinycIR

/// int8 softmax, bit-exact with TFLite Micro's reference kernel (output scale 1/256, zero point −128).
///
/// Per row of the last dimension:
/// 1. `max` of the raw int8 values; `diff = x − max` ∈ [−255, 0].
/// 2. Elements with `diff < diffMin` are treated as exp = 0 (output −128, nothing added to the sum).
/// 3. Otherwise `d = SRDHM(diff · 2^inputLeftShift, inputMultiplier)` is β·s_in·diff in Q5.26 and
///    `e = exp_on_negative_values(d)` is its exponential in Q0.31.
/// 4. `sum` accumulates `RoundingDivideByPOT(e, 12)`, i.e. e rescaled to Q12.19 (room for 4096 ones).
/// 5. `GetReciprocal(sum, 12)` gives a Q0.31 `scale` and `n` with 1/sum = scale·2^−n; each output is
///    `RoundingDivideByPOT(SRDHM(scale, e), n + 31 − 8) − 128`, clamped to int8.
///
/// Not guaranteed: rows whose sum needs an exponent above 31 (in practice, more than ~511 elements
/// close to the maximum) abort TFLM (`TFLITE_CHECK`); here they throw.
public enum Int8Softmax {
    static let accumulationIntegerBits = 12
    static let scaledDiffIntegerBits = 5

    /// exp(β·s_in·diff) in Q0.31 for one difference `diff` ≥ `diffMin`.
    static func exp(diff: Int32, _ p: IntegerParams.Softmax) -> Int32 {
        // MultiplyByQuantizedMultiplierGreaterThanOne; diff ≥ diffMin keeps diff·2^shift in int32.
        let rescaled = FixedPoint.mul(diff &* (Int32(1) << p.inputLeftShift), p.inputMultiplier)
        return FixedPoint.expOnNegativeValues(rescaled, integerBits: scaledDiffIntegerBits)
    }

    /// The 256 exponentials the kernel can need, indexed by −diff (0…255); entries with
    /// diff < diffMin are 0. Using this table with no diffMin test gives identical outputs: a zero
    /// exp adds nothing to the sum and maps to −128. (The compile-time table of ALGORITHMS.md §3.8.)
    public static func expTable(_ p: IntegerParams.Softmax) -> [Int32] {
        (0..<256).map { i in
            let diff = -Int32(i)
            return diff >= p.diffMin ? exp(diff: diff, p) : 0
        }
    }

    /// Softmax over rows of `depth` consecutive values.
    static func run(_ x: [Int8], depth: Int, _ p: IntegerParams.Softmax) throws(GraphError) -> [Int8] {
        guard depth > 0 else { return x }
        var out = [Int8](repeating: Int8.min, count: x.count)
        var exps = [Int32](repeating: 0, count: depth)
        for rowStart in stride(from: 0, to: x.count, by: depth) {
            var maxInRow = Int8.min
            for c in 0..<depth { maxInRow = max(maxInRow, x[rowStart + c]) }

            var sumOfExps: Int32 = 0  // Q12.19
            for c in 0..<depth {
                let diff = Int32(x[rowStart + c]) - Int32(maxInRow)
                exps[c] = diff >= p.diffMin ? exp(diff: diff, p) : 0
                if diff >= p.diffMin {
                    sumOfExps = sumOfExps &+ FixedPoint.rescale(exps[c], from: 0, to: accumulationIntegerBits)
                }
            }

            let (scale, numBitsOverUnit) = FixedPoint.reciprocal(sumOfExps, integerDigits: accumulationIntegerBits)
            let exponent = numBitsOverUnit + 31 - 8
            guard (0...31).contains(exponent) else {
                throw GraphError(.graph, "int8 softmax: a row of \(depth) values sums to more than the Q12.19 accumulator allows (TFLite Micro rejects it too)")
            }
            for c in 0..<depth {
                let diff = Int32(x[rowStart + c]) - Int32(maxInRow)
                guard diff >= p.diffMin else { continue }  // already −128
                let unsaturated = FixedPoint.roundingDivideByPOT(FixedPoint.mul(scale, exps[c]), Int32(exponent))
                out[rowStart + c] = QuantMath.clampToInt8(unsaturated &+ Int32(Int8.min), Int32(Int8.min), Int32(Int8.max))
            }
        }
        return out
    }
}
