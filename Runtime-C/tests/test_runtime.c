/* SPDX-License-Identifier: Apache-2.0 */
/* Host unit tests for the tinyc C runtime: the TFLite requantization helpers against hand-computed
 * TFLite values, tiny hand-computed kernel cases, and seeded random equivalences between kernel
 * variants (row-strided tiles vs dense, in-place vs out-of-place depthwise, fused conv+add vs conv
 * then add). Run with ./run.sh (ASan + UBSan).
 * The exhaustive kernel-vs-reference comparison lives in the Swift RuntimeHostTests. */
#include "tc_test.h"

/* gemmlowp's SRDHM written literally (nudge + truncating division), to cross-check the floor
 * form tc_srdhm uses. */
static int32_t srdhm_literal(int32_t a, int32_t b)
{
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static void test_srdhm(void)
{
    int i;
    CHECK_EQ(tc_srdhm(INT32_MIN, INT32_MIN), INT32_MAX); /* the one saturating case */
    CHECK_EQ(tc_srdhm(INT32_MIN, INT32_MAX), -2147483647);
    CHECK_EQ(tc_srdhm(INT32_MAX, INT32_MAX), 2147483646);
    CHECK_EQ(tc_srdhm(INT32_MIN, 1 << 30), -1073741824);
    CHECK_EQ(tc_srdhm(1, 1 << 30), 1);   /*  0.5 -> 1  (ties toward +inf) */
    CHECK_EQ(tc_srdhm(-1, 1 << 30), 0);  /* -0.5 -> 0 */
    CHECK_EQ(tc_srdhm(3, 1 << 30), 2);   /*  1.5 -> 2 */
    CHECK_EQ(tc_srdhm(-3, 1 << 30), -1); /* -1.5 -> -1 */
    CHECK_EQ(tc_srdhm(0, INT32_MIN), 0);
    CHECK_EQ(tc_srdhm(12345, 1726233989), 9923); /* ALGORITHMS.md §3.4 worked example */
    CHECK_EQ(tc_srdhm(318, 1726233989), 256);
    {
        int bad = 0;
        for (i = 0; i < 200000; i++) {
            int32_t a = next_i32(), b = next_i32();
            if (i % 4 == 1) a >>= (i % 29); /* small magnitudes too */
            if (tc_srdhm(a, b) != srdhm_literal(a, b)) bad++;
        }
        CHECK_EQ(bad, 0);
    }
}

static void test_rdbpot(void)
{
    int i;
    CHECK_EQ(tc_rdbpot(5, 1), 3);   /*  2.5  -> 3 */
    CHECK_EQ(tc_rdbpot(-5, 1), -3); /* -2.5  -> -3 (ties away from zero) */
    CHECK_EQ(tc_rdbpot(-4, 1), -2);
    CHECK_EQ(tc_rdbpot(-6, 2), -2); /* -1.5  -> -2 */
    CHECK_EQ(tc_rdbpot(6, 2), 2);   /*  1.5  -> 2 */
    CHECK_EQ(tc_rdbpot(-5, 2), -1); /* -1.25 -> -1 */
    CHECK_EQ(tc_rdbpot(-7, 2), -2); /* -1.75 -> -2 */
    CHECK_EQ(tc_rdbpot(-123, 0), -123);
    CHECK_EQ(tc_rdbpot(INT32_MIN, 31), -1);
    CHECK_EQ(tc_rdbpot(INT32_MAX, 31), 1);
    CHECK_EQ(tc_rdbpot(-(1 << 30), 31), -1); /* -0.5 -> -1 */
    CHECK_EQ(tc_rdbpot(1 << 30, 31), 1);     /*  0.5 -> 1 */
    CHECK_EQ(tc_rdbpot(-(1 << 30) + 1, 31), 0);
    {
        int bad = 0; /* x / 2^e is exact in double, and round() rounds half away from zero */
        for (i = 0; i < 200000; i++) {
            int32_t x = next_i32();
            int e = i % 32;
            if (tc_rdbpot(x, e) != (int32_t)round(ldexp((double)x, -e))) bad++;
        }
        CHECK_EQ(bad, 0);
    }
}

static void test_mbqm(void)
{
    /* QuantizeMultiplier(0.0015700007) = (1726233989, -9) (ALGORITHMS.md §3.4) */
    CHECK_EQ(tc_mbqm(12345, 1726233989, -9), 19);
    CHECK_EQ(tc_mbqm(12345, 1726233989, -9) - 128, -109);
    CHECK_EQ(tc_mbqm(318, 1726233989, -9), 1);   /* exact 0.49926: double rounding gives 1 */
    CHECK_EQ(tc_mbqm(-318, 1726233989, -9), -1); /* and -1 for the negative */
    CHECK_EQ(tc_mbqm(317, 1726233989, -9), 0);
    /* QuantizeMultiplier(1.0) = (1073741824, 1): a left shift, then the identity */
    CHECK_EQ(tc_mbqm(100, 1073741824, 1), 100);
    CHECK_EQ(tc_mbqm(-7, 1073741824, 1), -7);
    /* QuantizeMultiplier(3.0) = (1610612736, 2) */
    CHECK_EQ(tc_mbqm(-41, 1610612736, 2), -123);
    /* TinyEngine demo layer 0 channel 0: M = 0.006841254 -> (1880509685, -7); 1000*M = 6.84 */
    CHECK_EQ(tc_mbqm(1000, 1880509685, -7), 7);
    CHECK_EQ(tc_mbqm(-1000, 1880509685, -7), -7);
    /* dead channel: multiplier 0 maps everything, even a saturated bias, to 0 */
    CHECK_EQ(tc_mbqm(2147483647, 0, 0), 0);
    CHECK_EQ(tc_mbqm(INT32_MIN, 0, 0), 0);
    /* 0.25 = (1073741824, -1): 33 * 0.25 = 8.25, but double rounding gives 16.5 -> 17 -> 8.5 -> 9 */
    CHECK_EQ(tc_mbqm(33, 1073741824, -1), 9);
    CHECK_EQ(tc_mbqm(-6, 1073741824, -1), -2);  /* -1.5 -> -2 */
    CHECK_EQ(tc_mbqm(-25, 1073741824, -1), -6); /* -6.25: -12.5 -> -12, -6 */
}

static void test_sat_shl(void)
{
    CHECK_EQ(tc_sat_shl(1 << 28, 2), 1 << 30);
    CHECK_EQ(tc_sat_shl(1 << 29, 2), INT32_MAX);
    CHECK_EQ(tc_sat_shl(-(1 << 29), 2), INT32_MIN);
    CHECK_EQ(tc_sat_shl(-(1 << 29) + 1, 2), INT32_MIN + 4);
    CHECK_EQ(tc_sat_shl(-5, 3), -40);
    CHECK_EQ(tc_shl_wrap(-5, 3), -40);
    CHECK_EQ(tc_add_wrap(INT32_MAX, 1), INT32_MIN);
}

static const int32_t mult_one[4] = {1073741824, 1073741824, 1073741824, 1073741824}; /* 1.0 */
static const int32_t shift_one[4] = {1, 1, 1, 1};

typedef void (*conv_kernel)(const tc_conv2d_params *, const int8_t *, const int8_t *, const int32_t *, int8_t *);

/* 1x1 conv, input (1, 2, 2), output (1, 2, 2); channel 0 multiplier 1.0, channel 1 0.25; for every
 * kernel that runs pointwise convolutions. */
static void check_conv1x1_hand(conv_kernel kernel)
{
    static const int8_t in[] = {10, -3, 0, 127};
    static const int8_t w[] = {1, 2, -1, 3};
    static const int32_t bias[] = {5, -10};
    static const int32_t mult[] = {1073741824, 1073741824}, shift[] = {1, -1};
    /* px0: x+2 = (12, -1): o0 = 12-2+5 = 15 -> 14; o1 = (-12-3-10)*0.25 = -6.25 -> -6 -> -7
     * px1: x+2 = (2, 129): o0 = 2+258+5 = 265 -> 127; o1 = 375*0.25 = 93.75 -> 94 -> 93 */
    static const int8_t want[] = {14, -7, 127, 93};
    tc_conv2d_params p;
    int8_t out[4];
    memset(&p, 0, sizeof p);
    p.input.h = 1; p.input.w = 2; p.input.c = 2;
    p.output.h = 1; p.output.w = 2; p.output.c = 2;
    p.kernel.h = p.kernel.w = 1;
    p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
    p.input_offset = 2; p.output_offset = -1;
    p.act_min = -128; p.act_max = 127;
    p.out_mult = mult; p.out_shift = shift;
    kernel(&p, in, w, bias, out);
    CHECK_S8(out, want);
}

static void test_conv(void)
{
    check_conv1x1_hand(tc_conv2d_s8_ref);
    /* 3x3 conv, pad 1 all round, on a (2, 2, 1) input: taps in the padding are skipped, not
     * treated as x = 0 (which would add w * input_offset) */
    {
        static const int8_t in[] = {0, 1, 2, 3}; /* + input_offset 1 = 1, 2, 3, 4 */
        static const int8_t w[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        /* (0,0): 5*1+6*2+8*3+9*4 = 77   (0,1): 4*1+5*2+7*3+8*4 = 67
         * (1,0): 2*1+3*2+5*3+6*4 = 47   (1,1): 1*1+2*2+4*3+5*4 = 37 */
        static const int8_t want[] = {77, 67, 47, 37};
        tc_conv2d_params p;
        int8_t out[4];
        memset(&p, 0, sizeof p);
        p.input.h = 2; p.input.w = 2; p.input.c = 1;
        p.output.h = 2; p.output.w = 2; p.output.c = 1;
        p.kernel.h = p.kernel.w = 3;
        p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
        p.pad.top = p.pad.bottom = p.pad.left = p.pad.right = 1;
        p.input_offset = 1;
        p.act_min = -128; p.act_max = 127;
        p.out_mult = mult_one; p.out_shift = shift_one;
        tc_conv2d_s8_ref(&p, in, w, NULL, out);
        CHECK_S8(out, want);
    }
}

/* dilation 2 along w, then also stride 2: out[i] = 1*x[s*i] + 10*x[s*i + 2] */
static void test_dilation(void)
{
    static const int8_t in[] = {1, 2, 3, 4, 5};
    static const int8_t w[] = {1, 10};
    static const int8_t want[] = {31, 42, 53}, want_s2[] = {31, 53};
    tc_conv2d_params p;
    tc_dwconv_params d;
    int8_t out[3];
    memset(&p, 0, sizeof p);
    p.input.h = 1; p.input.w = 5; p.input.c = 1;
    p.output.h = 1; p.output.w = 3; p.output.c = 1;
    p.kernel.h = 1; p.kernel.w = 2;
    p.stride.h = p.stride.w = 1;
    p.dilation.h = 1; p.dilation.w = 2;
    p.act_min = -128; p.act_max = 127;
    p.out_mult = mult_one; p.out_shift = shift_one;
    tc_conv2d_s8_ref(&p, in, w, NULL, out);
    CHECK_S8(out, want);
    memset(&d, 0, sizeof d);
    d.input = p.input; d.output = p.output; d.kernel = p.kernel;
    d.stride = p.stride; d.dilation = p.dilation; d.depth_multiplier = 1;
    d.act_min = -128; d.act_max = 127;
    d.out_mult = mult_one; d.out_shift = shift_one;
    tc_dwconv_s8_ref(&d, in, w, NULL, out);
    CHECK_S8(out, want);
    p.stride.w = 2; p.output.w = 2;
    tc_conv2d_s8_ref(&p, in, w, NULL, out);
    check_s8("conv stride 2", __LINE__, out, want_s2, 2);
    d.stride.w = 2; d.output.w = 2;
    tc_dwconv_s8_ref(&d, in, w, NULL, out);
    check_s8("dwconv stride 2", __LINE__, out, want_s2, 2);
}

static void test_dwconv(void)
{
    /* depth multiplier 2: output channels 0,1 read input channel 0, channels 2,3 read channel 1 */
    static const int8_t in[] = {3, -4};
    static const int8_t w[] = {1, 2, 3, 4};
    static const int8_t want[] = {3, 6, -12, -16};
    tc_dwconv_params p;
    int8_t out[4];
    memset(&p, 0, sizeof p);
    p.input.h = p.input.w = 1; p.input.c = 2;
    p.output.h = p.output.w = 1; p.output.c = 4;
    p.kernel.h = p.kernel.w = 1;
    p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
    p.depth_multiplier = 2;
    p.act_min = -128; p.act_max = 127;
    p.out_mult = mult_one; p.out_shift = shift_one;
    tc_dwconv_s8_ref(&p, in, w, NULL, out);
    CHECK_S8(out, want);
}

static void test_fc(void)
{
    /* the same 4 -> 3 layer as Boards/tests/fixtures/fc (hand-computed there) */
    static const int8_t w[] = {1, 2, 3, 4, -1, 0, 1, -2, 10, -10, 5, 0};
    static const int32_t bias[] = {3, -2, 100};
    static const int32_t mult[] = {1073741824, 1073741824, 1073741824}, shift[] = {-1, -1, 1};
    static const int8_t in[3][4] = {{0, 1, 2, 3}, {-128, 127, -1, 50}, {-1, -1, -1, 1}};
    static const int8_t want[3][3] = {{4, -7, 100}, {79, 1, -128}, {-2, -7, 95}};
    tc_fc_params p;
    int8_t out[3];
    int i;
    memset(&p, 0, sizeof p);
    p.in_features = 4; p.out_features = 3;
    p.input_offset = 1; p.output_offset = -5;
    p.act_min = -128; p.act_max = 127;
    p.out_mult = mult; p.out_shift = shift;
    for (i = 0; i < 3; i++) {
        tc_fc_s8_ref(&p, in[i], w, bias, out);
        check_s8("fc", __LINE__, out, want[i], 3);
    }
}

static void test_pool(void)
{
    tc_pool_params p;
    memset(&p, 0, sizeof p);
    p.act_min = -128; p.act_max = 127;
    p.stride.h = p.stride.w = 1;
    /* avg of negative sums rounds half away from zero: (-3 + -2)/2 = -2.5 -> -3 */
    {
        static const int8_t in[] = {-3, -2, 3, 2, -3, -3, -2};
        static const int8_t want_neg[] = {-3}, want_pos[] = {3}, want3[] = {-3}; /* -8/3 = -2.67 */
        int8_t out[1];
        p.input.h = 1; p.input.w = 2; p.input.c = 1;
        p.output.h = p.output.w = p.output.c = 1;
        p.kernel.h = 1; p.kernel.w = 2;
        tc_avgpool_s8_ref(&p, in, out);
        CHECK_S8(out, want_neg);
        tc_avgpool_s8_ref(&p, in + 2, out);
        CHECK_S8(out, want_pos);
        p.input.w = 3; p.kernel.w = 3;
        tc_avgpool_s8_ref(&p, in + 4, out);
        CHECK_S8(out, want3);
    }
    /* avg with padding bottom/right: the divisor counts in-bounds taps only */
    {
        static const int8_t in[] = {1, 2, 3, 4};
        static const int8_t want[] = {3, 3, 4, 4}; /* 10/4 = 2.5 -> 3, 6/2, 7/2 = 3.5 -> 4, 4/1 */
        int8_t out[4];
        p.input.h = p.input.w = 2; p.input.c = 1;
        p.output.h = p.output.w = 2; p.output.c = 1;
        p.kernel.h = p.kernel.w = 2;
        p.pad.bottom = p.pad.right = 1;
        tc_avgpool_s8_ref(&p, in, out);
        CHECK_S8(out, want);
    }
    /* max with padding top/left: padded taps are skipped (a zero tap would win here) */
    {
        static const int8_t in[] = {-100, -50, -120, -128};
        static const int8_t want[] = {-100, -50, -100, -50};
        static const int8_t want_clamped[] = {-90, -50, -90, -50};
        int8_t out[4];
        p.pad.bottom = p.pad.right = 0;
        p.pad.top = p.pad.left = 1;
        tc_maxpool_s8_ref(&p, in, out);
        CHECK_S8(out, want);
        p.act_min = -90;
        tc_maxpool_s8_ref(&p, in, out);
        CHECK_S8(out, want_clamped);
    }
}

static void test_add(void)
{
    /* s1 = s2 = s_out: M1 = M2 = 0.5 = (2^30, 0), M_out = 2^-19 = (2^30, -18); the result is the
     * exact sum of the dequantized inputs plus the output zero point */
    static const int8_t a[] = {10, 127, -128, 1};
    static const int8_t b[] = {-20, 127, -128, 0};
    static const int8_t want[] = {-2, 127, -128, 9}; /* 10 + (-20+5) + 3; clamp; clamp; 1+5+3 */
    tc_add_params p;
    int8_t out[4];
    memset(&p, 0, sizeof p);
    p.size = 4;
    p.input1_offset = 0; p.input2_offset = 5; p.output_offset = 3;
    p.left_shift = 20;
    p.input1_mult = p.input2_mult = p.output_mult = 1 << 30;
    p.input1_shift = p.input2_shift = 0; p.output_shift = -18;
    p.act_min = -128; p.act_max = 127;
    tc_add_s8_ref(&p, a, b, out);
    CHECK_S8(out, want);
}

static void test_add_broadcast(void)
{
    /* (2, 1, 3) + (1, 2, 1) -> (2, 2, 3), same arithmetic as test_add (exact sums + 3):
     * out[i][j][k] = a[i][k] + b[j] + 3 (b has input2_offset 5) */
    static const int8_t a[] = {1, 2, 3, 10, 20, 30};
    static const int8_t b[] = {-5, 0};
    static const int8_t want[] = {4, 5, 6, 9, 10, 11, 13, 23, 33, 18, 28, 38};
    tc_add_broadcast_params p;
    int8_t out[12];
    memset(&p, 0, sizeof p);
    p.add.size = 12;
    p.add.input2_offset = 5; p.add.output_offset = 3;
    p.add.left_shift = 20;
    p.add.input1_mult = p.add.input2_mult = p.add.output_mult = 1 << 30;
    p.add.output_shift = -18;
    p.add.act_min = -128; p.add.act_max = 127;
    p.rank = 3;
    p.shape[0] = 2; p.shape[1] = 2; p.shape[2] = 3;
    p.stride1[0] = 3; p.stride1[1] = 0; p.stride1[2] = 1;
    p.stride2[0] = 0; p.stride2[1] = 1; p.stride2[2] = 0;
    tc_add_broadcast_s8_ref(&p, a, b, out);
    CHECK_S8(out, want);
    /* rank 1 with a broadcast scalar operand: x + b[1] (b[1] - z_b = 5) */
    {
        static const int8_t want1[] = {9, 10, 11};
        p.rank = 1; p.shape[0] = 3; p.stride1[0] = 1; p.stride2[0] = 0;
        tc_add_broadcast_s8_ref(&p, a, b + 1, out);
        check_s8("add broadcast rank 1", __LINE__, out, want1, 3);
    }
}

static void test_requantize(void)
{
    /* q(0.5, 3) -> q(0.25, -10): (2^30, 2) = 2.0: y = 2 (x - 3) - 10, clamped */
    static const int8_t in[] = {7, 10, 100, -128};
    static const int8_t want[] = {-2, 4, 127, -128};
    /* relu q(0.02, -30) -> q(0.05, -100): 0.4 = (1717986854, -1), double rounding makes d = 1
     * give 1 (0.8 -> 1, then 0.5 -> 1); clamped below at -100 */
    static const int8_t relu_in[] = {-128, -29, -26, 0, 127};
    static const int8_t relu_want[] = {-100, -99, -98, -88, -37};
    tc_requantize_params p;
    int8_t out[5];
    memset(&p, 0, sizeof p);
    p.size = 4; p.input_offset = -3; p.output_offset = -10;
    p.mult = 1 << 30; p.shift = 2; p.act_min = -128; p.act_max = 127;
    tc_requantize_s8_ref(&p, in, out);
    check_s8("requantize", __LINE__, out, want, 4);
    p.size = 5; p.input_offset = 30; p.output_offset = -100;
    p.mult = 1717986854; p.shift = -1; p.act_min = -100;
    tc_requantize_s8_ref(&p, relu_in, out);
    CHECK_S8(out, relu_want);
}

static void test_logistic(void)
{
    /* x q(0.1, 0): multiplier 1717986944, shift 24, radius 120 (TFLM values, see
     * Tests/TinycReferenceTests/TFLMOpsTests.swift) */
    static const int8_t in[] = {1, 0, -1, 120, -120, 119, 10, -60};
    static const int8_t want[] = {6, 0, -6, 127, -128, 127, 59, -127};
    /* x q(2, 10): shift 29, radius 3 */
    static const int8_t in2[] = {7, 8, 9, 10, 11, 12, 13};
    static const int8_t want2[] = {-128, -123, -97, 0, 97, 123, 127};
    tc_logistic_params p;
    int8_t out[8];
    p.size = 8; p.input_zero_point = 0; p.input_range_radius = 120;
    p.input_multiplier = 1717986944; p.input_left_shift = 24;
    tc_logistic_s8_ref(&p, in, out);
    CHECK_S8(out, want);
    p.size = 7; p.input_zero_point = 10; p.input_range_radius = 3;
    p.input_multiplier = 1 << 30; p.input_left_shift = 29;
    tc_logistic_s8_ref(&p, in2, out);
    check_s8("logistic radius 3", __LINE__, out, want2, 7);
}

static void test_mean(void)
{
    /* (2, 2, 2) -> (2,): mean folded as (2^30, -1) = 1/4;
     * ch0: 11/4 = 2.75 -> 5.5 -> 6 -> 3; ch1: -11/4 -> -5.5 -> -5 -> -2.5 -> -3 */
    static const int8_t in[] = {1, -1, 2, -2, 3, -3, 5, -5};
    static const int8_t want[] = {3, -3};
    tc_mean_params p;
    int8_t out[2];
    memset(&p, 0, sizeof p);
    p.input.h = p.input.w = p.input.c = 2;
    p.mult = 1 << 30; p.shift = -1;
    p.act_min = -128; p.act_max = 127;
    tc_mean_s8_ref(&p, in, out);
    CHECK_S8(out, want);
}

static void test_softmax(void)
{
    /* beta * s_in = 1/16: 2^22 in Q5.26 terms -> QuantizeMultiplierGreaterThanOne = (2^30, 23),
     * diff_min = -floor(31 * 2^26 / 2^23) = -248 */
    tc_softmax_params p;
    int8_t out[4];
    memset(&p, 0, sizeof p);
    p.input_multiplier = 1 << 30; p.input_left_shift = 23; p.diff_min = -248;
    p.rows = 1;
    {
        static const int8_t in[] = {5};
        static const int8_t want[] = {127}; /* 256/256 saturates at 127 */
        p.depth = 1;
        tc_softmax_s8_ref(&p, in, out);
        CHECK_S8(out, want);
    }
    {
        static const int8_t in[] = {-7, -7};
        static const int8_t want[] = {0, 0}; /* 128/256 each */
        p.depth = 2;
        tc_softmax_s8_ref(&p, in, out);
        CHECK_S8(out, want);
    }
    {
        /* two rows, one with a value below diff_min (-128 - 127 = -255 < -248) */
        static const int8_t in[] = {127, -128, 0, 0};
        static const int8_t want[] = {127, -128, 0, 0};
        p.rows = 2; p.depth = 2;
        tc_softmax_s8_ref(&p, in, out);
        CHECK_S8(out, want);
    }
}

static void test_pad_concat_clamp(void)
{
    {
        static const int8_t in[] = {7, 8};
        static const int8_t want[] = {-128, -128, -128, -128, -128, -128,
                                      -128, -128, 7, 8, -128, -128};
        tc_pad_params p;
        int8_t out[12];
        memset(&p, 0, sizeof p);
        p.input.h = 1; p.input.w = 1; p.input.c = 2;
        p.output.h = 2; p.output.w = 3; p.output.c = 2;
        p.pad.top = 1; p.pad.left = 1; p.pad.right = 1;
        p.pad_value = -128;
        tc_pad_s8_ref(&p, in, out);
        CHECK_S8(out, want);
    }
    {
        static const int8_t a[] = {1, 2}, b[] = {3, 4, 5, 6};
        static const int8_t *const ins[] = {a, b};
        static const int32_t inner[] = {1, 2};
        static const int8_t want[] = {1, 3, 4, 2, 5, 6};
        tc_concat_params p;
        int8_t out[6];
        p.outer = 2; p.count = 2; p.inner = inner;
        tc_concat_s8_ref(&p, ins, out);
        CHECK_S8(out, want);
    }
    {
        int8_t buf[] = {-128, 0, 50, 127};
        static const int8_t want[] = {-10, 0, 20, 20};
        tc_clamp_params p;
        p.size = 4; p.act_min = -10; p.act_max = 20;
        tc_clamp_s8_ref(&p, buf, buf); /* in place */
        CHECK_S8(buf, want);
    }
}

/* ---- seeded random layers: row strides / tiles, in-place depthwise, fused conv + add ---- */

enum { K_CONV, K_DW, K_MAX, K_AVG };
static const char *const kind_name[] = {"conv", "dwconv", "maxpool", "avgpool"};

/* One window layer with random weights; run_layer turns it into the kernel's params struct for a
 * given input extent, top/left pads and row strides (pad.bottom/right are never read). */
typedef struct {
    int kind;
    int32_t c, oc; /* input channels; output channels (= c except for conv) */
    tc_hw kernel, stride, dilation;
    int has_bias;
    int32_t input_offset, output_offset, act_min, act_max;
    int8_t filter[8 * 5 * 5 * 8];
    int32_t bias[8], mult[8], shift[8];
} test_layer;

static int32_t eff_kernel(int32_t k, int32_t d) { return (k - 1) * d + 1; }

static void random_layer(test_layer *L, int kind, int32_t c, int32_t oc, int32_t k, int32_t s, int32_t d)
{
    int32_t i;
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->c = c;
    L->oc = kind == K_CONV ? oc : c;
    L->kernel.h = L->kernel.w = k;
    L->stride.h = L->stride.w = s;
    L->dilation.h = L->dilation.w = kind == K_CONV || kind == K_DW ? d : 1;
    L->has_bias = rand_in(0, 3) != 0;
    L->input_offset = rand_in(-127, 128);
    L->output_offset = rand_in(-128, 127);
    L->act_min = rand_in(0, 1) ? -128 : rand_in(-128, 0);
    L->act_max = rand_in(0, 1) ? 127 : rand_in(L->act_min, 127);
    fill_s8(L->filter, sizeof L->filter);
    for (i = 0; i < 8; i++) {
        L->bias[i] = rand_in(-20000, 20000);
        L->mult[i] = rand_in(1 << 30, INT32_MAX);
        L->shift[i] = rand_in(-13, -6);
    }
}

static void run_layer(const test_layer *L, const int8_t *in, int32_t ih, int32_t iw, int32_t in_row,
                      int32_t pad_top, int32_t pad_left, int8_t *out, int32_t oh, int32_t ow, int32_t out_row)
{
    const tc_shape3 ishape = {ih, iw, L->c}, oshape = {oh, ow, L->oc};
    const tc_pad4 pad = {pad_top, 0, pad_left, 0};
    const int32_t *bias = L->has_bias ? L->bias : NULL;
    if (L->kind == K_CONV) {
        tc_conv2d_params p;
        memset(&p, 0, sizeof p);
        p.input = ishape; p.output = oshape; p.kernel = L->kernel; p.stride = L->stride;
        p.dilation = L->dilation; p.pad = pad;
        p.input_offset = L->input_offset; p.output_offset = L->output_offset;
        p.act_min = L->act_min; p.act_max = L->act_max;
        p.out_mult = L->mult; p.out_shift = L->shift;
        p.in_row_stride = in_row; p.out_row_stride = out_row;
        tc_conv2d_s8_ref(&p, in, L->filter, bias, out);
    } else if (L->kind == K_DW) {
        tc_dwconv_params p;
        memset(&p, 0, sizeof p);
        p.input = ishape; p.output = oshape; p.kernel = L->kernel; p.stride = L->stride;
        p.dilation = L->dilation; p.pad = pad; p.depth_multiplier = 1;
        p.input_offset = L->input_offset; p.output_offset = L->output_offset;
        p.act_min = L->act_min; p.act_max = L->act_max;
        p.out_mult = L->mult; p.out_shift = L->shift;
        p.in_row_stride = in_row; p.out_row_stride = out_row;
        tc_dwconv_s8_ref(&p, in, L->filter, bias, out);
    } else {
        tc_pool_params p;
        memset(&p, 0, sizeof p);
        p.input = ishape; p.output = oshape; p.kernel = L->kernel; p.stride = L->stride; p.pad = pad;
        p.act_min = L->act_min; p.act_max = L->act_max;
        p.in_row_stride = in_row; p.out_row_stride = out_row;
        if (L->kind == K_MAX)
            tc_maxpool_s8_ref(&p, in, out);
        else
            tc_avgpool_s8_ref(&p, in, out);
    }
}

/* Strided kernel on a sub-window of a bigger buffer == dense kernel on the copied-out window, and
 * the strided output lands in a sub-window of a bigger output buffer without touching the rest.
 * Windows are random (including ones at the image border), pads in [-2, effective kernel - 1]
 * (negative = the window holds rows/columns no output reads; below the effective kernel so no
 * average-pool window is entirely outside). */
static void test_row_strides(void)
{
    enum { BH = 12, BW = 11, SENTINEL = 0x5A };
    int trial, bad = 0, bad_outside = 0, negative_pads = 0, border = 0;

    seed(0x7111E5u);
    for (trial = 0; trial < 400; trial++) {
        const int kind = trial % 4;
        const int32_t k = kind >= K_MAX ? rand_in(2, 3) : 1 + 2 * rand_in(0, 2);
        test_layer L;
        int32_t ek, ekw, wy, wx, th, tw, pt, pb, pl, pr, oh, ow, qy, qx, OBH, OBW, i, y;
        int8_t *big, *win, *want, *obig;
        random_layer(&L, kind, rand_in(1, 6), rand_in(1, 7), k, rand_in(1, 2), rand_in(1, 2));
        ek = eff_kernel(k, L.dilation.h);
        ekw = eff_kernel(k, L.dilation.w);
        /* a quarter of the trials pin the window to a corner of the image */
        if (trial % 16 < 4) {
            th = rand_in(1, BH); tw = rand_in(1, BW);
            wy = (trial & 1) ? BH - th : 0;
            wx = (trial & 2) ? BW - tw : 0;
        } else {
            wy = rand_in(0, BH - 1); wx = rand_in(0, BW - 1);
            th = rand_in(1, BH - wy); tw = rand_in(1, BW - wx);
        }
        pt = rand_in(-2, ek - 1); pb = rand_in(-2, ek - 1);
        pl = rand_in(-2, ekw - 1); pr = rand_in(-2, ekw - 1);
        if (th + pt + pb < ek || tw + pl + pr < ekw || pt >= th || pl >= tw) {
            trial--; /* no output pixel, or (pool) a window entirely outside: draw again */
            continue;
        }
        oh = (th + pt + pb - ek) / L.stride.h + 1;
        ow = (tw + pl + pr - ekw) / L.stride.w + 1;
        if (pt < 0 || pl < 0)
            negative_pads++;
        if (trial % 16 < 4)
            border++;
        OBH = oh + rand_in(0, 3); OBW = ow + rand_in(0, 3);
        qy = rand_in(0, OBH - oh); qx = rand_in(0, OBW - ow);

        big = (int8_t *)xmalloc((size_t)BH * BW * L.c);
        win = (int8_t *)xmalloc((size_t)th * tw * L.c);
        want = (int8_t *)xmalloc((size_t)oh * ow * L.oc);
        obig = (int8_t *)xmalloc((size_t)OBH * OBW * L.oc);
        fill_s8(big, (size_t)BH * BW * L.c);
        for (y = 0; y < th; y++)
            memcpy(win + (size_t)y * tw * L.c, big + ((size_t)(wy + y) * BW + wx) * L.c, (size_t)tw * L.c);
        memset(obig, SENTINEL, (size_t)OBH * OBW * L.oc);

        run_layer(&L, win, th, tw, 0, pt, pl, want, oh, ow, 0);
        run_layer(&L, big + ((size_t)wy * BW + wx) * L.c, th, tw, BW * L.c, pt, pl,
                  obig + ((size_t)qy * OBW + qx) * L.oc, oh, ow, OBW * L.oc);
        for (i = 0; i < OBH * OBW * L.oc; i++) {
            const int32_t oy = i / (OBW * L.oc), ox = i / L.oc % OBW, o = i % L.oc;
            const int inside = oy >= qy && oy < qy + oh && ox >= qx && ox < qx + ow;
            if (inside && obig[i] != want[((size_t)(oy - qy) * ow + (ox - qx)) * L.oc + o]) {
                if (bad++ < 3)
                    printf("FAIL %s strided trial %d: out (%d, %d, %d) = %d, want %d\n", kind_name[kind], trial,
                           (int)(oy - qy), (int)(ox - qx), (int)o, obig[i],
                           want[((size_t)(oy - qy) * ow + (ox - qx)) * L.oc + o]);
                break;
            }
            if (!inside && obig[i] != SENTINEL) {
                bad_outside++;
                break;
            }
        }
        free(big); free(win); free(want); free(obig);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(bad_outside, 0);
    CHECK_EQ(negative_pads > 50, 1); /* the draw really exercises negative pads */
    CHECK_EQ(border, 100);
}

/* Tiled inference: the full image's output, computed tile by tile with the strided kernels, each
 * tile reading just the input rows/columns its outputs need plus one more on each side where the
 * image has one (so interior tiles get negative pads), equals the output of one dense call. */
static void test_tiles(void)
{
    enum { H = 13, W = 11 };
    static const struct { int kind; int32_t k, s, d, c, oc, th, tw; } cases[] = {
        {K_CONV, 3, 1, 1, 3, 4, 4, 5}, {K_CONV, 5, 2, 1, 2, 3, 2, 3}, {K_CONV, 3, 1, 2, 4, 2, 3, 4},
        {K_CONV, 1, 2, 1, 5, 6, 3, 2}, {K_DW, 3, 1, 1, 5, 5, 4, 4}, {K_DW, 3, 2, 1, 3, 3, 2, 2},
        {K_DW, 5, 1, 2, 2, 2, 5, 3}, {K_MAX, 2, 2, 1, 4, 4, 2, 3}, {K_MAX, 3, 1, 1, 3, 3, 4, 4},
        {K_AVG, 3, 2, 1, 4, 4, 3, 2}, {K_AVG, 3, 1, 1, 2, 2, 5, 4},
    };
    size_t n;
    seed(0x711E5u);
    for (n = 0; n < sizeof cases / sizeof cases[0]; n++) {
        test_layer L;
        int32_t ek, pt, pl, oh, ow, oy0, ox0;
        int8_t *in, *want, *got;
        random_layer(&L, cases[n].kind, cases[n].c, cases[n].oc, cases[n].k, cases[n].s, cases[n].d);
        ek = eff_kernel(L.kernel.h, L.dilation.h);
        /* SAME-like: out = ceil(in / s), the total pad split with the smaller half on top */
        oh = (H + L.stride.h - 1) / L.stride.h;
        ow = (W + L.stride.w - 1) / L.stride.w;
        pt = tc_max_i32((oh - 1) * L.stride.h + ek - H, 0) / 2;
        pl = tc_max_i32((ow - 1) * L.stride.w + ek - W, 0) / 2;
        in = (int8_t *)xmalloc((size_t)H * W * L.c);
        want = (int8_t *)xmalloc((size_t)oh * ow * L.oc);
        got = (int8_t *)xmalloc((size_t)oh * ow * L.oc);
        fill_s8(in, (size_t)H * W * L.c);
        run_layer(&L, in, H, W, 0, pt, pl, want, oh, ow, 0);
        memset(got, 0x5A, (size_t)oh * ow * L.oc);
        for (oy0 = 0; oy0 < oh; oy0 += cases[n].th) {
            const int32_t oy1 = tc_min_i32(oh, oy0 + cases[n].th);
            const int32_t r0 = tc_max_i32(0, oy0 * L.stride.h - pt - 1);
            const int32_t r1 = tc_min_i32(H, (oy1 - 1) * L.stride.h - pt + ek + 1);
            for (ox0 = 0; ox0 < ow; ox0 += cases[n].tw) {
                const int32_t ox1 = tc_min_i32(ow, ox0 + cases[n].tw);
                const int32_t c0 = tc_max_i32(0, ox0 * L.stride.w - pl - 1);
                const int32_t c1 = tc_min_i32(W, (ox1 - 1) * L.stride.w - pl + ek + 1);
                run_layer(&L, in + ((size_t)r0 * W + c0) * L.c, r1 - r0, c1 - c0, W * L.c,
                          pt + r0 - oy0 * L.stride.h, pl + c0 - ox0 * L.stride.w,
                          got + ((size_t)oy0 * ow + ox0) * L.oc, oy1 - oy0, ox1 - ox0, ow * L.oc);
            }
        }
        check_s8(kind_name[L.kind], __LINE__, got, want, oh * ow * L.oc);
        free(in); free(want); free(got);
    }
}

/* A hand-checked negative pad: 1x1 output of a 3x3 kernel whose window starts one row and one
 * column into a 4x4 tile (pad.top = pad.left = -1), with the tile 2 rows into a 6-wide buffer. */
static void test_negative_pad(void)
{
    int8_t buf[6 * 6];
    static const int8_t w[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}; /* main diagonal */
    int8_t out[3] = {0, 0, 0};
    tc_conv2d_params p;
    int i;
    for (i = 0; i < 36; i++)
        buf[i] = (int8_t)i;
    memset(&p, 0, sizeof p);
    p.input.h = p.input.w = 4; p.input.c = 1;
    p.output.h = p.output.w = p.output.c = 1;
    p.kernel.h = p.kernel.w = 3;
    p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
    p.pad.top = p.pad.left = -1;
    p.act_min = -128; p.act_max = 127;
    p.out_mult = mult_one; p.out_shift = shift_one;
    p.in_row_stride = 6;
    /* the tile is buf rows 2..5, columns 1..4; the window is buf (3..5, 2..4): 20 + 27 + 34 = 81 */
    tc_conv2d_s8_ref(&p, buf + 2 * 6 + 1, w, NULL, out + 1);
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[1], 81);
    CHECK_EQ(out[2], 0);
}

/* tc_dwconv_s8_inplace_ref == tc_dwconv_s8_ref over kernel 3/5 x stride 1/2 x SAME/VALID x
 * dilation 1/2, odd (and even) sizes and several channel counts. */
static void test_dwconv_inplace(void)
{
    static const int32_t sizes[][2] = {{7, 9}, {5, 5}, {9, 7}, {6, 8}, {11, 5}, {3, 3}, {1, 1}};
    static const int32_t channels[] = {1, 3, 4, 8, 5, 2};
    int k, s, same, d, i = 0, cases = 0;
    seed(0xD1AC3u);
    for (k = 3; k <= 5; k += 2)
        for (s = 1; s <= 2; s++)
            for (same = 0; same <= 1; same++)
                for (d = 1; d <= 2; d++, i++) {
                    test_layer L;
                    tc_dwconv_params p;
                    int32_t ih = sizes[i % 7][0], iw = sizes[i % 7][1], ek, oh, ow, scratch;
                    int8_t *in, *want, *data, *plane;
                    random_layer(&L, K_DW, channels[i % 6], 0, k, s, d);
                    ek = eff_kernel(k, d);
                    memset(&p, 0, sizeof p);
                    if (same) {
                        oh = (ih + s - 1) / s; ow = (iw + s - 1) / s;
                        p.pad.top = tc_max_i32((oh - 1) * s + ek - ih, 0) / 2;
                        p.pad.bottom = tc_max_i32((oh - 1) * s + ek - ih, 0) - p.pad.top;
                        p.pad.left = tc_max_i32((ow - 1) * s + ek - iw, 0) / 2;
                        p.pad.right = tc_max_i32((ow - 1) * s + ek - iw, 0) - p.pad.left;
                    } else {
                        ih = tc_max_i32(ih, ek); iw = tc_max_i32(iw, ek + 1);
                        oh = (ih - ek) / s + 1; ow = (iw - ek) / s + 1;
                    }
                    p.input.h = ih; p.input.w = iw; p.input.c = L.c;
                    p.output.h = oh; p.output.w = ow; p.output.c = L.c;
                    p.kernel = L.kernel; p.stride = L.stride; p.dilation = L.dilation;
                    p.depth_multiplier = 1;
                    p.input_offset = L.input_offset; p.output_offset = L.output_offset;
                    p.act_min = L.act_min; p.act_max = L.act_max;
                    p.out_mult = L.mult; p.out_shift = L.shift;
                    scratch = tc_dwconv_s8_inplace_scratch_bytes(&p);
                    CHECK_EQ(scratch, ih * iw);
                    in = (int8_t *)xmalloc((size_t)ih * iw * L.c);
                    want = (int8_t *)xmalloc((size_t)oh * ow * L.c);
                    data = (int8_t *)xmalloc((size_t)ih * iw * L.c);
                    plane = (int8_t *)xmalloc((size_t)scratch);
                    fill_s8(in, (size_t)ih * iw * L.c);
                    memcpy(data, in, (size_t)ih * iw * L.c);
                    tc_dwconv_s8_ref(&p, in, L.filter, L.has_bias ? L.bias : NULL, want);
                    tc_dwconv_s8_inplace_ref(&p, data, L.filter, L.has_bias ? L.bias : NULL, plane);
                    check_s8("dwconv in place", __LINE__, data, want, oh * ow * L.c);
                    free(in); free(want); free(data); free(plane);
                    cases++;
                }
    CHECK_EQ(cases, 16);
}

/* tc_conv2d_add_s8_ref == tc_conv2d_s8_ref then tc_add_s8_ref, conv as input1 and as input2, out
 * of place and in place (output == residual). */
static void test_conv_add(void)
{
    static const struct { int32_t h, w, c, oc, k, s, d, same; } cases[] = {
        {5, 5, 3, 4, 3, 1, 1, 1}, {7, 9, 2, 5, 3, 2, 1, 1}, {6, 8, 4, 3, 1, 1, 1, 0},
        {9, 7, 1, 2, 5, 1, 2, 1}, {8, 8, 3, 3, 3, 2, 2, 0}, {1, 1, 5, 7, 1, 1, 1, 0},
    };
    size_t n;
    seed(0xADD5u);
    for (n = 0; n < sizeof cases / sizeof cases[0]; n++) {
        test_layer L;
        tc_conv2d_params p;
        tc_add_params a;
        int32_t ek, oh, ow, size, order;
        int8_t *in, *res, *tmp, *want, *got;
        random_layer(&L, K_CONV, cases[n].c, cases[n].oc, cases[n].k, cases[n].s, cases[n].d);
        ek = eff_kernel(cases[n].k, cases[n].d);
        memset(&p, 0, sizeof p);
        if (cases[n].same) {
            oh = (cases[n].h + cases[n].s - 1) / cases[n].s;
            ow = (cases[n].w + cases[n].s - 1) / cases[n].s;
            p.pad.top = tc_max_i32((oh - 1) * cases[n].s + ek - cases[n].h, 0) / 2;
            p.pad.left = tc_max_i32((ow - 1) * cases[n].s + ek - cases[n].w, 0) / 2;
        } else {
            oh = (cases[n].h - ek) / cases[n].s + 1;
            ow = (cases[n].w - ek) / cases[n].s + 1;
        }
        p.input.h = cases[n].h; p.input.w = cases[n].w; p.input.c = L.c;
        p.output.h = oh; p.output.w = ow; p.output.c = L.oc;
        p.kernel = L.kernel; p.stride = L.stride; p.dilation = L.dilation;
        p.input_offset = L.input_offset; p.output_offset = L.output_offset;
        p.act_min = L.act_min; p.act_max = L.act_max;
        p.out_mult = L.mult; p.out_shift = L.shift;
        size = oh * ow * L.oc;
        memset(&a, 0, sizeof a);
        a.size = 1; /* ignored by the fused kernel: the size is the conv output's */
        a.input1_offset = rand_in(-127, 128); a.input2_offset = rand_in(-127, 128);
        a.output_offset = rand_in(-128, 127);
        a.left_shift = 20;
        a.input1_mult = rand_in(1 << 30, INT32_MAX); a.input1_shift = rand_in(-3, 0);
        a.input2_mult = rand_in(1 << 30, INT32_MAX); a.input2_shift = rand_in(-3, 0);
        a.output_mult = rand_in(1 << 30, INT32_MAX); a.output_shift = rand_in(-21, -17);
        a.act_min = rand_in(0, 1) ? -128 : -100; a.act_max = rand_in(0, 1) ? 127 : 90;
        in = (int8_t *)xmalloc((size_t)cases[n].h * cases[n].w * L.c);
        res = (int8_t *)xmalloc((size_t)size);
        tmp = (int8_t *)xmalloc((size_t)size);
        want = (int8_t *)xmalloc((size_t)size);
        got = (int8_t *)xmalloc((size_t)size);
        fill_s8(in, (size_t)cases[n].h * cases[n].w * L.c);
        fill_s8(res, (size_t)size);
        tc_conv2d_s8_ref(&p, in, L.filter, L.has_bias ? L.bias : NULL, tmp);
        for (order = 0; order <= 1; order++) {
            tc_add_params sized = a;
            sized.size = size;
            if (order)
                tc_add_s8_ref(&sized, res, tmp, want);
            else
                tc_add_s8_ref(&sized, tmp, res, want);
            memset(got, 0, (size_t)size);
            tc_conv2d_add_s8_ref(&p, &a, order, in, L.filter, L.has_bias ? L.bias : NULL, res, got);
            check_s8(order ? "conv+add (conv = input2)" : "conv+add (conv = input1)", __LINE__, got, want, size);
            memcpy(got, res, (size_t)size);
            tc_conv2d_add_s8_ref(&p, &a, order ? 7 : 0, in, L.filter, L.has_bias ? L.bias : NULL, got, got);
            check_s8(order ? "conv+add in place (conv = input2)" : "conv+add in place (conv = input1)", __LINE__,
                     got, want, size);
        }
        free(in); free(res); free(tmp); free(want); free(got);
    }
}

/* ---- tc_simd.h helpers (the portable versions on the host, the DSP instructions on Cortex-M4) ---- */

/* Halfword k of a packed word, sign-extended (independent of tc_simd.h's own helpers). */
static int32_t half_of(int32_t x, int k)
{
    return (int32_t)((((uint32_t)x >> (16 * k)) & 0xffffu) ^ 0x8000u) - 0x8000;
}
static int32_t pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xffffu) | (((uint32_t)hi & 0xffffu) << 16));
}
static int32_t word_of(int8_t b0, int8_t b1, int8_t b2, int8_t b3)
{
    return (int32_t)((uint32_t)(uint8_t)b0 | (uint32_t)(uint8_t)b1 << 8 | (uint32_t)(uint8_t)b2 << 16 |
                     (uint32_t)(uint8_t)b3 << 24);
}

