/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 k x k convolution for Cortex-M4/M7 with the DSP extension (ALGORITHMS.md §2.3, §6.2),
 * bit-exact with tc_conv2d_s8_ref (and, fused with a residual ADD, with tc_conv2d_add_s8_ref).
 * Portable C elsewhere (tc_simd.h), with identical results.
 *
 * Partial im2col: the receptive fields of two output pixels are gathered into `scratch` as int16
 * (widened once per pixel, then reused by every output channel), and a 2 output channels x
 * 2 pixels register tile runs down the reduction K = kernel.h * kernel.w * input.c. Per 4 reduction
 * elements: 2 filter words (LDR) -> 4 SXTB16, 4 im2col words (2 LDRD), 8 SMLAD = 16 MACs.
 *
 * The im2col column of pixel p stores reduction group g (elements 4g..4g+3 in OHWI order) as two
 * words, (x[4g], x[4g+2]) and (x[4g+1], x[4g+3]): exactly what SXTB16 / SXTB16 ROR 8 make of the
 * filter word, so no PKHBT is needed on either side and the filter stays int8 OHWI in flash.
 * The two pixels are interleaved per group (16 bytes: pixel 0's two words, then pixel 1's) so one
 * pointer with immediate offsets reaches both. K % 4 trailing elements form one last group padded
 * with zeros, multiplied with a filter word assembled from the remaining bytes (never read past a
 * filter row).
 *
 * Input offset: the caller passes the folded bias bias_f[o] = bias[o] + input_offset * sum(filter
 * row o) (mod 2^32), so the loops accumulate sum(w * x_raw) only; padding taps hold the raw value
 * -input_offset, whose products cancel their share of the folded bias exactly. All accumulation is
 * mod 2^32 (SMLAD wraps, the portable helpers add in uint32_t), which equals the reference's
 * tc_add_wrap(sum, bias) for every bias, "dead channel" +-2^31-1 included.
 *
 * Epilogue: tc_rq_apply's arithmetic with constants derived from the shift in a few instructions
 * (tc_rqn_make); a channel pair with a shift >= 0 (scale >= 0.5, rare) goes through tc_mbqm. */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_add_dsp.h"
#include "tc_internal.h"

/* See tc_conv2d_1x1_dsp.c: keeps the 2x2 loop in registers (no 7th temporary hoisted). */
#if TC_SIMD_DSP && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif

/* Everything the loops need, copied out of *p once (an int8 store may alias *p as far as the C
 * compiler knows, so fields read through p would be reloaded after every output byte). */
typedef struct {
    const int8_t *input;
    size_t in_row;
    int32_t ih, iw, ic, kh, kw, dh, dw;
    int32_t k;      /* reduction length kh * kw * ic */
    int32_t groups; /* ceil(k / 4) */
    int32_t padw;   /* two int16 copies of the padding value -input_offset */
    int8_t pad;     /* -input_offset as a byte */
    int32_t *col;   /* 4 * groups words */
    int8_t *stage;  /* 4 * groups bytes, or NULL when ic % 4 == 0 */
} tc_cv_in;

/* ---------------------------------------------------------------------------------------------
 * im2col */

/* n reduction groups of 4 bytes from src widened into col (one pixel's two words per group). */
static inline int32_t *tc_cv_widen(int32_t *col, const int8_t *src, int32_t n)
{
    for (; n >= 2; n -= 2) {
        const int32_t v = tc_read_s8x4(src), u = tc_read_s8x4(src + 4);
        col[0] = tc_sxtb16(v);
        col[1] = tc_sxtb16_ror8(v);
        col[4] = tc_sxtb16(u);
        col[5] = tc_sxtb16_ror8(u);
        col += 8;
        src += 8;
    }
    if (n) {
        const int32_t v = tc_read_s8x4(src);
        col[0] = tc_sxtb16(v);
        col[1] = tc_sxtb16_ror8(v);
        col += 4;
    }
    return col;
}

