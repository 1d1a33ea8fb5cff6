/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary fully connected and depthwise kernels (tinyc/tc_fc_ternary.h) against the int8 reference
 * kernels on the unpacked weights, over seeded random parameter tables, both packed formats. The
 * packed stream always ends exactly at the end of its malloc'd block (and starts at a random
 * misalignment), so ASan catches any read past it. */
#include "tc_test.h"
#include "tinyc/tc_fc_ternary.h"

static const tc_ternary_format formats[2] = {TC_TERNARY_2BIT, TC_TERNARY_BASE3};

/* Random ternary weights; `zeros` in 0..3 sets how many are 0 (mode 3: all +-1 extremes by sign). */
static void fill_ternary(int8_t *t, size_t n, int mode)
{
    size_t i;
    for (i = 0; i < n; i++) {
        switch (mode) {
        case 0:
            t[i] = (int8_t)rand_in(-1, 1);
            break;
        case 1:
            t[i] = (int8_t)(rand_in(0, 3) == 0 ? rand_in(-1, 1) : 0); /* mostly zero */
            break;
        case 2:
            t[i] = 1;
            break;
        default:
            t[i] = -1;
            break;
        }
    }
}

/* Packs `first` random weights (another tensor's, as in a shared base-3 stream) and then the n
 * weights t per tc_ternary.h, written independently of the kernels: a block of exactly
 * tc_ternary_packed_bytes(first + n) bytes plus `lead` bytes before the stream (the stream's
 * misalignment); *block receives what to free. */
static uint8_t *pack(const int8_t *t, int32_t n, int32_t first, tc_ternary_format format, size_t lead, uint8_t **block)
{
    const int32_t bytes = tc_ternary_packed_bytes(format, first + n);
    uint8_t *s;
    int32_t i;

    *block = xmalloc(lead + (size_t)bytes);
    s = *block + lead;
    memset(s, 0, (size_t)bytes);
    for (i = 0; i < first + n; i++) {
        const uint32_t q = i < first ? (uint32_t)rand_in(0, 2) : (uint32_t)(t[i - first] + 1);
        if (format == TC_TERNARY_2BIT) {
            s[i / 4] = (uint8_t)(s[i / 4] | (q << (2 * (i % 4))));
        } else {
            static const uint32_t pow3[5] = {1, 3, 9, 27, 81};
            s[i / 5] = (uint8_t)(s[i / 5] + q * pow3[i % 5]);
        }
    }
    return s;
}

/* The packing round-trips through the reference decoder of tc_ternary.h. */
static void check_roundtrip(const int8_t *t, int32_t n, const uint8_t *s, int32_t first, tc_ternary_format format)
{
    int32_t i, ok = 1;
    for (i = 0; i < n; i++)
        ok &= tc_ternary_get(s, format, first + i) == t[i];
    CHECK_EQ(ok, 1);
}

