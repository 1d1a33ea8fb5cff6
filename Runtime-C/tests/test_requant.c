/* SPDX-License-Identifier: Apache-2.0 */
/* tc_rq (the `_dsp` kernels' requantization with precomputed constants) equals tc_mbqm for every
 * multiplier QuantizeMultiplier can produce, every shift, and accumulators across the int32 range,
 * including the corners of its derivation (m = 2^30, m = 0, x = -1, INT32_MIN, ties). */
#include "tc_test.h"

static int32_t pick_mult(int i)
{
    switch (i % 7) {
    case 0: return 0;
    case 1: return 1 << 30;
    case 2: return INT32_MAX;
    case 3: return (1 << 30) + 1;
    default: return (int32_t)((1u << 30) | ((uint32_t)next_i32() >> 2));
    }
}

static int32_t pick_x(int i)
{
    const int32_t r = next_i32();
    switch (i % 9) {
    case 0: return INT32_MIN;
    case 1: return INT32_MAX;
    case 2: return -1;
    case 3: return r >> (i % 31);
    case 4: return -(1 << (i % 31));   /* exact powers of two make ties */
    case 5: return (1 << (i % 31));
    default: return r >> 8;
    }
}

static void test_rq_matches_mbqm(void)
{
    int i, bad = 0, checked = 0;
    int32_t shift;
    for (shift = -31; shift <= 30; shift++) {
        for (i = 0; i < 20000; i++) {
            const int32_t m = pick_mult(i), x = pick_x(i);
            const tc_rq r = tc_rq_make(m, shift);
            const int32_t got = tc_rq_apply(&r, x), want = tc_mbqm(x, m, shift);
            checked++;
            if (got != want) {
                if (bad++ < 5)
                    printf("FAIL tc_rq(x=%ld, m=%ld, shift=%ld) = %ld, want %ld\n", (long)x, (long)m,
                           (long)shift, (long)got, (long)want);
            }
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(checked, 62 * 20000);
    /* the worked example of ALGORITHMS.md §3.4 */
    {
        const tc_rq r = tc_rq_make(1726233989, -9);
        CHECK_EQ(tc_rq_apply(&r, 12345), 19);
        CHECK_EQ(tc_rq_apply(&r, 318), 1);
        CHECK_EQ(tc_rq_apply(&r, -318), -1);
        CHECK_EQ(tc_rq_apply(&r, 317), 0);
    }
}

int main(void)
{
    test_rq_matches_mbqm();
    return tc_test_report();
}
