/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 fully connected (TFLM reference_integer_ops::FullyConnected semantics, per-output
 * multipliers; a per-tensor layer simply repeats one pair). */
#include "tinyc/tc_kernels.h"
#include "tc_internal.h"

/* input  : (in_features,)                  s8
 * filter : (out_features, in_features)     s8
 * bias   : (out_features,)                 s32 or NULL
 * output : (out_features,)                 s8 */
void tc_fc_s8_ref(const tc_fc_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, int8_t *output)
{
    const int32_t n = p->in_features;
    int32_t o, i;

    /* one dot product per output feature */
    for (o = 0; o < p->out_features; o++) {
        const int8_t *w = filter + (size_t)o * n;
        int32_t acc = 0;
        for (i = 0; i < n; i++)
            acc += (int32_t)w[i] * ((int32_t)input[i] + p->input_offset);
        output[o] = TC_REF_OUT(p, acc, bias, o);
    }
}
