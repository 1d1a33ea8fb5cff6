/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight fully connected, `_ref` and `_dsp` (contract: tinyc/tc_s4.h). Both return the bytes
 * tc_fc_s8_ref returns on the unpacked weights.
 *
 * `_dsp` (Cortex-M4 DSP extension through tc_simd.h; portable C elsewhere, same results): the input
 * is widened once per call into scratch as the int16 pairs (x[8g + j], x[8g + j + 4]) that the
 * masked weight lanes need (tc_s4_decode.h), so a row's word of 8 weights costs 1 LDR, 4 AND and
 * 4 SMLAD. Three rows share each group's activation words (2 LDRD): 29 instructions per 24 MACs in
 * the DSP build's assembly loop (+ SUBS, BNE per two groups). A fourth row would need a 15th
 * register (4 sums, 4 activation words, word, lane, w, row offset, col, count, mask), and without
 * the mask register each lane costs LSL + AND. Left-over rows go one at a time.
 *
 * With an odd in_features, row o starts inside a byte when o is odd: those rows are read from the
 * byte holding their first weight against a second copy of the input shifted by one element, and
 * rows are taken in triples of equal parity (o, o + 2, o + 4), whose starts are in_features bytes
 * apart. A row's partial last group is read as a whole word where that stays inside the stream
 * (its extra nibbles meet zero activations), else byte by byte.
 *
 * Sums are 4096 times the true sums and are brought back every <= 511 products; everything wraps
 * mod 2^32 like the reference's int32 accumulation plus the folded bias. */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_s4.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"
#include "tc_s4_decode.h"

#if defined(__GNUC__)
#define TC_F4_INLINE static inline __attribute__((always_inline))
#define TC_F4_NOINLINE static __attribute__((noinline))
#else
#define TC_F4_INLINE static inline
#define TC_F4_NOINLINE static
#endif

void tc_fc_s4_ref(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                  int8_t *output)
{
    const int32_t n = p->in_features;
    int32_t o, i;

    for (o = 0; o < p->out_features; o++) {
        int32_t acc = 0;
        for (i = 0; i < n; i++)
            acc += tc_s4_get(filter, o * n + i) * ((int32_t)input[i] + p->input_offset);
        output[o] = TC_REF_OUT(p, acc, bias, o);
    }
}

/* ---- `_dsp` ---- */

static int32_t tc_f4_groups(const tc_fc_params *p)
{
    return (p->in_features + (p->in_features & 1) + 7) / 8;
}

int32_t tc_fc_s4_dsp_scratch_bytes(const tc_fc_params *p)
{
    return 16 * tc_f4_groups(p) * (1 + (p->in_features & 1));
}

/* G groups of the input from element `start` (0, or -1 for the shifted copy) as the pairs
 * A_j = (x[8g + start + j], x[8g + start + j + 4]); elements outside [0, n) are 0. */
static void tc_f4_widen(int32_t *col, const int8_t *x, int32_t n, int32_t start, int32_t groups)
{
    int32_t g;
    for (g = 0; g < groups; g++, col += 4) {
        const int32_t at = 8 * g + start;
        if (at >= 0 && at + 8 <= n) {
            tc_s4_widen8(col, x + at);
        } else { /* the first group of the shifted copy, and the last one */
            int8_t b[8];
            int32_t j;
            for (j = 0; j < 8; j++)
                b[j] = (at + j >= 0 && at + j < n) ? x[at + j] : 0;
            tc_s4_widen8(col, b);
        }
    }
}

/* One row's group: s += lanes of weight word v . activation words col[0..3]. */
#define TC_F4_ROW_V(v, col, s)                                                          \
    s = tc_smlad(tc_s4_lane(v, 3), (col)[3],                                            \
                 tc_smlad(tc_s4_lane(v, 2), (col)[2],                                   \
                          tc_smlad(tc_s4_lane(v, 1), (col)[1], tc_smlad(tc_s4_lane(v, 0), (col)[0], s))))

