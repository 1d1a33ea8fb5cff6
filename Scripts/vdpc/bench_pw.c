/* SPDX-License-Identifier: Apache-2.0 */
/* Pointwise (1x1) layers of vww_96_int8's patch stage (plan 8:1x3, the middle tile): int8 `_dsp`
 * kernels vs the 4-bit and 2-bit activation kernels of vdpc_kernels.c, and the cost of writing the
 * low-bit layouts. See docs/vdpc.md; build and run with Scripts/vdpc/bench.sh. */
#include "tinyc/tc_conv2d_dsp.h"
#include "tinyc/tc_kernels.h"
#include "vdpc_kernels.h"
#include "bench_harness.h"

/* tile shapes (rows x cols, in.c -> out.c) of layers 2, 4 and 6 */
typedef struct {
    int32_t h, w, ic, oc;
} pw_shape;
static const pw_shape shapes[3] = {{48, 23, 8, 16}, {24, 11, 16, 32}, {24, 9, 32, 32}};

#define MAX_IN (48 * 23 * 8)
#define MAX_OUT (48 * 23 * 16)
#define MAX_W (32 * 32)

static int8_t x4[3][MAX_IN], x2[3][MAX_IN];          /* inputs on the 4-bit / 2-bit grids */
static uint8_t in4[3][MAX_IN / 2], planes[3][MAX_IN / 4]; /* their packed layouts */
static int8_t filt[3][MAX_W];
static int32_t bias[3][32], bias_f4[3][32], mult[3][32], shift[3][32];
static uint32_t tables[3][32 * 8 * 2 * 16];
static int8_t ref4[3][MAX_OUT], ref2[3][MAX_OUT];
static int8_t out_1x1[3][MAX_OUT], out_gen[3][MAX_OUT], out_u4[3][MAX_OUT], out_u2[3][MAX_OUT];
static int32_t scratch[4096];
static tc_conv2d_params prm[3];

static void setup(void)
{
    int32_t s, i, o;
    for (s = 0; s < 3; s++) {
        const pw_shape sh = shapes[s];
        const int32_t n = sh.h * sh.w * sh.ic;
        tc_conv2d_params *p = &prm[s];
        memset(p, 0, sizeof *p);
        p->input = (tc_shape3){sh.h, sh.w, sh.ic};
        p->output = (tc_shape3){sh.h, sh.w, sh.oc};
        p->kernel = (tc_hw){1, 1};
        p->stride = (tc_hw){1, 1};
        p->dilation = (tc_hw){1, 1};
        p->input_offset = 128; /* zero point -128 (ReLU) */
        p->output_offset = -128;
        p->act_min = -128;
        p->act_max = 127;
        p->out_mult = mult[s];
        p->out_shift = shift[s];
        for (i = 0; i < sh.ic * sh.oc; i++)
            filt[s][i] = (int8_t)vdpc_rand(-127, 127);
        for (o = 0; o < sh.oc; o++) {
            int32_t sum = 0;
            bias[s][o] = vdpc_rand(-4000, 4000);
            mult[s][o] = vdpc_rand(1 << 30, 0x7fffffff);
            shift[s][o] = vdpc_rand(-10, -7);
            for (i = 0; i < sh.ic; i++)
                sum += filt[s][o * sh.ic + i];
            bias_f4[s][o] = bias[s][o] + 128 * sum;
        }
        for (i = 0; i < n; i++) {
            const int32_t k4 = vdpc_rand(0, 15), k2 = vdpc_rand(0, 3);
            x4[s][i] = (int8_t)(-128 + 16 * k4);
            x2[s][i] = (int8_t)(-128 + 64 * k2);
        }
        vdpc_pack_u4(x4[s], sh.h * sh.w, sh.ic, in4[s]);
        vdpc_pack_u2planes(x2[s], sh.h * sh.w, sh.ic, planes[s]);
        vdpc_u2lut_tables(filt[s], sh.ic, sh.oc, tables[s]);
        tc_conv2d_s8_ref(p, x4[s], filt[s], bias[s], ref4[s]);
        tc_conv2d_s8_ref(p, x2[s], filt[s], bias[s], ref2[s]);
    }
}

