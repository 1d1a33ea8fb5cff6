/* SPDX-License-Identifier: Apache-2.0 */
/* tc_avgpool_s8_dsp == tc_avgpool_s8_ref over random windows, and tc_add_s8_dsp / tc_add_q_one ==
 * tc_add_one exhaustively over all 65536 input pairs for many parameter sets, plus hand-checked
 * cases. */
#include "tc_test.h"
#include "tc_add_dsp.h"
#include "tc_internal.h"

/* ---- average pooling ---- */

static void pool_case(int32_t ih, int32_t iw, int32_t c, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                      int32_t pt, int32_t pl, int32_t extra_in, int32_t extra_out)
{
    tc_pool_params p;
    int32_t oh, ow, in_row, out_row;
    int8_t *in, *want, *got;
    size_t in_bytes, out_bytes;

    memset(&p, 0, sizeof p);
    p.input.h = ih, p.input.w = iw, p.input.c = c;
    p.kernel.h = kh, p.kernel.w = kw, p.stride.h = sh, p.stride.w = sw;
    p.pad.top = pt, p.pad.left = pl;
    /* every output window must have an in-bounds tap: the first starts before the input ends and
     * reaches into it, and the outputs stop where a window would start past the end */
    if (kh - pt <= 0 || -pt >= ih || kw - pl <= 0 || -pl >= iw)
        return;
    for (oh = 0; oh * sh - pt < ih; oh++) {
    }
    for (ow = 0; ow * sw - pl < iw; ow++) {
    }
    p.output.h = oh, p.output.w = ow, p.output.c = c;
    p.act_min = rand_in(-128, 0);
    p.act_max = rand_in(p.act_min, 127);
    in_row = iw * c + extra_in;
    out_row = ow * c + extra_out;
    p.in_row_stride = extra_in ? in_row : 0;
    p.out_row_stride = extra_out ? out_row : 0;
    in_bytes = (size_t)ih * in_row;
    out_bytes = (size_t)oh * out_row;
    in = xmalloc(in_bytes);
    want = xmalloc(out_bytes);
    got = xmalloc(out_bytes);
    fill_s8(in, in_bytes);
    if (rand_in(0, 4) == 0)
        memset(in, rand_in(0, 1) ? 0x80 : 0x7f, in_bytes); /* extreme sums */
    memset(want, 0x55, out_bytes);
    memset(got, 0x55, out_bytes);
    tc_avgpool_s8_ref(&p, in, want);
    tc_avgpool_s8_dsp(&p, in, got);
    check_s8("avgpool", __LINE__, got, want, (int)out_bytes);
    free(in), free(want), free(got);
}

/* 2x2 window, 1 channel, by hand: (1 + 2 + 3 + 5) / 4 = 2.75 -> 3; (-1 - 2 - 2 - 2) / 4 = -1.75 -> -2;
 * the window rows 1-2, columns 2-3 through a tile pointer and row stride: -0.75 -> -1; a lone
 * in-bounds corner tap of 7 (pads 1) -> 7. */
static void pool_hand(void)
{
    const int8_t in[3][4] = {{1, 2, -1, -2}, {3, 5, -2, -2}, {-1, -1, 1, 0}};
    tc_pool_params p;
    int8_t out[2] = {0, 0}, out2[1] = {0};
    const int8_t want[2] = {3, -2};

    memset(&p, 0, sizeof p);
    p.input.h = 2, p.input.w = 4, p.input.c = 1;
    p.output.h = 1, p.output.w = 2, p.output.c = 1;
    p.kernel.h = 2, p.kernel.w = 2, p.stride.h = 2, p.stride.w = 2;
    p.act_min = -128, p.act_max = 127;
    tc_avgpool_s8_dsp(&p, &in[0][0], out);
    CHECK_S8(out, want);
    /* the last two taps of rows 1 and 2 via a negative pad and a row stride */
    p.input.h = 2, p.input.w = 2, p.output.w = 1, p.in_row_stride = 4;
    tc_avgpool_s8_dsp(&p, &in[1][2], out2);
    {
        const int8_t in3[1] = {7};
        int8_t o3[1] = {0};
        p.input.h = 1, p.input.w = 1, p.in_row_stride = 0, p.pad.top = 1, p.pad.left = 1;
        tc_avgpool_s8_dsp(&p, in3, o3);
        CHECK_EQ(o3[0], 7);
    }
    CHECK_EQ(out2[0], -1); /* (-2 - 2 + 1 + 0) / 4 = -0.75 -> -1 */
}