static inline int32_t *tc_cv_fill(int32_t *col, int32_t padw, int32_t n)
{
    for (; n > 0; n--) {
        col[0] = padw;
        col[1] = padw;
        col += 4;
    }
    return col;
}

/* ic % 4 == 0: every tap is whole groups, widened straight from the input. */
static void tc_cv_col_direct(const tc_cv_in *c, int32_t y0, int32_t x0, int32_t *col)
{
    const int32_t g_tap = c->ic >> 2;
    const int32_t row_inside = x0 >= 0 && x0 + (c->kw - 1) * c->dw < c->iw;
    int32_t ky, kx;

    for (ky = 0; ky < c->kh; ky++) {
        const int32_t y = y0 + ky * c->dh;
        const int8_t *row;
        if (y < 0 || y >= c->ih) {
            col = tc_cv_fill(col, c->padw, g_tap * c->kw);
            continue;
        }
        row = c->input + (size_t)y * c->in_row;
        if (row_inside && c->dw == 1) { /* the kernel row is kw * ic contiguous bytes */
            col = tc_cv_widen(col, row + (size_t)x0 * (size_t)c->ic, g_tap * c->kw);
            continue;
        }
        for (kx = 0; kx < c->kw; kx++) {
            const int32_t x = x0 + kx * c->dw;
            if (x < 0 || x >= c->iw)
                col = tc_cv_fill(col, c->padw, g_tap);
            else
                col = tc_cv_widen(col, row + (size_t)x * (size_t)c->ic, g_tap);
        }
    }
}

/* Small copies without a library call (newlib's memcpy costs more than these few bytes). */
static inline int8_t *tc_cv_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4) {
        memcpy(dst, src, 4);
        dst += 4;
        src += 4;
    }
    for (; n > 0; n--)
        *dst++ = *src++;
    return dst;
}

static inline int8_t *tc_cv_set(int8_t *dst, int8_t v, int32_t n)
{
    for (; n > 0; n--)
        *dst++ = v;
    return dst;
}

/* Any ic: the receptive field is gathered as bytes into stage (zero-filled to whole groups), then
 * widened. */
static void tc_cv_col_staged(const tc_cv_in *c, int32_t y0, int32_t x0, int32_t *col)
{
    const int32_t ic = c->ic, span = c->kw * ic;
    const int32_t row_inside = x0 >= 0 && x0 + (c->kw - 1) * c->dw < c->iw;
    int8_t *s = c->stage;
    const int32_t zero = 0;
    int32_t ky, kx;

    memcpy(s + 4 * c->groups - 4, &zero, 4); /* the last group's bytes past k (the rest is overwritten) */

    for (ky = 0; ky < c->kh; ky++) {
        const int32_t y = y0 + ky * c->dh;
        const int8_t *row;
        if (y < 0 || y >= c->ih) {
            s = tc_cv_set(s, c->pad, span);
            continue;
        }
        row = c->input + (size_t)y * c->in_row;
        if (row_inside && c->dw == 1) {
            s = tc_cv_copy(s, row + (size_t)x0 * (size_t)ic, span);
            continue;
        }
        for (kx = 0; kx < c->kw; kx++) {
            const int32_t x = x0 + kx * c->dw;
            if (x < 0 || x >= c->iw)
                s = tc_cv_set(s, c->pad, ic);
            else
                s = tc_cv_copy(s, row + (size_t)x * (size_t)ic, ic);
        }
    }
    tc_cv_widen(col, c->stage, c->groups);
}

/* The im2col column of the output pixel whose window starts at input (y0, x0), into pixel slot
 * px (0 or 1) of the interleaved buffer. */
static void tc_cv_col(const tc_cv_in *c, int32_t y0, int32_t x0, int32_t px)
{
    if (c->stage)
        tc_cv_col_staged(c, y0, x0, c->col + 2 * px);
    else
        tc_cv_col_direct(c, y0, x0, c->col + 2 * px);
}

