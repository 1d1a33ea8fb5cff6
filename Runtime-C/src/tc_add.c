/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 add of two differently-scaled tensors (TFLite AddFunc, ALGORITHMS.md §3.6): elementwise, and
 * with numpy broadcasting (TFLM BroadcastAdd6DSlow: the same arithmetic per output element). */
#include "tinyc/tc_kernels.h"
#include "tc_internal.h" /* tc_add_one, shared with the fused conv+add */

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
