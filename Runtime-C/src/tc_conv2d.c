/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 2-D convolution (TFLM reference_integer_ops::ConvPerChannel semantics). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input  : (in.h, in.w, in.c)                    s8
 * filter : (out.c, kernel.h, kernel.w, in.c)     s8
 * bias   : (out.c,)                              s32 or NULL
 * output : (out.h, out.w, out.c)                 s8 */
void tc_conv2d_s8_ref(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output)
{
    const int32_t ih = p->input.h, iw = p->input.w, ic = p->input.c;
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    int32_t oy, ox, o, ky, kx, c;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    /* one output value per (oy, ox, o): a dot product over the in-bounds taps */
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            for (o = 0; o < oc; o++) {
                int32_t acc = 0;
                for (ky = 0; ky < kh; ky++) {
                    const int32_t y = y0 + ky * p->dilation.h;
                    if (y < 0 || y >= ih)
                        continue; /* padding rows contribute nothing */
                    for (kx = 0; kx < kw; kx++) {
                        const int32_t x = x0 + kx * p->dilation.w;
                        const int8_t *in_px, *w_px;
                        if (x < 0 || x >= iw)
                            continue;
                        in_px = input + ((size_t)y * iw + x) * ic;
                        w_px = filter + (((size_t)o * kh + ky) * kw + kx) * ic;
                        for (c = 0; c < ic; c++)
                            acc += (int32_t)w_px[c] * ((int32_t)in_px[c] + p->input_offset);
                    }
                }
                if (bias)
                    acc = tc_add_wrap(acc, bias[o]);
                acc = tc_mbqm(acc, p->out_mult[o], p->out_shift[o]) + p->output_offset;
                output[((size_t)oy * ow + ox) * oc + o] = tc_sat_s8(acc, p->act_min, p->act_max);
            }
        }
    }
}
