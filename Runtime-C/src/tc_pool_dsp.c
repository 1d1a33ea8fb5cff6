/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 average pooling for Cortex-M4/M7 with the DSP extension, bit-exact with tc_avgpool_s8_ref
 * (portable C elsewhere). Contract: tinyc/tc_fc_dsp.h.
 *
 * The window sum runs 4 channels per word: SXTAB16 adds bytes 0 and 2 of an input word to the two
 * halfwords of one accumulator, SXTAB16 ROR 8 bytes 1 and 3 to another, so a tap of 16 channels
 * is 4 LDR + 8 SXTAB16. A halfword holds the exact sum of up to 256 taps (|sum| <= 128 * 256 =
 * 2^15, and -2^15 is representable; +127 * 256 < 2^15); bigger windows take the scalar path. The
 * rounded division is the reference's (SDIV). */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"

/* acc + SXTB16(x) / + SXTB16(x ROR 8), halfword by halfword, each wrapping mod 2^16. */
#if TC_SIMD_DSP && defined(__GNUC__)
static inline int32_t tc_sxtab16(int32_t acc, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}
static inline int32_t tc_sxtab16_ror8(int32_t acc, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}
#else
static inline int32_t tc_pool_add16(int32_t acc, int32_t v)
{
    const uint32_t lo = ((uint32_t)acc + (uint32_t)v) & 0xffffu;
    const uint32_t hi = (((uint32_t)acc >> 16) + ((uint32_t)v >> 16)) & 0xffffu;
    return (int32_t)(lo | (hi << 16));
}
static inline int32_t tc_sxtab16(int32_t acc, int32_t x)
{
    return tc_pool_add16(acc, tc_sxtb16(x));
}
static inline int32_t tc_sxtab16_ror8(int32_t acc, int32_t x)
{
    return tc_pool_add16(acc, tc_sxtb16_ror8(x));
}
#endif

/* The in-bounds window of one output pixel (as tc_pool.c). */
typedef struct {
    const int8_t *first; /* input pixel of the first in-bounds tap */
    int32_t rows, cols;
} tc_pool_win;

static tc_pool_win tc_pool_window_at(const tc_pool_params *p, const int8_t *input, size_t in_row, int32_t oy,
                                     int32_t ox)
{
    tc_pool_win w;
    const int32_t y0 = oy * p->stride.h - p->pad.top, x0 = ox * p->stride.w - p->pad.left;
    const int32_t ky0 = tc_max_i32(0, -y0), ky1 = tc_min_i32(p->kernel.h, p->input.h - y0);
    const int32_t kx0 = tc_max_i32(0, -x0), kx1 = tc_min_i32(p->kernel.w, p->input.w - x0);
    w.rows = ky1 - ky0;
    w.cols = kx1 - kx0;
    w.first = input + (ptrdiff_t)(y0 + ky0) * (ptrdiff_t)in_row + (ptrdiff_t)(x0 + kx0) * p->input.c;
    return w;
}

/* The reference's rounded mean (C division truncates, +-count/2 rounds half away from zero). */
static inline int8_t tc_pool_avg(int32_t sum, int32_t count, int32_t half, int32_t lo, int32_t hi)
{
    const int32_t avg = (sum > 0 ? sum + half : sum - half) / count;
    return tc_sat_s8(avg, lo, hi);
}

/* Halfword k of acc, sign-extended. */
static inline int32_t tc_pool_half(int32_t acc, int k)
{
    return (int32_t)((((uint32_t)acc >> (16 * k)) & 0xffffu) ^ 0x8000u) - 0x8000;
}

/* Sums of n4 words (4 * n4 channels, n4 <= 4) over the window, stored as 4 * n4 int32 in sums. */
static void tc_pool_sum_words(const tc_pool_win *w, size_t in_row, int32_t ch, int32_t n4, int32_t *sums)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, ky, k;
    const size_t step = (size_t)ch;

    for (ky = 0; ky < w->rows; ky++) {
        const int8_t *px = w->first + (size_t)ky * in_row;
        const int8_t *const end = px + (size_t)w->cols * step;
        if (n4 == 4) {
            for (; px != end; px += step) {
                const int32_t v0 = tc_read_s8x4(px), v1 = tc_read_s8x4(px + 4);
                const int32_t v2 = tc_read_s8x4(px + 8), v3 = tc_read_s8x4(px + 12);
                a0 = tc_sxtab16(a0, v0);
                b0 = tc_sxtab16_ror8(b0, v0);
                a1 = tc_sxtab16(a1, v1);
                b1 = tc_sxtab16_ror8(b1, v1);
                a2 = tc_sxtab16(a2, v2);
                b2 = tc_sxtab16_ror8(b2, v2);
                a3 = tc_sxtab16(a3, v3);
                b3 = tc_sxtab16_ror8(b3, v3);
            }
        } else {
            for (; px != end; px += step) {
                const int32_t v0 = tc_read_s8x4(px);
                a0 = tc_sxtab16(a0, v0);
                b0 = tc_sxtab16_ror8(b0, v0);
            }
        }
    }
    {
        const int32_t a[4] = {a0, a1, a2, a3}, b[4] = {b0, b1, b2, b3};
        for (k = 0; k < n4; k++) { /* word k: channels 4k .. 4k+3 = a.lo, b.lo, a.hi, b.hi */
            sums[4 * k] = tc_pool_half(a[k], 0);
            sums[4 * k + 1] = tc_pool_half(b[k], 0);
            sums[4 * k + 2] = tc_pool_half(a[k], 1);
            sums[4 * k + 3] = tc_pool_half(b[k], 1);
        }
    }
}

/* input : (in.h, in.w, c) s8 -> output : (out.h, out.w, c) s8, c = in.c = out.c */
void tc_avgpool_s8_dsp(const tc_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->input.c, lo = p->act_min, hi = p->act_max;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, ch);
    const size_t out_row = tc_row_bytes(p->out_row_stride, p->output.w, ch);
    int32_t oy, ox, c, ky, kx, i;

    TC_ASSERT(p->output.c == ch && p->stride.h > 0 && p->stride.w > 0);
    for (oy = 0; oy < p->output.h; oy++) {
        for (ox = 0; ox < p->output.w; ox++) {
            const tc_pool_win w = tc_pool_window_at(p, input, in_row, oy, ox);
            const int32_t count = w.rows * w.cols, half = count / 2;
            int8_t *out_px = output + (size_t)oy * out_row + (size_t)ox * (size_t)ch;
            TC_ASSERT(count > 0); /* a window entirely in the padding is a compiler bug */
            c = 0;
            if (count <= 256) { /* exact in halfwords */
                int32_t sums[16];
                while (ch - c >= 4) { /* 16 channels per pass, then 4 */
                    const int32_t n4 = ch - c >= 16 ? 4 : 1;
                    tc_pool_win wc = w;
                    wc.first += c;
                    tc_pool_sum_words(&wc, in_row, ch, n4, sums);
                    for (i = 0; i < 4 * n4; i++)
                        out_px[c + i] = tc_pool_avg(sums[i], count, half, lo, hi);
                    c += 4 * n4;
                }
            }
            for (; c < ch; c++) { /* leftover channels, or windows of more than 256 taps */
                int32_t sum = 0;
                for (ky = 0; ky < w.rows; ky++) {
                    const int8_t *row = w.first + (size_t)ky * in_row + c;
                    for (kx = 0; kx < w.cols; kx++)
                        sum += row[(size_t)kx * (size_t)ch];
                }
                out_px[c] = tc_pool_avg(sum, count, half, lo, hi);
            }
        }
    }
}
