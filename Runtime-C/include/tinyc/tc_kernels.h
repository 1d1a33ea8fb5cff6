/* SPDX-License-Identifier: Apache-2.0 */
/* Every kernel of the tinyc C runtime. Naming: tc_<op>_<format>_<impl>; `_ref` kernels are portable
 * C99 and always present. All int8 kernels are bit-exact with TFLite Micro's reference kernels.
 * Shapes below use the fields of the params struct (tc_types.h).
 *
 * Window kernels (conv2d, depthwise, pooling) address rows through p->in_row_stride and
 * p->out_row_stride (bytes, 0 = dense), so they can read and write tiles of bigger buffers; pixel
 * (y, x) of the input is input + y * in_row_stride + x * input.c. */
#ifndef TINYC_TC_KERNELS_H
#define TINYC_TC_KERNELS_H

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Int8 2-D convolution, per-channel requantization.
 *   input  : (input.h, input.w, input.c)                   s8
 *   filter : (output.c, kernel.h, kernel.w, input.c)       s8, symmetric
 *   bias   : (output.c,)                                   s32, may be NULL
 *   output : (output.h, output.w, output.c)                s8
 * Bit-exact with TFLM reference_integer_ops::ConvPerChannel. */
void tc_conv2d_s8_ref(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output);

/* Folded bias. The `_dsp` conv, depthwise and fully connected kernels take the bias with the input
 * offset folded in at compile time, so their inner loops multiply raw int8 values:
 *     bias_f[o] = bias[o] + input_offset * (sum of every filter tap of output channel o)   (mod 2^32)
 * (bias NULL counts as 0; bias_f is never NULL). Taps outside the input count as the raw value
 * -input_offset, which cancels their share of the sum. Accumulators wrap mod 2^32, so results equal
 * the `_ref` kernels' even for TFLite's +-(2^31 - 1) "dead channel" biases. */

/* Int8 pointwise convolution for cores with the Armv7E-M DSP extension (SXTB16 + SMLAD, 2 output
 * channels x 2 pixels per inner step); portable C elsewhere (tc_simd.h), with identical results.
 * Same params, tensors and layouts as tc_conv2d_s8_ref (filter OHWI = (output.c, 1, 1, input.c),
 * no special packing) but a folded bias, restricted to kernel 1x1, stride 1x1, all pads 0 (dilation
 * has no effect), output.h/w == input.h/w; in_row_stride/out_row_stride are honoured (0 = dense).
 * output must not overlap input. Bit-exact with tc_conv2d_s8_ref. */
void tc_conv2d_1x1_s8_dsp(const tc_conv2d_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output);

/* Int8 2-D convolution followed by an int8 ADD with a residual, without materializing the conv
 * output: each conv value is requantized to int8 with conv's out_mult/out_shift/output_offset/
 * act range (the intermediate tensor), then added to residual[i] with TFLite AddFunc using `add`
 * (the conv value is add's input1, or input2 if conv_is_input2 != 0; add->size is ignored).
 * Bit-exact with tc_conv2d_s8_ref then tc_add_s8_ref.
 *   input, filter, bias : as tc_conv2d_s8_ref, dense (conv->in_row_stride == 0)
 *   residual : (output.h, output.w, output.c)             s8, dense
 *   output   : (output.h, output.w, output.c)             s8, dense (conv->out_row_stride == 0)
 * output may be the same buffer as residual (in place); it must not overlap input. */
void tc_conv2d_add_s8_ref(const tc_conv2d_params *conv, const tc_add_params *add, int32_t conv_is_input2,
                          const int8_t *input, const int8_t *filter, const int32_t *bias,
                          const int8_t *residual, int8_t *output);

/* Int8 depthwise convolution.
 *   input  : (input.h, input.w, input.c)                   s8
 *   filter : (kernel.h, kernel.w, output.c)                s8, symmetric
 *   bias   : (output.c,)                                   s32, may be NULL
 *   output : (output.h, output.w, output.c)                s8
 * Bit-exact with TFLM reference_integer_ops::DepthwiseConvPerChannel. */
