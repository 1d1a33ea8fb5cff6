/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers of the int4-weight kernels (tinyc/tc_s4.h): reading the packed stream, the
 * masked-lane decode, and the matching int16 activation layout.
 *
 * Lanes. A little-endian 32-bit word v read from the stream at a byte boundary holds 8 consecutive
 * weights e0..e7, e_j in bits 4j..4j+3. For j = 0..3,
 *     m_j = (v << (12 - 4j)) & 0xF000F000
 * puts e_j in bits 12..15 and e_{j+4} in bits 28..31 with zeros below: read as two int16 halves,
 * m_j = (4096 e_j, 4096 e_{j+4}), sign included, in one AND (Thumb-2 takes the shifted register as
 * the AND's second operand). SMLAD of m_j with the activation pair (x_j, x_{j+4}) adds
 * 4096 (e_j x_j + e_{j+4} x_{j+4}), so per 8 weights: 1 LDR, 4 AND, 4 SMLAD, no sign extension.
 * The activations are therefore stored per group of 8 as the int16 words
 *     A_j = (x[8g + j], x[8g + j + 4]),   j = 0..3
 * (tc_s4_widen8: 2 PKH + 4 SXTB16 per 8 bytes, once per pixel, shared by every output channel).
 *
 * Scale. Each product is 4096 e x with e in [-8, 7] and raw x in [-128, 127], so |4096 e x| <= 2^22
 * and a sum of 511 of them lies in (-2^31, 2^31): the kernels accumulate at most
 * TC_S4_CHUNK_GROUPS = 63 full groups plus a row's partial last group (<= 7 weights), i.e. <= 511
 * products, into a fresh SMLAD sum s, which is then exactly 4096 * (the chunk's true sum), and add
 * s >> 12 (exact) to the running total with wrapping adds. So every result equals sum w * x
 * mod 2^32, as the reference's. (64 full groups of -8 * -128 would reach 2^31 and wrap.)
 *
 * Rows inside a byte. Row r of length L starts at weight r * L; when that is odd, the kernels read
 * it from the byte holding its first weight (whose low nibble is the previous row's last weight)
 * against activations shifted by one element, (0, x0, x1, ...): the extra weight meets a zero.
 * A row's partial last group is read as a whole word where that word ends inside the stream (its
 * extra nibbles are the next rows' and meet zero activations), else assembled from the row's
 * remaining bytes (tc_s4_tail_word): no read goes past the stream's end. */
#ifndef TINYC_TC_S4_DECODE_H
#define TINYC_TC_S4_DECODE_H

#include <stdint.h>
#include <string.h>

#include "tinyc/tc_simd.h"

#define TC_S4_MASK 0xF000F000u

/* Full groups per chunk; the row's partial last group (if any) may follow (see Scale above). */
#define TC_S4_CHUNK_GROUPS 63

/* 4 stream bytes as a little-endian word (one LDR on Armv7-M, any alignment). */
static inline uint32_t tc_s4_rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The last nibbles (1..7) of a row starting at byte p as a word: (nibbles + 1) / 2 bytes, zeros
 * above. A nibble past the row (odd count) is the next row's; its activation is zero. */
static inline uint32_t tc_s4_tail_word(const uint8_t *p, int32_t nibbles)
{
    const int32_t n = (nibbles + 1) >> 1;
    uint32_t v = p[0];
    if (n > 1)
        v |= (uint32_t)p[1] << 8;
    if (n > 2)
        v |= (uint32_t)p[2] << 16;
    if (n > 3)
        v |= (uint32_t)p[3] << 24;
    return v;
}

/* Lane j of weight word v: (4096 e_j, 4096 e_{j+4}) as an int16 pair. */
static inline int32_t tc_s4_lane(uint32_t v, int j)
{
    return (int32_t)((v << (12 - 4 * j)) & TC_S4_MASK);
}

/* The SMLAD sum of a chunk is 4096 times its true sum (exact): back to the true sum. */
static inline int32_t tc_s4_unscale(int32_t s)
{
    return s >> 12;
}

/* PKHBT a, b, LSL #16 = (a.lo, b.lo) and PKHTB b, a, ASR #16 = (a.hi, b.hi), as halfword pairs.
 * GCC does not combine the C forms into PKH, hence the asm on DSP cores. */
#if TC_SIMD_DSP && defined(__GNUC__)
static inline int32_t tc_s4_pk_lo(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t tc_s4_pk_hi(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}
#else
static inline int32_t tc_s4_pk_lo(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xffffu) | ((uint32_t)b << 16));
}
static inline int32_t tc_s4_pk_hi(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)b & 0xffff0000u) | ((uint32_t)a >> 16));
}
#endif

/* 8 int8 activations x0..x7 at src as the words A_0..A_3 = (x_j, x_{j+4}) at dst[0..3]:
 * PKH makes (x0, x1, x4, x5) and (x2, x3, x6, x7), whose SXTB16 / SXTB16 ROR 8 are the pairs. */
static inline void tc_s4_widen8(int32_t *dst, const int8_t *src)
{
    const int32_t v = tc_read_s8x4(src), u = tc_read_s8x4(src + 4);
    const int32_t t0 = tc_s4_pk_lo(v, u), t1 = tc_s4_pk_hi(v, u);
    dst[0] = tc_sxtb16(t0);
    dst[1] = tc_sxtb16_ror8(t0);
    dst[2] = tc_sxtb16(t1);
    dst[3] = tc_sxtb16_ror8(t1);
}

/* The first n weights of a stream as int8 (the depthwise taps), a byte (two weights) at a time. */
static inline void tc_s4_decode(const uint8_t *packed, int32_t n, int8_t *out)
{
    int32_t i;
    for (i = 0; i + 1 < n; i += 2) {
        const uint32_t b = *packed++;
        out[i] = (int8_t)((int32_t)((b & 15u) ^ 8u) - 8);
        out[i + 1] = (int8_t)((int32_t)((b >> 4) ^ 8u) - 8);
    }
    if (i < n)
        out[i] = (int8_t)((int32_t)((*packed & 15u) ^ 8u) - 8);
}

#endif /* TINYC_TC_S4_DECODE_H */
