/* SPDX-License-Identifier: Apache-2.0 */
/* tc_conv2d_s8_dsp / tc_conv2d_add_s8_dsp == their _ref twins, byte for byte: one hand-computed
 * case, then seeded random parameter tables (kernel sizes, strides, dilations, pads including
 * negative ones, row strides, odd and non-multiple-of-4 channel counts, offsets, clamp ranges,
 * multipliers with shift >= 0 and < 0, dead-channel biases). */
#include "tc_test.h"

/* bias[o] + input_offset * sum(filter row o), mod 2^32; bias NULL counts as 0. */
static void fold_bias(const tc_conv2d_params *p, const int8_t *filter, const int32_t *bias, int32_t *out)
{
    const int32_t k = p->kernel.h * p->kernel.w * p->input.c; /* OHWI: channel o's taps are contiguous */
    tc_test_fold_bias(out, bias, filter, p->output.c, k, (size_t)k, 1, p->input_offset);
}

/* 2x2x1 input, 3x3 kernel, pads 1, two channels: all ones with scale 1.0 (shift 1) and a sparse
 * one with scale 0.25 (shift -1); values worked out by hand (the header comment of each below). */
static void test_hand(void)
{
    static const int8_t input[4] = {1, 2, 3, 4}; /* real (x + 2): 3 4 / 5 6 */
    static const int8_t filter[18] = {1, 1, 1, 1, 1, 1, 1, 1, 1, /* channel 0 */
                                      1, 0, 0, 0, 2, 0, 0, 0, -1};
    static const int32_t bias[2] = {0, 10};
    static const int32_t mult[2] = {1 << 30, 1 << 30};
    static const int32_t shift[2] = {1, -1};
    /* ch0: every window covers all four pixels: 18 - 5. ch1: acc = v(y-1,x-1) + 2 v(y,x) - v(y+1,x+1)
     * + 10 = 10, 18, 20, 25 -> round(acc / 2) ties up = 5, 9, 10, 13 -> / 2 ties away = 3, 5, 5, 7
     * -> - 5. */
    static const int8_t want[8] = {13, -2, 13, 0, 13, 0, 13, 2};
    tc_conv2d_params p;
    int32_t fb[2];
    int8_t got[8], ref[8];
    int32_t scratch[64];

    memset(&p, 0, sizeof p);
    p.input.h = p.input.w = 2;
    p.input.c = 1;
    p.output.h = p.output.w = 2;
    p.output.c = 2;
    p.kernel.h = p.kernel.w = 3;
    p.stride.h = p.stride.w = 1;
    p.dilation.h = p.dilation.w = 1;
    p.pad.top = p.pad.bottom = p.pad.left = p.pad.right = 1;
    p.input_offset = 2;
    p.output_offset = -5;
    p.act_min = -128;
    p.act_max = 127;
    p.out_mult = mult;
    p.out_shift = shift;
    CHECK_EQ(tc_conv2d_s8_dsp_scratch_bytes(&p), 4 * 12 + 12);
    fold_bias(&p, filter, bias, fb);
    CHECK_EQ(fb[0], 18);
    CHECK_EQ(fb[1], 14);
    tc_conv2d_s8_ref(&p, input, filter, bias, ref);
    CHECK_S8(ref, want);
    tc_conv2d_s8_dsp(&p, input, filter, fb, got, scratch);
    CHECK_S8(got, want);
}

static const int32_t ics[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 32};
static const int32_t ocs[] = {1, 2, 3, 4, 5, 7, 8, 16, 17};

/* A random conv layer (and tensors) for case number n; returns the output bytes incl. strides. */
typedef struct {
    tc_conv2d_params p;
    int32_t *mult, *shift, *bias, *fb;
    int8_t *input, *filter;
    size_t in_bytes, out_bytes;
    int null_bias;
} rcase;

static void make_case(rcase *r, int n, int dense)
{
    tc_conv2d_params *p = &r->p;
    int32_t o, k;

    memset(p, 0, sizeof *p);
    p->input.c = ics[rand_in(0, (int32_t)(sizeof ics / sizeof ics[0]) - 1)];
    p->output.c = ocs[rand_in(0, (int32_t)(sizeof ocs / sizeof ocs[0]) - 1)];
    tc_test_conv2d_window(p, n, 10, !dense);

    k = p->kernel.h * p->kernel.w * p->input.c;
    r->mult = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->shift = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->bias = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->fb = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    for (o = 0; o < p->output.c; o++) {
        const int32_t kind = rand_in(0, 9);
        r->mult[o] = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
        r->shift[o] = kind == 0 ? rand_in(0, 3) : (kind == 1 ? rand_in(-31, -14) : rand_in(-12, -1));
        r->bias[o] = rand_in(-100000, 100000);
        if (kind == 3) /* any int32 bias with a live multiplier: accumulators near +-2^31 */
            r->bias[o] = next_i32();
        if (kind == 2) { /* dead channel */
            r->mult[o] = 0;
            r->bias[o] = n % 2 ? INT32_MAX : -INT32_MAX;
        }
    }
    r->in_bytes = (size_t)(p->in_row_stride ? p->in_row_stride : p->input.w * p->input.c) * (size_t)p->input.h;
    r->out_bytes = (size_t)(p->out_row_stride ? p->out_row_stride : p->output.w * p->output.c) * (size_t)p->output.h;
    r->input = (int8_t *)xmalloc(r->in_bytes);
    r->filter = (int8_t *)xmalloc((size_t)k * (size_t)p->output.c);
    fill_s8(r->input, r->in_bytes);
    fill_s8(r->filter, (size_t)k * (size_t)p->output.c);
    if (n % 17 == 3) { /* extreme weights and inputs */
        memset(r->filter, 0x80, (size_t)k * (size_t)p->output.c);
        memset(r->input, n % 2 ? 0x80 : 0x7f, r->in_bytes);
    }
    r->null_bias = n % 8 == 5;
    p->out_mult = r->mult;
    p->out_shift = r->shift;
    fold_bias(p, r->filter, r->null_bias ? NULL : r->bias, r->fb);
}

