/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight 2-D convolution, portable reference (contract: tinyc/tc_s4.h): tc_conv2d_s8_ref's
 * loops with each weight read from the packed stream, so it returns exactly the bytes the int8
 * reference returns on the unpacked weights. */
#include "tinyc/tc_s4.h"
#include "tc_internal.h"

/* The int8 output value of channel o at the output pixel whose window starts at input (y0, x0).
 * Taps outside the input are skipped (not x = 0), as in the int8 reference; weight (o, ky, kx, c)
 * is stream weight ((o * kh + ky) * kw + kx) * ic + c. */
static int8_t tc_conv2d_s4_one(const tc_conv2d_params *p, const int8_t *input, size_t in_row, const uint8_t *filter,
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
            const int32_t first = ((o * kh + ky) * kw + kx) * ic;
            const int8_t *in_px;
            if (x < 0 || x >= iw)
                continue;
            in_px = input + (size_t)y * in_row + (size_t)x * (size_t)ic;
            for (c = 0; c < ic; c++)
                acc += tc_s4_get(filter, first + c) * ((int32_t)in_px[c] + p->input_offset);
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

void tc_conv2d_s4_ref(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                      int8_t *output)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy, ox, o;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        int8_t *out_row_px = output + (size_t)oy * out_row;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            int8_t *out_px = out_row_px + (size_t)ox * (size_t)oc;
            for (o = 0; o < oc; o++)
                out_px[o] = tc_conv2d_s4_one(p, input, in_row, filter, bias, y0, x0, o);
        }
    }
}
