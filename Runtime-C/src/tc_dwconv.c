/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 depthwise convolution (TFLM reference_integer_ops::DepthwiseConvPerChannel semantics), out of
 * place and in place. */
#include "tinyc/tc_kernels.h"
#include "tc_internal.h"

/* The int8 output value of channel o at the output pixel whose window starts at input (y0, x0): a
 * kh x kw window of one input channel, read as in[y * row + x * px] (the interleaved tensor with
 * the channel folded into `in`, or the in-place kernel's single-channel plane). Taps outside the
 * input are skipped, then per-channel requantization and the fused activation. */
static inline int8_t tc_dwconv_one(const tc_dwconv_params *p, const int8_t *in, size_t row, size_t px,
                                   const int8_t *filter, const int32_t *bias, int32_t y0, int32_t x0,
                                   int32_t o)
{
    const int32_t ih = p->input.h, iw = p->input.w, oc = p->output.c;
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    int32_t acc = 0, ky, kx;

    for (ky = 0; ky < kh; ky++) {
        const int32_t y = y0 + ky * p->dilation.h;
        if (y < 0 || y >= ih)
            continue;
        for (kx = 0; kx < kw; kx++) {
            const int32_t x = x0 + kx * p->dilation.w;
            if (x < 0 || x >= iw)
                continue;
            acc += (int32_t)filter[((size_t)ky * kw + kx) * oc + o] *
                   ((int32_t)in[(size_t)y * row + (size_t)x * px] + p->input_offset);
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

/* input  : (in.h, in.w, in.c)              s8, rows in_row_stride bytes apart (0 = dense)
 * filter : (kernel.h, kernel.w, out.c)     s8, out.c = in.c * depth_multiplier
 * bias   : (out.c,)                        s32 or NULL
 * output : (out.h, out.w, out.c)           s8, rows out_row_stride bytes apart (0 = dense);
 *                                          channel o reads input channel o / depth_multiplier */
void tc_dwconv_s8_ref(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output)
{
    const int32_t ic = p->input.c;
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, ic);
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy, ox, o;

    TC_ASSERT(p->depth_multiplier > 0 && oc == ic * p->depth_multiplier);
    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        int8_t *out_row_px = output + (size_t)oy * out_row;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            int8_t *out_px = out_row_px + (size_t)ox * (size_t)oc;
            for (o = 0; o < oc; o++)
                out_px[o] = tc_dwconv_one(p, input + o / p->depth_multiplier, in_row, (size_t)ic,
                                          filter, bias, y0, x0, o);
        }
    }
}

int32_t tc_dwconv_s8_inplace_scratch_bytes(const tc_dwconv_params *p)
{
    return p->input.h * p->input.w;
}

/* data   : (in.h, in.w, c) s8 in, (out.h, out.w, c) s8 out, dense, at the same address
 * filter : (kernel.h, kernel.w, c)   s8
 * bias   : (c,)                      s32 or NULL
 * plane  : in.h * in.w bytes of scratch, not overlapping data
 * Channel by channel: copy input channel c into the plane, then write output channel c. With the
 * same channel count in and out, output channel c lands only in slots that held input channel c
 * (slot (i, c) is byte i * c_count + c either way, and out.h * out.w <= in.h * in.w keeps it inside
 * the input), and those were copied to the plane first; the other channels are not touched. The
 * arithmetic is tc_dwconv_one's, so the result is bit-exact with tc_dwconv_s8_ref. */
void tc_dwconv_s8_inplace_ref(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                              const int32_t *bias, int8_t *plane)
{
    const int32_t ch = p->input.c, iw = p->input.w;
    const int32_t oh = p->output.h, ow = p->output.w;
    const size_t pixels = (size_t)p->input.h * (size_t)iw;
    size_t i;
    int32_t c, oy, ox;

    TC_ASSERT(p->depth_multiplier == 1 && p->output.c == ch);
    TC_ASSERT((size_t)oh * (size_t)ow <= pixels);
    TC_ASSERT(p->in_row_stride == 0 && p->out_row_stride == 0); /* dense only */
    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(plane != data);
    for (c = 0; c < ch; c++) {
        for (i = 0; i < pixels; i++)
            plane[i] = data[i * (size_t)ch + (size_t)c];
        for (oy = 0; oy < oh; oy++) {
            const int32_t y0 = oy * p->stride.h - p->pad.top;
            int8_t *out = data + (size_t)oy * (size_t)ow * (size_t)ch + (size_t)c;
            for (ox = 0; ox < ow; ox++) {
                const int32_t x0 = ox * p->stride.w - p->pad.left;
                out[(size_t)ox * (size_t)ch] = tc_dwconv_one(p, plane, (size_t)iw, 1, filter, bias, y0, x0, c);
            }
        }
    }
}
