/* SPDX-License-Identifier: Apache-2.0 */
/* The harness shared by the runtime's host unit tests (Runtime-C/tests/test_*.c, each its own
 * program, built and run by run.sh): pass/fail counters and checks, the board hooks the kernels
 * need, and a seeded random source. Include it once per test program. */
#ifndef TINYC_TC_TEST_H
#define TINYC_TC_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyc/tc_board.h"
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_requant.h"

static int passed, failed;

#define CHECK_EQ(expr, want)                                                                   \
    do {                                                                                       \
        long long got_ = (long long)(expr), want_ = (long long)(want);                         \
        if (got_ == want_) {                                                                   \
            passed++;                                                                          \
        } else {                                                                               \
            failed++;                                                                          \
            printf("FAIL %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #expr, got_, want_); \
        }                                                                                      \
    } while (0)

/* Compares n int8 values; one pass/fail per array. */
static inline void check_s8(const char *what, int line, const int8_t *got, const int8_t *want, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            failed++;
            printf("FAIL line %d: %s[%d] = %d, want %d\n", line, what, i, got[i], want[i]);
            return;
        }
    }
    passed++;
}
#define CHECK_S8(got, want) check_s8(#got, __LINE__, got, want, (int)sizeof(want))

/* Board hooks for the test program (kernels call tc_board_panic on a failed TC_ASSERT). */
void tc_board_init(void) {}
void tc_board_write(const char *s, size_t n) { fwrite(s, 1, n, stdout); }
void tc_board_exit(int code) { exit(code); }
void tc_board_panic(const char *file, int line)
{
    printf("panic at %s:%d\n", file, line);
    exit(3);
}

static uint32_t rng = 12345u;
static inline int32_t next_i32(void)
{
    rng = rng * 1664525u + 1013904223u; /* LCG; the high bits are good enough here */
    return (int32_t)(rng ^ (rng >> 16));
}

static inline void seed(uint32_t s) { rng = s; }

/* uniform in [lo, hi] (modulo bias is irrelevant for test data) */
static inline int32_t rand_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(((uint32_t)next_i32() >> 8) % (uint32_t)(hi - lo + 1));
}

static inline void fill_s8(int8_t *buf, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        buf[i] = (int8_t)rand_in(-128, 127);
}

/* malloc that never returns NULL, and exact sizes so ASan catches any overrun */
static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        printf("out of memory\n");
        exit(2);
    }
    return p;
}

/* The compiler's folded bias (tc_kernels.h) for the `_dsp` kernels' tests:
 *     folded[o] = bias[o] + input_offset * (sum of channel o's taps)   (mod 2^32; bias NULL = 0)
 * where tap t of channel o is filter[o * channel_stride + t * tap_stride]. */
static inline void tc_test_fold_bias(int32_t *folded, const int32_t *bias, const int8_t *filter, int32_t channels,
                                     int32_t taps, size_t channel_stride, size_t tap_stride, int32_t input_offset)
{
    int32_t o, t;
    for (o = 0; o < channels; o++) {
        uint32_t sum = 0;
        for (t = 0; t < taps; t++)
            sum += (uint32_t)(int32_t)filter[(size_t)o * channel_stride + (size_t)t * tap_stride];
        folded[o] = (int32_t)((bias ? (uint32_t)bias[o] : 0u) + (uint32_t)input_offset * sum);
    }
}

/* The last line of every test program, and its exit code. */
static inline int tc_test_report(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif /* TINYC_TC_TEST_H */
