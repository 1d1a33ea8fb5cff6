/* SPDX-License-Identifier: Apache-2.0 */
/* tc_fc_s8_dsp == tc_fc_s8_ref over seeded random parameter tables, the packed layout against the
 * formula documented in tc_fc_dsp.h, and a hand-computed case. */
#include "tc_test.h"

/* bias_f[o] = bias[o] + input_offset * sum_k filter[o][k] mod 2^32 (bias NULL = 0). */
static void fold_bias(const tc_fc_params *p, const int8_t *filter, const int32_t *bias, int32_t *out)
{
    tc_test_fold_bias(out, bias, filter, p->out_features, p->in_features, (size_t)p->in_features, 1, p->input_offset);
}

/* The packed byte of the documented formula, computed independently of the kernel file. */
static int8_t packed_ref(const tc_fc_params *p, const int8_t *filter, size_t at)
{
    const size_t kp = (size_t)((p->in_features + 3) / 4 * 4);
    const int32_t pairs = (p->out_features + 1) / 2, full = pairs / 3 * 3;
    int32_t pair, s, byte, k, row, w;
    size_t r;
    if (at < (size_t)full * 2 * kp) {
        const size_t blk = at / (6 * kp), in_blk = at % (6 * kp), word = in_blk / 4;
        pair = (int32_t)(blk * 3 + word % 3);
        s = (int32_t)(word / 3);
    } else {
        r = at - (size_t)full * 2 * kp;
        pair = full + (int32_t)(r / (2 * kp));
        s = (int32_t)((r % (2 * kp)) / 4);
    }
    byte = (int32_t)(at % 4);
    k = 4 * (s / 2) + (s % 2) + 2 * (byte / 2);
    row = 2 * pair + (byte % 2);
    w = (row < p->out_features && k < p->in_features) ? filter[(size_t)row * p->in_features + k] : 0;
    if (byte % 2 == 0) { /* (a + 128) mod 256, as a signed byte */
        const int32_t v = (w + 128) & 0xff;
        return (int8_t)(v >= 128 ? v - 256 : v);
    }
    return (int8_t)w;
}

static int32_t rand_mult(void)
{
    return rand_in(0, 9) == 0 ? 0 : 0x40000000 + rand_in(0, 0x3fffffff);
}

/* One random layer; mode 0 random data, 1 every input and weight -128 (largest row-b sums),
 * 2 inputs -128 and weights 127. */
static void run_case(int32_t in, int32_t out, int mode)
{
    tc_fc_params p;
    int8_t *x = xmalloc((size_t)in), *f = xmalloc((size_t)in * out), *want = xmalloc((size_t)out),
           *got = xmalloc((size_t)out);
    int32_t *bias = xmalloc(4u * out), *bias_f = xmalloc(4u * out), *mult = xmalloc(4u * out),
            *shift = xmalloc(4u * out);
    int8_t *packed;
    void *scratch;
    int32_t i, nbytes, ok = 1, with_bias = rand_in(0, 3) != 0, per_tensor = rand_in(0, 2) == 0;

    fill_s8(x, (size_t)in);
    fill_s8(f, (size_t)in * out);
    if (mode > 0) {
        memset(x, 0x80, (size_t)in);
        memset(f, mode == 1 ? 0x80 : 0x7f, (size_t)in * out);
    }
    for (i = 0; i < out; i++) {
        const int32_t kind = rand_in(0, 19);
        bias[i] = kind == 0 ? INT32_MAX : kind == 1 ? -INT32_MAX : rand_in(-100000, 100000);
        mult[i] = per_tensor && i > 0 ? mult[0] : rand_mult();
        shift[i] = per_tensor && i > 0 ? shift[0] : (rand_in(0, 7) == 0 ? rand_in(-31, 3) : rand_in(-12, -1));
        if (kind <= 1)
            mult[i] = 0; /* dead channel */
    }
    p.in_features = in;
    p.out_features = out;
    p.input_offset = rand_in(-127, 128);
    p.output_offset = rand_in(-128, 127);
    p.act_min = rand_in(-128, 0);
    p.act_max = rand_in(p.act_min, 127);
    p.out_mult = mult;
    p.out_shift = shift;
    fold_bias(&p, f, with_bias ? bias : NULL, bias_f);

    nbytes = tc_fc_s8_dsp_packed_bytes(&p);
    CHECK_EQ(nbytes, 2 * ((out + 1) / 2) * ((in + 3) / 4 * 4));
    CHECK_EQ(tc_fc_s8_dsp_scratch_bytes(&p), 2 * ((in + 3) / 4 * 4));
    packed = xmalloc((size_t)nbytes);
    scratch = xmalloc((size_t)tc_fc_s8_dsp_scratch_bytes(&p));
    tc_fc_s8_dsp_pack_weights(&p, f, packed);
    for (i = 0; i < nbytes; i++)
        ok &= packed[i] == packed_ref(&p, f, (size_t)i);
    CHECK_EQ(ok, 1);

    tc_fc_s8_ref(&p, x, f, with_bias ? bias : NULL, want);
    tc_fc_s8_dsp(&p, x, packed, bias_f, got, scratch);
    for (i = 0; i < out; i++) {
        if (got[i] != want[i]) {
            printf("in=%d out=%d mode=%d: output[%d] = %d, want %d\n", (int)in, (int)out, mode, (int)i, got[i],
                   want[i]);
            break;
        }
    }
    CHECK_EQ(i, out);
    free(x), free(f), free(want), free(got), free(bias), free(bias_f), free(mult), free(shift);
    free(packed), free(scratch);
}

