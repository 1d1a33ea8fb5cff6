/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 elementwise ADD for Cortex-M4/M7 with the DSP extension, bit-exact with tc_add_s8_ref
 * (portable C elsewhere). The arithmetic and its proof are in tc_add_dsp.h; here, the loops.
 *
 * Every real ADD has one input whose rescaling is exact (identity 4: TFLite gives the input with
 * the larger scale the multiplier 0.5 = (2^30, 0), so s = X * 2^19): its contribution to 2 S is
 * x * 2q + 2 offset q, one MLA. The other input costs MLA + SMMLAR + ADD + ASR, the output SMMLAR +
 * ADD + ASR, then the clamp and the store: about 13 instructions per element instead of ~80. */
#include <string.h>

#include "tinyc/tc_kernels.h"
#include "tc_add_dsp.h"
#include "tc_internal.h"

/* GCC's first scheduling pass interleaves the four elements of a step, which needs more registers
 * than there are and spills; without it each element runs from registers. */
#if TC_SIMD_DSP && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif

/* w with bits k .. k+7 replaced by the low byte of y (BFI; k a constant). */
#if TC_SIMD_DSP && defined(__GNUC__)
#define TC_BFI8(w, y, k) __asm__("bfi %0, %1, %2, #8" : "+r"(w) : "r"(y), "i"(k))
#else
#define TC_BFI8(w, y, k) ((w) = ((w) & ~(0xffu << (k))) | (((uint32_t)(y) & 0xffu) << (k)))
#endif

/* Bytes of w clamped to [lo, hi] (lo4/hi4: the bound in every byte): SSUB8 sets a GE flag per
 * byte where the difference is >= 0, SEL takes those bytes from its first operand. */
static inline uint32_t tc_add_clamp4(uint32_t w, uint32_t lo4, uint32_t hi4)
{
#if TC_SIMD_DSP && defined(__GNUC__)
    uint32_t t;
    __asm__("ssub8 %[t], %[w], %[lo]\n\t"
            "sel   %[w], %[w], %[lo]\n\t"
            "ssub8 %[t], %[hi], %[w]\n\t"
            "sel   %[w], %[w], %[hi]"
            : [w] "+r"(w), [t] "=&r"(t)
            : [lo] "r"(lo4), [hi] "r"(hi4)
            : "cc");
    return w;
#else
    uint32_t r = 0;
    int k;
    for (k = 0; k < 32; k += 8) {
        const int32_t v = tc_clamp_i32((int32_t)(((w >> k) & 0xffu) ^ 0x80u) - 0x80,
                                       (int32_t)(((lo4 >> k) & 0xffu) ^ 0x80u) - 0x80,
                                       (int32_t)(((hi4 >> k) & 0xffu) ^ 0x80u) - 0x80);
        r |= ((uint32_t)v & 0xffu) << k;
    }
    return r;
#endif
}

/* One element of the TFLite-shaped ADD (left_shift 20, input l exact with (2^30, 0), so
 * s_l = X_l 2^19; input g with 1 <= e <= 3), saturated to int8 (the act range is applied 4 at a
 * time): v = SMMLAR(2 X_g 2^20, m, 2^(e-1) + k 2^e) - [X_g < 0] + x_l 2^(19+e), where k = offset_l
 * 2^19, and v >> e = s_g + X_l 2^19 = S (identities 1, 2; the added multiples of 2^e pass through
 * the floor). |v| < 2^31 needs e <= 3. Then y = (SMMLAR(2 S, m_o, c_o) - [S < 0]) >> e_o. With e a
 * constant every shift is an immediate and the loop needs no register for it. */
#define TC_ADD_LG(xg, xl, y, e)                                                     \
    do {                                                                            \
        const int32_t a_ = (int32_t)((uint32_t)(xg) << 21) + o;                     \
        const int32_t v_ = tc_smmlar(a_, m, h) + (a_ >> 31) + (int32_t)((uint32_t)(xl) << (19 + (e))); \
        const int32_t s2_ = 2 * (v_ >> (e));                                        \
        (y) = tc_ssat((tc_smmlar(s2_, mo, co) + (s2_ >> 31)) >> eo, 8);             \
    } while (0)

