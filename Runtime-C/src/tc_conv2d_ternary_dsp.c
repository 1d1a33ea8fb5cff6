/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary-weight k x k convolution for Cortex-M4/M7 with the DSP extension: "decode + SMLAD"
 * (ALGORITHMS.md §5.4 option 3) on the partial im2col of tc_conv2d_dsp.c. Bit-exact with
 * tc_conv2d_ternary_ref (hence with tc_conv2d_s8_ref on the unpacked weights); portable C elsewhere
 * (tc_simd.h), with identical results. Measurements: docs/ternary-kernels.md.
 *
 * Codes, not weights. Each weight t is used as its code q = t + 1 in {0, 1, 2}:
 *     sum_j t_j * x_j = sum_j q_j * x_j - sum_j x_j
 * and sum_j x_j depends on the pixel only, so it is computed once per pixel while gathering its
 * window, and subtracted in the accumulators' initial value (bias_f[o] - sum x). Codes need no sign
 * extension: a 32-bit word of the 2-bit stream holds the codes of elements e0..e15 at bits 2e, and
 * (word >> 2j) & 0x00030003 is the int16 pair (q[j], q[j + 8]) - one AND with a shifted register
 * operand on Thumb-2 per two weights.
 *
 * Blocks. The reduction K = kernel.h * kernel.w * input.c is cut into NB blocks of B elements
 * (B = 16 for 2-bit, B = 15 for base-3, whose 3 bytes decode to a word of 15 codes with code 15 = 0),
 * and each pixel's im2col column stores block b as 8 int16 pairs (x[Bb + j], x[Bb + j + 8]),
 * j = 0..7, zero past K (where the 2-bit stream's codes belong to the next channel row); the two
 * pixels of a tile are interleaved word by word (pixel 0's pair j, pixel 1's pair j), so one LDRD
 * fetches both. Per block and 2 channels x 2 pixels (4B MACs): 2 weight-word loads, 8 LDRD,
 * 16 AND, 32 SMLAD.
 *
 * Weight words. 2-bit with K % 4 == 0: every channel row starts on a byte, the loop reads the
 * stream in place (unaligned LDR), and the last partial block's bytes are copied into scratch so
 * nothing past the stream is read. Base-3 with K % 5 == 0: each channel pair's two rows are decoded
 * into scratch once per pixel pair (3 bytes -> 3 table loads -> one word), then the same loop runs;
 * this measured faster than decoding inside the loop, which runs out of registers (see the doc).
 * Any other K: the rows start inside a byte and are decoded code by code (tc_tern_rd), slower.
 *
 * Input offset: as tc_conv2d_dsp.c, the folded bias carries input_offset * sum(t), padding taps hold
 * the raw value -input_offset, all accumulation wraps mod 2^32. */
#include "tinyc/tc_conv2d_ternary.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"
#include "tc_ternary_decode.h"

#if defined(__GNUC__)
#define TC_CT_INLINE static inline __attribute__((always_inline))
#define TC_CT_NOINLINE static __attribute__((noinline))
#else
#define TC_CT_INLINE static inline
#define TC_CT_NOINLINE static
#endif

/* Everything the loops need, copied out of *p once (int8 stores may alias *p as far as the C
 * compiler knows). */
typedef struct {
    const int8_t *input;
    size_t in_row;
    int32_t ih, iw, ic, kh, kw, dh, dw;
    int32_t k, bs, nb; /* reduction length, block length (16 or 15), blocks ceil(k / bs) */
    int8_t pad;        /* -input_offset as a byte */
    int32_t *col;      /* 16 * nb words: two pixels' int16 pairs, interleaved */
    int8_t *stage;     /* 16 * nb bytes: one window as bytes, zero past k */
    uint32_t *rows;    /* 2 * nb words: decoded code words of a channel pair */
} tc_ct_in;

/* ---------------------------------------------------------------------------------------------
 * im2col */

/* Small copies without a library call (newlib's memcpy costs more than these few bytes). */
TC_CT_INLINE int8_t *tc_ct_copy(int8_t *dst, const int8_t *src, int32_t n)
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

TC_CT_INLINE int8_t *tc_ct_set(int8_t *dst, int8_t v, int32_t n)
{
    for (; n > 0; n--)
        *dst++ = v;
    return dst;
}

/* The window of the output pixel starting at input (y0, x0) as k bytes in OHWI tap order (padding
 * taps = -input_offset), then zeros up to 16 * nb. */
static void tc_ct_gather(const tc_ct_in *c, int32_t y0, int32_t x0)
{
    const int32_t ic = c->ic, span = c->kw * ic;
    const int32_t row_inside = x0 >= 0 && x0 + (c->kw - 1) * c->dw < c->iw;
    int8_t *s = c->stage;
    int32_t ky, kx;

    for (ky = 0; ky < c->kh; ky++) {
        const int32_t y = y0 + ky * c->dh;
        const int8_t *row;
        if (y < 0 || y >= c->ih) {
            s = tc_ct_set(s, c->pad, span);
            continue;
        }
        row = c->input + (size_t)y * c->in_row;
        if (row_inside && c->dw == 1) { /* the kernel row is kw * ic contiguous bytes */
            s = tc_ct_copy(s, row + (size_t)x0 * (size_t)ic, span);
            continue;
        }
        for (kx = 0; kx < c->kw; kx++) {
            const int32_t x = x0 + kx * c->dw;
            if (x < 0 || x >= c->iw)
                s = tc_ct_set(s, c->pad, ic);
            else
                s = tc_ct_copy(s, row + (size_t)x * (size_t)ic, ic);
        }
    }
    tc_ct_set(s, 0, 16 * c->nb - c->k);
}

/* (a.lo, b.lo) and (a.hi, b.hi) as int16 pairs: PKHBT / PKHTB on Arm. */
TC_CT_INLINE int32_t tc_ct_pk_lo(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xffffu) | ((uint32_t)b << 16));
}
TC_CT_INLINE int32_t tc_ct_pk_hi(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a >> 16) | ((uint32_t)b & 0xffff0000u));
}