/* n full groups of three rows at w, w + b, w + 2b (w advanced by 4 n) against col (advanced by
 * 4 n words). DSP build: Thumb-2 assembly, per group 2 LDRD (the activations, the second with
 * writeback; the pointer runs 8 bytes behind), then per row LDR (register offset b, b LSL 1, and
 * post-indexed for the first row) + 4 AND + 4 SMLAD, two groups per iteration: 14 registers. */
#if TC_SIMD_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(TC_FC_S4_NO_ASM)
#define TC_F4_ROW_ASM(load, s) \
    load "\n\t" \
    "and %[m], %[mask], %[v], lsl #12\n\t" \
    "smlad %[" s "], %[m], %[x0], %[" s "]\n\t" \
    "and %[m], %[mask], %[v], lsl #8\n\t" \
    "smlad %[" s "], %[m], %[x1], %[" s "]\n\t" \
    "and %[m], %[mask], %[v], lsl #4\n\t" \
    "smlad %[" s "], %[m], %[x2], %[" s "]\n\t" \
    "and %[v], %[v], %[mask]\n\t" \
    "smlad %[" s "], %[v], %[x3], %[" s "]\n\t"
#define TC_F4_GROUP3_ASM \
    "ldrd %[x0], %[x1], [%[c], #8]\n\t" \
    "ldrd %[x2], %[x3], [%[c], #16]!\n\t" \
    TC_F4_ROW_ASM("ldr %[v], [%[w], %[b]]", "s1") \
    TC_F4_ROW_ASM("ldr %[v], [%[w], %[b], lsl #1]", "s2") \
    TC_F4_ROW_ASM("ldr %[v], [%[w]], #4", "s0")
#define TC_F4_GROUP1_ASM \
    "ldrd %[x0], %[x1], [%[c], #8]\n\t" \
    "ldrd %[x2], %[x3], [%[c], #16]!\n\t" \
    TC_F4_ROW_ASM("ldr %[v], [%[w]], #4", "s0")
#define TC_F4_ASM1_OPERANDS                                                                       \
    : [s0] "+r"(s0), [w] "+r"(w_), [c] "+r"(c8_), [n] "+r"(n_), [v] "=&r"(v_), [m] "=&r"(m_),      \
      [x0] "=&r"(x0_), [x1] "=&r"(x1_), [x2] "=&r"(x2_), [x3] "=&r"(x3_)                           \
    : [mask] "r"(mask_)                                                                           \
    : "cc", "memory"
#define TC_F4_LOOP1(W, COL, N)                                                                    \
    do {                                                                                          \
        const int32_t *c8_ = (const int32_t *)((uintptr_t)(COL) - 8u);                            \
        const uint8_t *w_ = (W);                                                                  \
        int32_t v_, m_, x0_, x1_, x2_, x3_, n_ = (N) >> 1;                                        \
        const uint32_t mask_ = TC_S4_MASK;                                                        \
        if (n_ > 0)                                                                               \
            __asm__ volatile("1:\n\t" TC_F4_GROUP1_ASM TC_F4_GROUP1_ASM                           \
                             "subs %[n], %[n], #1\n\t"                                            \
                             "bne 1b" TC_F4_ASM1_OPERANDS);                                       \
        if ((N) & 1)                                                                              \
            __asm__ volatile(TC_F4_GROUP1_ASM TC_F4_ASM1_OPERANDS);                               \
        (COL) = (const int32_t *)((uintptr_t)c8_ + 8u);                                           \
        (W) = w_;                                                                                 \
    } while (0)
#define TC_F4_ASM3_OPERANDS                                                                       \
    : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [w] "+r"(w_), [c] "+r"(c8_), [n] "+r"(n_),       \
      [v] "=&r"(v_), [m] "=&r"(m_), [x0] "=&r"(x0_), [x1] "=&r"(x1_), [x2] "=&r"(x2_), [x3] "=&r"(x3_) \
    : [b] "r"(b_), [mask] "r"(mask_)                                                              \
    : "cc", "memory"