/* ---------------------------------------------------------------------------------------------
 * 2 x 2 dot-product tile */

#if defined(__GNUC__)
#define TC_CV_INLINE static inline __attribute__((always_inline))
#define TC_CV_NOINLINE static __attribute__((noinline))
#else
#define TC_CV_INLINE static inline
#define TC_CV_NOINLINE static
#endif

/* One reduction group: filter word of channel 0 at w, of channel 1 at w + woff, against the im2col
 * group at col (pixel 0: col[0], col[1]; pixel 1: col[2], col[3]); advances w and col. Channel 0
 * finishes with both pixels before channel 1's word is loaded, so at most 6 temporaries are live
 * (4 im2col words + the widened filter halves): with the 4 accumulators, w, col, woff and the
 * count, that is the 14 registers the Cortex-M4 has. */
#define TC_CV_STEP(w, woff, col)                           \
    do {                                                   \
        int32_t v_ = tc_read_s8x4(w);                      \
        const int32_t a0_ = (col)[0], a1_ = (col)[1];      \
        int32_t lo_ = tc_sxtb16(v_), hi_ = tc_sxtb16_ror8(v_); \
        const int32_t a2_ = (col)[2], a3_ = (col)[3];      \
        s00 = tc_smlad(lo_, a0_, s00);                     \
        s00 = tc_smlad(hi_, a1_, s00);                     \
        s01 = tc_smlad(lo_, a2_, s01);                     \
        s01 = tc_smlad(hi_, a3_, s01);                     \
        v_ = tc_read_s8x4((w) + (woff));                   \
        (w) += 4;                                          \
        (col) += 4;                                        \
        lo_ = tc_sxtb16(v_);                               \
        hi_ = tc_sxtb16_ror8(v_);                          \
        s10 = tc_smlad(lo_, a0_, s10);                     \
        s11 = tc_smlad(lo_, a2_, s11);                     \
        s10 = tc_smlad(hi_, a1_, s10);                     \
        s11 = tc_smlad(hi_, a3_, s11);                     \
    } while (0)

/* The last k % 4 (1..3) filter bytes as a word, zeros above (the im2col group is zero there). */
static inline int32_t tc_cv_tail_word(const int8_t *w, int32_t r)
{
    uint32_t v = (uint8_t)w[0];
    if (r > 1)
        v |= (uint32_t)(uint8_t)w[1] << 8;
    if (r > 2)
        v |= (uint32_t)(uint8_t)w[2] << 16;
    return (int32_t)v;
}

/* Two reduction groups per iteration, n iterations, in Thumb-2 assembly on the DSP build: GCC's C
 * version spills the loop bound and re-derives an address (38 instructions per 32 MACs), this is
 * 34: 2 post-indexed LDR (channel 0), 2 register-offset LDR (channel 1 at w + k after the
 * increment, woff4 = k - 4), 4 LDRD (the im2col words, the last one with pre-index writeback so no
 * ADD is needed; col starts 8 bytes before the groups), 8 SXTB16, 16 SMLAD, SUBS, BNE. It needs
 * all 14 allocatable registers, so it is used only when optimizing (GCC then omits the frame
 * pointer); TC_CONV2D_NO_ASM selects the C loop. */