/* Pairs j .. j + 3 of a block from 4 bytes x[j..j+3] (v) and x[j+8..j+11] (u), into col[2j..];
 * returns sum + those 8 values. SXTB16 splits each word into even/odd bytes; PKH recombines them. */
TC_CT_INLINE uint32_t tc_ct_quad(int32_t *col, int32_t v, int32_t u, uint32_t sum)
{
    const int32_t ones = 0x00010001;
    const int32_t ve = tc_sxtb16(v), vo = tc_sxtb16_ror8(v); /* (x0, x2), (x1, x3) */
    const int32_t ue = tc_sxtb16(u), uo = tc_sxtb16_ror8(u); /* (x8, x10), (x9, x11) */
    col[0] = tc_ct_pk_lo(ve, ue);
    col[2] = tc_ct_pk_lo(vo, uo);
    col[4] = tc_ct_pk_hi(ve, ue);
    col[6] = tc_ct_pk_hi(vo, uo);
    sum = (uint32_t)tc_smlad(ve, ones, (int32_t)sum);
    sum = (uint32_t)tc_smlad(vo, ones, (int32_t)sum);
    sum = (uint32_t)tc_smlad(ue, ones, (int32_t)sum);
    return (uint32_t)tc_smlad(uo, ones, (int32_t)sum);
}

/* The staged window widened into pixel slot col (stride 2 words per pair); returns sum(x) over the
 * k elements (mod 2^32). Block b starts at stage byte b * bs; with bs = 15 its 16th byte is the next
 * block's first element (or a zero past k), paired with code 15, which is 0, and taken back out of
 * the sum. */
static uint32_t tc_ct_widen(const tc_ct_in *c, int32_t *col)
{
    const int8_t *s = c->stage;
    const int32_t bs = c->bs;
    uint32_t sum = 0;
    int32_t b;

    for (b = 0; b < c->nb; b++, s += bs, col += 16) {
        sum = tc_ct_quad(col, tc_read_s8x4(s), tc_read_s8x4(s + 8), sum);
        sum = tc_ct_quad(col + 8, tc_read_s8x4(s + 4), tc_read_s8x4(s + 12), sum);
        if (bs == 15)
            sum -= (uint32_t)(int32_t)s[15];
    }
    return sum;
}

