/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 add of two differently-scaled tensors (TFLite AddFunc, ALGORITHMS.md §3.6): elementwise, and
 * with numpy broadcasting (TFLM BroadcastAdd6DSlow: the same arithmetic per output element). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* One output value. Both inputs are shifted left by left_shift (20) so the two rescalings to the
 * common scale keep ~20 fractional bits; |x - z| <= 255 < 2^8, so the shifted value fits in int32.
 * All three multipliers are "smaller than one" (shift <= 0), for which tc_mbqm is exactly
 * MultiplyByQuantizedMultiplierSmallerThanOneExp. */
static inline int8_t tc_add_one(const tc_add_params *p, int8_t x1, int8_t x2)
{
    const int32_t a = tc_shl_wrap((int32_t)x1 + p->input1_offset, (int)p->left_shift);
    const int32_t b = tc_shl_wrap((int32_t)x2 + p->input2_offset, (int)p->left_shift);
    const int32_t sa = tc_mbqm(a, p->input1_mult, p->input1_shift);
    const int32_t sb = tc_mbqm(b, p->input2_mult, p->input2_shift);
    const int32_t y = tc_mbqm(sa + sb, p->output_mult, p->output_shift) + p->output_offset;
    return tc_sat_s8(y, p->act_min, p->act_max);
}

/* input1, input2 : (size,) s8 -> output : (size,) s8. */
void tc_add_s8_ref(const tc_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i;

    TC_ASSERT(p->left_shift >= 0 && p->left_shift < 31);
    for (i = 0; i < p->size; i++)
        output[i] = tc_add_one(p, input1[i], input2[i]);
}

/* output : shape[0..rank) s8; input k is read at sum_d index[d] * stride_k[d]. The innermost
 * dimension is one loop; the outer dimensions advance like an odometer. */
void tc_add_broadcast_s8_ref(const tc_add_broadcast_params *p, const int8_t *input1, const int8_t *input2,
                             int8_t *output)
{
    const int32_t rank = p->rank;
    const int32_t inner = p->shape[rank - 1], s1 = p->stride1[rank - 1], s2 = p->stride2[rank - 1];
    int32_t index[TC_BROADCAST_MAX_RANK] = {0};
    size_t i1 = 0, i2 = 0;
    int32_t d, k;

    TC_ASSERT(rank >= 1 && rank <= TC_BROADCAST_MAX_RANK);
    TC_ASSERT(p->add.left_shift >= 0 && p->add.left_shift < 31);
    for (;;) {
        for (k = 0; k < inner; k++)
            output[k] = tc_add_one(&p->add, input1[i1 + (size_t)k * s1], input2[i2 + (size_t)k * s2]);
        output += inner;
        for (d = rank - 2; d >= 0; d--) {
            i1 += (size_t)p->stride1[d];
            i2 += (size_t)p->stride2[d];
            if (++index[d] < p->shape[d])
                break;
            i1 -= (size_t)p->stride1[d] * (size_t)p->shape[d];
            i2 -= (size_t)p->stride2[d] * (size_t)p->shape[d];
            index[d] = 0;
        }
        if (d < 0)
            return;
    }
}