static void test_simd(void)
{
    static const int8_t bytes[9] = {0x11, 1, -128, 127, -1, 0, -128, -128, 127};
    int32_t i, bad;

    /* unaligned little-endian word loads */
    CHECK_EQ((uint32_t)tc_read_s8x4(bytes + 1), 0xff7f8001u);
    CHECK_EQ((uint32_t)tc_read_s8x4(bytes + 5), 0x7f808000u);
    CHECK_EQ(tc_read_s8x4(bytes + 2), word_of(-128, 127, -1, 0));

    /* SXTB16: bytes 0 and 2; ROR 8: bytes 1 and 3 */
    CHECK_EQ((uint32_t)tc_sxtb16(word_of(-1, -128, 127, -128)), 0x007fffffu);
    CHECK_EQ((uint32_t)tc_sxtb16_ror8(word_of(-1, -128, 127, -128)), 0xff80ff80u);
    CHECK_EQ((uint32_t)tc_sxtb16(word_of(-128, 127, -128, 127)), 0xff80ff80u);
    CHECK_EQ((uint32_t)tc_sxtb16_ror8(word_of(-128, 127, -128, 127)), 0x007f007fu);
    CHECK_EQ(tc_sxtb16(0), 0);
    CHECK_EQ(tc_sxtb16((int32_t)0xffffffffu), -1);
    CHECK_EQ(tc_sxtb16_ror8((int32_t)0xffffffffu), -1);
    bad = 0; /* every byte value in every position */
    for (i = 0; i < 256 * 4; i++) {
        const int8_t b = (int8_t)(i % 256 - 128), o = (int8_t)(127 - i % 256);
        const int k = i / 256;
        const int32_t w = word_of(k == 0 ? b : o, k == 1 ? b : o, k == 2 ? b : o, k == 3 ? b : o);
        const int32_t lo = tc_sxtb16(w), hi = tc_sxtb16_ror8(w);
        if (half_of(k & 1 ? hi : lo, k / 2) != b || half_of(k & 1 ? hi : lo, 1 - k / 2) != o ||
            half_of(k & 1 ? lo : hi, 0) != o || half_of(k & 1 ? lo : hi, 1) != o)
            bad++;
    }
    CHECK_EQ(bad, 0);

    /* SMLAD: two 16x16 products plus the accumulator, wrapping mod 2^32 */
    CHECK_EQ(tc_smlad(pack16(3, -4), pack16(5, 6), 7), 3 * 5 - 4 * 6 + 7);
    CHECK_EQ(tc_smlad(pack16(-128, 127), pack16(-128, 127), 5), 16384 + 16129 + 5);
    CHECK_EQ(tc_smlad(pack16(-128, -128), pack16(127, 127), 0), -32512);
    CHECK_EQ(tc_smlad(pack16(-32768, -32768), pack16(-32768, -32768), 0), INT32_MIN); /* 2^31 wraps */
    CHECK_EQ(tc_smlad(pack16(-32768, -32768), pack16(-32768, -32768), INT32_MIN), 0);
    CHECK_EQ(tc_smlad(pack16(1, 0), pack16(1, 0), INT32_MAX), INT32_MIN);
    CHECK_EQ(tc_smlad(pack16(-1, 0), pack16(1, 0), INT32_MIN), INT32_MAX);
    CHECK_EQ(tc_smlad(pack16(32767, -32768), pack16(-32768, -32768), 0), 32768);
    bad = 0; /* random operands against 64-bit arithmetic reduced mod 2^32 */
    for (i = 0; i < 100000; i++) {
        const int32_t a = next_i32(), b = next_i32(), acc = next_i32();
        const int64_t want = (int64_t)acc + (int64_t)half_of(a, 0) * half_of(b, 0) +
                             (int64_t)half_of(a, 1) * half_of(b, 1);
        if ((uint32_t)tc_smlad(a, b, acc) != (uint32_t)(uint64_t)want)
            bad++;
    }
    CHECK_EQ(bad, 0);
    bad = 0; /* the de-interleaved 4-byte dot product the _dsp kernels use */
    for (i = 0; i < 100000; i++) {
        const int32_t a = next_i32(), b = next_i32(), acc = i % 3 ? next_i32() : INT32_MAX;
        int32_t want = acc, k;
        for (k = 0; k < 4; k++)
            want = (int32_t)((uint32_t)want + (uint32_t)(((a >> (8 * k)) & 0xff) - ((a >> (8 * k)) & 0x80) * 2) *
                                                  (uint32_t)(((b >> (8 * k)) & 0xff) - ((b >> (8 * k)) & 0x80) * 2));
        if (tc_smlad(tc_sxtb16_ror8(a), tc_sxtb16_ror8(b), tc_smlad(tc_sxtb16(a), tc_sxtb16(b), acc)) != want)
            bad++;
    }
    CHECK_EQ(bad, 0);

    /* SSAT */
    CHECK_EQ(tc_ssat(200, 8), 127);
    CHECK_EQ(tc_ssat(-200, 8), -128);
    CHECK_EQ(tc_ssat(-128, 8), -128);
    CHECK_EQ(tc_ssat(127, 8), 127);
    CHECK_EQ(tc_ssat(-5, 8), -5);
    CHECK_EQ(tc_ssat(70000, 16), 32767);
    CHECK_EQ(tc_ssat(-70000, 16), -32768);
    CHECK_EQ(tc_ssat(3, 1), 0);
    CHECK_EQ(tc_ssat(-3, 1), -1);
    CHECK_EQ(tc_ssat(INT32_MIN, 32), INT32_MIN);
    CHECK_EQ(tc_ssat(INT32_MAX, 32), INT32_MAX);
    CHECK_EQ(tc_ssat(INT32_MIN, 31), -(1 << 30));
    CHECK_EQ(tc_ssat(INT32_MAX, 31), (1 << 30) - 1);
}

/* ---- tc_conv2d_1x1_s8_dsp == tc_conv2d_s8_ref, byte for byte ---- */

int main(void)
{
    test_srdhm();
    test_rdbpot();
    test_mbqm();
    test_sat_shl();
    test_conv();
    test_dilation();
    test_dwconv();
    test_fc();
    test_pool();
    test_add();
    test_add_broadcast();
    test_requantize();
    test_logistic();
    test_mean();
    test_softmax();
    test_pad_concat_clamp();
    test_row_strides();
    test_tiles();
    test_negative_pad();
    test_dwconv_inplace();
    test_conv_add();
    test_simd();
    return tc_test_report();
}
