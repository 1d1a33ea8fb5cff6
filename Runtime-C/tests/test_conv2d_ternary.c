/* SPDX-License-Identifier: Apache-2.0 */
/* tc_conv2d_ternary_ref and tc_conv2d_ternary_dsp == tc_conv2d_s8_ref on the unpacked int8 weights,
 * byte for byte, in both packed formats: seeded random parameter tables (kernel 1..5 and long
 * kernels, strides, dilations, pads including negative ones, row strides, channel counts that are
 * odd and not multiples of 4, 5, 15 or 16, so channel rows start inside a byte, input offsets at the
 * int8 edges, clamp ranges, multipliers with left and right shifts, dead channels, NULL bias for
 * _ref). Each packed stream sits at the end of a malloc'd block of exactly tc_ternary_packed_bytes,
 * so ASan reports any read past it; most tensors start `first` weights into their stream (a shared
 * base-3 stream), after random weights of an earlier tensor. */
#include "tc_test.h"

#include "tinyc/tc_conv2d_ternary.h"
#include "tc_ternary_decode.h"

/* The packer, written from the format text of tc_ternary.h (independent of the kernels' decoders):
 * `first` random weights (another tensor's), then the n weights t. */
static uint8_t *pack(const int8_t *t, int32_t n, int32_t first, tc_ternary_format format)
{
    const int32_t bytes = tc_ternary_packed_bytes(format, first + n);
    uint8_t *s = (uint8_t *)xmalloc((size_t)bytes);
    int32_t i;
    memset(s, 0, (size_t)bytes);
    for (i = 0; i < first + n; i++) {
        const uint32_t q = i < first ? (uint32_t)rand_in(0, 2) : (uint32_t)(t[i - first] + 1);
        if (format == TC_TERNARY_2BIT) {
            s[i / 4] = (uint8_t)(s[i / 4] | q << (2 * (i % 4)));
        } else {
            uint32_t pw = 1;
            int32_t j;
            for (j = 0; j < i % 5; j++)
                pw *= 3u;
            s[i / 5] = (uint8_t)(s[i / 5] + q * pw);
        }
    }
    return s;
}

/* The base-3 code table and the packer agree with tc_ternary_get. */
static void test_formats(void)
{
    int32_t b, n, bad = 0;
    int8_t t[37];
    for (b = 0; b < 243; b++) {
        uint8_t byte = (uint8_t)b;
        for (n = 0; n < 5; n++)
            if ((int32_t)((tc_ternary_b3_codes[b] >> (2 * n)) & 3u) - 1 != tc_ternary_get(&byte, TC_TERNARY_BASE3, n))
                bad++;
    }
    CHECK_EQ(bad, 0);
    seed(5u);
    for (n = 0; n < 37; n++)
        t[n] = (int8_t)rand_in(-1, 1);
    for (b = 2; b <= 3; b++) {
        uint8_t *s = pack(t, 37, 0, (tc_ternary_format)b);
        bad = 0;
        for (n = 0; n < 37; n++) {
            tc_tern_rd rd;
            tc_tern_rd_seek(&rd, s, (tc_ternary_format)b, n);
            if (tc_ternary_get(s, (tc_ternary_format)b, n) != t[n] || (int32_t)tc_tern_rd_code(&rd) - 1 != t[n])
                bad++;
        }
        CHECK_EQ(bad, 0);
        free(s);
    }
}

static void test_scratch_bytes(void)
{
    tc_conv2d_params p;
    memset(&p, 0, sizeof p);
    p.kernel.h = p.kernel.w = 3;
    p.input.c = 8;
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_2BIT), 440);
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_BASE3), 440);
    p.input.c = 32;
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_2BIT), 1584);
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_BASE3), 1760);
    p.kernel.h = p.kernel.w = 1;
    p.input.c = 64;
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_2BIT), 352);
    p.input.c = 1;
    CHECK_EQ(tc_conv2d_ternary_dsp_scratch_bytes(&p, TC_TERNARY_BASE3), 88);
}

static const int32_t ics[] = {1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 20, 30, 32, 33};
static const int32_t ocs[] = {1, 2, 3, 4, 5, 7, 8, 16, 17};

typedef struct {
    tc_conv2d_params p;
    int32_t *mult, *shift, *bias, *fb;
    int8_t *input, *filter; /* filter: the unpacked int8 weights t */
    size_t in_bytes, out_bytes;
    int32_t k;
    int null_bias;
} rcase;

