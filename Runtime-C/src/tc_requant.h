/* SPDX-License-Identifier: Apache-2.0 */
/* TFLite-exact integer helpers (ALGORITHMS.md §3.4), shared by every int8 kernel.
 *
 * The definitions follow gemmlowp's fixedpoint.h semantics, restated here in C99:
 *   tc_srdhm   SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +inf,
 *              INT32_MIN*INT32_MIN saturates to INT32_MAX.
 *   tc_rdbpot  RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero.
 *   tc_mbqm    MultiplyByQuantizedMultiplier with TFLite's default double rounding.
 *
 * No signed overflow and no left shift of a negative value anywhere (UBSan clean): wrapping and
 * left shifts go through uint32_t. Right shifts of negative values are implementation-defined in
 * C99, and every compiler we target (gcc, clang, arm-none-eabi-gcc) makes them arithmetic. */
#ifndef TINYC_TC_REQUANT_H
#define TINYC_TC_REQUANT_H

#include <stdint.h>

#include "tinyc/tc_assert.h"

/* x * 2^shift with 0 <= shift <= 31, wrapping like the two's-complement machine does
 * (TFLite writes `x * (1 << shift)`, which is UB on overflow in C; the wrapped value is what it
 * computes on every real target). */
static inline int32_t tc_shl_wrap(int32_t x, int shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/* a + b wrapping (int32 accumulator + int32 bias can overflow only for "dead" channels whose
 * bias is +-2^31-1; their multiplier is 0 so the wrapped value never reaches the output). */
static inline int32_t tc_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* SaturatingRoundingDoublingHighMul(a, b) = round(a*b / 2^31), ties toward +infinity.
 * gemmlowp writes it as (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with C's truncating division;
 * that equals floor((ab + 2^30) / 2^31) for every ab (both round half up), and the floor form is
 * one add + arithmetic shift (SMULL, ADDS, ADC, LSRS on Cortex-M4). The only result that does not
 * fit in int32 is INT32_MIN*INT32_MIN = 2^62, which saturates to INT32_MAX. */
static inline int32_t tc_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    ab = (int64_t)a * (int64_t)b;
    return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/* RoundingDivideByPOT(x, e), 0 <= e <= 31: x / 2^e rounded to nearest, ties away from zero
 * (the remainder of a negative x is compared against a threshold one larger). */
static inline int32_t tc_rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
    int32_t rem = x & mask;
    int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier(x, mult, shift), double rounding (TFLite's default build):
 * shift > 0 multiplies x by 2^shift first, shift <= 0 divides the high product by 2^-shift.
 * mult is in [2^30, 2^31) or 0, shift in [-31, 30]. */
static inline int32_t tc_mbqm(int32_t x, int32_t mult, int32_t shift)
{
    int left = shift > 0 ? (int)shift : 0;
    int right = shift > 0 ? 0 : (int)-shift;
    return tc_rdbpot(tc_srdhm(tc_shl_wrap(x, left), mult), right);
}

/* tc_mbqm with its per-channel constants precomputed (tc_rq_make), for the `_dsp` kernels' epilogue.
 *
 * For a right shift e = -shift >= 1 (every conv/FC layer whose effective scale is below 0.5) the two
 * roundings collapse into one 64-bit multiply-accumulate and one shift:
 *     t = floor((x*m + 2^30) / 2^31)                              SRDHM, m in {0} u [2^30, 2^31)
 *     r = floor((t + 2^(e-1) - [t < 0]) / 2^e)                    RDBPOT, ties away from zero
 *       = floor((x*m + 2^30 + 2^(30+e) - [t < 0]*2^31) / 2^(31+e))   (nested floors, integer adds)
 * and [t < 0] = [x*m + 2^30 < 0] equals [x < 0] for every m >= 2^30 (x = -1, m = 2^30 gives t = 0,
 * but then both forms give 0 as 2^(30+e) >= 2^31), and for m = 0 (r = 0 either way). The 64-bit sum
 * stays below 2^63 in magnitude, and its high word shifted by e - 1 is r. On Cortex-M4 this is
 * SMLAL + 6 ALU instructions. Other shifts (e <= 0) fall back to tc_mbqm. Exact for every x. */
typedef struct {
    int64_t round; /* 2^30 + 2^(30+e) */
    int32_t mult;
    int32_t shift; /* as given; the fast path needs shift < 0 */
    int32_t rsh;   /* e - 1 */
} tc_rq;

static inline tc_rq tc_rq_make(int32_t mult, int32_t shift)
{
    tc_rq r;
    r.mult = mult;
    r.shift = shift;
    r.rsh = shift < 0 ? (int32_t)(-shift - 1) : 0;
    r.round = shift < 0 ? ((int64_t)1 << 30) + ((int64_t)1 << (30 - shift)) : 0;
    return r;
}

#if defined(__GNUC__)
#define TC_LIKELY(c) __builtin_expect(!!(c), 1)
#else
#define TC_LIKELY(c) (c)
#endif

static inline int32_t tc_rq_apply(const tc_rq *r, int32_t x)
{
    if (TC_LIKELY(r->shift < 0)) { /* the fast path first: GCC lays it out as the fall-through */
        const int64_t q = (int64_t)x * r->mult + r->round + (int64_t)(x >> 31) * ((int64_t)1 << 31);
        return (int32_t)(q >> 32) >> r->rsh;
    }
    return tc_mbqm(x, r->mult, r->shift);
}

/* tc_rqn: tc_rq_apply for shift < 0 only (e = -shift >= 1), its constants derived from shift in a
 * few instructions, for kernels that make them per channel pair in their epilogue: tc_rq_apply computes
 *     q = x * m + round + (x >> 31) * 2^31,   r = (int32_t)(q >> 32) >> (e - 1),
 *     round = 2^30 + 2^(30+e) = chi * 2^32 + clo,
 *     chi = 2^(e-2) for e >= 2, 0 for e = 1     = (1 << (e-1)) >> 1
 *     clo = 2^30 for e >= 2, 2^30 + 2^31 for e = 1 = 2^30 | (1 << (e-1)) << 31,
 * and (x >> 31) * 2^31 = -(x & 2^31) as a 64-bit value; round - (x & 2^31) stays positive (clo >=
 * 2^31 when chi = 0), so GCC emits AND, SUBS, SBC, SMLAL, ASR. Same sum, same result bit for bit. */
typedef struct {
    int32_t mult, rsh, chi;
    uint32_t clo;
} tc_rqn;

static inline tc_rqn tc_rqn_make(int32_t mult, int32_t shift)
{
    tc_rqn r;
    const uint32_t t = (uint32_t)1 << (uint32_t)(-shift - 1);
    r.mult = mult;
    r.rsh = -shift - 1;
    r.chi = (int32_t)(t >> 1);
    r.clo = 0x40000000u | (t << 31);
    return r;
}

static inline int32_t tc_rqn_apply(const tc_rqn *r, int32_t x)
{
    const uint64_t init = (((uint64_t)(uint32_t)r->chi << 32) | r->clo) - ((uint32_t)x & 0x80000000u);
    const int64_t q = (int64_t)init + (int64_t)x * r->mult;
    return (int32_t)(q >> 32) >> r->rsh;
}

/* Saturating x * 2^e for 0 <= e < 31 (gemmlowp SaturatingRoundingMultiplyByPOT, positive
 * exponent): clamps to [INT32_MIN, INT32_MAX] instead of wrapping. */
static inline int32_t tc_sat_shl(int32_t x, int e)
{
    int32_t thr = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
    if (x > thr)
        return INT32_MAX;
    if (x < -thr)
        return INT32_MIN;
    return tc_shl_wrap(x, e);
}

static inline int32_t tc_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t tc_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

/* Clamps to [lo, hi] (the fused activation range, already in the output's quantized domain). */
static inline int32_t tc_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Clamps to [lo, hi] and narrows to int8 (lo/hi are within [-128, 127]). */
static inline int8_t tc_sat_s8(int32_t x, int32_t lo, int32_t hi)
{
    return (int8_t)tc_clamp_i32(x, lo, hi);
}

#endif /* TINYC_TC_REQUANT_H */
