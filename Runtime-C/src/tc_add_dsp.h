/* SPDX-License-Identifier: Apache-2.0 */
/* Exact fast arithmetic for the `_dsp` ADD (tc_add_dsp.c), reusable by a fused conv+add kernel, and
 * the 32-bit helpers it shares with the FC epilogue (tc_fc_dsp.c). Not part of the public ABI.
 *
 * tc_add_one (tc_internal.h) computes, with X = x + offset and e = -shift >= 0 per multiplier,
 *     s_k = RDBPOT(SRDHM(X_k * 2^ls, m_k), e_k)        k = 1, 2        (ls = left_shift, 20)
 *     y   = RDBPOT(SRDHM(s_1 + s_2, m_o), e_o) + z_o, clamped.
 * Identities used here (m in {0} u [2^30, 2^31), as QuantizeMultiplier produces):
 *  (1) SRDHM(a, m) = floor((a*m + 2^30) / 2^31) = floor((2a*m + 2^31) / 2^32) = SMMULR(2a, m) while
 *      2a fits in int32. SMMLAR(a, m, c) = c + SMMULR(a, m) adds an integer c before the floor.
 *  (2) RDBPOT(t, e) = floor((t + 2^(e-1) - [t < 0]) / 2^e) for e >= 1 (ties away from zero), and
 *      [t < 0] may be replaced by [a < 0] for t = SRDHM(a, m): a < 0 gives t <= 0, a >= 0 gives
 *      t >= 0, and where they disagree t = 0, whose result is 0 either way.
 *  (3) floor(u / 2^e) + z = floor((u + z * 2^e) / 2^e), so the output offset joins the rounding
 *      constant: y = (SMMLAR(2S, m_o, (2 z_o + 1) * 2^(e_o - 1)) - [S < 0]) >> e_o.
 *  (4) A multiplier with e = 0 and m divisible by 2^(31 - ls) (TFLite's 0.5 = (2^30, 0) for the
 *      input with the larger scale, so every real ADD has one) makes s = X * (m >> (31 - ls)) with no
 *      rounding at all.
 * Bounds (checked once in tc_add_q_make, else the caller uses tc_add_one): offsets in [-128, 128]
 * (|X| <= 256) and ls <= 20 keep |2 X 2^ls| <= 2^29, |s_k| <= 2^28 and |2 S| <= 2^30; 1 <= e_o <= 21
 * keeps |(2 z_o + 1) 2^(e_o - 1)| below 2^29, so no sum below overflows. Exhaustive tests over all
 * 65536 input pairs: tests/test_pool_add_dsp.c. */
#ifndef TINYC_TC_ADD_DSP_H
#define TINYC_TC_ADD_DSP_H

#include <stdint.h>

#include "tinyc/tc_simd.h"
#include "tinyc/tc_types.h"
#include "tc_requant.h"