/* tc_add_lin_gen for one constant e. */
#define TC_ADD_LIN_GEN(name, e)                                                                        \
    static void name(const tc_add_q *qq, const tc_add_q1 *cg, int32_t off_l, const int8_t *xl,         \
                     const int8_t *xg, int8_t *out, int32_t n)                                         \
    {                                                                                                  \
        const int32_t o = cg->o, m = cg->m, mo = qq->mo, co = qq->co, eo = qq->eo;                     \
        const int32_t h = (int32_t)((uint32_t)cg->h + ((uint32_t)(off_l * (1 << 19)) << (e)));      \
        const uint32_t lo4 = ((uint32_t)qq->lo & 0xffu) * 0x01010101u;                                \
        const uint32_t hi4 = ((uint32_t)qq->hi & 0xffu) * 0x01010101u;                                \
        const int8_t *const end4 = xg + (n & ~3);                                                      \
        int32_t y0, y1, y2, y3;                                                                        \
        while (xg != end4) {                                                                           \
            uint32_t w;                                                                                \
            TC_ADD_LG(xg[0], xl[0], y0, e);                                                            \
            TC_ADD_LG(xg[1], xl[1], y1, e);                                                            \
            TC_ADD_LG(xg[2], xl[2], y2, e);                                                            \
            TC_ADD_LG(xg[3], xl[3], y3, e);                                                            \
            w = (uint32_t)y0 & 0xffu;                                                                  \
            TC_BFI8(w, y1, 8);                                                                         \
            TC_BFI8(w, y2, 16);                                                                        \
            TC_BFI8(w, y3, 24);                                                                        \
            w = tc_add_clamp4(w, lo4, hi4);                                                            \
            memcpy(out, &w, 4);                                                                        \
            xg += 4;                                                                                   \
            xl += 4;                                                                                   \
            out += 4;                                                                                  \
        }                                                                                              \
        for (n &= 3; n > 0; n--) {                                                                     \
            TC_ADD_LG(*xg++, *xl++, y0, e);                                                            \
            *out++ = tc_sat_s8(y0, qq->lo, qq->hi);                                                    \
        }                                                                                              \
    }
TC_ADD_LIN_GEN(tc_add_lin_gen1, 1)
TC_ADD_LIN_GEN(tc_add_lin_gen2, 2)
TC_ADD_LIN_GEN(tc_add_lin_gen3, 3)

/* Input l exact with (2^30, 0) at left_shift 20, input g with 1 <= e <= 3. */
static void tc_add_lin_gen(const tc_add_q *q, const tc_add_q1 *cl, const tc_add_q1 *cg, const int8_t *xl,
                           const int8_t *xg, int8_t *out, int32_t n)
{
    if (cg->e == 1)
        tc_add_lin_gen1(q, cg, cl->off, xl, xg, out, n);
    else if (cg->e == 2)
        tc_add_lin_gen2(q, cg, cl->off, xl, xg, out, n);
    else
        tc_add_lin_gen3(q, cg, cl->off, xl, xg, out, n);
}

/* Both inputs exact. */
static void tc_add_lin_lin(const tc_add_q *q, const int8_t *x1, const int8_t *x2, int8_t *out, int32_t n)
{
    const int32_t q1 = 2 * q->in1.q, q2 = 2 * q->in2.q;
    const int32_t k = 2 * q->in1.off * q->in1.q + 2 * q->in2.off * q->in2.q;
    const int32_t mo = q->mo, co = q->co, eo = q->eo, lo = q->lo, hi = q->hi;
    int32_t i;

    for (i = 0; i < n; i++) {
        const int32_t s2 = x1[i] * q1 + x2[i] * q2 + k;
        const int32_t y = (tc_smmlar(s2, mo, co) + (s2 >> 31)) >> eo;
        out[i] = tc_sat_s8(y, lo, hi);
    }
}

/* input1, input2 : (size,) s8 -> output : (size,) s8 */
void tc_add_s8_dsp(const tc_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const tc_add_q q = tc_add_q_make(p);
    const int32_t n = p->size;
    int32_t i;

    TC_ASSERT(p->left_shift >= 0 && p->left_shift < 31);
    if (!q.fast) {
        for (i = 0; i < n; i++)
            output[i] = tc_add_one(p, input1[i], input2[i]);
    } else if (q.in1.q != 0 && q.in2.q != 0) {
        tc_add_lin_lin(&q, input1, input2, output, n);
    } else if (p->left_shift == 20 && q.in1.q == 1 << 19 && q.in2.e > 0 && q.in2.e <= 3) {
        tc_add_lin_gen(&q, &q.in1, &q.in2, input1, input2, output, n);
    } else if (p->left_shift == 20 && q.in2.q == 1 << 19 && q.in1.e > 0 && q.in1.e <= 3) {
        tc_add_lin_gen(&q, &q.in2, &q.in1, input2, input1, output, n);
    } else {
        for (i = 0; i < n; i++)
            output[i] = tc_add_q_one(&q, input1[i], input2[i]);
    }
}
