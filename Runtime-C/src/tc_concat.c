/* SPDX-License-Identifier: Apache-2.0 */
/* Concatenation along one axis, without requantization (all inputs share the output's scale). */
#include <string.h>

#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* inputs[i] : (outer, inner[i]) s8 -> output : (outer, sum_i inner[i]) s8 */
void tc_concat_s8_ref(const tc_concat_params *p, const int8_t *const *inputs, int8_t *output)
{
    int32_t o, i;

    TC_ASSERT(p->count > 0);
    /* for each outer step, append each input's slice in order */
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->count; i++) {
            const size_t n = (size_t)p->inner[i];
            memcpy(output, inputs[i] + (size_t)o * n, n);
            output += n;
        }
    }
}
