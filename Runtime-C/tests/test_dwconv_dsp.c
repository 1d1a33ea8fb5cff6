/* SPDX-License-Identifier: Apache-2.0 */
/* Host tests of the depthwise `_dsp` kernels (portable path): bit-exact against tc_dwconv_s8_ref
 * over seeded random parameter tables, plus hand-computed cases. */
#include "tc_test.h"

/* bias_f[o] = bias[o] + input_offset * sum of channel o's taps, mod 2^32 (tc_dwconv_dsp.h). */
static void fold_bias(const tc_dwconv_params *p, const int8_t *filter, const int32_t *bias, int32_t *out)
{
    /* (kernel.h, kernel.w, output.c): channel o's taps are output.c apart */
    tc_test_fold_bias(out, bias, filter, p->output.c, p->kernel.h * p->kernel.w, 1, (size_t)p->output.c,
                      p->input_offset);
}

/* The hand-computed 3x3 case: input (real values) 1..9, z_in = 3, filter all 1 but the centre 2,
 * SAME padding, mult 2^30 shift -1 (x / 4 with double rounding), z_out = -5. */
static void test_hand(void)
{
    static const int8_t in[9] = {4, 5, 6, 7, 8, 9, 10, 11, 12}; /* real + z_in */
    static const int8_t filter[9] = {1, 1, 1, 1, 2, 1, 1, 1, 1};
    static const int32_t mult[1] = {1 << 30}, shift[1] = {-1};
    /* s1: real sums 13 23 19 / 31 50 39 / 31 47 37; TFLite's double rounding halves twice
     * (13 -> 6.5 -> 7 -> 3.5 -> 4, 37 -> 18.5 -> 19 -> 9.5 -> 10, 50 -> 25 -> 12.5 -> 13), - 5 */
    static const int8_t want1[9] = {-1, 1, 0, 3, 8, 5, 3, 7, 5};
    static const int8_t want2[4] = {-1, 0, 3, 5};
    tc_dwconv_params p;
    int32_t bias_f[1];
    int8_t out1[9], out2[4], data[9], ref[9];
    unsigned char scratch[512];

    memset(&p, 0, sizeof p);
    p.input.h = p.input.w = 3;
    p.input.c = p.output.c = 1;
    p.output.h = p.output.w = 3;
    p.kernel.h = p.kernel.w = 3;
    p.stride.h = p.stride.w = 1;
    p.dilation.h = p.dilation.w = 1;
    p.pad.top = p.pad.bottom = p.pad.left = p.pad.right = 1;
    p.depth_multiplier = 1;
    p.input_offset = -3;
    p.output_offset = -5;
    p.act_min = -128;
    p.act_max = 127;
    p.out_mult = mult;
    p.out_shift = shift;
    fold_bias(&p, filter, NULL, bias_f);
    CHECK_EQ(bias_f[0], -30);
    CHECK_EQ(tc_dwconv_s8_dsp_scratch_bytes(&p) <= (int32_t)sizeof scratch, 1);

    tc_dwconv_s8_ref(&p, in, filter, NULL, ref);
    CHECK_S8(ref, want1);
    tc_dwconv_3x3s1_s8_dsp(&p, in, filter, bias_f, out1, scratch);
    CHECK_S8(out1, want1);
    memcpy(data, in, sizeof data);
    tc_dwconv_3x3s1_s8_inplace_dsp(&p, data, filter, bias_f, scratch);
    CHECK_S8(data, want1);

    p.stride.h = p.stride.w = 2;
    p.output.h = p.output.w = 2;
    CHECK_EQ(tc_dwconv_s8_dsp_scratch_bytes(&p) <= (int32_t)sizeof scratch, 1);
    tc_dwconv_3x3s2_s8_dsp(&p, in, filter, bias_f, out2, scratch);
    CHECK_S8(out2, want2);
    memcpy(data, in, sizeof data);
    tc_dwconv_3x3s2_s8_inplace_dsp(&p, data, filter, bias_f, scratch);
    check_s8("inplace s2", __LINE__, data, want2, 4);
    memcpy(data, in, sizeof data);
    tc_dwconv_s8_inplace_dsp(&p, data, filter, bias_f, scratch);
    check_s8("inplace generic entry", __LINE__, data, want2, 4);
}

static int32_t rand_bias(void)
{
    switch (rand_in(0, 9)) {
    case 0:
        return rand_in(0, 1) ? INT32_MAX : -INT32_MAX; /* dead channel */
    case 1:
        return rand_in(-(1 << 29), 1 << 29) * 2 + rand_in(0, 1); /* around the fast-path bound */
    default:
        return rand_in(-(1 << 20), 1 << 20);
    }
}

static int32_t rand_shift(void)
{
    switch (rand_in(0, 9)) {
    case 0:
        return rand_in(0, 4); /* left shifts */
    case 1:
        return rand_in(-31, -20);
    default:
        return rand_in(-12, -1);
    }
}

