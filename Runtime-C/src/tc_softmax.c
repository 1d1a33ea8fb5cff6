/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 softmax, bit-exact with TFLM's reference Softmax<int8_t, int8_t> (ALGORITHMS.md §3.8).
 *
 * TFLM evaluates exp() and 1/x with gemmlowp's fixed-point functions (tc_fixedpoint.h). Qm.n
 * names a fixed-point format with m integer bits and n = 31 - m fractional bits: the scaled input
 * difference is Q5.26, exp() returns Q0.31, the sum of exps is Q12.19, and the Newton-Raphson
 * reciprocal works in Q2.29. */
#include "tinyc/tc_kernels.h"
#include "tc_fixedpoint.h"
#include "tc_requant.h"

enum {
    TC_SM_DIFF_INT_BITS = 5,   /* integer bits of the exp() argument (Q5.26) */
    TC_SM_ACCUM_INT_BITS = 12  /* integer bits of the sum of exps (Q12.19): rows up to 4096 */
};

/* Count of leading zero bits of a nonzero 32-bit value. */
static int tc_clz32(uint32_t x)
{
#if defined(__GNUC__)
    return __builtin_clz(x);
#else
    int n = 0;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

/* input : (rows, depth) s8 -> output : (rows, depth) s8, output scale 1/256, zero point -128. */
void tc_softmax_s8_ref(const tc_softmax_params *p, const int8_t *input, int8_t *output)
{
    const int32_t depth = p->depth;
    int32_t r, c;

    TC_ASSERT(depth > 0 && depth <= (1 << TC_SM_ACCUM_INT_BITS));
    for (r = 0; r < p->rows; r++) {
        const int8_t *x = input + (size_t)r * depth;
        int8_t *y = output + (size_t)r * depth;
        int32_t max = -128, sum = 0, recip, exponent, num_bits_over_unit, headroom;

        /* row max, so every difference is <= 0 */
        for (c = 0; c < depth; c++)
            max = tc_max_i32(max, x[c]);

        /* sum of exp(beta * s_in * (x - max)) in Q12.19; differences below diff_min are ~0 */
        for (c = 0; c < depth; c++) {
            const int32_t diff = x[c] - max;
            if (diff >= p->diff_min) {
                const int32_t scaled = tc_srdhm(tc_shl_wrap(diff, (int)p->input_left_shift), p->input_multiplier);
                /* Q0.31 -> Q12.19: rounding divide by 2^12 (gemmlowp Rescale<12>) */
                sum += tc_rdbpot(tc_exp_on_negative_values(scaled, TC_SM_DIFF_INT_BITS), TC_SM_ACCUM_INT_BITS);
            }
        }

        /* GetReciprocal: normalize sum to 1 + f with f in [0, 1), take 1/(1 + f) */
        headroom = tc_clz32((uint32_t)sum);
        num_bits_over_unit = TC_SM_ACCUM_INT_BITS - headroom;
        recip = tc_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - 0x80000000u));
        exponent = num_bits_over_unit + 31 - 8;
        /* TFLM checks the same range: a row whose exps sum to >= 512 (e.g. >= 512 equal values)
         * is rejected there too (each output would be < 1/512, i.e. -128, anyway) */
        TC_ASSERT(exponent >= 0 && exponent <= 31);

        /* y = exp(diff) / sum, in units of 1/256, shifted to the int8 zero point -128 */
        for (c = 0; c < depth; c++) {
            const int32_t diff = x[c] - max;
            if (diff >= p->diff_min) {
                const int32_t scaled = tc_srdhm(tc_shl_wrap(diff, (int)p->input_left_shift), p->input_multiplier);
                const int32_t q = tc_rdbpot(tc_srdhm(recip, tc_exp_on_negative_values(scaled, TC_SM_DIFF_INT_BITS)), (int)exponent);
                y[c] = tc_sat_s8(q - 128, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
}
