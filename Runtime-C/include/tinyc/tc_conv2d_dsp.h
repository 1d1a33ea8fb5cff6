/* SPDX-License-Identifier: Apache-2.0 */
/* `_dsp` kernels (see tc_kernels.h for the naming and tc_simd.h for the DSP helpers). */
#ifndef TINYC_TC_CONV2D_DSP_H
#define TINYC_TC_CONV2D_DSP_H

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Int8 k x k convolution for cores with the Armv7E-M DSP extension (partial im2col into int16 +
 * SXTB16/SMLAD, 2 output channels x 2 pixels per inner step); portable C elsewhere (tc_simd.h), with
 * identical results. General: every parameter combination tc_conv2d_s8_ref handles (any kernel,
 * stride, dilation, pads including negative ones, in_row_stride/out_row_stride, odd channel
 * counts). Same params, tensors and layouts as tc_conv2d_s8_ref, except:
 *   bias    : (output.c,) s32, the FOLDED bias, never NULL:
 *                 bias_f[o] = bias[o] + input_offset * sum_{ky,kx,c} filter[o][ky][kx][c]   (mod 2^32)
 *             (bias NULL counts as 0). The kernel accumulates sum(w * x_raw) only; a padding tap
 *             counts as the raw value -input_offset (which must be in [-128, 127]), so its products
 *             cancel its share of the folded sum. Accumulation is mod 2^32, so the results equal
 *             the reference's for every bias, including "dead channel" biases of +-(2^31 - 1).
 *   scratch : tc_conv2d_s8_dsp_scratch_bytes(p) bytes, 4-byte aligned, not overlapping anything
 *             else (the im2col columns of two output pixels).
 * filter stays int8 OHWI (output.c, kernel.h, kernel.w, input.c), no packing, any alignment.
 * output must not overlap input. Bit-exact with tc_conv2d_s8_ref.
 * On DSP cores, optimized builds use a Thumb-2 inline-asm inner loop that needs all 14 allocatable
 * registers: build with the frame pointer omitted (GCC's default from -O1/-Og on), or define
 * TC_CONV2D_NO_ASM for the C loop (same results, ~8% more instructions). */
void tc_conv2d_s8_dsp(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch);

/* Scratch of tc_conv2d_s8_dsp and tc_conv2d_add_s8_dsp, with K = kernel.h * kernel.w * input.c and
 * K4 = K rounded up to a multiple of 4:
 *     4 * K4 + (input.c % 4 != 0 ? K4 : 0)   bytes
 * (two int16 im2col columns of K4 elements; plus one int8 staging column when input.c is not a
 * multiple of 4). E.g. 3x3x16: 576, 3x3x64: 2304, 3x3x3: 140, 10x4x1: 200. */
int32_t tc_conv2d_s8_dsp_scratch_bytes(const tc_conv2d_params *p);

/* tc_conv2d_s8_dsp followed by an int8 ADD with a residual, with the contract of
 * tc_conv2d_add_s8_ref (dense: conv->in_row_stride == conv->out_row_stride == 0; the conv value is
 * add's input1, or input2 if conv_is_input2 != 0; add->size ignored; output may be residual itself,
 * must not overlap input), except that bias is the folded bias and scratch is as for
 * tc_conv2d_s8_dsp. Bit-exact with tc_conv2d_s8_ref then tc_add_s8_ref. */
void tc_conv2d_add_s8_dsp(const tc_conv2d_params *conv, const tc_add_params *add, int32_t conv_is_input2,
                          const int8_t *input, const int8_t *filter, const int32_t *bias,
                          const int8_t *residual, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_CONV2D_DSP_H */
