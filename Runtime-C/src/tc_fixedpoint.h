/* SPDX-License-Identifier: Apache-2.0 */
/* gemmlowp's fixed-point exp(), 1/(1+x) and logistic, as TFLM's int8 softmax and logistic use them
 * (tensorflow/lite/micro/kernels/internal/fixedpoint.h), restated on raw int32 values.
 *
 * Qm.n names a fixed-point format with m integer bits and n = 31 - m fractional bits; the one in
 * Q0.31 is INT32_MAX (1.0 itself is not representable). Products of Qa and Qb values are one
 * tc_srdhm and give Q(a+b); additions wrap like gemmlowp's int32 Add (no argument here overflows). */
#ifndef TINYC_TC_FIXEDPOINT_H
#define TINYC_TC_FIXEDPOINT_H

#include "tc_requant.h"

/* exp(a) for a in [-1/4, 0), a and result in Q0.31: Taylor expansion around -1/8,
 * exp(-1/8) * (1 + x + x^2/2 + x^3/6 + x^4/24) with x = a + 1/8. */
static inline int32_t tc_exp_on_interval_m1_4_0(int32_t a)
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

/* exp(a) for a <= 0, a in Q`int_bits` (1..5), result in Q0.31 (gemmlowp exp_on_negative_values):
 * split a = r - k/4 with r in [-1/4, 0), evaluate exp(r) by the polynomial, then multiply by
 * exp(-2^j) for each set bit j of the remainder (a "barrel shifter" of constants). With at most 5
 * integer bits no input is below -32, so gemmlowp's clamp to 0 never applies. */
static inline int32_t tc_exp_on_negative_values(int32_t a, int int_bits)
{
    static const int32_t exp_neg_pow2[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1)   */
        290630308,  /* exp(-2)   */
        39332535,   /* exp(-4)   */
        720401,     /* exp(-8)   */
        242         /* exp(-16)  */
    };
    const int frac = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac - 2);
    const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
    /* Q`int_bits` -> Q0.31 is a saturating multiply by 2^int_bits (gemmlowp Rescale<0>) */
    int32_t result = tc_exp_on_interval_m1_4_0(tc_sat_shl(a_mod_quarter_minus_quarter, int_bits));
    const int32_t remainder = a_mod_quarter_minus_quarter - a; /* >= 0, multiple of 1/4 */
    int j;

    /* stage j is exponent j - 2; it exists while the exponent is below int_bits */
    for (j = 0; j < 7 && j - 2 < int_bits; j++)
        if (remainder & ((int32_t)1 << (frac - 2 + j)))
            result = tc_srdhm(result, exp_neg_pow2[j]);
    return a == 0 ? INT32_MAX : result; /* exp(0) = 1 = INT32_MAX in Q0.31 */
}

/* 1 / (1 + a) for a in [0, 1), a and result in Q0.31 (gemmlowp one_over_one_plus_x_for_x_in_0_1):
 * three Newton-Raphson steps on half the denominator, in Q2.29, from the initial estimate
 * 48/17 - 32/17 * d. */
static inline int32_t tc_one_over_one_plus_x(int32_t a)
{
    const int32_t c48_17 = 1515870810;       /* 48/17 in Q2.29 */
    const int32_t cm32_17 = -1010580540;     /* -32/17 in Q2.29 */
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

/* 1 / (1 + exp(-a)) for a in Q`int_bits`, result in Q0.31 (gemmlowp logistic): for a > 0,
 * 1/(1 + exp(-a)); for a < 0, one minus that of -a; exactly 1/2 for a = 0. */
static inline int32_t tc_logistic_q0(int32_t a, int int_bits)
{
    int32_t magnitude, positive;
    if (a == 0)
        return (int32_t)1 << 30;
    magnitude = a > 0 ? a : -a; /* |a| < 2^31: callers bound a */
    positive = tc_one_over_one_plus_x(tc_exp_on_negative_values(-magnitude, int_bits));
    return a > 0 ? positive : INT32_MAX - positive;
}

#endif /* TINYC_TC_FIXEDPOINT_H */
