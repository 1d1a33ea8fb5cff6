/* SPDX-License-Identifier: Apache-2.0 */
/* The windowed layers of vww_96_int8's patch stage (plan 8:1x3, the middle tile): the first 3x3
 * conv and the four 3x3 depthwise convs with the int8 `_dsp` kernels the compiler calls, and the
 * cost of unpacking a 4-bit-stored input tile to int8 for them. Both kernels widen activations to
 * int16 planes / im2col columns before their SMLAD loops, so a low-bit input can change only that
 * widening step, not the multiplies (docs/vdpc.md). Build and run with Scripts/vdpc/bench.sh. */
#include "tinyc/tc_conv2d_dsp.h"
#include "tinyc/tc_dwconv_dsp.h"
#include "tinyc/tc_kernels.h"
#include "vdpc_kernels.h"
#include "bench_harness.h"

/* layer 0: conv 3x3 s2, 3 -> 8, reading the caller's 96x96x3 image in place (row stride 288) */
static tc_conv2d_params c0;
static int8_t image[96 * 96 * 3], w0[8 * 27], o0[48 * 25 * 8], r0[48 * 25 * 8];
static int32_t b0[8], f0[8], m0[8], s0[8];

/* layers 1, 3, 5, 7: depthwise 3x3, tile shapes in -> out, stride, pads (top, bottom) */
typedef struct {
    int32_t ih, iw, oh, ow, c, stride, top, bottom;
} dw_shape;
static const dw_shape dws[4] = {
    {48, 25, 48, 23, 8, 1, 1, 1}, {48, 23, 24, 11, 16, 2, 0, 1}, {24, 11, 24, 9, 32, 1, 1, 1}, {24, 9, 12, 4, 32, 2, 0, 1}};
static tc_dwconv_params dp[4];
static int8_t din[4][48 * 23 * 16], dw[4][9 * 32], dout[4][48 * 23 * 16], dref[4][48 * 23 * 16];
static int32_t db[4][32], df[4][32], dm[4][32], ds[4][32];
static uint8_t packed[4][48 * 23 * 8], packed0[96 * 51 * 3 / 2];
static int8_t unpacked[48 * 23 * 16 + 96 * 51 * 3];
static int32_t scratch[4096];

static void fill_rq(int32_t *bias, int32_t *mult, int32_t *shift, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        bias[i] = vdpc_rand(-4000, 4000);
        mult[i] = vdpc_rand(1 << 30, 0x7fffffff);
        shift[i] = vdpc_rand(-9, -6);
    }
}

static void setup(void)
{
    int32_t i, o, l, k;
    for (i = 0; i < 96 * 96 * 3; i++)
        image[i] = (int8_t)(-128 + 16 * vdpc_rand(0, 15));
    for (i = 0; i < 8 * 27; i++)
        w0[i] = (int8_t)vdpc_rand(-127, 127);
    fill_rq(b0, m0, s0, 8);
    for (o = 0; o < 8; o++) {
        int32_t sum = 0;
        for (k = 0; k < 27; k++)
            sum += w0[o * 27 + k];
        f0[o] = b0[o] + 128 * sum;
    }
    c0 = (tc_conv2d_params){.input = {96, 51, 3}, .output = {48, 25, 8}, .kernel = {3, 3}, .stride = {2, 2},
                            .dilation = {1, 1}, .pad = {0, 1, 0, 0}, .input_offset = 128, .output_offset = -128,
                            .act_min = -128, .act_max = 127, .out_mult = m0, .out_shift = s0, .in_row_stride = 288};
    tc_conv2d_s8_ref(&c0, image + 26 * 3, w0, b0, r0);
    vdpc_pack_u4(image + 26 * 3, 96 * 51 * 3 / 8, 8, packed0); /* as flat bytes: the timing is per byte */
    for (l = 0; l < 4; l++) {
        const dw_shape d = dws[l];
        for (i = 0; i < d.ih * d.iw * d.c; i++)
            din[l][i] = (int8_t)(-128 + 16 * vdpc_rand(0, 15));
        for (i = 0; i < 9 * d.c; i++)
            dw[l][i] = (int8_t)vdpc_rand(-127, 127);
        fill_rq(db[l], dm[l], ds[l], d.c);
        for (o = 0; o < d.c; o++) {
            int32_t sum = 0;
            for (k = 0; k < 9; k++)
                sum += dw[l][k * d.c + o];
            df[l][o] = db[l][o] + 128 * sum;
        }
        dp[l] = (tc_dwconv_params){.input = {d.ih, d.iw, d.c}, .output = {d.oh, d.ow, d.c}, .kernel = {3, 3},
                                   .stride = {d.stride, d.stride}, .dilation = {1, 1}, .pad = {d.top, d.bottom, 0, 0},
                                   .depth_multiplier = 1, .input_offset = 128, .output_offset = -128, .act_min = -128,
                                   .act_max = 127, .out_mult = dm[l], .out_shift = ds[l]};
        tc_dwconv_s8_ref(&dp[l], din[l], dw[l], db[l], dref[l]);
        vdpc_pack_u4(din[l], d.ih * d.iw, d.c, packed[l]);
    }
}

