/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight kernels (tinyc/tc_s4.h): tc_conv2d_s4_*, tc_dwconv_s4_* and tc_fc_s4_* against the
 * int8 reference kernels on the unpacked weights, byte for byte, over seeded random parameter
 * tables (kernel sizes, strides, dilations, pads including negative ones, row strides, depth
 * multipliers, odd K / in_features so rows start inside a byte, odd channel counts, input offsets at
 * the int8 edges, clamp ranges, multipliers 0 / 2^30 / 2^31 - 1 with left and right shifts, dead
 * channels with biases +-(2^31 - 1), NULL bias for `_ref`, extreme weights and inputs, reductions
 * long enough to need several chunks). Every packed stream ends exactly at the end of its malloc'd
 * block of tc_s4_packed_bytes(N) bytes (and starts at a random misalignment), so ASan catches any
 * read past it; inputs, outputs and scratch are exact-size blocks too. */
#include "tc_test.h"

#include "tinyc/tc_s4.h"

/* ---- format ---- */

/* The packer, written from the format text of tc_s4.h (independent of the kernels): n weights in
 * [-8, 7], two per byte, low nibble first; an odd n's unused last nibble gets random bits (readers
 * must not depend on it). The stream is the last tc_s4_packed_bytes(n) bytes of a block with `lead`
 * bytes before it; *block receives what to free. */
static uint8_t *pack(const int8_t *w, int32_t n, size_t lead, uint8_t **block)
{
    const int32_t bytes = tc_s4_packed_bytes(n);
    uint8_t *s;
    int32_t i;

    *block = (uint8_t *)xmalloc(lead + (size_t)bytes);
    s = *block + lead;
    memset(s, 0, (size_t)bytes);
    for (i = 0; i < n; i++)
        s[i / 2] = (uint8_t)(s[i / 2] | (((uint32_t)w[i] & 15u) << (4 * (i % 2))));
    if (n % 2)
        s[n / 2] = (uint8_t)(s[n / 2] | (uint32_t)rand_in(0, 15) << 4);
    return s;
}

static void test_format(void)
{
    static const int8_t w[5] = {7, -8, 1, -1, 2};
    uint8_t *block, *s;
    int32_t b, bad = 0;

    CHECK_EQ(tc_s4_packed_bytes(0), 0);
    CHECK_EQ(tc_s4_packed_bytes(1), 1);
    CHECK_EQ(tc_s4_packed_bytes(2), 1);
    CHECK_EQ(tc_s4_packed_bytes(7), 4);
    for (b = 0; b < 256; b++) { /* every byte: low nibble weight 0, high nibble weight 1 */
        const uint8_t byte = (uint8_t)b;
        const int32_t lo = b & 15, hi = b >> 4;
        if (tc_s4_get(&byte, 0) != (lo < 8 ? lo : lo - 16) || tc_s4_get(&byte, 1) != (hi < 8 ? hi : hi - 16))
            bad++;
    }
    CHECK_EQ(bad, 0);
    s = pack(w, 5, 0, &block);
    CHECK_EQ(s[0], 0x87); /* 7 | -8 << 4 */
    CHECK_EQ(s[1], 0xf1); /* 1 | -1 << 4 */
    CHECK_EQ(s[2] & 15, 2);
    for (b = 0; b < 5; b++)
        CHECK_EQ(tc_s4_get(s, b), w[b]);
    free(block);
}

/* ---- random parameters ---- */

/* Weights: mode 0 uniform in [-8, 7], 1 mostly zero, 2 all -8, 3 all 7, 4 only the extremes. */
static void fill_s4(int8_t *w, size_t n, int mode)
{
    size_t i;
    for (i = 0; i < n; i++) {
        switch (mode) {
        case 0:
            w[i] = (int8_t)rand_in(-8, 7);
            break;
        case 1:
            w[i] = (int8_t)(rand_in(0, 3) == 0 ? rand_in(-8, 7) : 0);
            break;
        case 2:
            w[i] = -8;
            break;
        case 3:
            w[i] = 7;
            break;
        default:
            w[i] = (int8_t)(rand_in(0, 1) ? -8 : 7);
            break;
        }
    }
}