/* 2 inputs, 3 outputs, by hand: x + offset = (3, -2), rows (1, 2), (-3, 4), (5, 0).
 * acc = 3 - 4 = -1; -9 - 8 = -17; 15 + 0 - 100 = -85 (bias -100 on row 2).
 * mult 2^30 shift -1 scales by 1/4: SRDHM(acc, 2^30) = round(acc / 2) half up = 0, -8, -42, then
 * RDBPOT(., 1) = 0, -4, -21; + output_offset 1 -> 1, -3, -20; clamp [-10, 100] -> 1, -3, -10. */
static void hand_case(void)
{
    const int8_t x[2] = {4, -1}, f[6] = {1, 2, -3, 4, 5, 0};
    const int32_t bias[3] = {0, 0, -100}, mult[3] = {1 << 30, 1 << 30, 1 << 30}, shift[3] = {-1, -1, -1};
    const int8_t want[3] = {1, -3, -10};
    tc_fc_params p;
    int8_t got[3], ref[3];
    int8_t scratch[8];
    int32_t bias_f[3];

    p.in_features = 2;
    p.out_features = 3;
    p.input_offset = -1;
    p.output_offset = 1;
    p.act_min = -10;
    p.act_max = 100;
    p.out_mult = mult;
    p.out_shift = shift;
    fold_bias(&p, f, bias, bias_f);
    CHECK_EQ(bias_f[0], -3);
    CHECK_EQ(bias_f[2], -105);
    CHECK_EQ(tc_fc_s8_dsp_packed_bytes(&p), 16);
    {
        int8_t big[16];
        tc_fc_s8_dsp_pack_weights(&p, f, big);
        /* pair 0 step 0: k0 = 0, k1 = 2 (padding): [1 + 128, -3, 0 + 128, 0] */
        CHECK_EQ((uint8_t)big[0], 129);
        CHECK_EQ(big[1], -3);
        CHECK_EQ((uint8_t)big[2], 128);
        CHECK_EQ(big[3], 0);
        /* pair 0 step 1: k0 = 1: [2 + 128, 4, ...] */
        CHECK_EQ((uint8_t)big[4], 130);
        CHECK_EQ(big[5], 4);
        /* pair 1 (row 4 and the missing row 5): [5 + 128, 0, ...] */
        CHECK_EQ((uint8_t)big[8], 133);
        CHECK_EQ(big[9], 0);
        tc_fc_s8_ref(&p, x, f, bias, ref);
        tc_fc_s8_dsp(&p, x, big, bias_f, got, scratch);
    }
    CHECK_S8(ref, want);
    CHECK_S8(got, want);
}

int main(void)
{
    static const int32_t ins[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 63, 64, 127, 128, 255, 256, 507, 508, 509, 512, 640, 1017, 1100};
    static const int32_t outs[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 17, 64, 128};
    size_t a, b;
    int mode;

    hand_case();
    seed(20240601u);
    for (a = 0; a < sizeof ins / sizeof ins[0]; a++)
        for (b = 0; b < sizeof outs / sizeof outs[0]; b++)
            run_case(ins[a], outs[b], 0);
    for (mode = 1; mode <= 2; mode++) {
        run_case(508, 7, mode);
        run_case(509, 6, mode);
        run_case(1100, 13, mode);
        run_case(640, 8, mode);
    }
    for (a = 0; a < 60; a++)
        run_case(rand_in(1, 700), rand_in(1, 40), 0);
    return tc_test_report();
}
