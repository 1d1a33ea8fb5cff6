/* SPDX-License-Identifier: Apache-2.0 */
/* tc_conv2d_1x1_s8_dsp (portable path on the host) against tc_conv2d_s8_ref: a hand-computed case
 * and a seeded table of shapes, row strides, zero points, activation ranges and multipliers, with
 * the bias folded the way the compiler folds it. */
#include "tc_test.h"

/* 1x1 conv, input (1, 2, 2), output (1, 2, 2); channel 0 multiplier 1.0, channel 1 0.25
 * (the ref kernel's hand case in test_runtime.c, with the bias folded by hand). */
static void test_conv1x1_dsp_hand(void)
{
    static const int8_t in[] = {10, -3, 0, 127};
    static const int8_t w[] = {1, 2, -1, 3};
    /* bias {5, -10} + input_offset 2 * row sums {3, 2} */
    static const int32_t folded[] = {11, -6};
    static const int32_t mult[] = {1073741824, 1073741824}, shift[] = {1, -1};
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
    tc_conv2d_1x1_s8_dsp(&p, in, w, folded, out);
    CHECK_S8(out, want);
}

/* One pointwise layer: every in.c x out.c x size of the table, with zero points, activation
 * ranges, bias/no bias, multipliers (per channel, incl. shift > 0, dead channels, and biases that
 * make the int32 accumulator wrap) and row strides drawn per case; the strided gaps of the output
 * buffer must stay untouched. Data is uniform, all-extreme (-128/127 only), or small (|v| <= 3,
 * scale 1.0 or 0.5, so an accumulator off by one changes the output). */
