/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary-weight 2-D convolution (weights t in {-1, 0, +1}, packed per tinyc/tc_ternary.h).
 * Both kernels return exactly the bytes tc_conv2d_s8_ref returns when given the unpacked int8
 * weights t (same params, per-channel out_mult/out_shift, bias). docs/ternary-kernels.md has the
 * design and the measured cost. */
#ifndef TINYC_TC_CONV2D_TERNARY_H
#define TINYC_TC_CONV2D_TERNARY_H

#include "tinyc/tc_ternary.h"
#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ternary conv2d, portable C99. Same params, tensors and layouts as tc_conv2d_s8_ref:
 *   input  : (input.h, input.w, input.c)                   s8, rows in_row_stride bytes apart (0 = dense)
 *   filter : the packed stream of the OHWI weights (output.c, kernel.h, kernel.w, input.c),
 *            N = output.c * kernel.h * kernel.w * input.c weights in `format`
 *            (tc_ternary_packed_bytes(format, N) bytes, no padding between channels)
 *   bias   : (output.c,)                                   s32, plain (not folded), may be NULL
 *   output : (output.h, output.w, output.c)                s8, rows out_row_stride bytes apart (0 = dense)
 * Every kernel size, stride, dilation, pad (negative ones on tiles), channel count; output must
 * not overlap input. Reads only the packed stream's bytes. Bit-exact with tc_conv2d_s8_ref on the
 * unpacked weights. */
void tc_conv2d_ternary_ref(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias, int8_t *output);

/* Scratch of tc_conv2d_ternary_dsp, with K = kernel.h * kernel.w * input.c, the block length
 * B = 16 (TC_TERNARY_2BIT) or 15 (TC_TERNARY_BASE3) and NB = ceil(K / B):
 *     88 * NB   bytes
 * (two pixels' int16 im2col columns, 64 * NB; one int8 staging column, 16 * NB; two decoded weight
 * rows, 8 * NB). E.g. 3x3x8 2-bit: 440, 3x3x32 2-bit: 1584, base-3: 1760; 1x1x64 2-bit: 352. */
int32_t tc_conv2d_ternary_dsp_scratch_bytes(const tc_conv2d_params *p, tc_ternary_format format);

/* Ternary conv2d for cores with the Armv7E-M DSP extension ("decode + SMLAD", ALGORITHMS.md §5.4
 * option 3): the windows of two output pixels are gathered once as int16 pairs (x[j], x[j+8]) per
 * block of B reduction elements, so that one AND of a packed weight word with 0x00030003 (shifted by
 * 2j) yields the matching pair of codes q = t + 1; a 2 output channels x 2 pixels tile accumulates
 * sum(q * x) with SMLAD and sum(t * x) = sum(q * x) - sum(x), with sum(x) computed once per pixel.
 * Portable C elsewhere (tc_simd.h), with identical results. Same params, tensors, layouts and
 * generality as tc_conv2d_ternary_ref, except:
 *   bias    : (output.c,) s32, the FOLDED bias, never NULL (tc_kernels.h):
 *                 bias_f[o] = bias[o] + input_offset * sum of channel o's taps t   (mod 2^32)
 *             a padding tap counts as the raw value -input_offset, in [-128, 127]; accumulation
 *             is mod 2^32, so "dead channel" biases of +-(2^31 - 1) are exact too.
 *   scratch : tc_conv2d_ternary_dsp_scratch_bytes(p, format) bytes, 4-byte aligned, not
 *             overlapping anything else.
 * Fast path: 2-bit with K % 4 == 0 reads the stream in place (one word per 16 weights). Base-3, and
 * 2-bit rows starting inside a byte, decode each channel pair's rows into scratch once per pixel
 * pair (base-3: 3 bytes -> 15 codes through a 243-entry table), which costs ~1.7x the 2-bit time.
 * On DSP cores, optimized builds use a Thumb-2 inline-asm inner loop that needs all 14 allocatable
 * registers (frame pointer omitted, GCC's default from -O1/-Og on); TC_CONV2D_TERNARY_NO_ASM
 * selects the C loop (same results, slower).
 * Reads only the packed stream's bytes. Bit-exact with tc_conv2d_ternary_ref. */
void tc_conv2d_ternary_dsp(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                           tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_CONV2D_TERNARY_H */
