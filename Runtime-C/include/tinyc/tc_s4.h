/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight (TFLite kTfLiteInt4) conv2d, depthwise and fully connected kernels: int8 activations,
 * int4 weights in [-8, 7], per-channel requantization exactly as the int8 kernels. Every kernel
 * returns exactly the bytes of its int8 `_ref` twin (tc_kernels.h) run on the unpacked int8
 * weights, with the same params struct (tc_types.h: row strides, negative pads on patch tiles).
 * docs/int4-kernels.md has the design and the measured cost.
 *
 * Packed format (TFLite's, ALGORITHMS.md §4.3): the whole weight tensor (conv2d OHWI, depthwise
 * (1, kh, kw, c), fully connected (out, in)) is flattened row-major to N weights and stored densely,
 * two per byte: weight 2i in the low nibble of byte i, weight 2i + 1 in its high nibble, each a
 * 4-bit two's complement value. An odd N leaves the last high nibble unused, and rows of odd
 * length start inside a byte. The stream is tc_s4_packed_bytes(N) bytes, needs no alignment, and
 * no kernel reads past its end. */
#ifndef TINYC_TC_S4_H
#define TINYC_TC_S4_H

#include <stdint.h>

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of a packed stream of n int4 weights. */
static inline int32_t tc_s4_packed_bytes(int32_t n)
{
    return (n + 1) / 2;
}

/* Weight i (-8..7) of a packed stream: the reference decoder (xor-subtract sign-extends a nibble). */
static inline int32_t tc_s4_get(const uint8_t *packed, int32_t i)
{
    const uint32_t nibble = ((uint32_t)packed[i >> 1] >> (4 * (i & 1))) & 15u;
    return (int32_t)(nibble ^ 8u) - 8;
}

/* ---- conv2d ----
 *   input  : (input.h, input.w, input.c)                s8, rows in_row_stride bytes apart (0 = dense)
 *   filter : packed int4 OHWI (output.c, kernel.h, kernel.w, input.c), N = output.c * K weights,
 *            K = kernel.h * kernel.w * input.c (channel o's row starts at weight o * K)
 *   bias   : (output.c,)                                s32; `_ref`: plain, may be NULL;
 *            `_dsp`: the FOLDED bias, never NULL (tc_kernels.h):
 *                bias_f[o] = bias[o] + input_offset * sum of channel o's K weights   (mod 2^32)
 *            a padding tap counts as the raw value -input_offset (in [-128, 127]), which cancels its
 *            share of the folded sum; accumulation is mod 2^32, so "dead channel" biases of
 *            +-(2^31 - 1) give the reference's bytes too.
 *   output : (output.h, output.w, output.c)             s8, rows out_row_stride bytes apart (0 = dense);
 *            must not overlap input (or scratch)
 * Every case tc_conv2d_s8_ref handles: any kernel size, stride, dilation, pads including negative
 * ones, row strides, channel counts (odd K: rows alternate between starting on and inside a byte).
 *
 * `_dsp` scratch: tc_conv2d_s4_dsp_scratch_bytes(p) bytes, 4-byte aligned, not overlapping
 * anything else. With odd = K % 2 and G = (K + odd + 7) / 8 (groups of 8 reduction elements):
 *     64 * G * (1 + odd) + (input.c % 8 != 0 ? 8 * G + 4 : 0)   bytes
 * (the int16 im2col columns of 4 output pixels, 64 * G; a second set shifted by one element for
 * the rows that start inside a byte when K is odd; an int8 staging column unless every tap is
 * whole groups). E.g. 3x3x8: 576, 3x3x32: 2304, 1x1x64: 512, 3x3x3: 548, 3x3x1: 276, 10x4x1: 364.
 *
 * `_dsp` design (src/tc_conv2d_s4_dsp.c): 1 output channel x 4 pixels per tile; a packed word of 8
 * weights becomes 4 int16 pairs with one AND each (mask 0xF000F000 on the word shifted by 12, 8, 4,
 * 0: each weight lands sign-correct in the top nibble of a halfword, i.e. times 4096), matched by
 * an im2col stored as pairs (x[j], x[j + 4]); the sum is shifted back by 12 every <= 511 elements.
 * On DSP cores, optimized builds use a Thumb-2 inline-asm inner loop that needs all 14 allocatable
 * registers (frame pointer omitted, GCC's default from -O1/-Og on); TC_CONV2D_S4_NO_ASM selects
 * the C loop (same results). Bit-exact with tc_conv2d_s4_ref. */
