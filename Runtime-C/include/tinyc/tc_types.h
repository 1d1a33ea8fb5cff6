/* SPDX-License-Identifier: Apache-2.0 */
/* Parameter structs for the tinyc C runtime.
 *
 * The compiler writes one `static const` instance of these per layer, with every value computed at
 * compile time (shapes, zero points, requantization multipliers). Kernels never allocate and never
 * check their arguments at run time beyond TC_ASSERT (compiled out with NDEBUG): the compiler has
 * already verified every constraint.
 *
 * Conventions (TFLite int8 spec):
 *   - activations are NHWC with batch 1, so a tensor is (h, w, c), c fastest;
 *   - `input_offset` is the NEGATED input zero point (-z_in), `output_offset` is +z_out;
 *   - a requantization multiplier is a pair (mult, shift) with mult in [2^30, 2^31) or 0, and
 *     shift > 0 meaning a left shift (TFLite QuantizeMultiplier); applied with TFLite's double
 *     rounding (SaturatingRoundingDoublingHighMul then RoundingDivideByPOT);
 *   - act_min/act_max are the clamp bounds of the fused activation, already in the output's
 *     quantized domain.
 *
 * Tiles (conv2d, depthwise, pool): patch-based inference runs a window kernel on a sub-window of a
 * bigger buffer. in_row_stride / out_row_stride (the last fields, so designated initializers that
 * omit them get 0 = dense) give the bytes between rows: pixel (y, x) of the input is at
 * input + y * in_row_stride + x * input.c, and likewise for the output. input.h/w are the tile's
 * own extent, and taps outside [0, input.h) x [0, input.w) are skipped exactly like padding, so a
 * tile edge inside the image must have its whole receptive field inside the tile. pad.top/left
 * may be negative (the tile's input starts with rows/columns that no output of the tile reads):
 * the kernels compute y0 = oy * stride.h - pad.top and bounds-check every tap, and never
 * read pad.bottom/right.
 */
#ifndef TINYC_TC_TYPES_H
#define TINYC_TC_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef struct { int32_t h, w, c; } tc_shape3;
typedef struct { int32_t h, w; } tc_hw;
/* Padding before/after each spatial dimension, in input pixels. */
typedef struct { int32_t top, bottom, left, right; } tc_pad4;

/* conv2d: filter OHWI (out.c, kernel.h, kernel.w, in.c), per-output-channel requantization. */
typedef struct {
    tc_shape3 input, output;
    tc_hw kernel, stride, dilation;
    tc_pad4 pad;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int32_t *out_mult;  /* (output.c,) */
    const int32_t *out_shift; /* (output.c,) */
    int32_t in_row_stride;  /* bytes from one input row to the next; 0 = dense (input.w * input.c) */
    int32_t out_row_stride; /* bytes from one output row to the next; 0 = dense (output.w * output.c) */
} tc_conv2d_params;

/* depthwise conv2d: filter (1, kernel.h, kernel.w, output.c), output.c = input.c * depth_multiplier;
 * output channel oc reads input channel oc / depth_multiplier. */
typedef struct {
    tc_shape3 input, output;
    tc_hw kernel, stride, dilation;
    tc_pad4 pad;
    int32_t depth_multiplier;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int32_t *out_mult;  /* (output.c,) */
    const int32_t *out_shift; /* (output.c,) */
    int32_t in_row_stride;  /* bytes from one input row to the next; 0 = dense (input.w * input.c) */
    int32_t out_row_stride; /* bytes from one output row to the next; 0 = dense (output.w * output.c) */
} tc_dwconv_params;

/* fully connected: filter (out_features, in_features), per-output requantization
 * (a per-tensor model repeats the same pair for every output). */
typedef struct {
    int32_t in_features, out_features;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int32_t *out_mult;  /* (out_features,) */
    const int32_t *out_shift; /* (out_features,) */
} tc_fc_params;

/* max/avg pool: input and output share scale and zero point (TFLite int8 rule); padded taps are
 * skipped (avg divides by the number of in-bounds taps). */
