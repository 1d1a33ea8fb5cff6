/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by several kernel files (not part of the public ABI): the row-stride rule of the
 * window kernels, and the per-element arithmetic of ADD, which tc_add.c and the fused conv+add in
 * tc_conv2d.c must compute identically. */
#ifndef TINYC_TC_INTERNAL_H
#define TINYC_TC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tinyc/tc_types.h"
#include "tc_requant.h"

/* Bytes from one row of a (h, w, c) tensor to the next: `stride` if the compiler set one (a tile
 * read from or written into a bigger buffer), else the dense w * c. A non-zero stride shorter than
 * a row would make rows overlap, which no tiling produces. */
static inline size_t tc_row_bytes(int32_t stride, int32_t w, int32_t c)
{
    TC_ASSERT(stride == 0 || stride >= w * c);
    return stride != 0 ? (size_t)stride : (size_t)w * (size_t)c;
}

/* The `_ref` kernels' output value for channel o (TFLite's): + bias (wrapping, as the reference
 * adds in int32), requantize, + output offset, clamp to the activation range. One copy for the int8,
 * int4 and ternary conv, depthwise and fully connected references, whose parameter structs share
 * these field names. A macro rather than a function: the expression is the one the kernels had
 * inline, so GCC allocates registers as before (a function taking the five fields as arguments cost
 * the Cortex-M0 several percent on fully connected layers). */
#define TC_REF_OUT(p, acc, bias, o)                                                                    \
    tc_sat_s8(tc_mbqm((bias) ? tc_add_wrap((acc), (bias)[o]) : (acc), (p)->out_mult[o], (p)->out_shift[o]) + \
                  (p)->output_offset,                                                                  \
              (p)->act_min, (p)->act_max)

/* One ADD output value (TFLite AddFunc). Both inputs are shifted left by left_shift (20) so the two
 * rescalings to the common scale keep ~20 fractional bits; |x - z| <= 255 < 2^8, so the shifted
 * value fits in int32. All three multipliers are "smaller than one" (shift <= 0), for which tc_mbqm
 * is exactly MultiplyByQuantizedMultiplierSmallerThanOneExp. */
static inline int8_t tc_add_one(const tc_add_params *p, int8_t x1, int8_t x2)
{
    const int32_t a = tc_shl_wrap((int32_t)x1 + p->input1_offset, (int)p->left_shift);
    const int32_t b = tc_shl_wrap((int32_t)x2 + p->input2_offset, (int)p->left_shift);
    const int32_t sa = tc_mbqm(a, p->input1_mult, p->input1_shift);
    const int32_t sb = tc_mbqm(b, p->input2_mult, p->input2_shift);
    const int32_t y = tc_mbqm(sa + sb, p->output_mult, p->output_shift) + p->output_offset;
    return tc_sat_s8(y, p->act_min, p->act_max);
}

#endif /* TINYC_TC_INTERNAL_H */