static void conv0(void) { tc_conv2d_s8_dsp(&c0, image + 26 * 3, w0, f0, o0, scratch); }
static void unpack0(void) { vdpc_unpack_u4(packed0, 96 * 51 * 3 / 8, 8, unpacked); }
#define DW_JOBS(l, entry)                                                                                      \
    static void dw_##l(void) { entry(&dp[l], din[l], dw[l], df[l], dout[l], scratch); }                        \
    static void unpack_##l(void) { vdpc_unpack_u4(packed[l], dws[l].ih * dws[l].iw, dws[l].c, unpacked); }
DW_JOBS(0, tc_dwconv_3x3s1_s8_dsp)
DW_JOBS(1, tc_dwconv_3x3s2_s8_dsp)
DW_JOBS(2, tc_dwconv_3x3s1_s8_dsp)
DW_JOBS(3, tc_dwconv_3x3s2_s8_dsp)

static const vdpc_job jobs[] = {
    {"L0 conv3x3s2 96x51x3->48x25x8 int8 tc_conv2d_s8_dsp", conv0},
    {"L0 input tile u4 -> int8 unpack (14,688 bytes)", unpack0},
    {"L1 dw3x3s1 48x25->48x23 c8 int8 tc_dwconv_3x3s1_s8_dsp", dw_0},
    {"L1 input tile u4 -> int8 unpack (9,600 bytes)", unpack_0},
    {"L3 dw3x3s2 48x23->24x11 c16 int8 tc_dwconv_3x3s2_s8_dsp", dw_1},
    {"L3 input tile u4 -> int8 unpack (17,664 bytes)", unpack_1},
    {"L5 dw3x3s1 24x11->24x9 c32 int8 tc_dwconv_3x3s1_s8_dsp", dw_2},
    {"L5 input tile u4 -> int8 unpack (8,448 bytes)", unpack_2},
    {"L7 dw3x3s2 24x9->12x4 c32 int8 tc_dwconv_3x3s2_s8_dsp", dw_3},
    {"L7 input tile u4 -> int8 unpack (6,912 bytes)", unpack_3},
};

static int check(void)
{
    int32_t l, bad = memcmp(o0, r0, sizeof o0) != 0;
    for (l = 0; l < 4; l++) {
        const size_t n = (size_t)(dws[l].oh * dws[l].ow * dws[l].c);
        bad |= memcmp(dout[l], dref[l], n) != 0;
    }
    /* the last unpack (layer 7's tile) restores its int8 input */
    bad |= memcmp(unpacked, din[3], (size_t)(dws[3].ih * dws[3].iw * dws[3].c)) != 0;
    vdpc_say(bad ? "vdpc-check: MISMATCH\n" : "vdpc-check: int8 kernels equal the _ref kernels; unpack(pack(x)) == x\n");
    return bad;
}

#include "bench_runner.h"
