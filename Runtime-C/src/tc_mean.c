/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 mean over h and w (TFLite MEAN with axes {1, 2}, i.e. global average pooling). */
#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input : (in.h, in.w, in.c) s8 -> output : (in.c,) s8.
 * mult/shift already include the 1/N of the mean (N = h*w, folded at compile time the way TFLM's
 * QuantizedMeanOrSum does at prepare time), so the kernel only sums and requantizes once. */
void tc_mean_s8_ref(const tc_mean_params *p, const int8_t *input, int8_t *output)
{
    const int32_t n = p->input.h * p->input.w, ch = p->input.c;
    int32_t c, i;

    for (c = 0; c < ch; c++) {
        /* sum(x) + N * input_offset = sum(x - z_in) */
        int32_t acc = n * p->input_offset;
        for (i = 0; i < n; i++)
            acc += input[(size_t)i * ch + c];
        acc = tc_mbqm(acc, p->mult, p->shift) + p->output_offset;
        output[c] = tc_sat_s8(acc, p->act_min, p->act_max);
    }
}
