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
 * nothing past the stream is read. Otherwise (base-3 always, 2-bit rows starting inside a byte) each
 * channel pair's two rows are decoded into scratch once per pixel pair, then the same loop runs:
 * base-3 3 bytes -> 3 loads from a 243-entry table -> one word of 15 codes (4 bytes and shifts when
 * the row starts inside a byte), 2-bit 5 bytes shifted; a row's last partial block is decoded code
 * by code (tc_tern_rd) so no byte past the row is read. Decoding inside the loop instead would need
 * registers the 2x2 tile does not leave (all 14 are in use), so it was not pursued.
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

/* (a.lo, b.lo) and (a.hi, b.hi) as int16 pairs: PKHBT / PKHTB (GCC does not form them from the C
 * expressions, it emits two instructions each). */
#if TC_SIMD_DSP && defined(__GNUC__)
TC_CT_INLINE int32_t tc_ct_pk_lo(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
TC_CT_INLINE int32_t tc_ct_pk_hi(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
TC_CT_INLINE int32_t tc_ct_pk_lo(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xffffu) | ((uint32_t)b << 16));
}
TC_CT_INLINE int32_t tc_ct_pk_hi(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a >> 16) | ((uint32_t)b & 0xffff0000u));
}
#endif

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

/* The last k % bs codes of a row (its partial block), code by code from weight `start`. */
static void tc_ct_rows_tail(uint32_t *dst, const uint8_t *stream, tc_ternary_format format, int32_t start, int32_t n)
{
    tc_tern_rd rd;
    uint32_t w = 0;
    int32_t j;
    tc_tern_rd_seek(&rd, stream, format, start);
    for (j = 0; j < n; j++)
        w |= tc_tern_rd_code(&rd) << (2 * j);
    *dst = w;
}

/* Base-3 row of k weights from weight `start`: 15 codes per word. A block starting on a byte is
 * 3 bytes -> 3 table loads; one starting r codes into a byte takes 4 bytes, shifted by 2r (the
 * 4th byte holds a code of the block whenever r > 0, so it is never past the row). */
static void tc_ct_rows_b3(uint32_t *dst, const uint8_t *stream, int32_t start, int32_t k)
{
    const uint16_t *t = tc_ternary_b3_codes;
    const uint8_t *src = stream + start / 5;
    const int32_t r2 = 2 * (start % 5), full = k / 15;
    int32_t n;
    if (r2 == 0) {
        for (n = full; n > 0; n--, src += 3)
            *dst++ = (uint32_t)t[src[0]] | (uint32_t)t[src[1]] << 10 | (uint32_t)t[src[2]] << 20;
    } else {
        for (n = full; n > 0; n--, src += 3) {
            const uint32_t w = (uint32_t)t[src[0]] >> r2 | (uint32_t)t[src[1]] << (10 - r2) |
                               (uint32_t)t[src[2]] << (20 - r2) | (uint32_t)t[src[3]] << (30 - r2);
            *dst++ = w & 0x3fffffffu;
        }
    }
    if (k % 15)
        tc_ct_rows_tail(dst, stream, TC_TERNARY_BASE3, start + 15 * full, k % 15);
}

/* 2-bit row of k weights from weight `start` (which is not on a byte when the direct path is not
 * taken): 16 codes per word, 5 bytes shifted by 2r; the 5th byte holds a code of the block. */
