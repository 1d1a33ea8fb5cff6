/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 softmax, bit-exact with TFLM's reference Softmax<int8_t, int8_t> (ALGORITHMS.md §3.8).
 *
 * TFLM evaluates exp() and 1/x with gemmlowp's fixed-point functions; they are restated below on
 * raw int32 values. Qm.n names a fixed-point format with m integer bits and n = 31 - m fractional
 * bits: the scaled input difference is Q5.26, exp() returns Q0.31, the sum of exps is Q12.19, and
 * the Newton-Raphson reciprocal works in Q2.29. */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

enum {
    TC_SM_DIFF_INT_BITS = 5,   /* integer bits of the exp() argument (Q5.26) */
    TC_SM_ACCUM_INT_BITS = 12  /* integer bits of the sum of exps (Q12.19): rows up to 4096 */
};

/* exp(a) for a in [-1/4, 0), a and result in Q0.31: Taylor expansion around -1/8,
 * exp(-1/8) * (1 + x + x^2/2 + x^3/6 + x^4/24) with x = a + 1/8. */
static int32_t tc_exp_on_interval_m1_4_0(int32_t a)
{
    const int32_t exp_m1_8 = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883; /* 1/3 in Q0.31 */
    const int32_t x = a + (1 << 28);     /* + 1/8 */
    const int32_t x2 = tc_srdhm(x, x);
    const int32_t x3 = tc_srdhm(x2, x);
    const int32_t x4 = tc_srdhm(x2, x2);
    const int32_t x4_over_4 = tc_rdbpot(x4, 2);
    /* (x^4/4 + x^3) / 3 + x^2, halved: x^4/24 + x^3/6 + x^2/2 */
    const int32_t poly = tc_rdbpot(tc_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return exp_m1_8 + tc_srdhm(exp_m1_8, x + poly);
}

/* exp(a) for a <= 0, a in Q5.26, result in Q0.31 (gemmlowp exp_on_negative_values): split
 * a = r - k/4 with r in [-1/4, 0), evaluate exp(r) by the polynomial, then multiply by
 * exp(-2^j) for each set bit j of the remainder (a "barrel shifter" of constants). */
static int32_t tc_exp_on_negative_values(int32_t a)
{
    enum { FRAC = 31 - TC_SM_DIFF_INT_BITS };  /* 26 */
    static const int32_t exp_neg_pow2[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1)   */
        290630308,  /* exp(-2)   */
        39332535,   /* exp(-4)   */
        720401,     /* exp(-8)   */
        242         /* exp(-16)  */
    };
    const int32_t quarter = (int32_t)1 << (FRAC - 2);
    const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
    /* Q5.26 -> Q0.31 is a saturating multiply by 2^5 (gemmlowp Rescale<0>) */
    int32_t result = tc_exp_on_interval_m1_4_0(tc_sat_shl(a_mod_quarter_minus_quarter, TC_SM_DIFF_INT_BITS));
    const int32_t remainder = a_mod_quarter_minus_quarter - a; /* >= 0, multiple of 1/4 */
    int j;

    /* exponents -2 .. +4: all below the 5 integer bits, so every stage applies */
    for (j = 0; j < 7; j++)
        if (remainder & ((int32_t)1 << (FRAC - 2 + j)))
            result = tc_srdhm(result, exp_neg_pow2[j]);
    /* with 5 integer bits no input is below -32, so gemmlowp's clamp to 0 never applies */
    return a == 0 ? INT32_MAX : result; /* exp(0) = 1 = INT32_MAX in Q0.31 */
}

/* 1 / (1 + a) for a in [0, 1), a and result in Q0.31 (gemmlowp one_over_one_plus_x_for_x_in_0_1):
 * three Newton-Raphson steps on half the denominator, in Q2.29, from the initial estimate
 * 48/17 - 32/17 * d. */
static int32_t tc_one_over_one_plus_x(int32_t a)
{
    const int32_t c48_17 = 1515870810;      /* 48/17 in Q2.29 */
    const int32_t cm32_17 = -1010580540;    /* -32/17 in Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29; /* 1.0 in Q2.29 */
    /* RoundingHalfSum(a, 1.0): (a + INT32_MAX) / 2, rounded away from zero */
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denom = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = c48_17 + tc_srdhm(half_denom, cm32_17);
    int i;

    for (i = 0; i < 3; i++) {
        const int32_t one_minus_dx = one_q2 - tc_srdhm(half_denom, x);
        /* Q2.29 * Q2.29 = Q4.27; back to Q2.29 with a saturating * 2^2 */
        x = x + tc_sat_shl(tc_srdhm(x, one_minus_dx), 2);
    }
    /* x / 2 as Q1.30 reinterpreted, then Q1.30 -> Q0.31 saturating * 2 */
    return tc_sat_shl(x, 1);
}

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
                sum += tc_rdbpot(tc_exp_on_negative_values(scaled), TC_SM_ACCUM_INT_BITS);
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
                const int32_t q = tc_rdbpot(tc_srdhm(recip, tc_exp_on_negative_values(scaled)), (int)exponent);
                y[c] = tc_sat_s8(q - 128, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
}