static void free_case(rcase *r)
{
    free(r->mult);
    free(r->shift);
    free(r->bias);
    free(r->fb);
    free(r->input);
    free(r->filter);
}

static void *make_scratch(const tc_conv2d_params *p)
{
    const size_t n = (size_t)tc_conv2d_s8_dsp_scratch_bytes(p);
    void *s = xmalloc(n);
    memset(s, 0xa5, n); /* garbage: nothing may depend on it */
    return s;
}

static void describe(const char *what, const tc_conv2d_params *p, int n)
{
    printf("FAIL %s case %d: in %dx%dx%d out %dx%dx%d k %dx%d s %d/%d d %d/%d pad t%d l%d rs %d/%d "
           "off %d/%d act %d..%d\n",
           what, n, p->input.h, p->input.w, p->input.c, p->output.h, p->output.w, p->output.c, p->kernel.h,
           p->kernel.w, p->stride.h, p->stride.w, p->dilation.h, p->dilation.w, p->pad.top, p->pad.left,
           p->in_row_stride, p->out_row_stride, p->input_offset, p->output_offset, p->act_min, p->act_max);
}

static void test_random_conv(int cases)
{
    int n, bad = 0;
    seed(20240605u);
    for (n = 0; n < cases; n++) {
        rcase r;
        int8_t *want, *got;
        void *scratch;
        make_case(&r, n, 0);
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        memset(want, 0x5a, r.out_bytes); /* row-stride gaps must stay untouched */
        memset(got, 0x5a, r.out_bytes);
        scratch = make_scratch(&r.p);
        tc_conv2d_s8_ref(&r.p, r.input, r.filter, r.null_bias ? NULL : r.bias, want);
        tc_conv2d_s8_dsp(&r.p, r.input, r.filter, r.fb, got, scratch);
        if (memcmp(got, want, r.out_bytes) != 0) {
            failed++;
            if (bad++ < 5)
                describe("conv dsp", &r.p, n);
        } else {
            passed++;
        }
        free(scratch);
        free(want);
        free(got);
        free_case(&r);
    }
}

static void random_add(tc_add_params *a, int n)
{
    memset(a, 0, sizeof *a);
    a->input1_offset = rand_in(-127, 128);
    a->input2_offset = rand_in(-127, 128);
    a->output_offset = rand_in(-128, 127);
    a->left_shift = n % 5 == 0 ? rand_in(0, 20) : 20;
    a->input1_mult = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
    a->input2_mult = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
    a->output_mult = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
    a->input1_shift = n % 4 == 0 ? 0 : rand_in(-4, 0);
    a->input2_shift = n % 4 == 1 ? 0 : rand_in(-4, 0);
    a->output_shift = n % 10 == 3 ? 0 : (a->left_shift == 20 ? rand_in(-22, -16) : rand_in(-8, -1));
    a->act_min = n % 3 == 0 ? -128 : rand_in(-128, 0);
    a->act_max = n % 3 == 0 ? 127 : rand_in(a->act_min, 127);
}

static void test_random_conv_add(int cases)
{
    int n, bad = 0;
    seed(777u);
    for (n = 0; n < cases; n++) {
        rcase r;
        tc_add_params a;
        int8_t *res, *want, *got;
        void *scratch;
        const int swap = n % 2, in_place = n % 3 == 0;
        make_case(&r, n, 1);
        random_add(&a, n);
        a.size = r.p.output.h * r.p.output.w * r.p.output.c;
        res = (int8_t *)xmalloc(r.out_bytes);
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        fill_s8(res, r.out_bytes);
        memcpy(got, res, r.out_bytes);
        scratch = make_scratch(&r.p);
        tc_conv2d_add_s8_ref(&r.p, &a, swap, r.input, r.filter, r.null_bias ? NULL : r.bias, res, want);
        tc_conv2d_add_s8_dsp(&r.p, &a, swap, r.input, r.filter, r.fb, in_place ? got : res, got, scratch);
        if (memcmp(got, want, r.out_bytes) != 0) {
            failed++;
            if (bad++ < 5)
                describe("conv+add dsp", &r.p, n);
        } else {
            passed++;
        }
        free(scratch);
        free(res);
        free(want);
        free(got);
        free_case(&r);
    }
}

