/* SPDX-License-Identifier: Apache-2.0 */
/* Experimental low-bit-activation kernels and the outlier test (see vdpc_kernels.h). */
#include "vdpc_kernels.h"

#include <arm_acle.h>
#include <string.h>

#include "tc_requant.h"
#include "tinyc/tc_simd.h"

#if !TC_SIMD_DSP
#error "vdpc_kernels.c is a Cortex-M4 (DSP extension) benchmark"
#endif

static inline uint32_t vdpc_read32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline int32_t vdpc_uxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* ---- outlier test ---- */

int32_t vdpc_outlier_c(const int8_t *x, int32_t rows, int32_t row_bytes, int32_t stride, int8_t thr)
{
    int32_t r, i;
    for (r = 0; r < rows; r++, x += stride)
        for (i = 0; i < row_bytes; i++)
            if (x[i] > thr)
                return 1;
    return 0;
}

/* Running per-byte maximum: SSUB8 sets GE for the lanes where x >= max, SEL takes them; a full
 * scan is LDR + SSUB8 + SEL per 4 bytes. The scan does not stop early: a non-outlier patch (the
 * case that pays) is read to the end anyway. */
int32_t vdpc_outlier_dsp(const int8_t *x, int32_t rows, int32_t row_bytes, int32_t stride, int8_t thr)
{
    int32_t mx = (int32_t)0x80808080u, r, i, tail = 0;
    const int32_t words = row_bytes >> 2;
    for (r = 0; r < rows; r++, x += stride) {
        const int8_t *p = x;
        for (i = words; i > 0; i--) {
            const int32_t v = (int32_t)vdpc_read32(p);
            p += 4;
            (void)__ssub8(v, mx);
            mx = __sel(v, mx);
        }
        for (i = 0; i < (row_bytes & 3); i++)
            tail |= p[i] > thr;
    }
    /* the 4 lane maxima against thr */
    return tail | ((int8_t)mx > thr) | ((int8_t)(mx >> 8) > thr) | ((int8_t)(mx >> 16) > thr) | ((int8_t)(mx >> 24) > thr);
}

/* ---- 4-bit codes, two per byte ---- */

/* Per 8 channels: the int8 values are -128 + 16k, i.e. byte ^ 0x80 = 16k, so the codes are the
 * high nibbles: 2 loads, 2 EOR, LSR, 2 AND, ORR, 1 store (what a producing layer's epilogue would
 * add, give or take, to write this layout). */
void vdpc_pack_u4(const int8_t *x, int32_t pixels, int32_t c, uint8_t *out)
{
    const int32_t words = pixels * c / 8;
    int32_t i;
    for (i = 0; i < words; i++, x += 8, out += 4) {
        const uint32_t a = vdpc_read32(x) ^ 0x80808080u, b = vdpc_read32(x + 4) ^ 0x80808080u;
        const uint32_t w = ((a >> 4) & 0x0F0F0F0Fu) | (b & 0xF0F0F0F0u);
        memcpy(out, &w, 4);
    }
}

void vdpc_unpack_u4(const uint8_t *in, int32_t pixels, int32_t c, int8_t *out)
{
    const int32_t words = pixels * c / 8;
    int32_t i;
    /* 8 codes per word: the two nibble planes, each scaled by 16 and moved to the zero point
     * (-128 + 16k = (16k) ^ 0x80 per byte, as 16k <= 240): 6 ALU + 1 load + 2 stores per 8 values */
    for (i = 0; i < words; i++, in += 4, out += 8) {
        const uint32_t w = vdpc_read32(in);
        const uint32_t lo = ((w << 4) & 0xF0F0F0F0u) ^ 0x80808080u, hi = (w & 0xF0F0F0F0u) ^ 0x80808080u;
        memcpy(out, &lo, 4);
        memcpy(out + 4, &hi, 4);
    }
}

/* Epilogue as tc_conv2d_1x1_s8_dsp: requantize, + output offset, clamp. */
static inline int8_t vdpc_out(int32_t acc, const tc_rq *rq, int32_t zo, int32_t lo, int32_t hi)
{
    return tc_sat_s8(tc_rq_apply(rq, acc) + zo, lo, hi);
}

/* 8 channels of the 2x2 tile: pixel words x (pixel 0) and y (pixel 1), filter rows b and b + ic.
 * Nibbles are zero-extended into 16-bit lanes (UXTB16), weights sign-extended (SXTB16): SMLAD
 * multiplies 16-bit lanes whatever the activation width, so the MAC count per instruction is the
 * int8 kernel's; only the load count differs (one word per 8 activations). */
