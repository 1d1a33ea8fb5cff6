/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 elementwise add of two differently-scaled tensors (TFLite AddFunc, ALGORITHMS.md §3.6). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input1, input2 : (size,) s8 -> output : (size,) s8.
 * Both inputs are shifted left by left_shift (20) so the two rescalings to the common scale keep
 * ~20 fractional bits; |x - z| <= 255 < 2^8, so the shifted value fits in int32. All three
 * multipliers are "smaller than one" (shift <= 0), for which tc_mbqm is exactly
 * MultiplyByQuantizedMultiplierSmallerThanOneExp. */
void tc_add_s8_ref(const tc_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i;

    TC_ASSERT(p->left_shift >= 0 && p->left_shift < 31);
    for (i = 0; i < p->size; i++) {
        const int32_t a = tc_shl_wrap((int32_t)input1[i] + p->input1_offset, (int)p->left_shift);
        const int32_t b = tc_shl_wrap((int32_t)input2[i] + p->input2_offset, (int)p->left_shift);
        const int32_t sa = tc_mbqm(a, p->input1_mult, p->input1_shift);
        const int32_t sb = tc_mbqm(b, p->input2_mult, p->input2_shift);
        const int32_t y = tc_mbqm(sa + sb, p->output_mult, p->output_shift) + p->output_offset;
        output[i] = tc_sat_s8(y, p->act_min, p->act_max);
    }
}