/* ---------------------------------------------------------------------------------------------
 * Weight words */

/* Base-3 row of k weights (k % 5 == 0) starting at byte src: 15 codes per word. */
static void tc_ct_rows_b3(uint32_t *dst, const uint8_t *src, int32_t k)
{
    const uint16_t *t = tc_ternary_b3_codes;
    int32_t n;
    for (n = k / 15; n > 0; n--, src += 3)
        *dst++ = (uint32_t)t[src[0]] | (uint32_t)t[src[1]] << 10 | (uint32_t)t[src[2]] << 20;
    if (k % 15) {
        uint32_t w = t[src[0]];
        if (k % 15 > 5)
            w |= (uint32_t)t[src[1]] << 10;
        *dst = w;
    }
}

/* Any row: weights start .. start + k - 1 of the stream, bs codes per word, zero codes past k. */
static void tc_ct_rows_any(uint32_t *dst, const uint8_t *stream, tc_ternary_format format, int32_t start, int32_t k,
                           int32_t bs)
{
    tc_tern_rd rd;
    int32_t i, j;
    tc_tern_rd_seek(&rd, stream, format, start);
    for (i = 0; i < k; i += bs) {
        const int32_t n = k - i < bs ? k - i : bs;
        uint32_t w = 0;
        for (j = 0; j < n; j++)
            w |= tc_tern_rd_code(&rd) << (2 * j);
        *dst++ = w;
    }
}

/* n (1..3) bytes as a little-endian word, zeros above. */
TC_CT_INLINE uint32_t tc_ct_tail_word(const uint8_t *src, int32_t n)
{
    uint32_t w = src[0];
    if (n > 1)
        w |= (uint32_t)src[1] << 8;
    if (n > 2)
        w |= (uint32_t)src[2] << 16;
    return w;
}

/* ---------------------------------------------------------------------------------------------
 * 2 x 2 tile */

/* Pair j of a block: codes of channel 0 from v0, of channel 1 from v1, against pixel 0 (col[2j])
 * and pixel 1 (col[2j + 1]). */
#define TC_CT_PAIR(j)                                                     \
    do {                                                                  \
        const int32_t a0_ = col_[2 * (j)], a1_ = col_[2 * (j) + 1];       \
        int32_t q_ = (int32_t)((v0_ >> (2 * (j))) & 0x00030003u);         \
        s00 = tc_smlad(q_, a0_, s00);                                     \
        s01 = tc_smlad(q_, a1_, s01);                                     \
        q_ = (int32_t)((v1_ >> (2 * (j))) & 0x00030003u);                 \
        s10 = tc_smlad(q_, a0_, s10);                                     \
        s11 = tc_smlad(q_, a1_, s11);                                     \
    } while (0)

/* n blocks: channel 0's code words at w (4 bytes each, any alignment), channel 1's at w + woff,
 * against the im2col at col; accumulates sum(q * x) into s00 (channel 0, pixel 0) .. s11. A macro
 * so the accumulators stay plain locals of the caller. */