#define VDPC_U4_STEP(x, y, b, ic)                                                              \
    do {                                                                                       \
        const uint32_t xl_ = (x) & 0x0F0F0F0Fu, yl_ = (y) & 0x0F0F0F0Fu;                       \
        const uint32_t xh_ = ((x) >> 4) & 0x0F0F0F0Fu, yh_ = ((y) >> 4) & 0x0F0F0F0Fu;         \
        int32_t w_ = tc_read_s8x4(b), we_ = tc_sxtb16(w_), wo_ = tc_sxtb16_ror8(w_);            \
        int32_t xe_ = (int32_t)__uxtb16(xl_), xo_ = vdpc_uxtb16_ror8(xl_);                      \
        int32_t ye_ = (int32_t)__uxtb16(yl_), yo_ = vdpc_uxtb16_ror8(yl_);                      \
        s00 = __smlad(xe_, we_, s00);                                                          \
        s00 = __smlad(xo_, wo_, s00);                                                          \
        s10 = __smlad(ye_, we_, s10);                                                          \
        s10 = __smlad(yo_, wo_, s10);                                                          \
        w_ = tc_read_s8x4((b) + (ic));                                                         \
        we_ = tc_sxtb16(w_);                                                                   \
        wo_ = tc_sxtb16_ror8(w_);                                                              \
        s01 = __smlad(xe_, we_, s01);                                                          \
        s01 = __smlad(xo_, wo_, s01);                                                          \
        s11 = __smlad(ye_, we_, s11);                                                          \
        s11 = __smlad(yo_, wo_, s11);                                                          \
        xe_ = (int32_t)__uxtb16(xh_);                                                          \
        xo_ = vdpc_uxtb16_ror8(xh_);                                                           \
        ye_ = (int32_t)__uxtb16(yh_);                                                          \
        yo_ = vdpc_uxtb16_ror8(yh_);                                                           \
        w_ = tc_read_s8x4((b) + 4);                                                            \
        we_ = tc_sxtb16(w_);                                                                   \
        wo_ = tc_sxtb16_ror8(w_);                                                              \
        s00 = __smlad(xe_, we_, s00);                                                          \
        s00 = __smlad(xo_, wo_, s00);                                                          \
        s10 = __smlad(ye_, we_, s10);                                                          \
        s10 = __smlad(yo_, wo_, s10);                                                          \
        w_ = tc_read_s8x4((b) + (ic) + 4);                                                     \
        we_ = tc_sxtb16(w_);                                                                   \
        wo_ = tc_sxtb16_ror8(w_);                                                              \
        s01 = __smlad(xe_, we_, s01);                                                          \
        s01 = __smlad(xo_, wo_, s01);                                                          \
        s11 = __smlad(ye_, we_, s11);                                                          \
        s11 = __smlad(yo_, wo_, s11);                                                          \
    } while (0)

void vdpc_pw_u4_dsp(const tc_conv2d_params *p, const uint8_t *in4, const int8_t *filter, const int32_t *bias,
                    int8_t *output)
{
    const int32_t ic = p->input.c, oc = p->output.c, pixels = p->input.h * p->input.w, bpp = ic / 2;
    const int32_t zo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t o, n, g;
    for (o = 0; o + 1 < oc; o += 2) {
        const int8_t *const w = filter + (size_t)o * (size_t)ic;
        const tc_rq rq0 = tc_rq_make(p->out_mult[o], p->out_shift[o]), rq1 = tc_rq_make(p->out_mult[o + 1], p->out_shift[o + 1]);
        const uint8_t *a = in4;
        int8_t *out = output + o;
        for (n = 0; n + 1 < pixels; n += 2) {
            int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
            const int8_t *b = w;
            for (g = 0; g < bpp; g += 4, b += 8) {
                const uint32_t x = vdpc_read32(a + g), y = vdpc_read32(a + bpp + g);
                VDPC_U4_STEP(x, y, b, ic);
            }
            /* acc = bias + 16 * sum w * k, exactly the int8 kernel's accumulator */
            out[0] = vdpc_out(bias[o] + s00 * 16, &rq0, zo, lo, hi);
            out[1] = vdpc_out(bias[o + 1] + s01 * 16, &rq1, zo, lo, hi);
            out[oc] = vdpc_out(bias[o] + s10 * 16, &rq0, zo, lo, hi);
            out[oc + 1] = vdpc_out(bias[o + 1] + s11 * 16, &rq1, zo, lo, hi);
            a += 2 * bpp;
            out += 2 * oc;
        }
        if (n < pixels) { /* odd last pixel: pixel 1 of the step is a copy of pixel 0 */
            int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
            const int8_t *b = w;
            for (g = 0; g < bpp; g += 4, b += 8) {
                const uint32_t x = vdpc_read32(a + g);
                VDPC_U4_STEP(x, x, b, ic);
            }
            (void)s10;
            (void)s11;
            out[0] = vdpc_out(bias[o] + s00 * 16, &rq0, zo, lo, hi);
            out[1] = vdpc_out(bias[o + 1] + s01 * 16, &rq1, zo, lo, hi);
        }
    }
}

