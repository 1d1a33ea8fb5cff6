/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 2-D convolution (TFLM reference_integer_ops::ConvPerChannel semantics), alone and with a
 * fused residual ADD (TFLite AddFunc on the requantized conv output). */
#include "tinyc/tc_kernels.h"
#include "tc_internal.h"

/* The int8 output value of channel o at the output pixel whose window starts at input (y0, x0):
 * a dot product over the in-bounds taps, then per-channel requantization and the fused activation.
 * Taps outside the input (padding, or beyond a tile's edge) contribute nothing; they are skipped,
 * not treated as x = 0 (which would add w * input_offset). in_row is the input's row stride. */
static inline int8_t tc_conv2d_one(const tc_conv2d_params *p, const int8_t *input, size_t in_row,
                                   const int8_t *filter, const int32_t *bias, int32_t y0, int32_t x0,
                                   int32_t o)
{
    const int32_t ih = p->input.h, iw = p->input.w, ic = p->input.c;
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    int32_t acc = 0, ky, kx, c;

    for (ky = 0; ky < kh; ky++) {
        const int32_t y = y0 + ky * p->dilation.h;
        if (y < 0 || y >= ih)
            continue; /* padding rows contribute nothing */
        for (kx = 0; kx < kw; kx++) {
            const int32_t x = x0 + kx * p->dilation.w;
            const int8_t *in_px, *w_px;
            if (x < 0 || x >= iw)
                continue;
            in_px = input + (size_t)y * in_row + (size_t)x * (size_t)ic;
            w_px = filter + (((size_t)o * kh + ky) * kw + kx) * ic;
            for (c = 0; c < ic; c++)
                acc += (int32_t)w_px[c] * ((int32_t)in_px[c] + p->input_offset);
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

/* input  : (in.h, in.w, in.c)                    s8, rows in_row_stride bytes apart (0 = dense)
 * filter : (out.c, kernel.h, kernel.w, in.c)     s8
 * bias   : (out.c,)                              s32 or NULL
 * output : (out.h, out.w, out.c)                 s8, rows out_row_stride bytes apart (0 = dense) */
void tc_conv2d_s8_ref(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output)
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
                out_px[o] = tc_conv2d_one(p, input, in_row, filter, bias, y0, x0, o);
        }
    }
}

/* input    : (in.h, in.w, in.c)                  s8, dense
 * filter   : (out.c, kernel.h, kernel.w, in.c)   s8
 * bias     : (out.c,)                            s32 or NULL
 * residual : (out.h, out.w, out.c)               s8, dense
 * output   : (out.h, out.w, out.c)               s8, dense; may be residual itself
 * Each conv value is requantized to int8 exactly as tc_conv2d_s8_ref writes it (the intermediate
 * tensor TFLite would materialize), then added to the residual with TFLite AddFunc, so the result
 * is bit-exact with the two-kernel sequence. Element i of residual is read just before element i of
 * output is written, and nothing else reads it, which is what makes output == residual safe. */
void tc_conv2d_add_s8_ref(const tc_conv2d_params *conv, const tc_add_params *add, int32_t conv_is_input2,
                          const int8_t *input, const int8_t *filter, const int32_t *bias,
                          const int8_t *residual, int8_t *output)
{
    const int32_t oh = conv->output.h, ow = conv->output.w, oc = conv->output.c;
    const size_t in_row = (size_t)conv->input.w * (size_t)conv->input.c;
    size_t i = 0;
    int32_t oy, ox, o;

    TC_ASSERT(conv->stride.h > 0 && conv->stride.w > 0 && conv->dilation.h > 0 && conv->dilation.w > 0);
    TC_ASSERT(conv->in_row_stride == 0 && conv->out_row_stride == 0); /* dense only */
    TC_ASSERT(add->left_shift >= 0 && add->left_shift < 31);
    /* the conv reads neighbouring pixels after their output may have been written */
    TC_ASSERT((const void *)output != (const void *)input);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * conv->stride.h - conv->pad.top;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * conv->stride.w - conv->pad.left;
            for (o = 0; o < oc; o++, i++) {
                const int8_t v = tc_conv2d_one(conv, input, in_row, filter, bias, y0, x0, o);
                const int8_t r = residual[i];
                output[i] = conv_is_input2 ? tc_add_one(add, r, v) : tc_add_one(add, v, r);
            }
        }
    }
}