static void test_conv1x1_dsp(void)
{
    static const int32_t ics[] = {1, 2, 3, 4, 5, 7, 8, 16, 17, 32, 33};
    static const int32_t ocs[] = {1, 2, 3, 8, 9, 16};
    static const int32_t sizes[][2] = {{1, 1}, {3, 5}, {7, 7}, {2, 1}, {1, 6}};
    enum { SENTINEL = 0x5A };
    size_t a, b, z;
    int32_t cases = 0, strided = 0, extreme = 0, small = 0, zp_edges = 0, wrapped = 0;
    int bad = 0, bad_gap = 0;

    seed(0x1A1D5Fu);
    for (a = 0; a < sizeof ics / sizeof ics[0]; a++)
        for (b = 0; b < sizeof ocs / sizeof ocs[0]; b++)
            for (z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
                const int32_t ic = ics[a], oc = ocs[b], h = sizes[z][0], w = sizes[z][1];
                const int draw = (int)(cases % 8);
                /* strided in 3 of 8 cases: row strides longer than a dense row */
                const int32_t in_gap = draw % 8 >= 5 ? rand_in(1, 9) : 0;
                const int32_t out_gap = draw % 8 >= 6 ? rand_in(1, 9) : 0;
                const int32_t in_row = w * ic + in_gap, out_row = w * oc + out_gap;
                const size_t in_n = (size_t)(h - 1) * in_row + (size_t)w * ic; /* exact, for ASan */
                const size_t out_n = (size_t)h * out_row;
                int8_t *in = (int8_t *)xmalloc(in_n), *filter = (int8_t *)xmalloc((size_t)oc * ic);
                int8_t *want = (int8_t *)xmalloc(out_n), *got = (int8_t *)xmalloc(out_n);
                int32_t *bias = (int32_t *)xmalloc((size_t)oc * sizeof(int32_t));
                int32_t *folded = (int32_t *)xmalloc((size_t)oc * sizeof(int32_t));
                int32_t *mult = (int32_t *)xmalloc((size_t)oc * sizeof(int32_t));
                int32_t *shift = (int32_t *)xmalloc((size_t)oc * sizeof(int32_t));
                const int mode = rand_in(0, 4); /* 0: all-extreme data, 1: small data at scale ~1 */
                int32_t zin, zout, o;
                size_t i;
                tc_conv2d_params p;

                if (mode == 0) {
                    for (i = 0; i < in_n; i++) in[i] = (int8_t)(rand_in(0, 1) ? 127 : -128);
                    for (i = 0; i < (size_t)oc * ic; i++) filter[i] = (int8_t)(rand_in(0, 1) ? 127 : -128);
                    extreme++;
                } else if (mode == 1) {
                    for (i = 0; i < in_n; i++) in[i] = (int8_t)rand_in(-3, 3);
                    for (i = 0; i < (size_t)oc * ic; i++) filter[i] = (int8_t)rand_in(-3, 3);
                } else {
                    fill_s8(in, in_n);
                    fill_s8(filter, (size_t)oc * ic);
                }
                switch (cases % 5) { /* zero points: the int8 edges, and random */
                case 0: zin = -128; zout = 127; zp_edges++; break;
                case 1: zin = 127; zout = -128; zp_edges++; break;
                case 2: zin = -128; zout = -128; zp_edges++; break;
                default: zin = rand_in(-128, 127); zout = rand_in(-128, 127); break;
                }
                if (mode == 1) { /* every unit of the accumulator shows in the output */
                    zin = rand_in(-2, 2);
                    zout = rand_in(-20, 20);
                    small++;
                }
                for (o = 0; o < oc; o++) {
                    const int r = rand_in(0, 19);
                    bias[o] = rand_in(-30000, 30000);
                    mult[o] = rand_in(1 << 30, INT32_MAX);
                    shift[o] = rand_in(-13, -5);
                    if (r == 0) { /* dead channel: TFLite's saturated bias and multiplier 0 */
                        bias[o] = rand_in(0, 1) ? INT32_MAX : -INT32_MAX;
                        mult[o] = 0;
                        shift[o] = 0;
                    } else if (r == 1) { /* the accumulator wraps through +-2^31 */
                        bias[o] = rand_in(0, 1) ? INT32_MAX - rand_in(0, 1000) : INT32_MIN + rand_in(0, 1000);
                        shift[o] = rand_in(-31, -20);
                        wrapped++;
                    } else if (r == 2) { /* multiplier > 1: left shift first */
                        shift[o] = rand_in(1, 3);
                    } else if (r == 3) {
                        mult[o] = 1 << 30; /* exactly 0.5 * 2^shift: rounding ties */
                    }
                    if (mode == 1) { /* scale 1.0 (or 0.5 with its rounding ties), small bias */
                        bias[o] = rand_in(-50, 50);
                        mult[o] = 1 << 30;
                        shift[o] = rand_in(0, 1);
                    }
                }
                memset(&p, 0, sizeof p);
                p.input.h = h; p.input.w = w; p.input.c = ic;
                p.output.h = h; p.output.w = w; p.output.c = oc;
                p.kernel.h = p.kernel.w = 1;
                p.stride.h = p.stride.w = p.dilation.h = p.dilation.w = 1;
                p.input_offset = -zin;
                p.output_offset = zout;
                switch (cases % 3) { /* none, relu, relu6-like */
                case 0: p.act_min = -128; p.act_max = 127; break;
                case 1: p.act_min = zout; p.act_max = 127; break;
                default: p.act_min = tc_max_i32(zout, -128); p.act_max = tc_min_i32(zout + rand_in(0, 60), 127); break;
                }
                p.out_mult = mult;
                p.out_shift = shift;
                p.in_row_stride = in_gap ? in_row : 0;
                p.out_row_stride = out_gap ? out_row : 0;
                if (in_gap || out_gap)
                    strided++;

                memset(want, SENTINEL, out_n);
                memset(got, SENTINEL, out_n);
                tc_conv2d_s8_ref(&p, in, filter, cases % 4 == 3 ? NULL : bias, want);
                tc_test_fold_bias(folded, cases % 4 == 3 ? NULL : bias, filter, oc, ic, (size_t)ic, 1, p.input_offset);
                tc_conv2d_1x1_s8_dsp(&p, in, filter, folded, got);
                for (i = 0; i < out_n; i++) {
                    if (got[i] != want[i]) {
                        if (bad++ < 5)
                            printf("FAIL conv1x1 dsp: in.c %d out.c %d %dx%d strides %d/%d: byte %d = %d, want %d\n",
                                   (int)ic, (int)oc, (int)h, (int)w, (int)p.in_row_stride, (int)p.out_row_stride,
                                   (int)i, got[i], want[i]);
                        break;
                    }
                    if ((int32_t)(i % (size_t)out_row) >= w * oc && got[i] != SENTINEL) {
                        bad_gap++;
                        break;
                    }
                }
                cases++;
                free(in); free(filter); free(want); free(got); free(bias); free(folded); free(mult); free(shift);
            }
    CHECK_EQ(bad, 0);
    CHECK_EQ(bad_gap, 0);
    CHECK_EQ(cases, 11 * 6 * 5);
    CHECK_EQ(strided > 80, 1);
    CHECK_EQ(extreme > 30, 1);
    CHECK_EQ(small > 30, 1);
    CHECK_EQ(zp_edges > 150, 1);
    CHECK_EQ(wrapped > 50, 1);
}

int main(void)
{
    test_conv1x1_dsp_hand();
    test_conv1x1_dsp();
    return tc_test_report();
}