/* c + floor((a * b + 2^31) / 2^32), the sum wrapping mod 2^32 (SMMLAR). */
static inline int32_t tc_smmlar(int32_t a, int32_t b, int32_t c)
{
#if TC_SIMD_DSP && defined(__GNUC__)
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
#else
    const int32_t hi = (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
    return (int32_t)((uint32_t)c + (uint32_t)hi);
#endif
}

/* a + a saturated to int32 (QADD). */
static inline int32_t tc_qdbl(int32_t a)
{
#if TC_SIMD_DSP && defined(__GNUC__)
    int32_t r;
    __asm__("qadd %0, %1, %1" : "=r"(r) : "r"(a));
    return r;
#else
    return a >= 0x40000000 ? INT32_MAX : (a < -0x40000000 ? INT32_MIN : 2 * a);
#endif
}

/* Stage 1 of one input: 2 X 2^ls = x * p + o, then s = (SMMLAR(.., m, h) - [X < 0]) >> e, or
 * SMMULR(.., m) if e = 0 (no second rounding). */
typedef struct {
    int32_t p, o;  /* 2^(ls+1), offset * 2^(ls+1) */
    int32_t m, h;  /* multiplier, 2^(e-1) (0 if e = 0) */
    int32_t e;
    int32_t q;     /* s = X * q exactly (identity 4), or 0 if the stage rounds */
    int32_t off;   /* offset */
} tc_add_q1;

/* Every constant of one ADD; fast == 0 means the bounds above do not hold (use tc_add_one). */
typedef struct {
    tc_add_q1 in1, in2;
    int32_t mo, co, eo; /* output multiplier, (2 z_o + 1) * 2^(e_o - 1), e_o */
    int32_t lo, hi;
    int32_t fast;
} tc_add_q;

static inline int tc_add_mult_ok(int32_t m)
{
    return m == 0 || m >= 0x40000000;
}

static inline tc_add_q1 tc_add_q1_make(int32_t offset, int32_t ls, int32_t m, int32_t shift)
{
    tc_add_q1 c;
    const int32_t e = -shift;
    c.p = (int32_t)((uint32_t)1 << (ls + 1));
    c.o = (int32_t)((uint32_t)offset << (ls + 1));
    c.m = m;
    c.e = e;
    c.off = offset;
    c.h = e > 0 ? (int32_t)((uint32_t)1 << (e - 1)) : 0;
    c.q = (e == 0 && (m & (int32_t)(((uint32_t)1 << (31 - ls)) - 1u)) == 0) ? m >> (31 - ls) : 0;
    return c;
}

static inline tc_add_q tc_add_q_make(const tc_add_params *p)
{
    tc_add_q q;
    const int32_t ls = p->left_shift, eo = -p->output_shift;
    q.fast = ls >= 0 && ls <= 20 && p->input1_shift <= 0 && p->input2_shift <= 0 && eo >= 1 && eo <= 21 &&
             p->input1_offset >= -128 && p->input1_offset <= 128 && p->input2_offset >= -128 &&
             p->input2_offset <= 128 && p->output_offset >= -128 && p->output_offset <= 127 &&
             tc_add_mult_ok(p->input1_mult) && tc_add_mult_ok(p->input2_mult) && tc_add_mult_ok(p->output_mult);
    q.lo = p->act_min;
    q.hi = p->act_max;
    if (!q.fast) {
        q.mo = q.co = q.eo = 0;
        q.in1 = q.in2 = tc_add_q1_make(0, 0, 0, 0);
        return q;
    }
    q.in1 = tc_add_q1_make(p->input1_offset, ls, p->input1_mult, p->input1_shift);
    q.in2 = tc_add_q1_make(p->input2_offset, ls, p->input2_mult, p->input2_shift);
    q.mo = p->output_mult;
    q.eo = eo;
    q.co = (int32_t)((uint32_t)(2 * p->output_offset + 1) << (eo - 1));
    return q;
}

/* s of one input (identities 1, 2), x the raw int8 value. */
static inline int32_t tc_add_q1_apply(const tc_add_q1 *c, int32_t x)
{
    const int32_t a = x * c->p + c->o; /* 2 X 2^ls, |.| <= 2^29 */
    if (c->e == 0)
        return tc_smmlar(a, c->m, 0);
    return (tc_smmlar(a, c->m, c->h) + (a >> 31)) >> c->e;
}

/* The output value from 2 S = 2 (s_1 + s_2) (identities 1-3), before the clamp. */
static inline int32_t tc_add_q_out(const tc_add_q *q, int32_t s2)
{
    return (tc_smmlar(s2, q->mo, q->co) + (s2 >> 31)) >> q->eo;
}

/* One ADD output, equal to tc_add_one for q->fast != 0. */
static inline int8_t tc_add_q_one(const tc_add_q *q, int32_t x1, int32_t x2)
{
    const int32_t s = tc_add_q1_apply(&q->in1, x1) + tc_add_q1_apply(&q->in2, x2);
    return tc_sat_s8(tc_add_q_out(q, 2 * s), q->lo, q->hi);
}

#endif /* TINYC_TC_ADD_DSP_H */