/* kind: 0 general, 1 3x3 stride 1, 2 3x3 stride 2 (shape forced accordingly) */
static void random_case(int kind, int small)
{
    tc_dwconv_params p;
    int32_t *mult, *shift, *bias, *bias_f;
    int8_t *in, *filter, *ref, *out, *data;
    unsigned char *scratch;
    size_t in_bytes, out_bytes;
    int32_t ih, iw, ic, dm, oc, oh, ow, o, misalign, sb;
    int32_t in_extra, out_extra, inplace_ok;

    memset(&p, 0, sizeof p);
    tc_test_dwconv_window(&p, kind, small);
    ih = p.input.h;
    iw = p.input.w;
    ic = p.input.c;
    dm = p.depth_multiplier;
    oc = p.output.c;
    oh = p.output.h;
    ow = p.output.w;
    p.input_offset = rand_in(-127, 128);
    p.output_offset = rand_in(-128, 127);
    if (rand_in(0, 1)) {
        p.act_min = -128;
        p.act_max = 127;
    } else {
        p.act_min = rand_in(-128, 0);
        p.act_max = rand_in(p.act_min, 127);
    }
    in_extra = rand_in(0, 2) == 0 ? rand_in(1, 7) : 0;
    out_extra = rand_in(0, 2) == 0 ? rand_in(1, 7) : 0;
    p.in_row_stride = in_extra ? iw * ic + in_extra : 0;
    p.out_row_stride = out_extra ? ow * oc + out_extra : 0;

    mult = xmalloc(sizeof(int32_t) * (size_t)oc);
    shift = xmalloc(sizeof(int32_t) * (size_t)oc);
    bias = xmalloc(sizeof(int32_t) * (size_t)oc);
    bias_f = xmalloc(sizeof(int32_t) * (size_t)oc);
    for (o = 0; o < oc; o++) {
        mult[o] = rand_in(0, 15) == 0 ? 0 : (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
        shift[o] = rand_shift();
        bias[o] = rand_bias();
    }
    p.out_mult = mult;
    p.out_shift = shift;

    in_bytes = (size_t)(ih - 1) * (size_t)(p.in_row_stride ? p.in_row_stride : iw * ic) + (size_t)iw * (size_t)ic;
    out_bytes = (size_t)(oh - 1) * (size_t)(p.out_row_stride ? p.out_row_stride : ow * oc) + (size_t)ow * (size_t)oc;
    in = xmalloc(in_bytes);
    filter = xmalloc((size_t)p.kernel.h * (size_t)p.kernel.w * (size_t)oc);
    ref = xmalloc(out_bytes);
    out = xmalloc(out_bytes);
    fill_s8(in, in_bytes);
    fill_s8(filter, (size_t)p.kernel.h * (size_t)p.kernel.w * (size_t)oc);
    if (rand_in(0, 4) == 0) /* extreme taps */
        filter[0] = (int8_t)(rand_in(0, 1) ? -128 : 127);
    if (rand_in(0, 9) == 0) { /* NULL bias in the reference too */
        fold_bias(&p, filter, NULL, bias_f);
        memset(bias, 0, sizeof(int32_t) * (size_t)oc);
    } else {
        fold_bias(&p, filter, bias, bias_f);
    }

    sb = tc_dwconv_s8_dsp_scratch_bytes(&p);
    misalign = rand_in(0, 3);
    scratch = xmalloc((size_t)sb + (size_t)misalign);

    tc_dwconv_s8_ref(&p, in, filter, bias, ref);
    memcpy(out, ref, out_bytes); /* so gaps between strided rows compare equal */
    {
        size_t i; /* poison the written pixels */
        int32_t y;
        for (y = 0; y < oh; y++)
            for (i = 0; i < (size_t)ow * (size_t)oc; i++)
                out[(size_t)y * (size_t)(p.out_row_stride ? p.out_row_stride : ow * oc) + i] ^= 0x5a;
    }
    if (kind == 1)
        tc_dwconv_3x3s1_s8_dsp(&p, in, filter, bias_f, out, scratch + misalign);
    else if (kind == 2)
        tc_dwconv_3x3s2_s8_dsp(&p, in, filter, bias_f, out, scratch + misalign);
    else
        tc_dwconv_s8_dsp(&p, in, filter, bias_f, out, scratch + misalign);
    check_s8(kind == 0 ? "general" : kind == 1 ? "3x3s1" : "3x3s2", __LINE__, out, ref, (int)out_bytes);

    /* in place: depth_multiplier 1, dense, output no larger than the input */
    inplace_ok = dm == 1 && (int64_t)oh * ow <= (int64_t)ih * iw;
    if (inplace_ok) {
        tc_dwconv_params q = p;
        int8_t *ref2;
        size_t dense_in = (size_t)ih * (size_t)iw * (size_t)ic, dense_out = (size_t)oh * (size_t)ow * (size_t)oc;
        q.in_row_stride = q.out_row_stride = 0;
        data = xmalloc(dense_in);
        ref2 = xmalloc(dense_out);
        fill_s8(data, dense_in);
        tc_dwconv_s8_ref(&q, data, filter, bias, ref2);
        if (kind == 1)
            tc_dwconv_3x3s1_s8_inplace_dsp(&q, data, filter, bias_f, scratch + misalign);
        else if (kind == 2)
            tc_dwconv_3x3s2_s8_inplace_dsp(&q, data, filter, bias_f, scratch + misalign);
        else
            tc_dwconv_s8_inplace_dsp(&q, data, filter, bias_f, scratch + misalign);
        check_s8("inplace", __LINE__, data, ref2, (int)dense_out);
        free(data);
        free(ref2);
    }

    free(mult);
    free(shift);
    free(bias);
    free(bias_f);
    free(in);
    free(filter);
    free(ref);
    free(out);
    free(scratch);
}

/* The MLPerf Tiny shapes (vww_96 and kws), in place and out of place. */
static void test_mlperf_shapes(void)
{
    static const int32_t shapes[][4] = {/* h, w, c, stride */
                                        {48, 48, 8, 1},  {48, 48, 16, 2}, {24, 24, 32, 1}, {24, 24, 32, 2},
                                        {12, 12, 64, 1}, {12, 12, 64, 2}, {6, 6, 128, 1},  {6, 6, 128, 2},
                                        {3, 3, 256, 1},  {25, 5, 64, 1}};
    size_t s;
    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        tc_dwconv_params p;
        const int32_t h = shapes[s][0], w = shapes[s][1], c = shapes[s][2], st = shapes[s][3];
        const size_t n_in = (size_t)h * (size_t)w * (size_t)c;
        int32_t *mult = xmalloc(4 * (size_t)c), *shift = xmalloc(4 * (size_t)c), *bias = xmalloc(4 * (size_t)c);
        int32_t *bias_f = xmalloc(4 * (size_t)c);
        int8_t *in = xmalloc(n_in), *filter = xmalloc(9 * (size_t)c), *data = xmalloc(n_in);
        int8_t *ref, *out;
        unsigned char *scratch;
        size_t n_out;
        int32_t o;

        memset(&p, 0, sizeof p);
        p.input.h = h;
        p.input.w = w;
        p.input.c = p.output.c = c;
        p.output.h = (h + st - 1) / st;
        p.output.w = (w + st - 1) / st;
        p.kernel.h = p.kernel.w = 3;
        p.stride.h = p.stride.w = st;
        p.dilation.h = p.dilation.w = 1;
        /* TFLite SAME: total pad = max((out - 1) * stride + 3 - in, 0), the smaller half on top */
        p.pad.top = tc_max_i32((p.output.h - 1) * st + 3 - h, 0) / 2;
        p.pad.left = tc_max_i32((p.output.w - 1) * st + 3 - w, 0) / 2;
        p.depth_multiplier = 1;
        p.input_offset = rand_in(-127, 128);
        p.output_offset = rand_in(-128, 127);
        p.act_min = -128;
        p.act_max = 127;
        for (o = 0; o < c; o++) {
            mult[o] = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
            shift[o] = rand_in(-10, -6);
            bias[o] = rand_in(-5000, 5000);
        }
        p.out_mult = mult;
        p.out_shift = shift;
        fill_s8(in, n_in);
        fill_s8(filter, 9 * (size_t)c);
        fold_bias(&p, filter, bias, bias_f);
        n_out = (size_t)p.output.h * (size_t)p.output.w * (size_t)c;
        ref = xmalloc(n_out);
        out = xmalloc(n_out);
        scratch = xmalloc((size_t)tc_dwconv_s8_dsp_scratch_bytes(&p));
        tc_dwconv_s8_ref(&p, in, filter, bias, ref);
        if (st == 1)
            tc_dwconv_3x3s1_s8_dsp(&p, in, filter, bias_f, out, scratch);
        else
            tc_dwconv_3x3s2_s8_dsp(&p, in, filter, bias_f, out, scratch);
        check_s8("mlperf out of place", __LINE__, out, ref, (int)n_out);
        memcpy(data, in, n_in);
        if (st == 1)
            tc_dwconv_3x3s1_s8_inplace_dsp(&p, data, filter, bias_f, scratch);
        else
            tc_dwconv_3x3s2_s8_inplace_dsp(&p, data, filter, bias_f, scratch);
        check_s8("mlperf in place", __LINE__, data, ref, (int)n_out);
        free(mult);
        free(shift);
        free(bias);
        free(bias_f);
        free(in);
        free(filter);
        free(data);
        free(ref);
        free(out);
        free(scratch);
    }
}

int main(void)
{
    int i;
    test_hand();
    seed(20240601u);
    test_mlperf_shapes();
    for (i = 0; i < 600; i++)
        random_case(0, i % 2);
    for (i = 0; i < 400; i++)
        random_case(1, i % 2);
    for (i = 0; i < 400; i++)
        random_case(2, i % 2);
    return tc_test_report();
}