static void tc_ct_rows_2b(uint32_t *dst, const uint8_t *stream, int32_t start, int32_t k)
{
    const uint8_t *src = stream + start / 4;
    const int32_t r2 = 2 * (start % 4), full = k / 16;
    int32_t n;
    for (n = full; n > 0; n--, src += 4) {
        uint32_t w;
        memcpy(&w, src, 4);
        *dst++ = r2 ? (w >> r2 | (uint32_t)src[4] << (32 - r2)) : w;
    }
    if (k % 16)
        tc_ct_rows_tail(dst, stream, TC_TERNARY_2BIT, start + 16 * full, k % 16);
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

/* n blocks in C: channel 0's code words at w (4 bytes each, any alignment), channel 1's at
 * w + woff, against the im2col at col; accumulates sum(q * x) into s00 (channel 0, pixel 0) .. s11.
 * GCC does not keep this in registers (it spills and splits every extraction into LSR + AND with
 * an immediate), hence the assembly version below on DSP builds. */
#define TC_CT_DOT_C(colp, w, woff, n)                                     \
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

/* The same loop in Thumb-2 assembly: per block (64 MACs) 2 LDR (the words of both channels, the
 * second at w + woff after the post-increment, woff4 = woff - 4), 8 LDRD (both pixels' pair j; the
 * first one post-increments col by a block, the others use negative offsets), 16 AND of the mask
 * register with the word shifted by 2j (free in the operand), 32 SMLAD, SUBS, BNE: 60 instructions.
 * It needs all 14 allocatable registers, so it is used only when optimizing (GCC then omits the
 * frame pointer); TC_CONV2D_TERNARY_NO_ASM selects the C loop. */
#if TC_SIMD_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(TC_CONV2D_TERNARY_NO_ASM)
#define TC_CT_ASM_PAIR(ld, sh)                        \
    ld "\n\t"                                         \
    "and %[q], %[m], %[v0]" sh "\n\t"                 \
    "smlad %[s00], %[q], %[a0], %[s00]\n\t"           \
    "smlad %[s01], %[q], %[a1], %[s01]\n\t"           \
    "and %[q], %[m], %[v1]" sh "\n\t"                 \
    "smlad %[s10], %[q], %[a0], %[s10]\n\t"           \
    "smlad %[s11], %[q], %[a1], %[s11]\n\t"
#define TC_CT_DOT(COLP, W, WOFF, N)                                                                         \
    do {                                                                                                \
        const int32_t *col_ = (COLP);                                                                   \
        const uint8_t *w_ = (W);                                                                        \
        int32_t n_ = (N), woff4_ = (int32_t)(WOFF)-4, m_ = 0x00030003;                                  \
        int32_t v0_, v1_, q_, a0_, a1_;                                                                 \
        if (n_ > 0)                                                                                     \
            __asm__ volatile("1:\n\t"                                                                   \
                             "ldr %[v0], [%[w]], #4\n\t"                                                \
                             "ldr %[v1], [%[w], %[woff4]]\n\t"                                          \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col]], #64", "")                     \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-56]", ", lsr #2")            \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-48]", ", lsr #4")            \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-40]", ", lsr #6")            \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-32]", ", lsr #8")            \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-24]", ", lsr #10")           \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-16]", ", lsr #12")           \
                             TC_CT_ASM_PAIR("ldrd %[a0], %[a1], [%[col], #-8]", ", lsr #14")            \
                             "subs %[n], %[n], #1\n\t"                                                  \
                             "bne 1b"                                                                   \
                             : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),      \
                               [w] "+r"(w_), [col] "+r"(col_), [n] "+r"(n_), [v0] "=&r"(v0_),           \
                               [v1] "=&r"(v1_), [q] "=&r"(q_), [a0] "=&r"(a0_), [a1] "=&r"(a1_)         \
                             : [m] "r"(m_), [woff4] "r"(woff4_)                                         \
                             : "cc", "memory");                                                         \
    } while (0)
#else
#define TC_CT_DOT TC_CT_DOT_C
#endif

/* ---------------------------------------------------------------------------------------------
 * Epilogue: tc_rqn (tc_requant.h) for channels with a negative shift; shift >= 0 takes tc_mbqm. */

typedef struct {
    int32_t zo, lo, hi;
    const int32_t *mult, *shift;
} tc_ct_epi;

/* Output byte of channel o for accumulator acc: tc_mbqm (any shift; the rare shift >= 0 channels
 * take this path), + output offset, clamped. */
TC_CT_NOINLINE int8_t tc_ct_out_slow(const tc_ct_epi *e, int32_t o, int32_t acc)
{
    return tc_sat_s8(tc_mbqm(acc, e->mult[o], e->shift[o]) + e->zo, e->lo, e->hi);
}

