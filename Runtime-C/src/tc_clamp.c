/* SPDX-License-Identifier: Apache-2.0 */
/* Standalone int8 clamp (a ReLU/ReLU6 that could not be fused into its producer). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input : (size,) s8 -> output : (size,) s8; input == output is allowed (in place). */
void tc_clamp_s8_ref(const tc_clamp_params *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; i++)
        output[i] = tc_sat_s8(input[i], p->act_min, p->act_max);
}
