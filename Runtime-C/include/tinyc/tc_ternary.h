/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary (1.58-bit, BitNet b1.58) weights: every weight t is -1, 0 or +1, the real weight is
 * scale * t with the scale per output channel (or per tensor) folded into the layer's requantization
 * multipliers at compile time, exactly like an int8 weight scale (ALGORITHMS.md §5). A ternary layer
 * therefore computes what the int8 kernel computes with the int8 weights t: the int8 `_ref` kernels
 * on the unpacked weights are an independent oracle for every kernel declared here.
 *
 * Packed formats. The weight tensor (conv2d OHWI, depthwise (1, kh, kw, c), fully connected
 * (out, in)) is flattened row-major to N weights t[0 .. N-1] and stored as a dense byte stream with
 * no padding between rows (a row, i.e. one output channel's taps, may start inside a byte):
 *
 *   TC_TERNARY_2BIT  (2 bits per weight, ceil(N / 4) bytes)
 *       code q = t + 1 in {0, 1, 2}; weight i is bits 2 * (i % 4) .. 2 * (i % 4) + 1 of byte i / 4
 *       (least significant first); the unused bits of the last byte are 0. Code 3 never occurs.
 *   TC_TERNARY_BASE3 (1.6 bits per weight, ceil(N / 5) bytes)
 *       byte j = sum over n = 0..4 of q[5j + n] * 3^n, q = t + 1 (a value 0..242); in the last byte
 *       the missing trits (5j + n >= N) are 0.
 *
 * Kernels read only the bytes holding the tensor's weights (for a tensor of its own: exactly the
 * ceil(N / 4) or ceil(N / 5) bytes of the stream), never past them.
 * Every kernel below takes the same parameter struct as its int8 twin, with the same meaning
 * (tc_types.h: row strides, negative pads on patch tiles, per-channel requantization), and returns
 * the same bytes as that int8 `_ref` kernel run on the unpacked weights. */
#ifndef TINYC_TC_TERNARY_H
#define TINYC_TC_TERNARY_H

#include <stdint.h>

#include "tinyc/tc_types.h"

typedef enum {
    TC_TERNARY_2BIT = 2,
    TC_TERNARY_BASE3 = 3
} tc_ternary_format;

/* Bytes of a packed stream of n weights. */
static inline int32_t tc_ternary_packed_bytes(tc_ternary_format format, int32_t n)
{
    return format == TC_TERNARY_2BIT ? (n + 3) / 4 : (n + 4) / 5;
}

/* A tensor may start anywhere in a stream: every kernel takes (stream, first, format), and the
 * tensor's weight i is the stream's weight first + i. tinyc gives each 2-bit tensor its own stream
 * (first = 0) and packs all base-3 tensors of a model into one shared stream, so that no tensor
 * wastes the unused trits of its last byte. This moves the stream pointer to the byte holding
 * weight `first` and leaves in *first its position inside that byte (0..3 or 0..4). */
static inline const uint8_t *tc_ternary_seek(const uint8_t *stream, tc_ternary_format format, int32_t *first)
{
    const int32_t per = format == TC_TERNARY_2BIT ? 4 : 5;
    const uint8_t *at = stream + *first / per;
    *first %= per;
    return at;
}

/* Weight i (-1, 0 or +1) of a packed stream: the reference decoder. */
static inline int32_t tc_ternary_get(const uint8_t *packed, tc_ternary_format format, int32_t i)
{
    if (format == TC_TERNARY_2BIT)
        return (int32_t)((packed[i >> 2] >> (2 * (i & 3))) & 3u) - 1;
    {
        uint32_t b = packed[i / 5];
        int32_t n;
        for (n = i % 5; n > 0; n--)
            b /= 3u;
        return (int32_t)(b % 3u) - 1;
    }
}

#endif /* TINYC_TC_TERNARY_H */
