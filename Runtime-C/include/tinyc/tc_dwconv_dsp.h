/* SPDX-License-Identifier: Apache-2.0 */
/* `_dsp` kernels (see tc_kernels.h for the naming and tc_simd.h for the DSP helpers).
 *
 * Int8 depthwise convolution for cores with the Armv7E-M DSP extension (SMLAD/SMLAxy/SMMLAR);
 * portable C elsewhere with identical results. Bit-exact with tc_dwconv_s8_ref /
 * tc_dwconv_s8_inplace_ref given the folded bias below.
 *
 * Common contract of every entry point of the family:
 *   - params, tensor layouts (NHWC, filter (kernel.h, kernel.w, output.c) int8 in the TFLite
 *     layout, no packing) and row strides as the `_ref` twin;
 *   - bias is the FOLDED bias, never NULL:
 *         bias_f[o] = bias[o] + input_offset * sum_{ky,kx} filter[ky][kx][o]     (mod 2^32;
 *     bias NULL counts as 0). Taps outside the input are computed as the raw value -input_offset,
 *     which cancels their share of the folded term, so every output equals the reference's. All
 *     accumulation wraps mod 2^32, so "dead channel" biases of +-(2^31 - 1) still match;
 *   - scratch: tc_dwconv_s8_dsp_scratch_bytes(p) bytes (any alignment), not overlapping the
 *     tensors. With
 *         WY = (output.h - 1) * stride.h + (kernel.h - 1) * dilation.h + 1   (window rows)
 *         WX = (output.w - 1) * stride.w + (kernel.w - 1) * dilation.w + 1   (window columns)
 *         PW = WX rounded up to even
 *     it is  4 + 2 * (WY * PW + 4) + 4 * max(output.w + 1, 64) + 4 * kernel.h * ((kernel.w + 1) / 2)  bytes:
 *     an int16 "plane" holding one input channel of the padded window (padding cells hold
 *     -input_offset), one row of int32 accumulators, and the channel's taps as int16 pairs.
 *     The same formula serves every entry point below (in place or not).
 *
 * How it works (comments in tc_dwconv_dsp.c): channel by channel, the input channel is copied
 * into the int16 plane (TinyEngine's in-place scheme, ALGORITHMS.md §2.1), the taps are kept in
 * registers as int16 pairs (doubled, see the .c), each output row is computed two outputs per
 * iteration with SMLAD/SMLAxy on plane words, then requantized with one SMMLAR per output. */
#ifndef TINYC_TC_DWCONV_DSP_H
#define TINYC_TC_DWCONV_DSP_H

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scratch bytes of every kernel below (formula above). */
int32_t tc_dwconv_s8_dsp_scratch_bytes(const tc_dwconv_params *p);

/* General out-of-place kernel: every case tc_dwconv_s8_ref handles (any kernel size, stride,
 * dilation, depth_multiplier, pads including negative ones, row strides). output must not overlap
 * input. Uses the 3x3 paths below when their preconditions hold. */
void tc_dwconv_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch);

/* 3x3 out of place, stride 1 (…3x3s1…) or stride 2 (…3x3s2…). Preconditions (TC_ASSERT):
 * kernel 3x3, dilation 1x1, stride 1x1 resp. 2x2, depth_multiplier 1 (output.c == input.c);
 * anything else as tc_dwconv_s8_dsp (pads of any sign, row strides). */
void tc_dwconv_3x3s1_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch);
void tc_dwconv_3x3s2_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch);

/* In place, the contract of tc_dwconv_s8_inplace_ref: `data` holds the input (input.h, input.w, c)
 * and receives the output (output.h, output.w, c) at the same address; depth_multiplier == 1,
 * output.c == input.c, output.h * output.w <= input.h * input.w, dense rows (both row strides 0).
 * Only the scratch differs (formula above instead of input.h * input.w bytes).
 * tc_dwconv_s8_inplace_dsp takes any kernel/stride/dilation/pads (and uses the 3x3 paths when
 * they apply); the 3x3s1 / 3x3s2 entry points additionally require kernel 3x3, dilation 1x1 and
 * stride 1x1 resp. 2x2. */
void tc_dwconv_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                              const int32_t *bias, void *scratch);
void tc_dwconv_3x3s1_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                                    const int32_t *bias, void *scratch);
void tc_dwconv_3x3s2_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                                    const int32_t *bias, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_DWCONV_DSP_H */
