/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 logistic, bit-exact with TFLM's reference_integer_ops::Logistic (int8). */
#include "tinyc/tc_kernels.h"
#include "tc_fixedpoint.h"
#include "tc_requant.h"

enum {
    TC_LOGISTIC_INPUT_INT_BITS = 4, /* the rescaled input is Q4.27 */
    TC_LOGISTIC_OUTPUT_INT_BITS = 8 /* Q0.31 -> steps of 1/256: divide by 2^(31 - 8) */
};

/* input : (size,) s8 -> output : (size,) s8, output scale 1/256, zero point -128.
 * d = x - input_zero_point; |d| >= input_range_radius saturates (the rescaled value would leave
 * Q4.27); otherwise d * 2^input_left_shift * input_multiplier / 2^31 is d * s_in in Q4.27. */
void tc_logistic_s8_ref(const tc_logistic_params *p, const int8_t *input, int8_t *output)
{
    int32_t i;

    for (i = 0; i < p->size; i++) {
        const int32_t d = (int32_t)input[i] - p->input_zero_point;
        if (d <= -p->input_range_radius) {
            output[i] = -128;
        } else if (d >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t in_q4 = tc_mbqm(d, p->input_multiplier, p->input_left_shift);
            const int32_t out_q0 = tc_logistic_q0(in_q4, TC_LOGISTIC_INPUT_INT_BITS);
            const int32_t steps = tc_rdbpot(out_q0, 31 - TC_LOGISTIC_OUTPUT_INT_BITS);
            output[i] = tc_sat_s8(steps - 128, -128, 127);
        }
    }
}
