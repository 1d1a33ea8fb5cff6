/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary (1.58-bit) fully connected and depthwise kernels: the weights are a packed stream of
 * t in {-1, 0, +1} (tinyc/tc_ternary.h: TC_TERNARY_2BIT or TC_TERNARY_BASE3, rows dense, a row may
 * start inside a byte). Every kernel returns exactly the bytes of its int8 `_ref` twin
 * (tc_kernels.h) run on the unpacked int8 weights t, with the same params struct. Kernels read
 * exactly tc_ternary_packed_bytes(format, N) bytes of the stream (N = number of weights), never
 * past its end, and the stream needs no alignment. */
#ifndef TINYC_TC_FC_TERNARY_H
#define TINYC_TC_FC_TERNARY_H

#include "tinyc/tc_ternary.h"
#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Fully connected ----
 *   input  : (in_features,)                    s8
 *   filter : (out_features, in_features)       packed ternary, N = out_features * in_features
 *   bias   : (out_features,)                   s32; `_ref`: the plain bias, may be NULL;
 *            `_dsp`: the FOLDED bias, never NULL (tc_kernels.h):
 *                bias_f[o] = bias[o] + input_offset * sum_k t[o][k]   (mod 2^32, bias NULL = 0)
 *   output : (out_features,)                   s8, must not overlap input or scratch
 * tc_fc_ternary_ref is bit-exact with tc_fc_s8_ref on the unpacked weights; tc_fc_ternary_dsp too
 * (given the folded bias). Any in_features >= 1, out_features >= 1, multipliers and act range.
 *
 * `_dsp` scratch: tc_fc_ternary_dsp_scratch_bytes(p, format) bytes, any alignment, =
 *     TC_TERNARY_2BIT : 32 * ceil(in_features / 16)    (the input as int16, in groups of 16)
 *     TC_TERNARY_BASE3: 20 * ceil(in_features / 10)    (the input as int16, in groups of 10)
 * The input is widened to int16 once per call in the order a 2-bit stream word decodes in: word
 * w of 16 codes gives the int16 pair (q[n], q[n + 8]) as (w >> 2n) & 0x00030003, q = t + 1, so
 * SMLAD accumulates sum q x and the kernel subtracts sum x once (sum t x = sum q x - sum x).
 * A base-3 byte pair is turned into the same kind of word (10 codes, pairs (q[n], q[n + 5]))
 * through a 256-entry table. Four output rows (2-bit, in_features % 4 == 0) or two rows share each
 * activation word. */
void tc_fc_ternary_ref(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                       tc_ternary_format format, const int32_t *bias, int8_t *output);
int32_t tc_fc_ternary_dsp_scratch_bytes(const tc_fc_params *p, tc_ternary_format format);
void tc_fc_ternary_dsp(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                       tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch);

/* ---- Depthwise convolution ----
 *   input  : (input.h, input.w, input.c)       s8, rows in_row_stride bytes apart (0 = dense)
 *   filter : (1, kernel.h, kernel.w, output.c) packed ternary (channel fastest),
 *            N = kernel.h * kernel.w * output.c
 *   bias   : (output.c,)                       s32; `_ref`: plain, may be NULL; `_dsp`: FOLDED,
 *            never NULL: bias_f[o] = bias[o] + input_offset * sum_{ky,kx} t[ky][kx][o]  (mod 2^32)
 *   output : (output.h, output.w, output.c)    s8, rows out_row_stride bytes apart (0 = dense);
 *            must not overlap input (or scratch)
 * Every case tc_dwconv_s8_ref handles (kernel sizes, strides, dilation, depth_multiplier, pads
 * including negative ones on patch tiles, row strides); bit-exact with it on the unpacked weights.
 *
 * `_dsp`: decodes the taps once into int8 at the start of scratch, then runs tc_dwconv_s8_dsp
 * (tinyc/tc_dwconv_dsp.h, which takes its 3x3 stride 1 / stride 2 paths when they apply) on them
 * with the rest of the scratch. Scratch: tc_dwconv_ternary_dsp_scratch_bytes(p, format) bytes,
 * any alignment, =
 *     4 * ceil(kernel.h * kernel.w * output.c / 4) + tc_dwconv_s8_dsp_scratch_bytes(p)
 * (the same for both formats). */
void tc_dwconv_ternary_ref(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias, int8_t *output);
int32_t tc_dwconv_ternary_dsp_scratch_bytes(const tc_dwconv_params *p, tc_ternary_format format);
void tc_dwconv_ternary_dsp(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_FC_TERNARY_H */