static int32_t rand_mult(void)
{
    return rand_in(0, 9) == 0 ? 0 : (int32_t)(0x40000000u + ((uint32_t)next_i32() & 0x3fffffffu));
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

static int32_t rand_bias(void)
{
    switch (rand_in(0, 9)) {
    case 0:
        return rand_in(0, 1) ? INT32_MAX : -INT32_MAX; /* dead channel */
    default:
        return rand_in(-(1 << 20), 1 << 20);
    }
}

/* input_offset = -z_in, at the int8 edges half of the time */
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

/* ---- fully connected ---- */

/* wmode: weight mode of fill_ternary; xmode 0 random input, 1 all -128, 2 all 127. */
static void fc_case(int32_t in, int32_t out, int wmode, int xmode)
{
    tc_fc_params p;
    int8_t *x = xmalloc((size_t)in), *t = xmalloc((size_t)in * (size_t)out);
    int8_t *want = xmalloc((size_t)out), *got = xmalloc((size_t)out);
    int32_t *bias = xmalloc(4u * (size_t)out), *bias_f = xmalloc(4u * (size_t)out);
    int32_t *mult = xmalloc(4u * (size_t)out), *shift = xmalloc(4u * (size_t)out);
    const int with_bias = rand_in(0, 3) != 0;
    int32_t i;
    int f;

    fill_s8(x, (size_t)in);
    if (xmode)
        memset(x, xmode == 1 ? 0x80 : 0x7f, (size_t)in);
    fill_ternary(t, (size_t)in * (size_t)out, wmode);
    for (i = 0; i < out; i++) {
        bias[i] = rand_bias();
        mult[i] = rand_mult();
        shift[i] = rand_shift();
    }
    memset(&p, 0, sizeof p);
    p.in_features = in;
    p.out_features = out;
    p.input_offset = rand_input_offset();
    p.output_offset = rand_in(-128, 127);
    rand_act(&p.act_min, &p.act_max);
    p.out_mult = mult;
    p.out_shift = shift;
    tc_test_fold_bias(bias_f, with_bias ? bias : NULL, t, out, in, (size_t)in, 1, p.input_offset);
    tc_fc_s8_ref(&p, x, t, with_bias ? bias : NULL, want);

    for (f = 0; f < 2; f++) {
        const tc_ternary_format format = formats[f];
        const int32_t sb = tc_fc_ternary_dsp_scratch_bytes(&p, format);
        const int32_t g = format == TC_TERNARY_2BIT ? 16 : 10;
        const int32_t first = rand_in(0, 3) == 0 ? 0 : rand_in(1, 12);
        uint8_t *block, *s = pack(t, in * out, first, format, (size_t)rand_in(0, 3), &block);
        unsigned char *scratch;
        size_t lead = (size_t)rand_in(0, 3);

        check_roundtrip(t, in * out, s, first, format);
        CHECK_EQ(sb, 2 * g * ((in + g - 1) / g));
        scratch = xmalloc((size_t)sb + lead);
        memset(got, 0x5a, (size_t)out);
        tc_fc_ternary_ref(&p, x, s, first, format, with_bias ? bias : NULL, got);
        check_s8(format == TC_TERNARY_2BIT ? "fc ref 2bit" : "fc ref base3", __LINE__, got, want, out);
        memset(got, 0x5a, (size_t)out);
        tc_fc_ternary_dsp(&p, x, s, first, format, bias_f, got, scratch + lead);
        check_s8(format == TC_TERNARY_2BIT ? "fc dsp 2bit" : "fc dsp base3", __LINE__, got, want, out);
        free(block);
        free(scratch);
    }
    free(x), free(t), free(want), free(got), free(bias), free(bias_f), free(mult), free(shift);
}

/* in = 3, out = 2 by hand: x + offset = (2, -1, 4), rows (1, 0, -1) and (-1, 1, 1):
 * acc = 2 - 4 = -2 and -2 - 1 + 4 = 1; mult 2^30 shift 0 halves: -1, 1 (SRDHM rounds -1 -> -1,
 * 0.5 -> 1); + output_offset 3 -> 2, 4. */
static void fc_hand(void)
{
    static const int8_t x[3] = {1, -2, 3}, t[6] = {1, 0, -1, -1, 1, 1};
    static const int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, 0};
    static const int8_t want[2] = {2, 4};
    tc_fc_params p;
    int8_t got[2];
    int32_t bias_f[2];
    unsigned char scratch[64];
    int f;

    memset(&p, 0, sizeof p);
    p.in_features = 3;
    p.out_features = 2;
    p.input_offset = 1;
    p.output_offset = 3;
    p.act_min = -128;
    p.act_max = 127;
    p.out_mult = mult;
    p.out_shift = shift;
    tc_test_fold_bias(bias_f, NULL, t, 2, 3, 3, 1, p.input_offset);
    CHECK_EQ(bias_f[0], 0);
    CHECK_EQ(bias_f[1], 1);
    for (f = 0; f < 2; f++) {
        uint8_t *block, *s = pack(t, 6, 0, formats[f], 0, &block);
        /* 2-bit: codes 2 1 0 0 | 2 2 -> bytes 0x06, 0x0a; base-3: 2 + 3 + 0 + 0 + 2 * 81 = 167, 2 */
        CHECK_EQ(s[0], formats[f] == TC_TERNARY_2BIT ? 0x06 : 167);
        CHECK_EQ(s[1], formats[f] == TC_TERNARY_2BIT ? 0x0a : 2);
        tc_fc_ternary_ref(&p, x, s, 0, formats[f], NULL, got);
        CHECK_S8(got, want);
        CHECK_EQ(tc_fc_ternary_dsp_scratch_bytes(&p, formats[f]) <= (int32_t)sizeof scratch, 1);
        tc_fc_ternary_dsp(&p, x, s, 0, formats[f], bias_f, got, scratch);
        CHECK_S8(got, want);
        free(block);
    }
}

static void fc_tests(void)
{
    static const int32_t ins[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 15, 16, 17, 19, 20, 21, 31, 32, 33, 40, 63, 100, 255, 640};
    static const int32_t outs[] = {1, 2, 3, 5, 8, 10};
    size_t a, b;
    int i;

    fc_hand();
    for (a = 0; a < sizeof ins / sizeof ins[0]; a++)
        for (b = 0; b < sizeof outs / sizeof outs[0]; b++)
            fc_case(ins[a], outs[b], (int)((a + b) % 2), 0);
    for (i = 0; i < 4; i++) { /* extreme sums: all inputs and weights at the edges */
        fc_case(1023, 3, 2 + i % 2, 1 + i / 2);
        fc_case(97, 5, 2 + i % 2, 1 + i / 2);
    }
    for (i = 0; i < 200; i++)
        fc_case(rand_in(1, 300), rand_in(1, 20), rand_in(0, 1), rand_in(0, 9) == 0 ? rand_in(1, 2) : 0);
}

/* ---- depthwise ---- */