static void pool_tests(void)
{
    static const int32_t chans[] = {1, 3, 4, 5, 8, 15, 16, 17, 20, 32, 35, 64, 256};
    int i;
    pool_hand();
    pool_case(3, 3, 256, 3, 3, 1, 1, 0, 0, 0, 0);    /* vww */
    pool_case(8, 8, 64, 8, 8, 1, 1, 0, 0, 0, 0);     /* resnet */
    pool_case(25, 5, 64, 25, 5, 1, 1, 0, 0, 0, 0);   /* kws */
    pool_case(20, 20, 17, 20, 20, 1, 1, 0, 0, 0, 0); /* 400 taps: the scalar path */
    pool_case(17, 16, 20, 17, 16, 1, 1, 0, 0, 0, 0); /* 272 taps */
    pool_case(16, 16, 4, 16, 16, 1, 1, 0, 0, 0, 0);  /* exactly 256 taps */
    for (i = 0; i < 300; i++) {
        const int32_t kh = rand_in(1, 5), kw = rand_in(1, 5);
        pool_case(rand_in(1, 9), rand_in(1, 9), chans[rand_in(0, 12)], kh, kw, rand_in(1, 3), rand_in(1, 3),
                  rand_in(-2, kh - 1), rand_in(-2, kw - 1), rand_in(0, 2) ? 0 : rand_in(1, 9),
                  rand_in(0, 2) ? 0 : rand_in(1, 9));
    }
}

/* ---- ADD ---- */

/* TFLite QuantizeMultiplier for 0 < x < 1 (QuantizeMultiplierSmallerThanOneExp). */
static void quantize_small(double x, int32_t *mult, int32_t *shift)
{
    int e;
    double f = frexp(x, &e);
    long long q = llround(f * 2147483648.0);
    if (q == 2147483648LL) {
        q /= 2;
        e++;
    }
    if (e < -31) {
        q = 0;
        e = 0;
    }
    *mult = (int32_t)q;
    *shift = e;
}

/* TFLite's CalculateOpDataAdd from scales. */
static tc_add_params add_params_from_scales(double s1, double s2, double so, int32_t z1, int32_t z2, int32_t zo)
{
    tc_add_params p;
    const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
    memset(&p, 0, sizeof p);
    p.left_shift = 20;
    p.input1_offset = -z1;
    p.input2_offset = -z2;
    p.output_offset = zo;
    quantize_small(s1 / twice_max, &p.input1_mult, &p.input1_shift);
    quantize_small(s2 / twice_max, &p.input2_mult, &p.input2_shift);
    quantize_small(twice_max / ((double)(1 << 20) * so), &p.output_mult, &p.output_shift);
    p.act_min = -128;
    p.act_max = 127;
    return p;
}

static int8_t all_a[65536 + 3], all_b[65536 + 3], want_all[65536 + 3], got_all[65536 + 3];

/* Every (x1, x2) pair through tc_add_s8_dsp (3 tails: size 65536, 65535, 65533) and tc_add_q_one. */
static void add_exhaustive(tc_add_params p)
{
    const tc_add_q q = tc_add_q_make(&p);
    int32_t i, bad = -1;

    for (i = 0; i < 65536; i++) {
        all_a[i] = (int8_t)((i & 0xff) - 128);
        all_b[i] = (int8_t)((i >> 8) - 128);
        want_all[i] = tc_add_one(&p, all_a[i], all_b[i]);
    }
    p.size = 65536 - rand_in(0, 3);
    memset(got_all, 0x55, sizeof got_all);
    tc_add_s8_dsp(&p, all_a, all_b, got_all);
    for (i = 0; i < p.size && bad < 0; i++)
        if (got_all[i] != want_all[i])
            bad = i;
    if (got_all[p.size] != 0x55)
        bad = p.size;
    if (q.fast)
        for (i = 0; i < 65536 && bad < 0; i++)
            if (tc_add_q_one(&q, all_a[i], all_b[i]) != want_all[i])
                bad = 100000 + i;
    if (bad >= 0)
        printf("add: mismatch at %d for m1=%d s1=%d m2=%d s2=%d mo=%d so=%d o1=%d o2=%d zo=%d [%d, %d]\n", (int)bad,
               (int)p.input1_mult, (int)p.input1_shift, (int)p.input2_mult, (int)p.input2_shift,
               (int)p.output_mult, (int)p.output_shift, (int)p.input1_offset, (int)p.input2_offset,
               (int)p.output_offset, (int)p.act_min, (int)p.act_max);
    CHECK_EQ(bad, -1);
}