#define PW_JOBS(s)                                                                                                   \
    static void int8_1x1_##s(void) { tc_conv2d_1x1_s8_dsp(&prm[s], x4[s], filt[s], bias_f4[s], out_1x1[s]); }         \
    static void int8_gen_##s(void) { tc_conv2d_s8_dsp(&prm[s], x4[s], filt[s], bias_f4[s], out_gen[s], scratch); }   \
    static void u4_##s(void) { vdpc_pw_u4_dsp(&prm[s], in4[s], filt[s], bias[s], out_u4[s]); }                      \
    static void u2_##s(void) { vdpc_pw_u2lut_dsp(&prm[s], planes[s], tables[s], bias[s], out_u2[s]); }              \
    static void pack4_##s(void) { vdpc_pack_u4(x4[s], shapes[s].h * shapes[s].w, shapes[s].ic, in4[s]); }           \
    static void pack2_##s(void) { vdpc_pack_u2planes(x2[s], shapes[s].h * shapes[s].w, shapes[s].ic, planes[s]); }
PW_JOBS(0)
PW_JOBS(1)
PW_JOBS(2)

static const vdpc_job jobs[] = {
    {"L2 48x23 8->16 int8 tc_conv2d_1x1_s8_dsp", int8_1x1_0},
    {"L2 48x23 8->16 int8 tc_conv2d_s8_dsp", int8_gen_0},
    {"L2 48x23 8->16 u4 vdpc_pw_u4_dsp", u4_0},
    {"L2 48x23 8->16 u2 vdpc_pw_u2lut_dsp", u2_0},
    {"L2 input tile int8 -> u4 layout (C)", pack4_0},
    {"L2 input tile int8 -> u2 planes (C)", pack2_0},
    {"L4 24x11 16->32 int8 tc_conv2d_1x1_s8_dsp", int8_1x1_1},
    {"L4 24x11 16->32 int8 tc_conv2d_s8_dsp", int8_gen_1},
    {"L4 24x11 16->32 u4 vdpc_pw_u4_dsp", u4_1},
    {"L4 24x11 16->32 u2 vdpc_pw_u2lut_dsp", u2_1},
    {"L4 input tile int8 -> u4 layout (C)", pack4_1},
    {"L4 input tile int8 -> u2 planes (C)", pack2_1},
    {"L6 24x9 32->32 int8 tc_conv2d_1x1_s8_dsp", int8_1x1_2},
    {"L6 24x9 32->32 int8 tc_conv2d_s8_dsp", int8_gen_2},
    {"L6 24x9 32->32 u4 vdpc_pw_u4_dsp", u4_2},
    {"L6 24x9 32->32 u2 vdpc_pw_u2lut_dsp", u2_2},
    {"L6 input tile int8 -> u4 layout (C)", pack4_2},
    {"L6 input tile int8 -> u2 planes (C)", pack2_2},
};

static int check(void)
{
    int32_t s, bad = 0;
    for (s = 0; s < 3; s++) {
        const size_t n = (size_t)(shapes[s].h * shapes[s].w * shapes[s].oc);
        bad |= memcmp(out_1x1[s], ref4[s], n) != 0;
        bad |= (memcmp(out_gen[s], ref4[s], n) != 0) << 1;
        bad |= (memcmp(out_u4[s], ref4[s], n) != 0) << 2;
        bad |= (memcmp(out_u2[s], ref2[s], n) != 0) << 3;
    }
    vdpc_say(bad ? "vdpc-check: MISMATCH\n" : "vdpc-check: every low-bit output equals tc_conv2d_s8_ref\n");
    return bad;
}

#include "bench_runner.h"
