/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 max / average pooling (TFLM reference_integer_ops MaxPool / AveragePool semantics).
 * Input and output share scale and zero point, so neither kernel requantizes. Taps that fall in
 * the padding are skipped; average pooling divides by the number of in-bounds taps. Rows are
 * in_row_stride / out_row_stride bytes apart (0 = dense), for tiles of bigger buffers. */
#include "tinyc/tc_kernels.h"
#include "tc_internal.h"

/* The in-bounds kernel window of one output pixel, as [start, end) kernel offsets. */
typedef struct { int32_t y0, x0, ky0, ky1, kx0, kx1; } tc_window;

static tc_window tc_pool_window(const tc_pool_params *p, int32_t oy, int32_t ox)
{
    tc_window w;
    w.y0 = oy * p->stride.h - p->pad.top;
    w.x0 = ox * p->stride.w - p->pad.left;
    w.ky0 = tc_max_i32(0, -w.y0);
    w.ky1 = tc_min_i32(p->kernel.h, p->input.h - w.y0);
    w.kx0 = tc_max_i32(0, -w.x0);
    w.kx1 = tc_min_i32(p->kernel.w, p->input.w - w.x0);
    return w;
}

/* input : (in.h, in.w, c) s8 -> output : (out.h, out.w, c) s8, c = in.c = out.c */
void tc_maxpool_s8_ref(const tc_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->input.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, ch);
    const size_t out_row = tc_row_bytes(p->out_row_stride, p->output.w, ch);
    int32_t oy, ox, c, ky, kx;

    TC_ASSERT(p->output.c == ch && p->stride.h > 0 && p->stride.w > 0);
    /* max over the in-bounds window, per channel */
    for (oy = 0; oy < p->output.h; oy++) {
        for (ox = 0; ox < p->output.w; ox++) {
            const tc_window w = tc_pool_window(p, oy, ox);
            int8_t *out_px = output + (size_t)oy * out_row + (size_t)ox * (size_t)ch;
            for (c = 0; c < ch; c++) {
                int32_t m = -128;
                for (ky = w.ky0; ky < w.ky1; ky++) {
                    const int8_t *row = input + (size_t)(w.y0 + ky) * in_row + c;
                    for (kx = w.kx0; kx < w.kx1; kx++)
                        m = tc_max_i32(m, row[(size_t)(w.x0 + kx) * (size_t)ch]);
                }
                out_px[c] = tc_sat_s8(m, p->act_min, p->act_max);
            }
        }
    }
}

/* input : (in.h, in.w, c) s8 -> output : (out.h, out.w, c) s8, c = in.c = out.c */
void tc_avgpool_s8_ref(const tc_pool_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->input.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, ch);
    const size_t out_row = tc_row_bytes(p->out_row_stride, p->output.w, ch);
    int32_t oy, ox, c, ky, kx;

    TC_ASSERT(p->output.c == ch && p->stride.h > 0 && p->stride.w > 0);
    /* rounded mean over the in-bounds window, per channel */
    for (oy = 0; oy < p->output.h; oy++) {
        for (ox = 0; ox < p->output.w; ox++) {
            const tc_window w = tc_pool_window(p, oy, ox);
            const int32_t count = (w.ky1 - w.ky0) * (w.kx1 - w.kx0);
            int8_t *out_px = output + (size_t)oy * out_row + (size_t)ox * (size_t)ch;
            TC_ASSERT(count > 0); /* a window entirely in the padding is a compiler bug */
            for (c = 0; c < ch; c++) {
                int32_t sum = 0, avg;
                for (ky = w.ky0; ky < w.ky1; ky++) {
                    const int8_t *row = input + (size_t)(w.y0 + ky) * in_row + c;
                    for (kx = w.kx0; kx < w.kx1; kx++)
                        sum += row[(size_t)(w.x0 + kx) * (size_t)ch];
                }
                /* C division truncates, so +-count/2 makes it round half away from zero */
                avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                out_px[c] = tc_sat_s8(avg, p->act_min, p->act_max);
            }
        }
    }
}
