/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary depthwise convolution, `_ref` and `_dsp` (contract: tinyc/tc_fc_ternary.h, packed
 * formats: tinyc/tc_ternary.h). Both return the bytes tc_dwconv_s8_ref returns on the unpacked
 * weights t.
 *
 * A depthwise filter has only kernel.h * kernel.w * output.c taps, each used output.h * output.w
 * times, so `_dsp` decodes them once per call into int8 at the start of its scratch and hands
 * them to the int8 DSP kernel tc_dwconv_s8_dsp (which picks its 3x3 s1 / s2 paths itself): the
 * decode is a few instructions per tap, and the int8 kernel keeps its exactness proof (the folded
 * bias is the same, since the int8 taps are t). */
#include "tinyc/tc_fc_ternary.h"
#include "tinyc/tc_kernels.h"
#include "tc_internal.h"
#include "tc_ternary_decode.h"

/* Output value of channel o at the output pixel whose window starts at input (y0, x0); `in` points
 * at input channel o / depth_multiplier. Same arithmetic as the int8 reference. */
static int8_t tc_dwt_one(const tc_dwconv_params *p, const int8_t *in, size_t row, const uint8_t *filter,
                         int32_t first, tc_ternary_format format, const int32_t *bias, int32_t y0, int32_t x0,
                         int32_t o)
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
            acc += ((int32_t)tc_tern_code(filter, format, (size_t)first + ((size_t)ky * (size_t)kw + (size_t)kx) * (size_t)oc + (size_t)o) - 1) *
                   ((int32_t)in[(size_t)y * row + (size_t)x * px] + p->input_offset);
        }
    }
    return TC_REF_OUT(p, acc, bias, o);
}

/* input  : (in.h, in.w, in.c)                 s8, rows in_row_stride bytes apart (0 = dense)
 * filter : (1, kernel.h, kernel.w, out.c)     packed ternary
 * bias   : (out.c,)                           s32 or NULL
 * output : (out.h, out.w, out.c)              s8, rows out_row_stride bytes apart (0 = dense) */
void tc_dwconv_ternary_ref(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias, int8_t *output)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy, ox, o;

    TC_ASSERT(p->depth_multiplier > 0 && oc == p->input.c * p->depth_multiplier);
    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(format == TC_TERNARY_2BIT || format == TC_TERNARY_BASE3);
    TC_ASSERT(first >= 0);
    filter = tc_ternary_seek(filter, format, &first);
    for (oy = 0; oy < oh; oy++) {
        const int32_t y0 = oy * p->stride.h - p->pad.top;
        int8_t *out_px = output + (size_t)oy * out_row;
        for (ox = 0; ox < ow; ox++) {
            const int32_t x0 = ox * p->stride.w - p->pad.left;
            for (o = 0; o < oc; o++)
                out_px[o] = tc_dwt_one(p, input + o / p->depth_multiplier, in_row, filter, first, format, bias, y0, x0, o);
            out_px += oc;
        }
    }
}

/* ---- `_dsp` ---- */

static int32_t tc_dwt_taps(const tc_dwconv_params *p)
{
    return p->kernel.h * p->kernel.w * p->output.c;
}

int32_t tc_dwconv_ternary_dsp_scratch_bytes(const tc_dwconv_params *p, tc_ternary_format format)
{
    (void)format; /* both formats decode to the same int8 taps */
    return (tc_dwt_taps(p) + 3) / 4 * 4 + tc_dwconv_s8_dsp_scratch_bytes(p);
}

/* The n weights of the stream from weight `first` on as int8 taps t, read in order (tc_tern_rd
 * never loads past the last of them). */
static void tc_dwt_decode(const uint8_t *f, int32_t first, tc_ternary_format format, int32_t n, int8_t *taps)
{
    tc_tern_rd rd;
    int32_t i;

    tc_tern_rd_seek(&rd, f, format, first);
    for (i = 0; i < n; i++)
        taps[i] = (int8_t)((int32_t)tc_tern_rd_code(&rd) - 1);
}

/* input   : (in.h, in.w, in.c)                s8, rows in_row_stride bytes apart (0 = dense)
 * filter  : (1, kernel.h, kernel.w, out.c)    packed ternary
 * bias    : (out.c,)                          s32, folded (never NULL)
 * output  : (out.h, out.w, out.c)             s8, rows out_row_stride bytes apart (0 = dense)
 * scratch : tc_dwconv_ternary_dsp_scratch_bytes(p, format) bytes, any alignment */
void tc_dwconv_ternary_dsp(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch)
{
    const int32_t n = tc_dwt_taps(p);
    int8_t *taps = (int8_t *)scratch;

    TC_ASSERT(format == TC_TERNARY_2BIT || format == TC_TERNARY_BASE3);
    TC_ASSERT(bias_folded != NULL && scratch != NULL && first >= 0);
    tc_dwt_decode(filter, first, format, n, taps);
    tc_dwconv_s8_dsp(p, input, taps, bias_folded, output, taps + (n + 3) / 4 * 4);
}
