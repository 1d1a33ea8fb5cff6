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

/* A random conv window for *p (input.c and output.c already set), case number n steering the
 * corners: kernels 1..5 and the long kws-like 6..10 x 4 stem, strides 1..3, dilation, pads including
 * negative ones (patch tiles), outputs past the tile's end (skipped taps), input offsets at the int8
 * edges, activation ranges and, when row_strides, non-dense input / output rows. Inputs are at most
 * max_in x max_in. */
static inline void tc_test_conv2d_window(tc_conv2d_params *p, int n, int32_t max_in, int row_strides)
{
    int32_t ekh, ekw;

    p->kernel.h = rand_in(1, 5);
    p->kernel.w = rand_in(1, 5);
    if (n % 7 == 0) { /* the long-kernel stem shape (kws 10x4) */
        p->kernel.h = rand_in(6, 10);
        p->kernel.w = 4;
    }
    p->stride.h = rand_in(1, 3);
    p->stride.w = rand_in(1, 3);
    p->dilation.h = n % 5 == 0 ? rand_in(1, 3) : 1;
    p->dilation.w = n % 6 == 0 ? rand_in(1, 3) : 1;
    ekh = (p->kernel.h - 1) * p->dilation.h + 1;
    ekw = (p->kernel.w - 1) * p->dilation.w + 1;
    p->input.h = rand_in(1, max_in);
    p->input.w = rand_in(1, max_in);
    p->pad.top = rand_in(-2, ekh - 1);
    p->pad.left = rand_in(-2, ekw - 1);
    p->pad.bottom = rand_in(0, ekh - 1);
    p->pad.right = rand_in(0, ekw - 1);
    p->output.h = (p->input.h + p->pad.top + p->pad.bottom - ekh) / p->stride.h + 1;
    p->output.w = (p->input.w + p->pad.left + p->pad.right - ekw) / p->stride.w + 1;
    if (p->output.h < 1 || n % 11 == 0) /* also windows past the tile's end: skipped taps */
        p->output.h = rand_in(1, 5);
    if (p->output.w < 1 || n % 13 == 0)
        p->output.w = rand_in(1, 5);
    p->input_offset = n % 9 == 0 ? (n % 2 ? -127 : 128) : rand_in(-127, 128);
    p->output_offset = rand_in(-128, 127);
    p->act_min = n % 3 == 0 ? -128 : rand_in(-128, 0);
    p->act_max = n % 3 == 0 ? 127 : rand_in(p->act_min, 127);
    p->in_row_stride = (row_strides && n % 4 == 1) ? p->input.w * p->input.c + rand_in(1, 9) : 0;
    p->out_row_stride = (row_strides && n % 4 == 2) ? p->output.w * p->output.c + rand_in(1, 9) : 0;
}

/* A random depthwise window for *p: shapes, kernel, stride, dilation, pads (negative ones too) and
 * depth multiplier. kind 0: any kernel 1..5, strides 1..3, dilation, multipliers 1..3; kind 1 / 2:
 * 3x3 at stride 1 / 2. small: channels and sides up to 9 instead of 20 and 30. */
static inline void tc_test_dwconv_window(tc_dwconv_params *p, int kind, int small)
{
    const int32_t ic = rand_in(1, small ? 9 : 20);
    const int32_t dm = kind == 0 && rand_in(0, 2) == 0 ? rand_in(2, 3) : 1;
    int32_t ih, iw;

    if (kind == 0) {
        p->kernel.h = rand_in(1, 5);
        p->kernel.w = rand_in(1, 5);
        p->stride.h = rand_in(1, 3);
        p->stride.w = rand_in(1, 3);
        p->dilation.h = rand_in(0, 3) == 0 ? 2 : 1;
        p->dilation.w = rand_in(0, 3) == 0 ? rand_in(2, 3) : 1;
    } else {
        p->kernel.h = p->kernel.w = 3;
        p->stride.h = p->stride.w = kind;
        p->dilation.h = p->dilation.w = 1;
    }
    ih = rand_in(1, small ? 9 : 30);
    iw = rand_in(1, small ? 9 : 30);
    p->pad.top = rand_in(-2, 2);
    p->pad.left = rand_in(-2, 2);
    if (rand_in(0, 1)) { /* SAME-like */
        p->output.h = (ih + p->stride.h - 1) / p->stride.h;
        p->output.w = (iw + p->stride.w - 1) / p->stride.w;
    } else {
        p->output.h = rand_in(1, ih + 2);
        p->output.w = rand_in(1, iw + 2);
    }
    p->pad.bottom = p->pad.right = 0; /* never read */
    p->input.h = ih;
    p->input.w = iw;
    p->input.c = ic;
    p->output.c = ic * dm;
    p->depth_multiplier = dm;
}

/* The last line of every test program, and its exit code. */
static inline int tc_test_report(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif /* TINYC_TC_TEST_H */
