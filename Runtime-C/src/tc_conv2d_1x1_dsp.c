/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 pointwise (1x1, stride 1, no padding) convolution for Cortex-M4/M7 with the DSP extension
 * (ALGORITHMS.md §2.3, §6.2), bit-exact with tc_conv2d_s8_ref. Portable C elsewhere (tc_simd.h).
 *
 * A 1x1 convolution is a matrix product: every output pixel is out.c dot products of its in.c
 * input bytes with the in.c bytes of each filter row (OHWI with kh = kw = 1). The compiler folds the
 * input offset into the bias (tc_kernels.h, "folded bias"):
 *     sum_c w[c] * (x[c] + input_offset) + bias = sum_c w[c] * x[c] + (bias + input_offset * sum_c w[c])
 * which holds exactly in the integers and therefore mod 2^32; every accumulation here wraps mod
 * 2^32 (SMLAD does, the portable code adds in uint32_t), so the result equals the reference's int32
 * sum + tc_add_wrap(bias) even where that would overflow.
 *
 * Register tile: 2 output channels x 2 pixels, 4 reduction bytes per step: 4 word loads, 8 SXTB16,
 * 8 SMLAD for 16 MACs. Both operands are de-interleaved the same way (bytes 0/2 and 1/3), so no
 * PKHBT/PKHTB and no reordered weight layout are needed. Leftovers (in.c % 4 bytes, an odd pixel
 * at the end of a row, an odd last channel) use narrower tiles and scalar code. Loop order: channel
 * pairs outside, pixels inside (the two filter rows stay hot; the input is streamed out.c / 2
 * times). */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"

/* GCC's first scheduling pass hoists the four loads of a step to its top, which needs a 7th
 * temporary and spills in the 2x2 loop; without it the loop runs from registers alone. */
#if TC_SIMD_DSP && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif

/* a + b * c mod 2^32 without signed overflow. */
static inline int32_t tc_mla_wrap(int32_t a, int32_t b, int32_t c)
{
    return (int32_t)((uint32_t)a + (uint32_t)b * (uint32_t)c);
}

/* The epilogue constants, copied out of *p once: every int8 store may alias *p as far as the C
 * compiler knows, so reading them through p would reload them after each output byte. */
typedef struct {
    int32_t zo, lo, hi;
} tc_1x1_epi;

/* Requantization exactly as tc_conv2d_s8_ref (tc_rq == tc_mbqm), + output offset, clamp. */
static inline int8_t tc_1x1_out(const tc_1x1_epi *e, int32_t acc, const tc_rq *rq)
{
    acc = tc_rq_apply(rq, acc) + e->zo;
    return tc_sat_s8(acc, e->lo, e->hi);
}

/* One 4-byte step of the 2x2 tile; advances a and b by 4. The order keeps at most 6 temporaries
 * live (plus 4 accumulators, a, b, n4 and the loop bound: 14 registers, all Cortex-M4 has): widen
 * pixel 0 and filter row 0, finish s00; load pixel 1, finish s10 (row 0's halves die); load
 * filter row 1, finish s01 and s11. a and b advance right after their loads so GCC uses
 * post-indexed LDRs, and pixel 1 / filter row 1 are then at +n4 = n - 4. With GCC at -O2 for
 * Cortex-M4 the loop is 4 LDR + 8 SXTB16 + 8 SMLAD + CMP + BNE: 22 instructions per 16 MACs. */