void tc_dwconv_s8_ref(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output);

/* Int8 depthwise convolution in place: `data` holds the input (input.h, input.w, c) and receives
 * the output (output.h, output.w, c) at the same address. Requires depth_multiplier == 1,
 * output.c == input.c = c, output.h * output.w <= input.h * input.w and dense rows (both row
 * strides 0). `plane` is scratch of tc_dwconv_s8_inplace_scratch_bytes(p) = input.h * input.w
 * bytes that must not overlap data; each channel is copied there before its output overwrites it.
 * Bit-exact with tc_dwconv_s8_ref. */
void tc_dwconv_s8_inplace_ref(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                              const int32_t *bias, int8_t *plane);
int32_t tc_dwconv_s8_inplace_scratch_bytes(const tc_dwconv_params *p);

/* Int8 fully connected.
 *   input  : (in_features,)                                s8
 *   filter : (out_features, in_features)                   s8, symmetric
 *   bias   : (out_features,)                               s32, may be NULL
 *   output : (out_features,)                               s8 */
void tc_fc_s8_ref(const tc_fc_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, int8_t *output);

/* Int8 max / average pooling, (input.h, input.w, input.c) -> (output.h, output.w, output.c). */
void tc_maxpool_s8_ref(const tc_pool_params *p, const int8_t *input, int8_t *output);
void tc_avgpool_s8_ref(const tc_pool_params *p, const int8_t *input, int8_t *output);

/* Int8 elementwise add, (size,) + (size,) -> (size,). */
void tc_add_s8_ref(const tc_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* Int8 add with numpy broadcasting, output (shape[0], ..., shape[rank-1]); each input is read
 * through its strides (0 = broadcast). Bit-exact with TFLM reference_integer_ops::BroadcastAdd6DSlow. */
void tc_add_broadcast_s8_ref(const tc_add_broadcast_params *p, const int8_t *input1, const int8_t *input2,
                             int8_t *output);

/* Int8 mean over h and w, (input.h, input.w, input.c) -> (input.c,). */
void tc_mean_s8_ref(const tc_mean_params *p, const int8_t *input, int8_t *output);

/* Int8 softmax over rows of `depth` values, (rows, depth) -> (rows, depth). */
void tc_softmax_s8_ref(const tc_softmax_params *p, const int8_t *input, int8_t *output);

/* Int8 logistic, (size,) -> (size,), output scale 1/256, zero point -128.
 * Bit-exact with TFLM reference_integer_ops::Logistic. */
void tc_logistic_s8_ref(const tc_logistic_params *p, const int8_t *input, int8_t *output);

/* Int8 requantization, (size,) -> (size,); input and output may alias.
 * Bit-exact with TFLM reference_ops::Requantize (QUANTIZE) and ReluQuantized (RELU). */
void tc_requantize_s8_ref(const tc_requantize_params *p, const int8_t *input, int8_t *output);

/* Int8 constant pad, (input.h, input.w, input.c) -> (output.h, output.w, output.c). */
void tc_pad_s8_ref(const tc_pad_params *p, const int8_t *input, int8_t *output);

/* Concatenation; inputs[i] is (outer, inner[i]) bytes, output (outer, sum(inner)). */
void tc_concat_s8_ref(const tc_concat_params *p, const int8_t *const *inputs, int8_t *output);

/* Clamp to [act_min, act_max], (size,) -> (size,); input and output may alias. */
void tc_clamp_s8_ref(const tc_clamp_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

/* The `_dsp` kernels of each operator family. */
#include "tinyc/tc_conv2d_dsp.h"
#include "tinyc/tc_dwconv_dsp.h"
#include "tinyc/tc_fc_dsp.h"
#include "tinyc/tc_conv2d_ternary.h"
#include "tinyc/tc_fc_ternary.h"
#include "tinyc/tc_s4.h"

#endif /* TINYC_TC_KERNELS_H */
