/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary-weight 2-D convolution, portable reference: tc_conv2d_s8_ref's loops with each filter
 * tap decoded from the packed stream (tinyc/tc_ternary.h), so it returns exactly the bytes the
 * int8 reference returns on the unpacked weights. */
#include "tinyc/tc_conv2d_ternary.h"
#include "tc_internal.h"
#include "tc_ternary_decode.h"

/* The five 2-bit codes of base-3 byte b, spelled out by the preprocessor (no hand-typed table). */
#define TC_B3(b)                                                                                   \
    ((b) % 3 | (((b) / 3 % 3) << 2) | (((b) / 9 % 3) << 4) | (((b) / 27 % 3) << 6) | (((b) / 81 % 3) << 8))
#define TC_B3_3(b) TC_B3(b), TC_B3((b) + 1), TC_B3((b) + 2)
#define TC_B3_9(b) TC_B3_3(b), TC_B3_3((b) + 3), TC_B3_3((b) + 6)
#define TC_B3_27(b) TC_B3_9(b), TC_B3_9((b) + 9), TC_B3_9((b) + 18)
#define TC_B3_81(b) TC_B3_27(b), TC_B3_27((b) + 27), TC_B3_27((b) + 54)

const uint16_t tc_ternary_b3_codes[256] = {TC_B3_81(0), TC_B3_81(81), TC_B3_81(162)}; /* 243..255: 0 */

/* The int8 output value of channel o at the output pixel whose window starts at input (y0, x0),
 * as tc_conv2d_s8_ref computes it: taps outside the input are skipped (not x = 0). Each in-bounds
 * tap's run of ic weights is read sequentially from its position o * K + (ky * kw + kx) * ic. */
static int8_t tc_conv2d_ternary_one(const tc_conv2d_params *p, const int8_t *input, size_t in_row,
                                    const uint8_t *filter, int32_t first, tc_ternary_format format,
                                    const int32_t *bias, int32_t y0, int32_t x0, int32_t o)
{
    const int32_t ih = p->input.h, iw = p->input.w, ic = p->input.c;
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    int32_t acc = 0, ky, kx, c;

    for (ky = 0; ky < kh; ky++) {
        const int32_t y = y0 + ky * p->dilation.h;
        if (y < 0 || y >= ih)
            continue;
        for (kx = 0; kx < kw; kx++) {
            const int32_t x = x0 + kx * p->dilation.w;
            const int8_t *in_px;
            tc_tern_rd rd;
            if (x < 0 || x >= iw)
                continue;
            in_px = input + (size_t)y * in_row + (size_t)x * (size_t)ic;
            tc_tern_rd_seek(&rd, filter, format, first + ((o * kh + ky) * kw + kx) * ic);
            for (c = 0; c < ic; c++) {
                const int32_t t = (int32_t)tc_tern_rd_code(&rd) - 1;
                acc += t * ((int32_t)in_px[c] + p->input_offset);
            }
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

void tc_conv2d_ternary_ref(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias, int8_t *output)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy, ox, o;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(format == TC_TERNARY_2BIT || format == TC_TERNARY_BASE3);
    TC_ASSERT(first >= 0);
    filter = tc_ternary_seek(filter, format, &first);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        int8_t *out_row_px = output + (size_t)oy * out_row;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            int8_t *out_px = out_row_px + (size_t)ox * (size_t)oc;
            for (o = 0; o < oc; o++)
                out_px[o] = tc_conv2d_ternary_one(p, input, in_row, filter, first, format, bias, y0, x0, o);
        }
    }
}