#if TC_SIMD_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(TC_CONV2D_NO_ASM)
#define TC_CV_ASM 1
#define TC_CV_GROUP_ASM(off0, off1, wb)                 \
    "ldr %[v], [%[w]], #4\n\t"                         \
    "ldrd %[a0], %[a1], [%[col], #" off0 "]\n\t"       \
    "ldrd %[a2], %[a3], [%[col], #" off1 "]" wb "\n\t"  \
    "sxtb16 %[lo], %[v]\n\t"                           \
    "sxtb16 %[v], %[v], ror #8\n\t"                    \
    "smlad %[s00], %[lo], %[a0], %[s00]\n\t"           \
    "smlad %[s00], %[v], %[a1], %[s00]\n\t"            \
    "smlad %[s01], %[lo], %[a2], %[s01]\n\t"           \
    "smlad %[s01], %[v], %[a3], %[s01]\n\t"            \
    "ldr %[v], [%[w], %[woff4]]\n\t"                   \
    "sxtb16 %[lo], %[v]\n\t"                           \
    "sxtb16 %[v], %[v], ror #8\n\t"                    \
    "smlad %[s10], %[lo], %[a0], %[s10]\n\t"           \
    "smlad %[s10], %[v], %[a1], %[s10]\n\t"            \
    "smlad %[s11], %[lo], %[a2], %[s11]\n\t"           \
    "smlad %[s11], %[v], %[a3], %[s11]\n\t"
#define TC_CV_N_OPERAND [n] "+r"(n_),
#define TC_CV_ASM_OPERANDS(N)                                                                       \
    : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [w] "+r"(wa_), [col] "+r"(c8_), \
      N [v] "=&r"(v_), [lo] "=&r"(lo_), [a0] "=&r"(a0_), [a1] "=&r"(a1_), [a2] "=&r"(a2_), [a3] "=&r"(a3_) \
    : [woff4] "r"(woff4_)                                                                             \
    : "cc", "memory"
#define TC_CV_LOOP(W, WOFF, COL, N, ODD)                                                       \
    do {                                                                                       \
        const int32_t *c8_ = (const int32_t *)((uintptr_t)(COL) - 8u);                         \
        const int8_t *wa_ = (W);                                                               \
        int32_t v_, lo_, a0_, a1_, a2_, a3_, woff4_ = (WOFF) - 4, n_ = (N);                    \
        if (n_ > 0)                                                                            \
            __asm__ volatile("1:\n\t" TC_CV_GROUP_ASM("8", "16", "") TC_CV_GROUP_ASM("24", "32", "!") \
                             "subs %[n], %[n], #1\n\t"                                         \
                             "bne 1b" TC_CV_ASM_OPERANDS(TC_CV_N_OPERAND));                                     \
        if (ODD)                                                                               \
            __asm__ volatile(TC_CV_GROUP_ASM("8", "16", "!") TC_CV_ASM_OPERANDS(TC_CV_N_OPERAND));               \
        (COL) = (const int32_t *)((uintptr_t)c8_ + 8u);                                        \
        (W) = wa_;                                                                             \
    } while (0)
#else
#define TC_CV_ASM 0
#define TC_CV_LOOP(w, woff, col, n, odd)     \
    do {                                     \
        int32_t n_ = (n);                    \
        for (; n_ > 0; n_--) {               \
            TC_CV_STEP(w, woff, col);        \
            TC_CV_STEP(w, woff, col);        \
        }                                    \
        if (odd)                             \
            TC_CV_STEP(w, woff, col);        \
    } while (0)
#endif

/* The whole reduction of channels w and w + woff (woff = 0: one channel twice) against both
 * im2col pixels, into s00 (channel 0, pixel 0), s01, s10, s11. A macro, so the accumulators are
 * plain locals of the caller (no memory round trip at -Os). */
#define TC_CV_DOT(col0, w0, woff0, k)                                         \
    do {                                                                      \
        const int32_t *col_ = (col0);                                         \
        const int8_t *w_ = (w0);                                              \
        int32_t woff_ = (woff0);                                              \
        TC_CV_OPAQUE(woff_);                                                  \
        TC_CV_LOOP(w_, woff_, col_, (k) >> 3, (k) & 4);                       \
        if ((k) & 3) {                                                        \
            int8_t t_[8];                                                     \
            int32_t v0_ = tc_cv_tail_word(w_, (k) & 3);                       \
            int32_t v1_ = tc_cv_tail_word(w_ + woff_, (k) & 3);               \
            memcpy(t_, &v0_, 4);                                              \
            memcpy(t_ + 4, &v1_, 4);                                          \
            w_ = t_;                                                          \
            woff_ = 4;                                                        \
            TC_CV_STEP(w_, woff_, col_);                                      \
        }                                                                     \
    } while (0)