static int rand_wmode(void)
{
    return rand_in(0, 9) < 6 ? 0 : rand_in(1, 4);
}

/* Per-channel requantization and bias: ordinary, extreme multipliers (2^30, 2^31 - 1) with right
 * shifts down to -31 or left shifts, any int32 bias, and dead channels (mult 0, bias +-(2^31 - 1)). */
static void rand_channel(int32_t *mult, int32_t *shift, int32_t *bias)
{
    const int32_t kind = rand_in(0, 11);
    *mult = (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
    *shift = rand_in(-14, -1);
    *bias = rand_in(-50000, 50000);
    switch (kind) {
    case 0:
        *shift = rand_in(0, 3); /* left shifts (scale >= 0.5): the tc_mbqm path */
        break;
    case 1:
        *shift = rand_in(-31, -15);
        break;
    case 2: /* dead channel */
        *mult = 0;
        *bias = rand_in(0, 1) ? INT32_MAX : -INT32_MAX;
        break;
    case 3: /* any bias: sums near +-2^31 */
        *bias = next_i32();
        break;
    case 4:
        *mult = rand_in(0, 1) ? 0x40000000 : INT32_MAX;
        *shift = rand_in(-31, 1);
        break;
    default:
        break;
    }
}

static int32_t rand_input_offset(void)
{
    switch (rand_in(0, 3)) {
    case 0:
        return -127;
    case 1:
        return 128;
    default:
        return rand_in(-127, 128);
    }
}

static void rand_act(int32_t *lo, int32_t *hi)
{
    if (rand_in(0, 1)) {
        *lo = -128;
        *hi = 127;
    } else {
        *lo = rand_in(-128, 0);
        *hi = rand_in(*lo, 127);
    }
}

/* Input bytes: random, or (xmode 1 / 2) all -128 / all 127. */
static void fill_input(int8_t *x, size_t n, int xmode)
{
    fill_s8(x, n);
    if (xmode)
        memset(x, xmode == 1 ? 0x80 : 0x7f, n);
}

/* Poisons the pixel bytes of an (h, w, c) tensor with row stride `row` (the gaps stay as they are,
 * so a kernel writing into them shows up as a mismatch against a reference copy). */
static void poison(int8_t *out, int32_t h, int32_t wc, size_t row)
{
    int32_t y, i;
    for (y = 0; y < h; y++)
        for (i = 0; i < wc; i++)
            out[(size_t)y * row + (size_t)i] ^= 0x5a;
}

/* ---- conv2d ---- */

static int32_t conv_scratch_formula(const tc_conv2d_params *p)
{
    const int32_t k = p->kernel.h * p->kernel.w * p->input.c, odd = k % 2, g = (k + odd + 7) / 8;
    return 64 * g * (1 + odd) + (p->input.c % 8 != 0 ? 8 * g + 4 : 0);
}

/* One conv layer *p (shapes, window, offsets and act range set): random tensors, then _ref and
 * _dsp against tc_conv2d_s8_ref. */
static void conv_run(tc_conv2d_params *p, int wmode, int xmode, const char *what, int n)
{
    const int32_t oc = p->output.c, k = p->kernel.h * p->kernel.w * p->input.c;
    const size_t in_row = (size_t)(p->in_row_stride ? p->in_row_stride : p->input.w * p->input.c);
    const size_t out_row = (size_t)(p->out_row_stride ? p->out_row_stride : p->output.w * oc);
    const size_t in_bytes = (size_t)(p->input.h - 1) * in_row + (size_t)p->input.w * (size_t)p->input.c;
    const size_t out_bytes = (size_t)(p->output.h - 1) * out_row + (size_t)p->output.w * (size_t)oc;
    const int null_bias = rand_in(0, 7) == 0;
    int8_t *x = (int8_t *)xmalloc(in_bytes), *w = (int8_t *)xmalloc((size_t)k * (size_t)oc);
    int8_t *want = (int8_t *)xmalloc(out_bytes), *got = (int8_t *)xmalloc(out_bytes);
    int32_t *mult = (int32_t *)xmalloc(4u * (size_t)oc), *shift = (int32_t *)xmalloc(4u * (size_t)oc);
    int32_t *bias = (int32_t *)xmalloc(4u * (size_t)oc), *bias_f = (int32_t *)xmalloc(4u * (size_t)oc);
    const int32_t sb = tc_conv2d_s4_dsp_scratch_bytes(p);
    void *scratch = xmalloc((size_t)sb);
    uint8_t *block, *s;
    int32_t o, fails = failed;

    fill_input(x, in_bytes, xmode);
    fill_s4(w, (size_t)k * (size_t)oc, wmode);
    for (o = 0; o < oc; o++)
        rand_channel(&mult[o], &shift[o], &bias[o]);
    p->out_mult = mult;
    p->out_shift = shift;
    s = pack(w, k * oc, (size_t)rand_in(0, 3), &block);
    fill_s8(want, out_bytes);
    memcpy(got, want, out_bytes);
    tc_conv2d_s8_ref(p, x, w, null_bias ? NULL : bias, want);
    tc_test_fold_bias(bias_f, null_bias ? NULL : bias, w, oc, k, (size_t)k, 1, p->input_offset);

    CHECK_EQ(sb, conv_scratch_formula(p));
    poison(got, p->output.h, p->output.w * oc, out_row);
    tc_conv2d_s4_ref(p, x, s, null_bias ? NULL : bias, got);
    check_s8("conv s4 ref", __LINE__, got, want, (int)out_bytes);
    poison(got, p->output.h, p->output.w * oc, out_row);
    tc_conv2d_s4_dsp(p, x, s, bias_f, got, scratch);
    check_s8(what, __LINE__, got, want, (int)out_bytes);
    if (failed != fails)
        printf("  case %d: in %dx%dx%d out %dx%dx%d k %dx%d s %d/%d d %d/%d pad t%d l%d rs %d/%d off %d/%d "
               "act %d..%d wmode %d xmode %d\n",
               n, (int)p->input.h, (int)p->input.w, (int)p->input.c, (int)p->output.h, (int)p->output.w, (int)oc,
               (int)p->kernel.h, (int)p->kernel.w, (int)p->stride.h, (int)p->stride.w, (int)p->dilation.h,
               (int)p->dilation.w, (int)p->pad.top, (int)p->pad.left, (int)p->in_row_stride, (int)p->out_row_stride,
               (int)p->input_offset, (int)p->output_offset, (int)p->act_min, (int)p->act_max, wmode, xmode);
    free(block);
    free(x), free(w), free(want), free(got), free(mult), free(shift), free(bias), free(bias_f), free(scratch);
}

static void conv_random(int n)
{
    /* odd and even channel counts, multiples of 8 (the direct im2col) and not */
    static const int32_t ics[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33};
    static const int32_t ocs[] = {1, 2, 3, 4, 5, 7, 8, 13, 16};
    tc_conv2d_params p;
    const int xmode = rand_in(0, 9) == 0 ? rand_in(1, 2) : 0;

    memset(&p, 0, sizeof p);
    p.input.c = ics[rand_in(0, (int32_t)(sizeof ics / sizeof ics[0]) - 1)];
    p.output.c = ocs[rand_in(0, (int32_t)(sizeof ocs / sizeof ocs[0]) - 1)];
    tc_test_conv2d_window(&p, n, 9, 1);
    conv_run(&p, rand_wmode(), xmode, "conv s4 dsp", n);
}

/* Long reductions (several chunks of 62 groups) with the largest products: all weights -8 and
 * every raw input (and padding value) -128, or mixed extremes; K odd and even, 1x1 and 3x3. */
static void conv_long(void)
{
    static const int32_t ics[] = {496, 503, 504, 505, 512, 1000, 1001, 1017};
    size_t i;
    for (i = 0; i < sizeof ics / sizeof ics[0]; i++) {
        tc_conv2d_params p;
        int pass;
        for (pass = 0; pass < 3; pass++) {
            memset(&p, 0, sizeof p);
            p.input.c = ics[i];
            p.output.c = (int32_t)(3 + i % 3);
            p.kernel.h = p.kernel.w = pass == 2 ? 3 : 1;
            p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
            p.pad.top = p.pad.left = p.pad.bottom = p.pad.right = pass == 2 ? 1 : 0;
            p.input.h = p.input.w = pass == 2 ? 3 : 2;
            p.output.h = p.output.w = pass == 2 ? 3 : 2;
            p.input_offset = pass == 1 ? rand_in(-127, 128) : 128; /* padding raw value -128 */
            p.output_offset = rand_in(-128, 127);
            p.act_min = -128;
            p.act_max = 127;
            conv_run(&p, pass == 1 ? 4 : 2, pass == 1 ? 0 : 1, "conv s4 dsp long", (int)i);
        }
    }
}

/* ---- depthwise ---- */

static void dw_case(int kind, int small)
{
    tc_dwconv_params p;
    int32_t *mult, *shift, *bias, *bias_f, o, sb;
    int8_t *x, *w, *want, *got;
    size_t in_row, out_row, in_bytes, out_bytes, ntaps;
    uint8_t *block, *s;
    void *scratch;
    const int null_bias = rand_in(0, 9) == 0;

    memset(&p, 0, sizeof p);
    tc_test_dwconv_window(&p, kind, small);
    p.input_offset = rand_input_offset();
    p.output_offset = rand_in(-128, 127);
    rand_act(&p.act_min, &p.act_max);
    p.in_row_stride = rand_in(0, 2) == 0 ? p.input.w * p.input.c + rand_in(1, 7) : 0;
    p.out_row_stride = rand_in(0, 2) == 0 ? p.output.w * p.output.c + rand_in(1, 7) : 0;
    in_row = (size_t)(p.in_row_stride ? p.in_row_stride : p.input.w * p.input.c);
    out_row = (size_t)(p.out_row_stride ? p.out_row_stride : p.output.w * p.output.c);
    in_bytes = (size_t)(p.input.h - 1) * in_row + (size_t)p.input.w * (size_t)p.input.c;
    out_bytes = (size_t)(p.output.h - 1) * out_row + (size_t)p.output.w * (size_t)p.output.c;
    ntaps = (size_t)p.kernel.h * (size_t)p.kernel.w * (size_t)p.output.c;

    mult = (int32_t *)xmalloc(4u * (size_t)p.output.c);
    shift = (int32_t *)xmalloc(4u * (size_t)p.output.c);
    bias = (int32_t *)xmalloc(4u * (size_t)p.output.c);
    bias_f = (int32_t *)xmalloc(4u * (size_t)p.output.c);
    for (o = 0; o < p.output.c; o++)
        rand_channel(&mult[o], &shift[o], &bias[o]);
    p.out_mult = mult;
    p.out_shift = shift;
    x = (int8_t *)xmalloc(in_bytes);
    w = (int8_t *)xmalloc(ntaps);
    want = (int8_t *)xmalloc(out_bytes);
    got = (int8_t *)xmalloc(out_bytes);
    fill_input(x, in_bytes, rand_in(0, 9) == 0 ? rand_in(1, 2) : 0);
    fill_s4(w, ntaps, rand_wmode());
    s = pack(w, (int32_t)ntaps, (size_t)rand_in(0, 3), &block);
    fill_s8(want, out_bytes);
    memcpy(got, want, out_bytes);
    tc_dwconv_s8_ref(&p, x, w, null_bias ? NULL : bias, want);
    tc_test_fold_bias(bias_f, null_bias ? NULL : bias, w, p.output.c, p.kernel.h * p.kernel.w, 1,
                      (size_t)p.output.c, p.input_offset);

    sb = tc_dwconv_s4_dsp_scratch_bytes(&p);
    CHECK_EQ(sb, (int32_t)((ntaps + 3) / 4 * 4) + tc_dwconv_s8_dsp_scratch_bytes(&p));
    scratch = xmalloc((size_t)sb);
    poison(got, p.output.h, p.output.w * p.output.c, out_row);
    tc_dwconv_s4_ref(&p, x, s, null_bias ? NULL : bias, got);
    check_s8("dw s4 ref", __LINE__, got, want, (int)out_bytes);
    poison(got, p.output.h, p.output.w * p.output.c, out_row);
    tc_dwconv_s4_dsp(&p, x, s, bias_f, got, scratch);
    check_s8(kind == 0 ? "dw s4 dsp general" : kind == 1 ? "dw s4 dsp 3x3s1" : "dw s4 dsp 3x3s2", __LINE__, got,
             want, (int)out_bytes);
    free(block), free(scratch);
    free(mult), free(shift), free(bias), free(bias_f), free(x), free(w), free(want), free(got);
}

/* ---- fully connected ---- */

static void fc_case(int32_t in, int32_t out, int wmode, int xmode)
{
    tc_fc_params p;
    int8_t *x = (int8_t *)xmalloc((size_t)in), *w = (int8_t *)xmalloc((size_t)in * (size_t)out);
    int8_t *want = (int8_t *)xmalloc((size_t)out), *got = (int8_t *)xmalloc((size_t)out);
    int32_t *bias = (int32_t *)xmalloc(4u * (size_t)out), *bias_f = (int32_t *)xmalloc(4u * (size_t)out);
    int32_t *mult = (int32_t *)xmalloc(4u * (size_t)out), *shift = (int32_t *)xmalloc(4u * (size_t)out);
    const int null_bias = rand_in(0, 7) == 0;
    const int32_t odd = in % 2, sb_want = 16 * ((in + odd + 7) / 8) * (1 + odd);
    int32_t o, sb;
    uint8_t *block, *s;
    void *scratch;

    fill_input(x, (size_t)in, xmode);
    fill_s4(w, (size_t)in * (size_t)out, wmode);
    for (o = 0; o < out; o++)
        rand_channel(&mult[o], &shift[o], &bias[o]);
    memset(&p, 0, sizeof p);
    p.in_features = in;
    p.out_features = out;
    p.input_offset = xmode ? 128 : rand_input_offset();
    p.output_offset = rand_in(-128, 127);
    rand_act(&p.act_min, &p.act_max);
    p.out_mult = mult;
    p.out_shift = shift;
    s = pack(w, in * out, (size_t)rand_in(0, 3), &block);
    tc_fc_s8_ref(&p, x, w, null_bias ? NULL : bias, want);
    tc_test_fold_bias(bias_f, null_bias ? NULL : bias, w, out, in, (size_t)in, 1, p.input_offset);

    sb = tc_fc_s4_dsp_scratch_bytes(&p);
    CHECK_EQ(sb, sb_want);
    scratch = xmalloc((size_t)sb);
    memset(got, 0x5a, (size_t)out);
    tc_fc_s4_ref(&p, x, s, null_bias ? NULL : bias, got);
    check_s8("fc s4 ref", __LINE__, got, want, out);
    memset(got, 0x5a, (size_t)out);
    tc_fc_s4_dsp(&p, x, s, bias_f, got, scratch);
    check_s8("fc s4 dsp", __LINE__, got, want, out);
    if (memcmp(got, want, (size_t)out) != 0)
        printf("  fc in %d out %d wmode %d xmode %d\n", (int)in, (int)out, wmode, xmode);
    free(block), free(scratch);
    free(x), free(w), free(want), free(got), free(bias), free(bias_f), free(mult), free(shift);
}

/* By hand, FC 3 -> 2 (in_features odd: row 1 starts inside byte 1) and the same numbers as a 1x1
 * conv on one pixel (K = 3): x + input_offset = (2, -1, 4), rows (7, -8, 1) and (-1, 2, -3):
 * acc = 14 + 8 + 4 = 26 and -2 - 2 - 12 = -16; mult 2^30 with shift 0 halves them: 13, -8;
 * + output_offset 3 -> 16, -5. Stream bytes 0x87, 0xf1, 0xd2. Folded biases: 1 * (7 - 8 + 1) = 0,
 * 1 * (-1 + 2 - 3) = -2. */
static void test_hand(void)
{
    static const int8_t x[3] = {1, -2, 3}, w[6] = {7, -8, 1, -1, 2, -3};
    static const int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, 0}, bias_f[2] = {0, -2};
    static const int8_t want[2] = {16, -5};
    tc_fc_params f;
    tc_conv2d_params c;
    int8_t got[2];
    int32_t scratch[64];
    uint8_t *block, *s = pack(w, 6, 0, &block);

    CHECK_EQ(s[0], 0x87);
    CHECK_EQ(s[1], 0xf1);
    CHECK_EQ(s[2], 0xd2);
    memset(&f, 0, sizeof f);
    f.in_features = 3;
    f.out_features = 2;
    f.input_offset = 1;
    f.output_offset = 3;
    f.act_min = -128;
    f.act_max = 127;
    f.out_mult = mult;
    f.out_shift = shift;
    tc_fc_s4_ref(&f, x, s, NULL, got);
    CHECK_S8(got, want);
    CHECK_EQ(tc_fc_s4_dsp_scratch_bytes(&f), 32);
    memset(got, 0, sizeof got);
    tc_fc_s4_dsp(&f, x, s, bias_f, got, scratch);
    CHECK_S8(got, want);

    memset(&c, 0, sizeof c);
    c.input.h = c.input.w = c.output.h = c.output.w = 1;
    c.input.c = 3;
    c.output.c = 2;
    c.kernel.h = c.kernel.w = c.stride.h = c.stride.w = c.dilation.h = c.dilation.w = 1;
    c.input_offset = 1;
    c.output_offset = 3;
    c.act_min = -128;
    c.act_max = 127;
    c.out_mult = mult;
    c.out_shift = shift;
    memset(got, 0, sizeof got);
    tc_conv2d_s4_ref(&c, x, s, NULL, got);
    CHECK_S8(got, want);
    CHECK_EQ(tc_conv2d_s4_dsp_scratch_bytes(&c), 2 * 64 + 12); /* G = 1, odd K, staged */
    memset(got, 0, sizeof got);
    tc_conv2d_s4_dsp(&c, x, s, bias_f, got, scratch);
    CHECK_S8(got, want);
    free(block);
}