void tc_conv2d_s4_ref(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                      int8_t *output);
int32_t tc_conv2d_s4_dsp_scratch_bytes(const tc_conv2d_params *p);
void tc_conv2d_s4_dsp(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter,
                      const int32_t *bias_folded, int8_t *output, void *scratch);

/* ---- depthwise conv2d ----
 *   input  : (input.h, input.w, input.c)                s8, rows in_row_stride bytes apart (0 = dense)
 *   filter : packed int4 (1, kernel.h, kernel.w, output.c) (channel fastest), N = kernel.h * kernel.w * output.c
 *   bias   : (output.c,)                                s32; `_ref`: plain, may be NULL; `_dsp`: FOLDED,
 *            never NULL: bias_f[o] = bias[o] + input_offset * sum_{ky,kx} w[ky][kx][o]   (mod 2^32)
 *   output : (output.h, output.w, output.c)             s8, rows out_row_stride bytes apart (0 = dense);
 *            must not overlap input (or scratch)
 * Every case tc_dwconv_s8_ref handles (kernel sizes, strides, dilation, depth_multiplier, pads
 * including negative ones on patch tiles, row strides); bit-exact with it on the unpacked weights.
 *
 * `_dsp`: decodes the N taps once into int8 at the start of scratch (they are few: each is used
 * output.h * output.w times), then runs tc_dwconv_s8_dsp (tinyc/tc_dwconv_dsp.h, which takes its
 * 3x3 stride 1 / stride 2 paths when they apply) on them with the rest of the scratch. Scratch:
 * tc_dwconv_s4_dsp_scratch_bytes(p) bytes, any alignment, =
 *     4 * ceil(kernel.h * kernel.w * output.c / 4) + tc_dwconv_s8_dsp_scratch_bytes(p)   */
void tc_dwconv_s4_ref(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                      int8_t *output);
int32_t tc_dwconv_s4_dsp_scratch_bytes(const tc_dwconv_params *p);
void tc_dwconv_s4_dsp(const tc_dwconv_params *p, const int8_t *input, const uint8_t *filter,
                      const int32_t *bias_folded, int8_t *output, void *scratch);

/* ---- fully connected ----
 *   input  : (in_features,)                             s8
 *   filter : packed int4 (out_features, in_features), N = out_features * in_features
 *   bias   : (out_features,)                            s32; `_ref`: plain, may be NULL; `_dsp`: FOLDED,
 *            never NULL: bias_f[o] = bias[o] + input_offset * sum_k w[o][k]   (mod 2^32)
 *   output : (out_features,)                            s8, must not overlap input or scratch
 * Any in_features >= 1, out_features >= 1, multipliers and act range; bit-exact with tc_fc_s8_ref
 * on the unpacked weights.
 *
 * `_dsp` scratch: tc_fc_s4_dsp_scratch_bytes(p) bytes, 4-byte aligned. With odd = in_features % 2
 * and G = (in_features + odd + 7) / 8:
 *     16 * G * (1 + odd)   bytes
 * (the input widened once per call to int16 pairs (x[j], x[j + 4]) per group of 8, the order the
 * masked weight words need; a second copy shifted by one element for the odd rows when
 * in_features is odd). E.g. 256: 512, 64: 128, 10: 32, 7: 32. Three rows share each activation
 * load (src/tc_fc_s4.c). */
void tc_fc_s4_ref(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias,
                  int8_t *output);
int32_t tc_fc_s4_dsp_scratch_bytes(const tc_fc_params *p);
void tc_fc_s4_dsp(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, const int32_t *bias_folded,
                  int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_S4_H */