typedef struct {
    tc_shape3 input, output;
    tc_hw kernel, stride;
    tc_pad4 pad;
    int32_t act_min, act_max;
    int32_t in_row_stride;  /* bytes from one input row to the next; 0 = dense (input.w * input.c) */
    int32_t out_row_stride; /* bytes from one output row to the next; 0 = dense (output.w * output.c) */
} tc_pool_params;

/* elementwise add of two same-shape int8 tensors with different scales (TFLite AddFunc,
 * left_shift = 20; the three multipliers are "smaller than one", i.e. shift <= 0). */
typedef struct {
    int32_t size; /* elements */
    int32_t input1_offset, input2_offset, output_offset;
    int32_t left_shift;
    int32_t input1_mult, input1_shift;
    int32_t input2_mult, input2_shift;
    int32_t output_mult, output_shift;
    int32_t act_min, act_max;
} tc_add_params;

/* Most dimensions of a broadcasting op's loop nest (after merging dimensions). */
#define TC_BROADCAST_MAX_RANK 6

/* add with numpy broadcasting: the output is shape[0..rank) (row-major, dense); input k is read at
 * sum_d index[d] * stride_k[d] elements, the stride being 0 along a stretched dimension. The
 * compiler merges dimensions it can, so rank is usually 2 or 3. add.size is the output count. */
typedef struct {
    tc_add_params add;
    int32_t rank;
    int32_t shape[TC_BROADCAST_MAX_RANK];
    int32_t stride1[TC_BROADCAST_MAX_RANK];
    int32_t stride2[TC_BROADCAST_MAX_RANK];
} tc_add_broadcast_params;

/* mean over h and w (global average pool), output (1, 1, c) (TFLite MEAN, axes {1,2}).
 * mult/shift are already rescaled by the element count N = h*w at compile time; the kernel computes
 * y = MBQM(sum(x) + N*input_offset, mult, shift) + output_offset, clamped. */
typedef struct {
    tc_shape3 input;
    int32_t input_offset, output_offset;
    int32_t mult, shift;
    int32_t act_min, act_max;
} tc_mean_params;

/* softmax over the last dimension; output s = 1/256, z = -128 (TFLite int8 softmax).
 * input_multiplier/input_left_shift/diff_min as TFLite's CalculateSoftmaxParams computes them. */
typedef struct {
    int32_t rows, depth;
    int32_t input_multiplier, input_left_shift;
    int32_t diff_min;
} tc_softmax_params;

/* logistic; output s = 1/256, z = -128 (TFLM int8 Logistic). input_multiplier/input_left_shift
 * rescale x - input_zero_point into Q4.27; |x - input_zero_point| >= input_range_radius saturates. */
typedef struct {
    int32_t size;
    int32_t input_zero_point, input_range_radius;
    int32_t input_multiplier, input_left_shift;
} tc_logistic_params;

/* elementwise requantization (TFLite QUANTIZE int8 -> int8, or a relu between different
 * quantizations): y = MBQM(x + input_offset, mult, shift) + output_offset, clamped. */
typedef struct {
    int32_t size;
    int32_t input_offset, output_offset;
    int32_t mult, shift;
    int32_t act_min, act_max;
} tc_requantize_params;

/* constant pad of an (h, w, c) tensor with pad_value (the output zero point, or PADV2's value). */
typedef struct {
    tc_shape3 input, output;
    tc_pad4 pad;
    int32_t pad_value;
} tc_pad_params;

/* concatenation of n inputs along one axis: the tensor is viewed as (outer, inner_i) per input,
 * all inputs share the output's scale and zero point (no requantization). */
typedef struct {
    int32_t outer;
    int32_t count;
    const int32_t *inner; /* (count,): bytes each input contributes per outer step */
} tc_concat_params;

/* standalone clamp: relu6 (TFLM clamps raw values to the input's 0 and 6), or relu with the same
 * scale and zero point in and out. */
typedef struct {
    int32_t size;
    int32_t act_min, act_max;
} tc_clamp_params;

#endif /* TINYC_TC_TYPES_H */