#define TC_CT_DOT(colp, w, woff, n)                                       \
    do {                                                                  \
        const int32_t *col_ = (colp);                                     \
        const uint8_t *w_ = (w);                                          \
        int32_t n_ = (n);                                                 \
        for (; n_ > 0; n_--) {                                            \
            uint32_t v0_, v1_;                                            \
            memcpy(&v0_, w_, 4);                                          \
            memcpy(&v1_, w_ + (woff), 4);                                 \
            w_ += 4;                                                      \
            TC_CT_PAIR(0);                                                \
            TC_CT_PAIR(1);                                                \
            TC_CT_PAIR(2);                                                \
            TC_CT_PAIR(3);                                                \
            TC_CT_PAIR(4);                                                \
            TC_CT_PAIR(5);                                                \
            TC_CT_PAIR(6);                                                \
            TC_CT_PAIR(7);                                                \
            col_ += 16;                                                   \
        }                                                                 \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Epilogue: tc_rq_apply's arithmetic with its constants derived from the shift in a few
 * instructions (the derivation is tc_conv2d_dsp.c's tc_cv_rq_make); shift >= 0 takes tc_mbqm. */

typedef struct {
    int32_t mult, rsh, chi;
    uint32_t clo;
} tc_ct_rq;

TC_CT_INLINE tc_ct_rq tc_ct_rq_make(int32_t mult, int32_t shift)
{
    tc_ct_rq r;
    const uint32_t t = (uint32_t)1 << (uint32_t)(-shift - 1);
    r.mult = mult;
    r.rsh = -shift - 1;
    r.chi = (int32_t)(t >> 1);
    r.clo = 0x40000000u | (t << 31);
    return r;
}

TC_CT_INLINE int32_t tc_ct_rq_apply(const tc_ct_rq *r, int32_t x)
{
    const uint64_t init = (((uint64_t)(uint32_t)r->chi << 32) | r->clo) - ((uint32_t)x & 0x80000000u);
    const int64_t q = (int64_t)init + (int64_t)x * r->mult;
    return (int32_t)(q >> 32) >> r->rsh;
}

typedef struct {
    int32_t zo, lo, hi;
    const int32_t *mult, *shift;
} tc_ct_epi;

/* Requantized, offset and clamped output of channel o for accumulator acc. */
TC_CT_INLINE int8_t tc_ct_out(const tc_ct_epi *e, int32_t o, int32_t acc)
{
    const int32_t sh = e->shift[o];
    int32_t v;
    if (TC_LIKELY(sh < 0)) {
        const tc_ct_rq r = tc_ct_rq_make(e->mult[o], sh);
        v = tc_ct_rq_apply(&r, acc);
    } else {
        v = tc_mbqm(acc, e->mult[o], sh);
    }
    return tc_sat_s8(v + e->zo, e->lo, e->hi);
}

/* ---------------------------------------------------------------------------------------------
 * Driver */

typedef struct {
    tc_ct_in in;
    tc_ct_epi e;
    const uint8_t *filter;
    tc_ternary_format format;
    int32_t direct; /* 2-bit with k % 4 == 0: the loop reads the stream in place */
    const int32_t *bias;
    int32_t oc;
} tc_ct_ctx;

/* sum(q * x) of channels o and o + 1 (one = 1: channel o alone, computed twice) against both
 * pixel slots, added to the accumulators s[0..3] = {s00, s01, s10, s11}. */
TC_CT_INLINE void tc_ct_tile(const tc_ct_ctx *c, int32_t o, int32_t one, int32_t *s)
{
    const tc_ct_in *in = &c->in;
    const int32_t k = in->k, nb = in->nb;
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];

    if (c->direct) {
        const int32_t rb = k >> 2, full = k >> 4, rem = (k & 15) >> 2; /* bytes per row, blocks, tail bytes */
        const uint8_t *w = c->filter + (size_t)o * (size_t)rb;
        const int32_t woff = one ? 0 : rb;
        TC_CT_DOT(in->col, w, woff, full);
        if (rem) { /* the partial block's bytes only: never past the row, so never past the stream */
            in->rows[0] = tc_ct_tail_word(w + 4 * full, rem);
            in->rows[1] = tc_ct_tail_word(w + woff + 4 * full, rem);
            TC_CT_DOT(in->col + 16 * full, (const uint8_t *)in->rows, 4, 1);
        }
    } else {
        const int32_t ch = one ? 1 : 2;
        int32_t i;
        for (i = 0; i < ch; i++) {
            if (c->format == TC_TERNARY_BASE3 && k % 5 == 0)
                tc_ct_rows_b3(in->rows + i * nb, c->filter + (size_t)(o + i) * (size_t)(k / 5), k);
            else
                tc_ct_rows_any(in->rows + i * nb, c->filter, c->format, (o + i) * k, k, in->bs);
        }
        TC_CT_DOT(in->col, (const uint8_t *)in->rows, one ? 0 : 4 * nb, nb);
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Every output channel of output pixels i0 and i1 (byte offsets from out; i1 == i0 when the last
 * pixel is alone: its column is in both slots and its bytes are written twice). sx0/sx1: sum(x). */
static void tc_ct_channels(const tc_ct_ctx *c, int8_t *out, size_t i0, size_t i1, uint32_t sx0, uint32_t sx1)
{
    const tc_ct_epi e = c->e;
    const int32_t oc = c->oc;
    const int32_t *bias = c->bias;
    int32_t o;

    for (o = 0; o < oc; o += 2) {
        const int32_t one = o + 1 == oc;
        int32_t s[4];
        s[0] = (int32_t)((uint32_t)bias[o] - sx0);
        s[1] = (int32_t)((uint32_t)bias[o] - sx1);
        s[2] = one ? 0 : (int32_t)((uint32_t)bias[o + 1] - sx0);
        s[3] = one ? 0 : (int32_t)((uint32_t)bias[o + 1] - sx1);
        tc_ct_tile(c, o, one, s);
        out[i0 + (size_t)o] = tc_ct_out(&e, o, s[0]);
        out[i1 + (size_t)o] = tc_ct_out(&e, o, s[1]);
        if (!one) {
            out[i0 + (size_t)o + 1] = tc_ct_out(&e, o + 1, s[2]);
            out[i1 + (size_t)o + 1] = tc_ct_out(&e, o + 1, s[3]);
        }
    }
}

/* Gathers and widens the window starting at (y0, x0) into pixel slot px; returns its sum(x). */
static uint32_t tc_ct_col(const tc_ct_in *c, int32_t y0, int32_t x0, int32_t px)
{
    tc_ct_gather(c, y0, x0);
    return tc_ct_widen(c, c->col + px);
}

int32_t tc_conv2d_ternary_dsp_scratch_bytes(const tc_conv2d_params *p, tc_ternary_format format)
{
    const int32_t k = p->kernel.h * p->kernel.w * p->input.c;
    const int32_t bs = format == TC_TERNARY_2BIT ? 16 : 15;
    return 88 * ((k + bs - 1) / bs);
}

void tc_conv2d_ternary_dsp(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter,
                           tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const int32_t sh = p->stride.h, sw = p->stride.w, pt = p->pad.top, pl = p->pad.left;
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    const int32_t count = oh * ow;
    tc_ct_ctx c;
    tc_ct_in *in = &c.in;
    int32_t oy = 0, ox = 0, n;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(p->kernel.h > 0 && p->kernel.w > 0 && p->input.c > 0 && p->output.c > 0);
    TC_ASSERT(p->input_offset >= -127 && p->input_offset <= 128);
    TC_ASSERT(format == TC_TERNARY_2BIT || format == TC_TERNARY_BASE3);
    TC_ASSERT(bias_folded != NULL && scratch != NULL && ((uintptr_t)scratch & 3u) == 0);
    TC_ASSERT((const void *)output != (const void *)input);
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
    in->bs = format == TC_TERNARY_2BIT ? 16 : 15;
    in->nb = (in->k + in->bs - 1) / in->bs;
    in->pad = (int8_t)(-p->input_offset);
    in->col = (int32_t *)scratch;
    in->stage = (int8_t *)(in->col + 16 * in->nb);
    in->rows = (uint32_t *)(void *)(in->stage + 16 * in->nb);
    c.e.zo = p->output_offset;
    c.e.lo = p->act_min;
    c.e.hi = p->act_max;
    c.e.mult = p->out_mult;
    c.e.shift = p->out_shift;
    c.filter = filter;
    c.format = format;
    c.direct = format == TC_TERNARY_2BIT && (in->k & 3) == 0;
    c.bias = bias_folded;
    c.oc = oc;

    /* raster order, two output pixels at a time (a pair may span two rows) */
    for (n = 0; n < count; n += 2) {
        const int32_t y0 = oy, x0 = ox, two = n + 1 < count;
        int32_t y1, x1;
        uint32_t sx0, sx1;
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
        sx0 = tc_ct_col(in, y0 * sh - pt, x0 * sw - pl, 0);
        sx1 = tc_ct_col(in, y1 * sh - pt, x1 * sw - pl, 1);
        tc_ct_channels(&c, output, (size_t)y0 * out_row + (size_t)x0 * (size_t)oc,
                       (size_t)y1 * out_row + (size_t)x1 * (size_t)oc, sx0, sx1);
    }
}