static void make_case(rcase *r, int n)
{
    tc_conv2d_params *p = &r->p;
    int32_t o, i, nw;
    uint32_t sum;

    memset(p, 0, sizeof *p);
    p->input.c = ics[rand_in(0, (int32_t)(sizeof ics / sizeof ics[0]) - 1)];
    p->output.c = ocs[rand_in(0, (int32_t)(sizeof ocs / sizeof ocs[0]) - 1)];
    tc_test_conv2d_window(p, n, 9, 1);

    r->k = p->kernel.h * p->kernel.w * p->input.c;
    nw = r->k * p->output.c;
    r->mult = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->shift = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->bias = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    r->fb = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)p->output.c);
    for (o = 0; o < p->output.c; o++) {
        const int32_t kind = rand_in(0, 9);
        r->mult[o] = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
        /* ternary sums are small: right shifts of 0..10 keep outputs off the clamp */
        r->shift[o] = kind == 0 ? rand_in(0, 3) : (kind == 1 ? rand_in(-31, -14) : rand_in(-10, -1));
        r->bias[o] = rand_in(-3000, 3000);
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
    r->filter = (int8_t *)xmalloc((size_t)nw);
    fill_s8(r->input, r->in_bytes);
    for (i = 0; i < nw; i++) /* random, or all +1 / all -1 / all 0 */
        r->filter[i] = (int8_t)(n % 17 == 3 ? (n % 2 ? -1 : 1) : (n % 17 == 4 ? 0 : rand_in(-1, 1)));
    if (n % 17 == 3) /* extreme inputs */
        memset(r->input, n % 2 ? 0x80 : 0x7f, r->in_bytes);
    r->null_bias = n % 8 == 5;
    p->out_mult = r->mult;
    p->out_shift = r->shift;
    for (o = 0; o < p->output.c; o++) { /* the folded bias, mod 2^32 */
        sum = 0;
        for (i = 0; i < r->k; i++)
            sum += (uint32_t)(int32_t)r->filter[(size_t)o * (size_t)r->k + (size_t)i];
        r->fb[o] = (int32_t)((r->null_bias ? 0u : (uint32_t)r->bias[o]) + (uint32_t)p->input_offset * sum);
    }
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

static void describe(const char *what, const tc_conv2d_params *p, int n, int format)
{
    printf("FAIL %s format %d case %d: in %dx%dx%d out %dx%dx%d k %dx%d s %d/%d d %d/%d pad t%d l%d rs %d/%d "
           "off %d/%d act %d..%d\n",
           what, format, n, p->input.h, p->input.w, p->input.c, p->output.h, p->output.w, p->output.c,
           p->kernel.h, p->kernel.w, p->stride.h, p->stride.w, p->dilation.h, p->dilation.w, p->pad.top,
           p->pad.left, p->in_row_stride, p->out_row_stride, p->input_offset, p->output_offset, p->act_min,
           p->act_max);
}

/* One kernel's output against want; one pass/fail per (case, kernel, format). */
static void compare(const char *what, const int8_t *got, const int8_t *want, size_t bytes, const rcase *r, int n,
                    int format, int *bad)
{
    if (memcmp(got, want, bytes) != 0) {
        failed++;
        if ((*bad)++ < 8)
            describe(what, &r->p, n, format);
    } else {
        passed++;
    }
}

static void test_random(int cases)
{
    int n, bad = 0;
    seed(20240911u);
    for (n = 0; n < cases; n++) {
        rcase r;
        int8_t *want, *got;
        int f;
        make_case(&r, n);
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        memset(want, 0x5a, r.out_bytes); /* row-stride gaps must stay untouched */
        tc_conv2d_s8_ref(&r.p, r.input, r.filter, r.null_bias ? NULL : r.bias, want);
        for (f = 2; f <= 3; f++) {
            const tc_ternary_format format = (tc_ternary_format)f;
            const int32_t first = n % 11; /* 0 .. 10: whole bytes and a position inside one */
            uint8_t *stream = pack(r.filter, r.k * r.p.output.c, first, format);
            const size_t sb = (size_t)tc_conv2d_ternary_dsp_scratch_bytes(&r.p, format);
            void *scratch = xmalloc(sb);
            memset(scratch, 0xa5, sb); /* garbage: nothing may depend on it */
            memset(got, 0x5a, r.out_bytes);
            tc_conv2d_ternary_ref(&r.p, r.input, stream, first, format, r.null_bias ? NULL : r.bias, got);
            compare("ternary ref", got, want, r.out_bytes, &r, n, f, &bad);
            memset(got, 0x5a, r.out_bytes);
            tc_conv2d_ternary_dsp(&r.p, r.input, stream, first, format, r.fb, got, scratch);
            compare("ternary dsp", got, want, r.out_bytes, &r, n, f, &bad);
            free(scratch);
            free(stream);
        }
        free(want);
        free(got);
        free_case(&r);
    }
}

/* Bigger layers of the measured shapes (many blocks per row, both fast paths and the code-by-code
 * one): 3x3 32->32 and 1x1 64->64, then K = 3x3x33 (rows inside a byte in both formats). */
static void test_shapes(void)
{
    static const int32_t shapes[][4] = {{3, 32, 32, 6}, {1, 64, 64, 5}, {3, 8, 16, 4}, {3, 33, 9, 5}, {1, 30, 7, 4}};
    int s, bad = 0;
    seed(99u);
    for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        rcase r;
        int8_t *want, *got;
        int f, n = 1000 + s;
        memset(&r, 0, sizeof r);
        r.p.kernel.h = r.p.kernel.w = shapes[s][0];
        r.p.input.c = shapes[s][1];
        r.p.output.c = shapes[s][2];
        r.p.input.h = r.p.input.w = r.p.output.h = r.p.output.w = shapes[s][3];
        r.p.pad.top = r.p.pad.left = r.p.pad.bottom = r.p.pad.right = shapes[s][0] / 2;
        r.p.stride.h = r.p.stride.w = r.p.dilation.h = r.p.dilation.w = 1;
        r.p.input_offset = 128 - 17 * s;
        r.p.output_offset = -3;
        r.p.act_min = -128;
        r.p.act_max = 100;
        r.k = shapes[s][0] * shapes[s][0] * shapes[s][1];
        {
            const int32_t oc = shapes[s][2];
            int32_t o, i;
            r.mult = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.shift = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.bias = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.fb = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)oc);
            r.in_bytes = (size_t)(shapes[s][3] * shapes[s][3] * shapes[s][1]);
            r.out_bytes = (size_t)(shapes[s][3] * shapes[s][3] * oc);
            r.input = (int8_t *)xmalloc(r.in_bytes);
            r.filter = (int8_t *)xmalloc((size_t)(r.k * oc));
            fill_s8(r.input, r.in_bytes);
            for (i = 0; i < r.k * oc; i++)
                r.filter[i] = (int8_t)rand_in(-1, 1);
            for (o = 0; o < oc; o++) {
                uint32_t sum = 0;
                r.mult[o] = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
                r.shift[o] = rand_in(-9, -4);
                r.bias[o] = rand_in(-5000, 5000);
                for (i = 0; i < r.k; i++)
                    sum += (uint32_t)(int32_t)r.filter[o * r.k + i];
                r.fb[o] = (int32_t)((uint32_t)r.bias[o] + (uint32_t)r.p.input_offset * sum);
            }
            r.p.out_mult = r.mult;
            r.p.out_shift = r.shift;
        }
        want = (int8_t *)xmalloc(r.out_bytes);
        got = (int8_t *)xmalloc(r.out_bytes);
        tc_conv2d_s8_ref(&r.p, r.input, r.filter, r.bias, want);
        for (f = 2; f <= 3; f++) {
            const tc_ternary_format format = (tc_ternary_format)f;
            uint8_t *stream = pack(r.filter, r.k * r.p.output.c, 0, format);
            void *scratch = xmalloc((size_t)tc_conv2d_ternary_dsp_scratch_bytes(&r.p, format));
            tc_conv2d_ternary_ref(&r.p, r.input, stream, 0, format, r.bias, got);
            compare("shape ref", got, want, r.out_bytes, &r, n, f, &bad);
            tc_conv2d_ternary_dsp(&r.p, r.input, stream, 0, format, r.fb, got, scratch);
            compare("shape dsp", got, want, r.out_bytes, &r, n, f, &bad);
            free(scratch);
            free(stream);
        }
        free(want);
        free(got);
        free_case(&r);
    }
}

int main(void)
{
    test_formats();
    test_scratch_bytes();
    test_random(400);
    test_shapes();
    return tc_test_report();
}