/* ---- 2-bit codes as bit planes, bit-serial lookup ---- */

/* Per 4 channels: byte ^ 0x80 = 64k, so bit 0 of k is bit 6 of the byte and bit 1 is bit 7; a
 * multiply by 0x01020408 gathers the four bytes' bits into bits 24..27 (the other partial products
 * land below bit 21 or above bit 31). */
void vdpc_pack_u2planes(const int8_t *x, int32_t pixels, int32_t c, uint8_t *out)
{
    const int32_t words = pixels * c / 4;
    int32_t i;
    for (i = 0; i < words; i++, x += 4) {
        const uint32_t u = vdpc_read32(x) ^ 0x80808080u;
        const uint32_t p0 = (((u >> 6) & 0x01010101u) * 0x01020408u) >> 24;
        const uint32_t p1 = (((u >> 7) & 0x01010101u) * 0x01020408u) >> 24;
        *out++ = (uint8_t)(p0 | p1 << 4);
    }
}

int32_t vdpc_u2lut_table_words(int32_t in_c, int32_t out_c)
{
    return (out_c / 8) * (in_c / 4) * 2 * 16 * 4;
}

void vdpc_u2lut_tables(const int8_t *filter, int32_t in_c, int32_t out_c, uint32_t *tables)
{
    const int32_t groups = in_c / 4;
    int32_t blk, g, b, i, pair, j;
    for (blk = 0; blk < out_c / 8; blk++)
        for (g = 0; g < groups; g++)
            for (b = 0; b < 2; b++)
                for (i = 0; i < 16; i++)
                    for (pair = 0; pair < 4; pair++) {
                        const int32_t o = blk * 8 + pair * 2;
                        int32_t s0 = 0, s1 = 0;
                        for (j = 0; j < 4; j++)
                            if (i >> j & 1) {
                                s0 += filter[o * in_c + g * 4 + j];
                                s1 += filter[(o + 1) * in_c + g * 4 + j];
                            }
                        tables[(((blk * groups + g) * 2 + b) * 16 + i) * 4 + pair] =
                            ((uint32_t)(s0 * (1 << b)) & 0xFFFFu) | ((uint32_t)(s1 * (1 << b)) << 16);
                    }
}

void vdpc_pw_u2lut_dsp(const tc_conv2d_params *p, const uint8_t *planes, const uint32_t *tables,
                       const int32_t *bias, int8_t *output)
{
    const int32_t ic = p->input.c, oc = p->output.c, pixels = p->input.h * p->input.w, groups = ic / 4;
    const int32_t zo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t blk, n, g, k;
    for (blk = 0; blk < oc / 8; blk++) {
        const uint32_t *const tb = tables + (size_t)blk * (size_t)groups * 128;
        tc_rq rq[8];
        for (k = 0; k < 8; k++)
            rq[k] = tc_rq_make(p->out_mult[blk * 8 + k], p->out_shift[blk * 8 + k]);
        const uint8_t *a = planes;
        int8_t *out = output + blk * 8;
        for (n = 0; n < pixels; n++, a += groups, out += oc) {
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            const uint32_t *t = tb;
            for (g = 0; g < groups; g++, t += 128) {
                const uint32_t b = a[g];
                const uint32_t *t0 = t + (b & 15u) * 4, *t1 = t + 64 + (b >> 4) * 4;
                s0 = __sadd16(s0, (int32_t)t0[0]);
                s1 = __sadd16(s1, (int32_t)t0[1]);
                s2 = __sadd16(s2, (int32_t)t0[2]);
                s3 = __sadd16(s3, (int32_t)t0[3]);
                s0 = __sadd16(s0, (int32_t)t1[0]);
                s1 = __sadd16(s1, (int32_t)t1[1]);
                s2 = __sadd16(s2, (int32_t)t1[2]);
                s3 = __sadd16(s3, (int32_t)t1[3]);
            }
            {
                /* lanes -> int32 (sign-extended halfwords), acc = bias + 64 * sum w * k */
                const int32_t *const bi = bias + blk * 8;
                const int32_t s[4] = {s0, s1, s2, s3};
                for (k = 0; k < 4; k++) {
                    const int32_t l = (int32_t)(int16_t)(s[k] & 0xFFFF), h = s[k] >> 16;
                    out[2 * k] = vdpc_out(bi[2 * k] + l * 64, &rq[2 * k], zo, lo, hi);
                    out[2 * k + 1] = vdpc_out(bi[2 * k + 1] + h * 64, &rq[2 * k + 1], zo, lo, hi);
                }
            }
        }
    }
}
