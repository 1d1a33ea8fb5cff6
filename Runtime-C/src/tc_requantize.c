/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 -> int8 rescaling: TFLite QUANTIZE between two int8 quantizations (TFLM
 * reference_ops::Requantize), and a standalone RELU whose input and output quantization differ
 * (TFLM ReluQuantized, the same arithmetic with act_min = max(-128, z_out)). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input : (size,) s8 -> output : (size,) s8; input == output is allowed (in place). */
void tc_requantize_s8_ref(const tc_requantize_params *p, const int8_t *input, int8_t *output)
{
    int32_t i;

    TC_ASSERT(p->shift <= 30);
    for (i = 0; i < p->size; i++) {
        const int32_t y = tc_mbqm((int32_t)input[i] + p->input_offset, p->mult, p->shift) + p->output_offset;
        output[i] = tc_sat_s8(y, p->act_min, p->act_max);
    }
}