#define TC_F4_LOOP3(W, B, COL, N)                                                                 \
    do {                                                                                          \
        const int32_t *c8_ = (const int32_t *)((uintptr_t)(COL) - 8u);                            \
        const uint8_t *w_ = (W);                                                                  \
        int32_t v_, m_, x0_, x1_, x2_, x3_, n_ = (N) >> 1;                                        \
        const int32_t b_ = (B);                                                                   \
        const uint32_t mask_ = TC_S4_MASK;                                                        \
        if (n_ > 0)                                                                               \
            __asm__ volatile("1:\n\t" TC_F4_GROUP3_ASM TC_F4_GROUP3_ASM                           \
                             "subs %[n], %[n], #1\n\t"                                            \
                             "bne 1b" TC_F4_ASM3_OPERANDS);                                       \
        if ((N) & 1)                                                                              \
            __asm__ volatile(TC_F4_GROUP3_ASM TC_F4_ASM3_OPERANDS);                               \
        (COL) = (const int32_t *)((uintptr_t)c8_ + 8u);                                           \
        (W) = w_;                                                                                 \
    } while (0)
#else
#define TC_F4_LOOP3(W, B, COL, N)                         \
    do {                                                  \
        int32_t n_ = (N);                                 \
        for (; n_ > 0; n_--) {                            \
            const uint32_t v0_ = tc_s4_rd32(W);           \
            const uint32_t v1_ = tc_s4_rd32((W) + (B));   \
            const uint32_t v2_ = tc_s4_rd32((W) + 2 * (B)); \
            TC_F4_ROW_V(v0_, COL, s0);                    \
            TC_F4_ROW_V(v1_, COL, s1);                    \
            TC_F4_ROW_V(v2_, COL, s2);                    \
            (W) += 4;                                     \
            (COL) += 4;                                   \
        }                                                 \
    } while (0)
#define TC_F4_LOOP1(W, COL, N)                            \
    do {                                                  \
        int32_t n_ = (N);                                 \
        for (; n_ > 0; n_--) {                            \
            const uint32_t v0_ = tc_s4_rd32(W);           \
            TC_F4_ROW_V(v0_, COL, s0);                    \
            (W) += 4;                                     \
            (COL) += 4;                                   \
        }                                                 \
    } while (0)
#endif

/* Requantized output of a row: total t (bias + sum, mod 2^32) -> int8. */
typedef struct {
    const int32_t *mult, *shift;
    int32_t zo, lo, hi;
} tc_f4_epi;

/* tc_mbqm for a shift >= 0 (scale >= 0.5, rare), out of line. */
TC_F4_NOINLINE int32_t tc_f4_mbqm(int32_t t, int32_t m, int32_t sh)
{
    return tc_mbqm(t, m, sh);
}

TC_F4_INLINE int8_t tc_f4_out(const tc_f4_epi *e, int32_t o, uint32_t t)
{
    const int32_t sh = e->shift[o];
    int32_t v;
    if (TC_LIKELY(sh < 0)) {
        const tc_rqn r = tc_rqn_make(e->mult[o], sh);
        v = tc_rqn_apply(&r, (int32_t)t);
    } else {
        v = tc_f4_mbqm((int32_t)t, e->mult[o], sh);
    }
    return tc_sat_s8(v + e->zo, e->lo, e->hi);
}

/* Rows o, o + d, o + 2d (len nibbles each, starting at byte w, b bytes apart) against col. The
 * caller rounds len up to whole groups where the last word stays inside the stream (the extra
 * nibbles belong to the next rows and meet zero activations), which saves the byte-wise tail. */
