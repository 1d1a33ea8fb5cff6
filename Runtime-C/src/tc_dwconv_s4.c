/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight depthwise convolution, `_ref` and `_dsp` (contract: tinyc/tc_s4.h). Both return the
 * bytes tc_dwconv_s8_ref returns on the unpacked weights.
 *
 * A depthwise filter has only kernel.h * kernel.w * output.c taps, each used output.h * output.w
 * times, so `_dsp` decodes them once per call into int8 at the start of its scratch and hands them
 * to the int8 DSP kernel tc_dwconv_s8_dsp (which picks its 3x3 s1 / s2 paths itself): the decode
 * costs a few instructions per tap, and the int8 kernel keeps its exactness argument (the folded
 * bias is the same, since the int8 taps are the int4 values). */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_s4.h"
#include "tc_internal.h"
#include "tc_s4_decode.h"

/* Output value of channel o at the output pixel whose window starts at input (y0, x0); `in` points
 * at input channel o / depth_multiplier. Same arithmetic as the int8 reference; tap (ky, kx) of
 * channel o is stream weight (ky * kw + kx) * oc + o. */
static int8_t tc_dw4_one(const tc_dwconv_params *p, const int8_t *in, size_t row, const uint8_t *filter,
                         const int32_t *bias, int32_t y0, int32_t x0, int32_t o)
{
    const int32_t ih = p->input.h, iw = p->input.w, oc = p->output.c;
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    const size_t px = (size_t)p->input.c;
    int32_t acc = 0, ky, kx;

    for (ky = 0; ky < kh; ky++) {
        const int32_t y = y0 + ky * p->dilation.h;
        if (y < 0 || y >= ih)
            continue;
        for (kx = 0; kx < kw; kx++) {
            const int32_t x = x0 + kx * p->dilation.w;
            if (x < 0 || x >= iw)
                continue;
            acc += tc_s4_get(filter, (ky * kw + kx) * oc + o) * ((int32_t)in[(size_t)y * row + (size_t)x * px] +
                                                                 p->input_offset);
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

void tc_dwconv_s4_ref(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                      int8_t *output)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy, ox, o;

    TC_ASSERT(p->depth_multiplier > 0 && oc == p->input.c * p->depth_multiplier);
    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        int8_t *out_px = output + (size_t)oy * out_row;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            for (o = 0; o < oc; o++)
                out_px[o] = tc_dw4_one(p, input + o / p->depth_multiplier, in_row, filter, bias, y0, x0, o);
            out_px += oc;
        }
    }
}

/* ---- `_dsp` ---- */

static int32_t tc_dw4_taps(const tc_dwconv_params *p)
{
    return p->kernel.h * p->kernel.w * p->output.c;
}

int32_t tc_dwconv_s4_dsp_scratch_bytes(const tc_dwconv_params *p)
{
    return (tc_dw4_taps(p) + 3) / 4 * 4 + tc_dwconv_s8_dsp_scratch_bytes(p);
}

void tc_dwconv_s4_dsp(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter,
                      const int32_t *bias_folded, int8_t *output, void *scratch)
{
    const int32_t n = tc_dw4_taps(p);
    int8_t *taps = (int8_t *)scratch;

    TC_ASSERT(bias_folded != NULL && scratch != NULL);
    tc_s4_decode(filter, n, taps);
    tc_dwconv_s8_dsp(p, input, taps, bias_folded, output, taps + (n + 3) / 4 * 4);
}