/* Makes v opaque to GCC's optimizer on the DSP build, so it stays one register instead of being
 * rematerialized into several pointer registers (see tc_conv2d_1x1_dsp.c). */
#if TC_SIMD_DSP && defined(__GNUC__)
#define TC_CV_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define TC_CV_OPAQUE(v) ((void)0)
#endif

/* ---------------------------------------------------------------------------------------------
 * Epilogue */

/* The fast requantization is tc_rqn (tc_requant.h), for channels whose shift is negative. */

/* Per-call constants of the epilogue: the conv's output offset and clamp, and for the fused ADD
 * its parameters and their prepared form (tc_add_dsp.h). */
typedef struct {
    int32_t zo, lo, hi;
    const int32_t *mult, *shift;
    /* fused ADD only */
    const int8_t *res;
    int32_t swap;
    tc_add_q q;
    tc_add_params add;
} tc_cv_epi;

/* The conv's int8 value: + output offset, clamped. full: the act range is [-128, 127] (SSAT). */
TC_CV_INLINE int32_t tc_cv_clamp(int32_t v, int32_t zo, int32_t lo, int32_t hi, int full)
{
    v = tc_ssat(v + zo, 8);
    if (!full) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
    }
    return v;
}

/* tc_add_one (conv value v, residual byte r): the prepared arithmetic of tc_add_dsp.h when its
 * bounds hold (every ADD TFLite makes), else tc_add_one itself. */
TC_CV_INLINE int8_t tc_cv_add(const tc_cv_epi *e, int32_t v, int32_t r)
{
    const int32_t x1 = e->swap ? r : v, x2 = e->swap ? v : r;
    return e->q.fast ? tc_add_q_one(&e->q, x1, x2) : tc_add_one(&e->add, (int8_t)x1, (int8_t)x2);
}

/* Output byte i: conv value v, or conv then ADD with residual[i] (read right before the write,
 * which is what makes output == residual safe). */
TC_CV_INLINE void tc_cv_put(const tc_cv_epi *e, int fused, int8_t *out, size_t i, int32_t v)
{
    out[i] = fused ? tc_cv_add(e, v, e->res[i]) : (int8_t)v;
}

/* The outputs of a tile whose channels have a shift >= 0 (scale >= 0.5, rare): tc_mbqm.
 * c1 = 0: one channel only; two = 0: pixel 0 only. s = {s00, s01, s10, s11}. */
