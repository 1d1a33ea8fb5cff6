/* SPDX-License-Identifier: Apache-2.0 */
/* Private decoding helpers of the ternary kernels (tinyc/tc_ternary.h formats).
 *
 * Both formats are decoded to 2-bit codes q = t + 1 in {0, 1, 2}: the 2-bit format already is one,
 * and a base-3 byte becomes a 10-bit group of five codes (code n at bits 2n..2n+1) through
 * tc_ternary_b3_codes, which turns the division chain of tc_ternary_get into one table load. */
#ifndef TINYC_TC_TERNARY_DECODE_H
#define TINYC_TC_TERNARY_DECODE_H

#include <stdint.h>

#include "tinyc/tc_ternary.h"

/* tc_ternary_b3_codes[b] = sum over n = 0..4 of ((b / 3^n) % 3) << 2n, for every base-3 byte
 * b = 0..242; bytes 243..255 never occur in a valid stream and map to 0, so a corrupt stream cannot
 * index past the table (defined in tc_conv2d_ternary.c). */
extern const uint16_t tc_ternary_b3_codes[256];

/* Code q = t + 1 of weight i of a stream (random access, for reference loops and row tails). */
static inline uint32_t tc_tern_code(const uint8_t *stream, tc_ternary_format format, size_t i)
{
    if (format == TC_TERNARY_2BIT)
        return ((uint32_t)stream[i >> 2] >> (2u * (uint32_t)(i & 3u))) & 3u;
    return ((uint32_t)tc_ternary_b3_codes[stream[i / 5u]] >> (2u * (uint32_t)(i % 5u))) & 3u;
}

/* A sequential reader of one packed stream, from any weight index on. It loads a byte only when
 * its first code is needed, so it never reads past the weight it last returned. */
typedef struct {
    const uint8_t *next; /* the next byte to load */
    uint32_t codes;      /* the current byte's remaining codes, lowest first */
    int32_t left;        /* how many codes remain in `codes` */
    int32_t per_byte;    /* 4 (2-bit) or 5 (base-3) */
} tc_tern_rd;

/* Positions the reader before weight i (nothing is loaded yet). */
static inline void tc_tern_rd_seek(tc_tern_rd *r, const uint8_t *stream, tc_ternary_format format, int32_t i)
{
    const int32_t per = format == TC_TERNARY_2BIT ? 4 : 5;
    const int32_t skip = i % per;
    r->per_byte = per;
    r->next = stream + i / per;
    r->left = 0;
    r->codes = 0;
    if (skip) { /* load the byte holding weight i and drop the codes before it */
        r->codes = per == 4 ? (uint32_t)*r->next : (uint32_t)tc_ternary_b3_codes[*r->next];
        r->next++;
        r->codes >>= 2 * skip;
        r->left = per - skip;
    }
}

/* The next weight's code q = t + 1. */
static inline uint32_t tc_tern_rd_code(tc_tern_rd *r)
{
    uint32_t q;
    if (r->left == 0) {
        r->codes = r->per_byte == 4 ? (uint32_t)*r->next : (uint32_t)tc_ternary_b3_codes[*r->next];
        r->next++;
        r->left = r->per_byte;
    }
    q = r->codes & 3u;
    r->codes >>= 2;
    r->left--;
    return q;
}

#endif /* TINYC_TC_TERNARY_DECODE_H */