#define TC_1X1_STEP_2X2(a, b, n4)                                     \
    do {                                                              \
        int32_t u_ = tc_read_s8x4(a), v_ = tc_read_s8x4(b);           \
        const int32_t a_lo = tc_sxtb16(u_), a_hi = tc_sxtb16_ror8(u_); \
        int32_t lo_ = tc_sxtb16(v_), hi_ = tc_sxtb16_ror8(v_);        \
        int32_t c_lo, c_hi;                                           \
        (a) += 4;                                                     \
        (b) += 4;                                                     \
        s00 = tc_smlad(a_lo, lo_, s00);                               \
        s00 = tc_smlad(a_hi, hi_, s00);                               \
        u_ = tc_read_s8x4((a) + (n4)); /* pixel 1 */                  \
        c_lo = tc_sxtb16(u_);                                         \
        s10 = tc_smlad(c_lo, lo_, s10);                               \
        c_hi = tc_sxtb16_ror8(u_);                                    \
        s10 = tc_smlad(c_hi, hi_, s10);                               \
        v_ = tc_read_s8x4((b) + (n4)); /* filter row 1 */             \
        lo_ = tc_sxtb16(v_);                                          \
        s01 = tc_smlad(a_lo, lo_, s01);                               \
        s11 = tc_smlad(c_lo, lo_, s11);                               \
        hi_ = tc_sxtb16_ror8(v_);                                     \
        s01 = tc_smlad(a_hi, hi_, s01);                               \
        s11 = tc_smlad(c_hi, hi_, s11);                               \
    } while (0)

/* 1x2 tile: *r0 += a.b0, *r1 += a.b1 over n bytes, b1 = b0 + n (one pixel with two filter rows, or
 * one filter row with two pixels). */
static inline void tc_dot_1x2(const int8_t *a, const int8_t *b, int32_t n, int32_t *r0, int32_t *r1)
{
    int32_t s0 = *r0, s1 = *r1;
    int32_t k = n >> 2, c;

    for (; k > 0; k--) {
        const int32_t va = tc_read_s8x4(a), v0 = tc_read_s8x4(b), v1 = tc_read_s8x4(b + n);
        const int32_t a_lo = tc_sxtb16(va), a_hi = tc_sxtb16_ror8(va);
        s0 = tc_smlad(a_lo, tc_sxtb16(v0), s0);
        s0 = tc_smlad(a_hi, tc_sxtb16_ror8(v0), s0);
        s1 = tc_smlad(a_lo, tc_sxtb16(v1), s1);
        s1 = tc_smlad(a_hi, tc_sxtb16_ror8(v1), s1);
        a += 4;
        b += 4;
    }
    for (c = 0; c < (n & 3); c++) {
        s0 = tc_mla_wrap(s0, a[c], b[c]);
        s1 = tc_mla_wrap(s1, a[c], b[c + n]);
    }
    *r0 = s0;
    *r1 = s1;
}

/* 1x1: *r += a.b over n bytes. */
static inline void tc_dot_1x1(const int8_t *a, const int8_t *b, int32_t n, int32_t *r)
{
    int32_t s = *r;
    int32_t k = n >> 2, c;

    for (; k > 0; k--) {
        const int32_t va = tc_read_s8x4(a), vb = tc_read_s8x4(b);
        s = tc_smlad(tc_sxtb16(va), tc_sxtb16(vb), s);
        s = tc_smlad(tc_sxtb16_ror8(va), tc_sxtb16_ror8(vb), s);
        a += 4;
        b += 4;
    }
    for (c = 0; c < (n & 3); c++)
        s = tc_mla_wrap(s, a[c], b[c]);
    *r = s;
}

/* input  : (in.h, in.w, in.c)     s8, rows in_row_stride bytes apart (0 = dense)
 * filter : (out.c, 1, 1, in.c)    s8 (OHWI)
 * bias   : (out.c,)               s32, folded (never NULL)
 * output : (in.h, in.w, out.c)    s8, rows out_row_stride bytes apart (0 = dense) */
void tc_conv2d_1x1_s8_dsp(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output)
{
    const int32_t ic = p->input.c, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, ic);
    const size_t out_row = tc_row_bytes(p->out_row_stride, p->output.w, oc);
    const size_t in_px = (size_t)ic, out_px = (size_t)oc;
    const int32_t *const mult = p->out_mult, *const shift = p->out_shift;
    tc_1x1_epi e;
    int32_t rows = p->input.h, cols = p->input.w;
    int32_t o, y, x;
    int32_t n4 = ic - 4; /* pixel 1 / filter row 1 relative to the advanced a, b of a 2x2 step */

    TC_ASSERT(p->kernel.h == 1 && p->kernel.w == 1 && p->stride.h == 1 && p->stride.w == 1);
    TC_ASSERT(p->dilation.h > 0 && p->dilation.w > 0); /* no effect with a 1x1 kernel */
    TC_ASSERT(p->pad.top == 0 && p->pad.bottom == 0 && p->pad.left == 0 && p->pad.right == 0);
    TC_ASSERT(p->output.h == rows && p->output.w == cols && ic > 0 && oc > 0);
    TC_ASSERT((const void *)output != (const void *)input);
    TC_ASSERT(bias != NULL);