TC_CV_NOINLINE void tc_cv_store_slow(const tc_cv_epi *e, int fused, int8_t *out, size_t i0, size_t i1, int32_t o,
                                     int32_t c1, int32_t two, const int32_t *s)
{
    int32_t j;
    for (j = 0; j < 4; j++) {
        const int32_t ch = o + (j >> 1), px = j & 1;
        int32_t v;
        if ((j >> 1) > c1 || px > two)
            continue;
        v = tc_mbqm(s[j], e->mult[ch], e->shift[ch]) + e->zo;
        v = tc_clamp_i32(v, e->lo, e->hi);
        tc_cv_put(e, fused, out, (px ? i1 : i0) + (size_t)ch, v);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Driver */

typedef struct {
    tc_cv_in in;
    tc_cv_epi e;
    const int8_t *filter;
    const int32_t *bias;
    int32_t oc;
} tc_cv_ctx;

/* Every output channel of output pixels i0 and i1 (byte offsets from out; two = 0: pixel i0 alone,
 * its column is in both im2col slots). The epilogue constants are copied into locals first: the
 * int8 stores may alias anything reached through a pointer. */
TC_CV_INLINE void tc_cv_channels(const tc_cv_ctx *c, int8_t *out, size_t i0, size_t i1, int32_t two, int full,
                                 int fused)
{
    tc_cv_epi el; /* fused: a local copy of the ADD constants, which int8 stores cannot alias */
    const tc_cv_epi *e = &c->e;
    const int32_t k = c->in.k, oc = c->oc, zo = e->zo, lo = e->lo, hi = e->hi;
    const int32_t *const col = c->in.col, *bias = c->bias, *mult = e->mult, *shift = e->shift;
    const int8_t *w = c->filter;
    int32_t o;

    if (fused) {
        el = c->e;
        e = &el;
    }
    if (!fused && !two) /* the lone pixel's values are written twice to the same bytes */
        i1 = i0;
    for (o = 0; o + 1 < oc; o += 2, w += 2 * (size_t)k) {
        int32_t s00 = bias[o], s10 = bias[o + 1];
        int32_t s01 = s00, s11 = s10;
        const int32_t sh0 = shift[o], sh1 = shift[o + 1];
        TC_CV_DOT(col, w, k, k);
        if ((sh0 & sh1) < 0) { /* both shifts negative: the fast tc_rq_apply */
            const tc_rqn r0 = tc_rqn_make(mult[o], sh0), r1 = tc_rqn_make(mult[o + 1], sh1);
            tc_cv_put(e, fused, out, i0 + (size_t)o, tc_cv_clamp(tc_rqn_apply(&r0, s00), zo, lo, hi, full));
            tc_cv_put(e, fused, out, i0 + (size_t)o + 1, tc_cv_clamp(tc_rqn_apply(&r1, s10), zo, lo, hi, full));
            if (!fused || two) {
                tc_cv_put(e, fused, out, i1 + (size_t)o, tc_cv_clamp(tc_rqn_apply(&r0, s01), zo, lo, hi, full));
                tc_cv_put(e, fused, out, i1 + (size_t)o + 1, tc_cv_clamp(tc_rqn_apply(&r1, s11), zo, lo, hi, full));
            }
        } else {
            int32_t s[4];
            s[0] = s00;
            s[1] = s01;
            s[2] = s10;
            s[3] = s11;
            tc_cv_store_slow(e, fused, out, i0, i1, o, 1, two, s);
        }
    }
    if (o < oc) { /* odd last channel: the tile with its filter row twice */
        int32_t s00 = bias[o], s01 = s00, s10 = s00, s11 = s00, s[4];
        TC_CV_DOT(col, w, 0, k);
        s[0] = s00;
        s[1] = s01;
        s[2] = s10;
        s[3] = s11;
        tc_cv_store_slow(e, fused, out, i0, i1, o, 0, two, s);
    }
}

/* The pixel loop, in raster order two output pixels at a time (a pair may span two rows). */
TC_CV_INLINE void tc_cv_pixels(const tc_cv_ctx *c, const tc_conv2d_params *p, int8_t *output, int full, int fused)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = c->oc;
    const int32_t sh = p->stride.h, sw = p->stride.w, pt = p->pad.top, pl = p->pad.left;
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy = 0, ox = 0, n;
    const int32_t count = oh * ow;

    for (n = 0; n < count; n += 2) {
        const int32_t y0 = oy, x0 = ox, two = n + 1 < count;
        int32_t y1, x1;
        if (++ox == ow) {
            ox = 0;
            oy++;
        }
        y1 = two ? oy : y0;
        x1 = two ? ox : x0;
        if (two && ++ox == ow) {
            ox = 0;
            oy++;
        }
        tc_cv_col(&c->in, y0 * sh - pt, x0 * sw - pl, 0);
        tc_cv_col(&c->in, y1 * sh - pt, x1 * sw - pl, 1);
        tc_cv_channels(c, output, (size_t)y0 * out_row + (size_t)x0 * (size_t)oc,
                       (size_t)y1 * out_row + (size_t)x1 * (size_t)oc, two, full, fused);
    }
}

TC_CV_NOINLINE void tc_cv_pixels_full(const tc_cv_ctx *c, const tc_conv2d_params *p, int8_t *output)
{
    tc_cv_pixels(c, p, output, 1, 0);
}

TC_CV_NOINLINE void tc_cv_pixels_clamp(const tc_cv_ctx *c, const tc_conv2d_params *p, int8_t *output)
{
    tc_cv_pixels(c, p, output, 0, 0);
}

TC_CV_NOINLINE void tc_cv_pixels_add(const tc_cv_ctx *c, const tc_conv2d_params *p, int8_t *output)
{
    tc_cv_pixels(c, p, output, 0, 1);
}

static void tc_cv_setup(tc_cv_ctx *c, const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, void *scratch)
{
    tc_cv_in *in = &c->in;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(p->kernel.h > 0 && p->kernel.w > 0 && p->input.c > 0 && p->output.c > 0);
    TC_ASSERT(p->input_offset >= -127 && p->input_offset <= 128);
    TC_ASSERT(bias != NULL && scratch != NULL && ((uintptr_t)scratch & 3u) == 0);
    memset(c, 0, sizeof *c);
    in->input = input;
    in->in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    in->ih = p->input.h;
    in->iw = p->input.w;
    in->ic = p->input.c;
    in->kh = p->kernel.h;
    in->kw = p->kernel.w;
    in->dh = p->dilation.h;
    in->dw = p->dilation.w;
    in->k = in->kh * in->kw * in->ic;
    in->groups = (in->k + 3) >> 2;
    in->pad = (int8_t)(-p->input_offset);
    in->padw = tc_simd_pack16_(-p->input_offset, -p->input_offset);
    in->col = (int32_t *)scratch;
    in->stage = (in->ic & 3) ? (int8_t *)(in->col + 4 * in->groups) : NULL;
    c->e.zo = p->output_offset;
    c->e.lo = p->act_min;
    c->e.hi = p->act_max;
    c->e.mult = p->out_mult;
    c->e.shift = p->out_shift;
    c->filter = filter;
    c->bias = bias;
    c->oc = p->output.c;
}

int32_t tc_conv2d_s8_dsp_scratch_bytes(const tc_conv2d_params *p)
{
    const int32_t k4 = (p->kernel.h * p->kernel.w * p->input.c + 3) & ~3;
    return 4 * k4 + ((p->input.c & 3) ? k4 : 0);
}

void tc_conv2d_s8_dsp(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch)
{
    tc_cv_ctx c;

    TC_ASSERT((const void *)output != (const void *)input);
    tc_cv_setup(&c, p, input, filter, bias, scratch);
    if (p->act_min <= -128 && p->act_max >= 127)
        tc_cv_pixels_full(&c, p, output);
    else
        tc_cv_pixels_clamp(&c, p, output);
}

void tc_conv2d_add_s8_dsp(const tc_conv2d_params *conv, const tc_add_params *add, int32_t conv_is_input2,
                          const int8_t *input, const int8_t *filter, const int32_t *bias,
                          const int8_t *residual, int8_t *output, void *scratch)
{
    tc_cv_ctx c;

    TC_ASSERT(conv->in_row_stride == 0 && conv->out_row_stride == 0); /* dense only */
    TC_ASSERT(add->left_shift >= 0 && add->left_shift < 31);
    TC_ASSERT(add->input1_shift <= 0 && add->input2_shift <= 0 && add->output_shift <= 0);
    TC_ASSERT((const void *)output != (const void *)input);
    tc_cv_setup(&c, conv, input, filter, bias, scratch);
    c.e.res = residual;
    c.e.swap = conv_is_input2 != 0;
    c.e.add = *add;
    c.e.q = tc_add_q_make(add);
    tc_cv_pixels_add(&c, conv, output);
}