/* conv+add equals the two-kernel sequence conv (ref) then add (ref), on a resnet-like shape. */
static void test_conv_then_add(void)
{
    int n;
    seed(4242u);
    for (n = 0; n < 20; n++) {
        rcase r;
        tc_add_params a;
        int8_t *res, *mid, *want, *got;
        void *scratch;
        make_case(&r, n, 1);
        random_add(&a, n);
        a.size = r.p.output.h * r.p.output.w * r.p.output.c;
        res = (int8_t *)xmalloc(r.out_bytes);
        mid = (int8_t *)xmalloc(r.out_bytes);
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        fill_s8(res, r.out_bytes);
        scratch = make_scratch(&r.p);
        tc_conv2d_s8_ref(&r.p, r.input, r.filter, r.null_bias ? NULL : r.bias, mid);
        if (n % 2)
            tc_add_s8_ref(&a, res, mid, want);
        else
            tc_add_s8_ref(&a, mid, res, want);
        tc_conv2d_add_s8_dsp(&r.p, &a, n % 2, r.input, r.filter, r.fb, res, got, scratch);
        check_s8("conv+add vs conv then add", __LINE__, got, want, (int)r.out_bytes);
        free(scratch);
        free(res);
        free(mid);
        free(want);
        free(got);
        free_case(&r);
    }
}

/* The MLPerf Tiny layer shapes themselves (smaller spatial extent), with random data. */
static void test_layer_shapes(void)
{
    static const int32_t shapes[][8] = {
        /* ih, iw, ic, oc, k.h, k.w, stride, pad (top/left; SAME-style) */
        {8, 8, 3, 16, 3, 3, 1, 1},    {8, 8, 16, 16, 3, 3, 1, 1}, {8, 8, 16, 32, 3, 3, 2, 0},
        {8, 8, 32, 32, 3, 3, 1, 1},   {8, 8, 16, 32, 1, 1, 2, 0}, {8, 8, 32, 64, 3, 3, 2, 0},
        {4, 4, 64, 64, 3, 3, 1, 1},   {12, 12, 3, 8, 3, 3, 2, 0}, {49, 10, 1, 64, 10, 4, 2, 4},
    };
    int s;
    seed(99u);
    for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        const int32_t *d = shapes[s];
        rcase r;
        int8_t *want, *got;
        void *scratch;
        make_case(&r, 1, 1);
        free_case(&r);
        r.p.input.h = d[0];
        r.p.input.w = d[1];
        r.p.input.c = d[2];
        r.p.output.c = d[3];
        r.p.kernel.h = d[4];
        r.p.kernel.w = d[5];
        r.p.stride.h = r.p.stride.w = d[6];
        r.p.dilation.h = r.p.dilation.w = 1;
        r.p.pad.top = d[7];
        r.p.pad.left = d[4] == 10 ? 1 : d[7];
        r.p.output.h = (d[0] + d[6] - 1) / d[6];
        r.p.output.w = (d[1] + d[6] - 1) / d[6];
        r.p.in_row_stride = r.p.out_row_stride = 0;
        {
            const int32_t k = d[2] * d[4] * d[5], oc = d[3];
            int32_t o;
            r.mult = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.shift = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.bias = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.fb = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            for (o = 0; o < oc; o++) {
                r.mult[o] = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
                r.shift[o] = rand_in(-10, -6);
                r.bias[o] = rand_in(-5000, 5000);
            }
            r.in_bytes = (size_t)(d[0] * d[1] * d[2]);
            r.out_bytes = (size_t)(r.p.output.h * r.p.output.w * oc);
            r.input = (int8_t *)xmalloc(r.in_bytes);
            r.filter = (int8_t *)xmalloc((size_t)(k * oc));
            fill_s8(r.input, r.in_bytes);
            fill_s8(r.filter, (size_t)(k * oc));
            r.p.out_mult = r.mult;
            r.p.out_shift = r.shift;
            r.null_bias = 0;
            fold_bias(&r.p, r.filter, r.bias, r.fb);
        }
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        scratch = make_scratch(&r.p);
        tc_conv2d_s8_ref(&r.p, r.input, r.filter, r.bias, want);
        tc_conv2d_s8_dsp(&r.p, r.input, r.filter, r.fb, got, scratch);
        check_s8("layer shape", s, got, want, (int)r.out_bytes);
        free(scratch);
        free(want);
        free(got);
        free_case(&r);
    }
}

int main(void)
{
    test_hand();
    test_layer_shapes();
    test_random_conv(3000);
    test_random_conv_add(1500);
    test_conv_then_add();
    return tc_test_report();
}