static void fc_tests(void)
{
    static const int32_t ins[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 23, 24, 25, 63, 64, 65, 255, 256, 257, 640};
    static const int32_t outs[] = {1, 2, 3, 4, 5, 6, 7, 10, 13};
    static const int32_t longs[] = {496, 503, 504, 505, 511, 1000, 1007, 2048};
    size_t a, b;
    int i;

    for (a = 0; a < sizeof ins / sizeof ins[0]; a++)
        for (b = 0; b < sizeof outs / sizeof outs[0]; b++)
            fc_case(ins[a], outs[b], rand_wmode(), 0);
    for (a = 0; a < sizeof longs / sizeof longs[0]; a++) { /* several chunks, largest products */
        fc_case(longs[a], (int32_t)(5 + a % 3), 2, 1);
        fc_case(longs[a], (int32_t)(7 + a % 2), 4, 0);
    }
    for (i = 0; i < 400; i++)
        fc_case(rand_in(1, 300), rand_in(1, 20), rand_wmode(), rand_in(0, 9) == 0 ? rand_in(1, 2) : 0);
}

int main(void)
{
    int i;

    seed(20250704u);
    test_format();
    test_hand();
    for (i = 0; i < 1500; i++)
        conv_random(i);
    conv_long();
    for (i = 0; i < 400; i++)
        dw_case(0, i % 2);
    for (i = 0; i < 200; i++)
        dw_case(1, i % 2);
    for (i = 0; i < 200; i++)
        dw_case(2, i % 2);
    fc_tests();
    return tc_test_report();
}