/* kind: 0 general, 1 3x3 stride 1, 2 3x3 stride 2 */
static void dw_case(int kind, int small)
{
    tc_dwconv_params p;
    int32_t *mult, *shift, *bias, *bias_f;
    int8_t *in, *t, *ref, *out;
    size_t in_bytes, out_bytes, ntaps;
    int32_t ih, iw, ic, oc, oh, ow, o, in_extra, out_extra, f;
    const int null_bias = rand_in(0, 9) == 0;

    memset(&p, 0, sizeof p);
    tc_test_dwconv_window(&p, kind, small);
    ih = p.input.h;
    iw = p.input.w;
    ic = p.input.c;
    oc = p.output.c;
    oh = p.output.h;
    ow = p.output.w;
    p.input_offset = rand_input_offset();
    p.output_offset = rand_in(-128, 127);
    rand_act(&p.act_min, &p.act_max);
    in_extra = rand_in(0, 2) == 0 ? rand_in(1, 7) : 0;
    out_extra = rand_in(0, 2) == 0 ? rand_in(1, 7) : 0;
    p.in_row_stride = in_extra ? iw * ic + in_extra : 0;
    p.out_row_stride = out_extra ? ow * oc + out_extra : 0;

    mult = xmalloc(4u * (size_t)oc);
    shift = xmalloc(4u * (size_t)oc);
    bias = xmalloc(4u * (size_t)oc);
    bias_f = xmalloc(4u * (size_t)oc);
    for (o = 0; o < oc; o++) {
        mult[o] = rand_mult();
        shift[o] = rand_shift();
        bias[o] = rand_bias();
    }
    p.out_mult = mult;
    p.out_shift = shift;

    in_bytes = (size_t)(ih - 1) * (size_t)(p.in_row_stride ? p.in_row_stride : iw * ic) + (size_t)iw * (size_t)ic;
    out_bytes = (size_t)(oh - 1) * (size_t)(p.out_row_stride ? p.out_row_stride : ow * oc) + (size_t)ow * (size_t)oc;
    ntaps = (size_t)p.kernel.h * (size_t)p.kernel.w * (size_t)oc;
    in = xmalloc(in_bytes);
    t = xmalloc(ntaps);
    ref = xmalloc(out_bytes);
    out = xmalloc(out_bytes);
    fill_s8(in, in_bytes);
    if (rand_in(0, 9) == 0)
        memset(in, rand_in(0, 1) ? 0x80 : 0x7f, in_bytes);
    fill_ternary(t, ntaps, rand_in(0, 9) == 0 ? rand_in(2, 3) : rand_in(0, 1));
    tc_test_fold_bias(bias_f, null_bias ? NULL : bias, t, oc, p.kernel.h * p.kernel.w, 1, (size_t)oc,
                      p.input_offset);
    tc_dwconv_s8_ref(&p, in, t, null_bias ? NULL : bias, ref);

    for (f = 0; f < 2; f++) {
        const tc_ternary_format format = formats[f];
        const int32_t sb = tc_dwconv_ternary_dsp_scratch_bytes(&p, format);
        const int32_t first = rand_in(0, 3) == 0 ? 0 : rand_in(1, 12);
        uint8_t *block, *s = pack(t, (int32_t)ntaps, first, format, (size_t)rand_in(0, 3), &block);
        const size_t lead = (size_t)rand_in(0, 3);
        unsigned char *scratch = xmalloc((size_t)sb + lead);

        check_roundtrip(t, (int32_t)ntaps, s, first, format);
        CHECK_EQ(sb, (int32_t)((ntaps + 3) / 4 * 4) + tc_dwconv_s8_dsp_scratch_bytes(&p));
        memcpy(out, ref, out_bytes); /* gaps between strided rows compare equal ... */
        {
            int32_t y; /* ... and every output pixel is poisoned */
            size_t i;
            for (y = 0; y < oh; y++)
                for (i = 0; i < (size_t)ow * (size_t)oc; i++)
                    out[(size_t)y * (size_t)(p.out_row_stride ? p.out_row_stride : ow * oc) + i] ^= 0x5a;
        }
        tc_dwconv_ternary_ref(&p, in, s, first, format, null_bias ? NULL : bias, out);
        check_s8("dw ref", __LINE__, out, ref, (int)out_bytes);
        {
            int32_t y;
            size_t i;
            for (y = 0; y < oh; y++)
                for (i = 0; i < (size_t)ow * (size_t)oc; i++)
                    out[(size_t)y * (size_t)(p.out_row_stride ? p.out_row_stride : ow * oc) + i] ^= 0x5a;
        }
        tc_dwconv_ternary_dsp(&p, in, s, first, format, bias_f, out, scratch + lead);
        check_s8(kind == 0 ? "dw dsp general" : kind == 1 ? "dw dsp 3x3s1" : "dw dsp 3x3s2", __LINE__, out, ref,
                 (int)out_bytes);
        free(block);
        free(scratch);
    }
    free(mult), free(shift), free(bias), free(bias_f), free(in), free(t), free(ref), free(out);
}

static void dw_tests(void)
{
    int i;
    for (i = 0; i < 300; i++)
        dw_case(0, i % 2);
    for (i = 0; i < 150; i++)
        dw_case(1, i % 2);
    for (i = 0; i < 150; i++)
        dw_case(2, i % 2);
}

int main(void)
{
    seed(20250611u);
    fc_tests();
    dw_tests();
    return tc_test_report();
}
