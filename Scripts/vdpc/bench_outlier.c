/* SPDX-License-Identifier: Apache-2.0 */
/* The per-patch outlier test of the value-driven patch stage on vww_96_int8's plan 8:1x3, middle
 * tile: over the input region (96 rows x 51 columns x 3, inside the 96x96x3 image) and over the first
 * feature map's tile (48 x 25 x 8). Non-outlier data, so every byte is read (the case that pays);
 * the check also plants one outlier byte. Build and run with Scripts/vdpc/bench.sh. */
#include "vdpc_kernels.h"
#include "bench_harness.h"

static int8_t image[96 * 96 * 3], fm[48 * 25 * 8];
static int32_t res[4];
/* thresholds as int8 values of a ReLU map (zero point -128): T = 254 and T = 194 of docs/vdpc.md */
#define THR_INPUT 126
#define THR_FIRST 66

static void setup(void)
{
    int32_t i;
    for (i = 0; i < 96 * 96 * 3; i++)
        image[i] = (int8_t)vdpc_rand(-128, THR_INPUT);
    for (i = 0; i < 48 * 25 * 8; i++)
        fm[i] = (int8_t)vdpc_rand(-128, THR_FIRST);
}

static void in_c(void) { res[0] = vdpc_outlier_c(image + 26 * 3, 96, 51 * 3, 288, THR_INPUT); }
static void in_dsp(void) { res[1] = vdpc_outlier_dsp(image + 26 * 3, 96, 51 * 3, 288, THR_INPUT); }
static void fm_c(void) { res[2] = vdpc_outlier_c(fm, 48, 25 * 8, 25 * 8, THR_FIRST); }
static void fm_dsp(void) { res[3] = vdpc_outlier_dsp(fm, 48, 25 * 8, 25 * 8, THR_FIRST); }

static const vdpc_job jobs[] = {
    {"outlier test, input tile 96x51x3 (14,688 bytes), C loop", in_c},
    {"outlier test, input tile 96x51x3 (14,688 bytes), SSUB8+SEL", in_dsp},
    {"outlier test, first feature map tile 48x25x8 (9,600 bytes), C loop", fm_c},
    {"outlier test, first feature map tile 48x25x8 (9,600 bytes), SSUB8+SEL", fm_dsp},
};

static int check(void)
{
    int32_t bad = res[0] | res[1] | res[2] | res[3];
    /* one byte above the threshold, in the middle of a row and in a row tail */
    image[(50 * 96 + 40) * 3 + 1] = THR_INPUT + 1;
    bad |= vdpc_outlier_dsp(image + 26 * 3, 96, 51 * 3, 288, THR_INPUT) != 1;
    bad |= vdpc_outlier_c(image + 26 * 3, 96, 51 * 3, 288, THR_INPUT) != 1;
    fm[(10 * 25 + 24) * 8 + 7] = THR_FIRST + 1;
    bad |= vdpc_outlier_dsp(fm, 48, 25 * 8, 25 * 8, THR_FIRST) != 1;
    vdpc_say(bad ? "vdpc-check: MISMATCH\n" : "vdpc-check: outlier tests agree (0 on clean tiles, 1 with a planted byte)\n");
    return bad;
}

#include "bench_runner.h"