#if TC_SIMD_DSP && defined(__GNUC__)
    __asm__("" : "+r"(n4)); /* opaque, so GCC keeps the post-indexed form (no extra ic + 4 register) */
#endif
    e.zo = p->output_offset;
    e.lo = p->act_min;
    e.hi = p->act_max;

    /* Dense rows: the image is one long row, so pixel pairs also run across row ends. */
    if (rows > 1 && in_row == (size_t)cols * in_px && out_row == (size_t)cols * out_px) {
        cols *= rows;
        rows = 1;
    }

    for (o = 0; o + 1 < oc; o += 2) { /* channel pairs: the 2x2 tile, or 2x1 on an odd row end */
        const int8_t *const w = filter + (size_t)o * in_px;
        const int32_t f0 = bias[o], f1 = bias[o + 1];
        const tc_rq rq0 = tc_rq_make(mult[o], shift[o]), rq1 = tc_rq_make(mult[o + 1], shift[o + 1]);
        for (y = 0; y < rows; y++) {
            const int8_t *in = input + (size_t)y * in_row;
            int8_t *out = output + (size_t)y * out_row + o;
            for (x = 0; x + 1 < cols; x += 2) {
                /* the 2x2 tile, written out here so the accumulators are plain locals (GCC -Os
                 * kept them in memory when they were out-parameters of an inline function) */
                int32_t s00 = f0, s01 = f1, s10 = f0, s11 = f1, k, c;
                const int8_t *a = in, *b = w;
                for (k = ic >> 2; k > 0; k--)
                    TC_1X1_STEP_2X2(a, b, n4);
                for (c = 0; c < (ic & 3); c++) { /* a, b: the tails of pixel 0 and filter row 0 */
                    const int32_t x0 = a[c], x1 = a[c + ic], w0 = b[c], w1 = b[c + ic];
                    s00 = tc_mla_wrap(s00, x0, w0);
                    s01 = tc_mla_wrap(s01, x0, w1);
                    s10 = tc_mla_wrap(s10, x1, w0);
                    s11 = tc_mla_wrap(s11, x1, w1);
                }
                out[0] = tc_1x1_out(&e, s00, &rq0);
                out[1] = tc_1x1_out(&e, s01, &rq1);
                out[out_px] = tc_1x1_out(&e, s10, &rq0);
                out[out_px + 1] = tc_1x1_out(&e, s11, &rq1);
                in += 2 * in_px;
                out += 2 * out_px;
            }
            if (x < cols) { /* this pixel with both filter rows */
                int32_t s0 = f0, s1 = f1;
                tc_dot_1x2(in, w, ic, &s0, &s1);
                out[0] = tc_1x1_out(&e, s0, &rq0);
                out[1] = tc_1x1_out(&e, s1, &rq1);
            }
        }
    }
    if (o < oc) { /* odd last channel: its filter row with two pixels at a time */
        const int8_t *const w = filter + (size_t)o * in_px;
        const int32_t f = bias[o];
        const tc_rq rq = tc_rq_make(mult[o], shift[o]);
        for (y = 0; y < rows; y++) {
            const int8_t *in = input + (size_t)y * in_row;
            int8_t *out = output + (size_t)y * out_row + o;
            for (x = 0; x + 1 < cols; x += 2) {
                int32_t s0 = f, s1 = f;
                tc_dot_1x2(w, in, ic, &s0, &s1);
                out[0] = tc_1x1_out(&e, s0, &rq);
                out[out_px] = tc_1x1_out(&e, s1, &rq);
                in += 2 * in_px;
                out += 2 * out_px;
            }
            if (x < cols) {
                int32_t s = f;
                tc_dot_1x1(w, in, ic, &s);
                out[0] = tc_1x1_out(&e, s, &rq);
            }
        }
    }
}