TC_F4_NOINLINE void tc_f4_rows3(const tc_f4_epi *e, const int32_t *col, const uint8_t *w, int32_t b, int32_t len,
                                const int32_t *bias, int32_t o, int32_t d, int8_t *out)
{
    uint32_t t0 = (uint32_t)bias[o], t1 = (uint32_t)bias[o + d], t2 = (uint32_t)bias[o + 2 * d];
    int32_t left = len >> 3;
    const int32_t rest = len & 7;

    do {
        const int32_t n = left < TC_S4_CHUNK_GROUPS ? left : TC_S4_CHUNK_GROUPS;
        int32_t s0 = 0, s1 = 0, s2 = 0;
        left -= n;
        TC_F4_LOOP3(w, b, col, n);
        if (left == 0 && rest) {
            const uint32_t v0 = tc_s4_tail_word(w, rest), v1 = tc_s4_tail_word(w + b, rest);
            const uint32_t v2 = tc_s4_tail_word(w + 2 * b, rest);
            TC_F4_ROW_V(v0, col, s0);
            TC_F4_ROW_V(v1, col, s1);
            TC_F4_ROW_V(v2, col, s2);
        }
        t0 += (uint32_t)tc_s4_unscale(s0);
        t1 += (uint32_t)tc_s4_unscale(s1);
        t2 += (uint32_t)tc_s4_unscale(s2);
    } while (left > 0);
    { /* all three before the first store, which could alias *e as far as the compiler knows */
        const int8_t y0 = tc_f4_out(e, o, t0), y1 = tc_f4_out(e, o + d, t1), y2 = tc_f4_out(e, o + 2 * d, t2);
        out[o] = y0;
        out[o + d] = y1;
        out[o + 2 * d] = y2;
    }
}

/* Row o alone. */
TC_F4_NOINLINE void tc_f4_row1(const tc_f4_epi *e, const int32_t *col, const uint8_t *w, int32_t len,
                               const int32_t *bias, int32_t o, int8_t *out)
{
    uint32_t t = (uint32_t)bias[o];
    int32_t left = len >> 3;
    const int32_t rest = len & 7;

    do {
        const int32_t n = left < TC_S4_CHUNK_GROUPS ? left : TC_S4_CHUNK_GROUPS;
        int32_t s0 = 0;
        left -= n;
        TC_F4_LOOP1(w, col, n);
        if (left == 0 && rest) {
            const uint32_t v = tc_s4_tail_word(w, rest);
            TC_F4_ROW_V(v, col, s0);
        }
        t += (uint32_t)tc_s4_unscale(s0);
    } while (left > 0);
    out[o] = tc_f4_out(e, o, t);
}

void tc_fc_s4_dsp(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias_folded,
                  int8_t *output, void *scratch)
{
    const int32_t in = p->in_features, out = p->out_features, odd = in & 1;
    const int32_t groups = tc_f4_groups(p);
    const int32_t d = 1 + odd; /* rows o and o + d start at the same nibble position */
    int32_t *const col0 = (int32_t *)scratch, *const col1 = col0 + 4 * groups;
    const uint8_t *const end = filter + tc_s4_packed_bytes(in * out); /* the stream's end */
    tc_f4_epi e;
    int32_t cls;

    TC_ASSERT(in > 0 && out > 0);
    TC_ASSERT(bias_folded != NULL && scratch != NULL && ((uintptr_t)scratch & 3u) == 0);
    TC_ASSERT((const void *)output != (const void *)input);
    e.mult = p->out_mult;
    e.shift = p->out_shift;
    e.zo = p->output_offset;
    e.lo = p->act_min;
    e.hi = p->act_max;
    tc_f4_widen(col0, input, in, 0, groups);
    if (odd)
        tc_f4_widen(col1, input, in, -1, groups);
    for (cls = 0; cls < d; cls++) { /* class 1 (odd rows of an odd in_features): inside a byte */
        const int32_t *const col = cls ? col1 : col0;
        const int32_t len = in + cls;
        const int32_t b = d * in / 2; /* bytes between rows o and o + d */
        const int32_t whole = (len + 7) & ~7; /* len in whole groups */
        int32_t o = cls;
        for (; o + 2 * d < out; o += 3 * d) {
            const uint8_t *w = filter + o * in / 2;
            tc_f4_rows3(&e, col, w, b, w + 2 * b + whole / 2 <= end ? whole : len, bias_folded, o, d, output);
        }
        for (; o < out; o += d) {
            const uint8_t *w = filter + o * in / 2;
            tc_f4_row1(&e, col, w, w + whole / 2 <= end ? whole : len, bias_folded, o, output);
        }
    }
}
