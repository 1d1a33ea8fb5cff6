/* SPDX-License-Identifier: Apache-2.0 */
/* Experimental low-bit-activation kernels for the value-driven patch experiment (docs/vdpc.md).
 * Cortex-M4 (DSP extension) only, benchmark code outside Runtime-C: they answer "do 4- or 2-bit
 * activations save instructions on an M4?", they are not compiler kernels.
 *
 * All of them take the activations of a ReLU feature map (zero point -128) that non-outlier patches
 * store on a b-bit grid: int8 value -128 + k * 2^(8-b), code k in [0, 2^b - 1] (LowBitGrid in
 * Sources/TinycReference with the default step). For a 1x1 conv with raw bias B the reference
 * accumulator is  B + sum w * (x + 128) = B + 2^(8-b) * sum w * k,  so a kernel that sums w * k and
 * scales by 2^(8-b) gets exactly the int8 kernel's int32 and hence its output bytes: the benches
 * check them against tc_conv2d_s8_ref on the requantized int8 input. */
#ifndef VDPC_KERNELS_H
#define VDPC_KERNELS_H

#include <stdint.h>

#include "tinyc/tc_types.h"

/* Per-patch outlier test: 1 if some byte of the rows x row_bytes region (rows stride bytes apart)
 * is above thr (a ReLU map's int8 value; |q - z| > T is q > T - 128). Portable C / SWAR with
 * USUB8 + SEL (4 bytes per step). */
int32_t vdpc_outlier_c(const int8_t *x, int32_t rows, int32_t row_bytes, int32_t stride, int8_t thr);
int32_t vdpc_outlier_dsp(const int8_t *x, int32_t rows, int32_t row_bytes, int32_t stride, int8_t thr);

/* 4-bit codes, two per byte. Per pixel, channel group g of 8 (c % 8 == 0):
 *     byte 4g + j = k[8g + j] | k[8g + 4 + j] << 4        (j = 0..3)
 * so that (word & 0x0F0F0F0F) holds channels 8g..8g+3 and (word >> 4) & 0x0F0F0F0F the next four,
 * in the byte order of the int8 weights: UXTB16 / UXTB16 ROR 8 then pair with SXTB16 / SXTB16 ROR 8
 * of the weight words, no reordering of weights. */
void vdpc_pack_u4(const int8_t *x, int32_t pixels, int32_t c, uint8_t *out);
void vdpc_unpack_u4(const uint8_t *in, int32_t pixels, int32_t c, int8_t *out);

/* 1x1 conv, stride 1, dense, in.c % 8 == 0, out.c even: the 2x2 register tile of
 * tc_conv2d_1x1_s8_dsp on packed 4-bit activations. bias is the raw (unfolded) bias. */
void vdpc_pw_u4_dsp(const tc_conv2d_params *p, const uint8_t *in4, const int8_t *filter, const int32_t *bias,
                    int8_t *output);

/* 2-bit codes as bit planes. Per pixel, channel group g of 4 (c % 4 == 0): one byte,
 *     bit j = bit 0 of k[4g + j],   bit 4 + j = bit 1 of k[4g + j]. */
void vdpc_pack_u2planes(const int8_t *x, int32_t pixels, int32_t c, uint8_t *out);

/* Bit-serial lookup 1x1 conv on 2-bit codes (no multiplies): for output channels (o, o+1) and
 * group g, two tables of 16 words, T[b][i] = (sum of w[o][4g+j] over the bits j of i) << b in the
 * low halfword and the same for o+1 in the high halfword; a pixel's dot products are
 * sum_g T[0][plane0] + T[1][plane1], added two channels at a time with SADD16 (|sum w * k| <=
 * 3 * 128 * in.c < 2^15 for in.c <= 85, so the 16-bit lanes never overflow).
 * Table layout: pairs of output channels in blocks of 4 pairs (8 channels, out.c % 8 == 0):
 *     tables[(((blk * G + g) * 2 + b) * 16 + i) * 4 + pair]      G = in.c / 4
 * i.e. one 64-word block per (channel block, group, bit) whose index i selects 4 adjacent words,
 * one per pair. Flash: 2 bits x 16 entries x 4 bytes per (group of 4 inputs, channel pair), i.e.
 * 16 bytes of table per int8 weight byte. */
int32_t vdpc_u2lut_table_words(int32_t in_c, int32_t out_c);
void vdpc_u2lut_tables(const int8_t *filter, int32_t in_c, int32_t out_c, uint32_t *tables);
void vdpc_pw_u2lut_dsp(const tc_conv2d_params *p, const uint8_t *planes, const uint32_t *tables,
                       const int32_t *bias, int8_t *output);

#endif