/* In place (output = input1), a short size, against the reference. */
static void add_inplace(const tc_add_params *p0)
{
    tc_add_params p = *p0;
    int8_t a[37], b[37], want[37];
    p.size = 37;
    fill_s8(a, 37);
    fill_s8(b, 37);
    tc_add_s8_ref(&p, a, b, want);
    tc_add_s8_dsp(&p, a, b, a);
    CHECK_S8(a, want);
}

/* By hand: equal scales 0.5 in, 1.0 out, zero points 0: y = round((x1 + x2) / 2)
 * (TFLite: 3 + 4 = 7 -> 3.5 -> 4; -3 + -4 -> -4; 100 + 100 -> 100; 127 + 127 -> 127). */
static void add_hand(void)
{
    const int8_t a[4] = {3, -3, 100, 127}, b[4] = {4, -4, 100, 127}, want[4] = {4, -4, 100, 127};
    int8_t got[4];
    tc_add_params p = add_params_from_scales(0.5, 0.5, 1.0, 0, 0, 0);
    p.size = 4;
    tc_add_s8_dsp(&p, a, b, got);
    CHECK_S8(got, want);
    CHECK_EQ(p.input1_mult, 1 << 30);
    CHECK_EQ(p.input1_shift, 0);
}

static void add_tests(void)
{
    int i;
    add_hand();
    for (i = 0; i < 120; i++) { /* TFLite-shaped parameters from random scales */
        const double s1 = ldexp(1.0 + rand_in(0, 1 << 20) / (double)(1 << 20), rand_in(-9, -3));
        const double s2 = s1 * (rand_in(0, 3) == 0 ? 1.0 : ldexp(1.0 + rand_in(0, 1 << 20) / 1048576.0, rand_in(-6, 1)));
        const double so = s1 * ldexp(1.0 + rand_in(0, 1 << 20) / 1048576.0, rand_in(-2, 2));
        tc_add_params p = add_params_from_scales(s1, s2, so, rand_in(-128, 127), rand_in(-128, 127), rand_in(-128, 127));
        if (rand_in(0, 1)) { /* fused relu / relu6-like ranges */
            p.act_min = rand_in(-128, 127);
            p.act_max = rand_in(p.act_min, 127);
        }
        add_exhaustive(p);
        add_inplace(&p);
    }
    for (i = 0; i < 25; i++) { /* arbitrary in-contract multipliers, incl. outside the fast paths */
        tc_add_params p;
        memset(&p, 0, sizeof p);
        p.left_shift = rand_in(0, 3) == 0 ? rand_in(0, 22) : 20;
        p.input1_offset = rand_in(-127, 128);
        p.input2_offset = rand_in(-127, 128);
        p.output_offset = rand_in(-128, 127);
        p.input1_mult = rand_in(0, 5) == 0 ? 1 << 30 : 0x40000000 + rand_in(0, 0x3fffffff);
        p.input2_mult = 0x40000000 + rand_in(0, 0x3fffffff);
        p.input1_shift = -rand_in(0, 6);
        p.input2_shift = -rand_in(0, 6);
        p.output_mult = 0x40000000 + rand_in(0, 0x3fffffff);
        p.output_shift = -rand_in(p.left_shift - 3 > 0 ? p.left_shift - 3 : 0, 24);
        p.act_min = rand_in(-128, 0);
        p.act_max = rand_in(0, 127);
        add_exhaustive(p);
    }
}

int main(void)
{
    seed(777u);
    pool_tests();
    add_tests();
    return tc_test_report();
}
