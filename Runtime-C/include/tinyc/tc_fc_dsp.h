/* SPDX-License-Identifier: Apache-2.0 */
/* `_dsp` kernels (see tc_kernels.h for the naming and tc_simd.h for the DSP helpers) of the fully
 * connected, pooling and elementwise ADD families. */
#ifndef TINYC_TC_FC_DSP_H
#define TINYC_TC_FC_DSP_H

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Fully connected ----
 * Int8 fully connected (batch 1), bit-exact with tc_fc_s8_ref, for any in_features >= 1 and
 * out_features >= 1, any multipliers (right shifts of 1..20 take the fast epilogue, others
 * tc_mbqm), any act range.
 *   input   : (in_features,)   s8
 *   packed  : tc_fc_s8_dsp_packed_bytes(p) bytes, tc_fc_s8_dsp_pack_weights of the TFLite filter
 *   bias    : (out_features,)  s32, the FOLDED bias, never NULL:
 *             bias_f[o] = bias[o] + input_offset * sum_k filter[o][k]   (mod 2^32, bias NULL = 0)
 *             The kernel computes sum_k filter[o][k] * input[k] + bias_f[o] mod 2^32, which equals
 *             the reference's int32 accumulation (wrapping where the reference's would, e.g. for
 *             the +-2^31-1 biases of dead channels).
 *   output  : (out_features,)  s8, must not overlap input or scratch
 *   scratch : tc_fc_s8_dsp_scratch_bytes(p) = 2 * Kp bytes, any alignment, Kp = in_features rounded
 *             up to a multiple of 4 (the input widened to int16 once per call)
 *
 * Packed weight layout (int8, same size as the filter up to padding: 2 * ceil(out/2) * Kp bytes).
 * Rows are paired, pair i = rows (a, b) = (2i, 2i + 1); a missing row b (odd out_features) and
 * indices k >= in_features are zero weights. Each pair has Kp / 2 steps s = 2g + h (g = 0..Kp/4-1,
 * h = 0, 1), step s covering k0 = 4g + h and k1 = k0 + 2, stored as the 4-byte word
 *     [ (a[k0] + 128) mod 256,  b[k0],  (a[k1] + 128) mod 256,  b[k1] ]   (bytes as int8)
 * Pairs 0 .. F-1, F = 4 * floor(ceil(out/2) / 4), form blocks of 4 pairs; the rest are single:
 *     word(i, s) at byte  (i / 4) * 8 Kp + (4 s + i % 4) * 4               i < F
 *                         F * 2 Kp + (i - F) * 2 Kp + 4 s                  i >= F */
int32_t tc_fc_s8_dsp_packed_bytes(const tc_fc_params *p);
int32_t tc_fc_s8_dsp_scratch_bytes(const tc_fc_params *p);
void tc_fc_s8_dsp_pack_weights(const tc_fc_params *p, const int8_t *filter, int8_t *packed);
void tc_fc_s8_dsp(const tc_fc_params *p, const int8_t *input, const int8_t *packed, const int32_t *bias,
                  int8_t *output, void *scratch);

/* ---- Pooling ----
 * Int8 average pooling, same params, tensors, layouts and row strides as tc_avgpool_s8_ref, every
 * case it handles (any kernel, stride, pads incl. negative, tiles), bit-exact with it. Windows of
 * up to 256 in-bounds taps sum 4 channels per word in halfwords (channels in groups of 16, then
 * 4, then one by one); bigger windows use 32-bit scalar sums. output must not overlap input. */
void tc_avgpool_s8_dsp(const tc_pool_params *p, const int8_t *input, int8_t *output);

/* ---- ADD ----
 * Int8 elementwise add of two same-shape tensors, same contract as tc_add_s8_ref (input/output
 * (size,), output may alias an input element for element), bit-exact with tc_add_one
 * (tc_internal.h) for every tc_add_params. Fast paths (exactness argued in src/tc_add_dsp.h and
 * tested exhaustively over all 65536 input pairs):
 *   - left_shift 20, one input with multiplier (2^30, shift 0) (TFLite gives it to the input with
 *     the larger scale) and the other with shift -1..-3 (scale ratio in [1/16, 1/2)): ~17
 *     instructions per element on Cortex-M4 (4 elements per step, act range applied with SSUB8/SEL);
 *   - both inputs with exact multipliers (equal scales);
 *   - other multipliers within the bounds of tc_add_q_make: the per-element tc_add_q_one;
 *   - anything else: tc_add_one. */
void tc_add_s8_dsp(const tc_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_FC_DSP_H */