/* ---------------------------------------------------------------------------------------------
 * Driver */

typedef struct {
    tc_ct_in in;
    tc_ct_epi e;
    const uint8_t *filter;
    int32_t first;  /* weight 0's position in the byte at filter (tc_ternary_seek) */
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
            if (c->format == TC_TERNARY_BASE3)
                tc_ct_rows_b3(in->rows + i * nb, c->filter, c->first + (o + i) * k, k);
            else
                tc_ct_rows_2b(in->rows + i * nb, c->filter, c->first + (o + i) * k, k);
        }
        TC_CT_DOT(in->col, (const uint8_t *)in->rows, one ? 0 : 4 * nb, nb);
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Every output channel of output pixels i0 and i1 (byte offsets from out; i1 == i0 when the last
 * pixel is alone: its column is in both slots and its bytes are written twice). sx0/sx1: sum(x).
 * The epilogue constants are locals: int8 stores may alias anything reached through a pointer. */
static void tc_ct_channels(const tc_ct_ctx *c, int8_t *out, size_t i0, size_t i1, uint32_t sx0, uint32_t sx1)
{
    const tc_ct_epi e = c->e;
    const int32_t oc = c->oc, zo = e.zo, lo = e.lo, hi = e.hi;
    const int32_t *bias = c->bias, *mult = e.mult, *shift = e.shift;
    int32_t o, s[4];

    for (o = 0; o + 1 < oc; o += 2) {
        const int32_t sh0 = shift[o], sh1 = shift[o + 1];
        s[0] = (int32_t)((uint32_t)bias[o] - sx0);
        s[1] = (int32_t)((uint32_t)bias[o] - sx1);
        s[2] = (int32_t)((uint32_t)bias[o + 1] - sx0);
        s[3] = (int32_t)((uint32_t)bias[o + 1] - sx1);
        tc_ct_tile(c, o, 0, s);
        if ((sh0 & sh1) < 0) { /* both shifts negative: the fast tc_rq_apply form */
            const tc_rqn r0 = tc_rqn_make(mult[o], sh0), r1 = tc_rqn_make(mult[o + 1], sh1);
            out[i0 + (size_t)o] = tc_sat_s8(tc_rqn_apply(&r0, s[0]) + zo, lo, hi);
            out[i0 + (size_t)o + 1] = tc_sat_s8(tc_rqn_apply(&r1, s[2]) + zo, lo, hi);
            out[i1 + (size_t)o] = tc_sat_s8(tc_rqn_apply(&r0, s[1]) + zo, lo, hi);
            out[i1 + (size_t)o + 1] = tc_sat_s8(tc_rqn_apply(&r1, s[3]) + zo, lo, hi);
        } else {
            out[i0 + (size_t)o] = tc_ct_out_slow(&e, o, s[0]);
            out[i0 + (size_t)o + 1] = tc_ct_out_slow(&e, o + 1, s[2]);
            out[i1 + (size_t)o] = tc_ct_out_slow(&e, o, s[1]);
            out[i1 + (size_t)o + 1] = tc_ct_out_slow(&e, o + 1, s[3]);
        }
    }
    if (o < oc) { /* odd last channel: the tile with its row twice */
        s[0] = (int32_t)((uint32_t)bias[o] - sx0);
        s[1] = (int32_t)((uint32_t)bias[o] - sx1);
        s[2] = s[3] = 0;
        tc_ct_tile(c, o, 1, s);
        out[i0 + (size_t)o] = tc_ct_out_slow(&e, o, s[0]);
        out[i1 + (size_t)o] = tc_ct_out_slow(&e, o, s[1]);
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

void tc_conv2d_ternary_dsp(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
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
    TC_ASSERT(first >= 0);
    c.filter = tc_ternary_seek(filter, format, &first);
    c.first = first;
    c.format = format;
    c.direct = format == TC_TERNARY_2BIT && (in->k & 3) == 0 && first == 0;
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
