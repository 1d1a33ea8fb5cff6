/* SPDX-License-Identifier: Apache-2.0 */
/* Ternary fully connected, `_ref` and `_dsp` (contract: tinyc/tc_fc_ternary.h, packed formats:
 * tinyc/tc_ternary.h). Both return the bytes tc_fc_s8_ref returns on the unpacked weights t.
 *
 * `_dsp` (Cortex-M4 DSP extension through tc_simd.h; portable C elsewhere, same results):
 * the weights stay packed and are decoded to int16 pairs of codes q = t + 1 in {0, 1, 2}, which
 * SMLAD multiplies with int16 pairs of activations. Then
 *     sum_k t x = sum_k q x - sum_k x
 * with sum x computed once per call, and no sign extension or correction in the inner loop.
 *   - 2-bit: a 32-bit little-endian stream word holds 16 codes, code e at bits 2e, so
 *         (w >> 2n) & 0x00030003 = the pair (q[n], q[n + 8]),   n = 0..7
 *     (one AND with a shifted register operand on Thumb-2). The input is widened once into
 *     scratch as the words (x[16g + n], x[16g + n + 8]) to match: per 16 weights of a row,
 *     1 LDR + 8 AND + 8 SMLAD, plus the 8 activation loads shared by 4 rows (rows on byte
 *     boundaries) or 2 rows (the other cases).
 *   - base-3: a table maps a byte (5 trits) to its 5 codes as 10 bits (2 bits each, the 2-bit
 *     layout), so a byte pair gives the word T[b0] | T[b1] << 16 whose (w >> 2n) & 0x00030003 is
 *     (q[n], q[n + 5]), n = 0..4; the activations are widened as (x[10g + n], x[10g + n + 5]).
 * Rows start inside a byte when in_features is not a multiple of 4 (5). Such rows are read with
 * a funnel shift of the stream (2-bit: one word and the next byte; base-3: three bytes' codes),
 * at a small cost per group. Each row's full groups (16 or 10 weights) go through SMLAD; the last
 * in_features % 16 (% 10) weights are summed one by one. A group, and the extra byte a funnel
 * shift reads, never goes past the row's last byte, so the stream is never overread.
 * Everything wraps mod 2^32 like the reference's int32 accumulation plus the folded bias. */
#include "tinyc/tc_fc_ternary.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"
#include "tc_ternary_decode.h"

#if defined(__GNUC__)
#define TC_FCT_INLINE static inline __attribute__((always_inline))
#define TC_FCT_NOINLINE __attribute__((noinline)) /* register allocation of the loop alone */
#else
#define TC_FCT_INLINE static inline
#define TC_FCT_NOINLINE
#endif

/* Base-3 bytes decode through tc_ternary_b3_codes and single codes through tc_tern_code
 * (tc_ternary_decode.h), shared with the conv and depthwise kernels. */

/* input  : (in_features,)                  s8
 * filter : (out_features, in_features)     packed ternary
 * bias   : (out_features,)                 s32 or NULL
 * output : (out_features,)                 s8 */
void tc_fc_ternary_ref(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                       tc_ternary_format format, const int32_t *bias, int8_t *output)
{
    const int32_t n = p->in_features;
    int32_t o, i;

    TC_ASSERT(first >= 0);
    for (o = 0; o < p->out_features; o++) {
        const size_t base = (size_t)first + (size_t)o * (size_t)n;
        int32_t acc = 0;
        for (i = 0; i < n; i++)
            acc += ((int32_t)tc_tern_code(filter, format, base + (size_t)i) - 1) *
                   ((int32_t)input[i] + p->input_offset);
        output[o] = TC_REF_OUT(p, acc, bias, o);
    }
}

/* ---- `_dsp` ---- */

/* Weights per group (one decoded word set) and int16 pairs per group. */
static int32_t tc_fct_group(tc_ternary_format format)
{
    return format == TC_TERNARY_2BIT ? 16 : 10;
}

int32_t tc_fc_ternary_dsp_scratch_bytes(const tc_fc_params *p, tc_ternary_format format)
{
    const int32_t g = tc_fct_group(format);
    return 2 * g * ((p->in_features + g - 1) / g);
}

static inline uint32_t tc_fct_rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* one LDR on Armv7-M, any alignment */
    return v;
}

/* The input as int16 pairs (x[gi + n], x[gi + n + half]) per group of g = 2 * half, zero past
 * in_features; returns sum x. */
static int32_t tc_fct_widen(const int8_t *input, int32_t k, int32_t g, uint8_t *xs)
{
    const int32_t half = g / 2;
    uint32_t sum = 0;
    int32_t base, n;

    for (base = 0; base < k; base += g) {
        for (n = 0; n < half; n++) {
            const int32_t lo = base + n < k ? input[base + n] : 0;
            const int32_t hi = base + n + half < k ? input[base + n + half] : 0;
            const int32_t w = tc_simd_pack16_(lo, hi);
            memcpy(xs, &w, 4);
            xs += 4;
            sum += (uint32_t)lo + (uint32_t)hi;
        }
    }
    return (int32_t)sum;
}

/* One row of the packed filter: its first weight is stream weight s, at byte `at`, bit 2r of
 * the byte (2-bit) or trit r (base-3). */
typedef struct {
    const uint8_t *at;
    uint32_t r;
    size_t s;
} tc_fct_row;

static tc_fct_row tc_fct_row_at(const uint8_t *filter, tc_ternary_format format, size_t s)
{
    tc_fct_row row;
    row.s = s;
    if (format == TC_TERNARY_2BIT) {
        row.at = filter + s / 4u;
        row.r = (uint32_t)(s % 4u);
    } else {
        row.at = filter + s / 5u;
        row.r = (uint32_t)(s % 5u);
    }
    return row;
}

/* Decoded word of group m of a row (see the top comment). `funnel` = 0 only when every row starts
 * on a byte (r == 0); otherwise the funnel form also handles r == 0 (the bits of the next byte
 * are then shifted out: (hi << 1) << 31 == hi << 32 == 0 in uint32_t). */
TC_FCT_INLINE uint32_t tc_fct_word(const tc_fct_row *row, int32_t m, int base3, int funnel)
{
    if (!base3) {
        const uint8_t *b = row->at + 4 * m;
        if (!funnel)
            return tc_fct_rd32(b);
        return (tc_fct_rd32(b) >> (2u * row->r)) | (((uint32_t)b[4] << 1) << (31u - 2u * row->r));
    } else {
        const uint8_t *b = row->at + 2 * m;
        if (!funnel)
            return (uint32_t)tc_ternary_b3_codes[b[0]] | ((uint32_t)tc_ternary_b3_codes[b[1]] << 16);
        {
            const uint32_t v = (uint32_t)tc_ternary_b3_codes[b[0]] | ((uint32_t)tc_ternary_b3_codes[b[1]] << 10) |
                               ((uint32_t)tc_ternary_b3_codes[b[2]] << 20);
            const uint32_t sh = 2u * row->r;
            return ((v >> sh) & 0x3ffu) | (((v >> (sh + 10u)) & 0x3ffu) << 16);
        }
    }
}

/* The mask 0x00030003 in a register: GCC would otherwise emit LSR + AND #imm per pair, while
 * AND Rd, Rmask, Rw, LSR #2n is a single Thumb-2 instruction. The empty asm hides the constant. */
static inline uint32_t tc_fct_mask(void)
{
    uint32_t m = 0x00030003u;
#if TC_SIMD_DSP && defined(__GNUC__)
    __asm__("" : "+r"(m));
#endif
    return m;
}

/* Activation pair n of group m against the decoded words of rows a and b. */
#define TC_FCT_STEP(n)                                                                   \
    do {                                                                                 \
        int32_t x_;                                                                      \
        memcpy(&x_, xg + 4 * (n), 4);                                                    \
        acc_a = tc_smlad(x_, (int32_t)(mask & (wa >> (2 * (n)))), acc_a);                \
        acc_b = tc_smlad(x_, (int32_t)(mask & (wb >> (2 * (n)))), acc_b);                \
    } while (0)

/* sum q x over the full groups of rows a and b, as acc[0], acc[1]. */
TC_FCT_INLINE void tc_fct_groups2(const tc_fct_row *a, const tc_fct_row *b, const uint8_t *xs, int32_t groups,
                                  int base3, int funnel, int32_t *acc)
{
    int32_t acc_a = 0, acc_b = 0, m;
    const uint8_t *xg = xs;
    const uint32_t mask = tc_fct_mask();

    for (m = 0; m < groups; m++) {
        const uint32_t wa = tc_fct_word(a, m, base3, funnel);
        const uint32_t wb = tc_fct_word(b, m, base3, funnel);
        TC_FCT_STEP(0);
        TC_FCT_STEP(1);
        TC_FCT_STEP(2);
        TC_FCT_STEP(3);
        TC_FCT_STEP(4);
        if (!base3) {
            TC_FCT_STEP(5);
            TC_FCT_STEP(6);
            TC_FCT_STEP(7);
            xg += 32;
        } else {
            xg += 20;
        }
    }
    acc[0] = acc_a;
    acc[1] = acc_b;
}

/* Four rows of the 2-bit format whose rows all start on a byte (in_features % 4 == 0), rows
 * `stride` bytes apart: each activation word feeds 4 rows, so per 16 weights of 4 rows
 * 8 + 4 loads, 32 AND and 32 SMLAD. The row addresses are recomputed from w0 and the stride so
 * that the loop fits the 13 usable registers (mask, x, w0, stride, 4 words, 4 sums, 1 temporary). */
#define TC_FCT_STEP4(n)                                                                  \
    do {                                                                                 \
        int32_t x_;                                                                      \
        memcpy(&x_, xg + 4 * (n), 4);                                                    \
        acc_0 = tc_smlad(x_, (int32_t)(mask & (w_0 >> (2 * (n)))), acc_0);               \
        acc_1 = tc_smlad(x_, (int32_t)(mask & (w_1 >> (2 * (n)))), acc_1);               \
        acc_2 = tc_smlad(x_, (int32_t)(mask & (w_2 >> (2 * (n)))), acc_2);               \
        acc_3 = tc_smlad(x_, (int32_t)(mask & (w_3 >> (2 * (n)))), acc_3);               \
    } while (0)

static TC_FCT_NOINLINE void tc_fct_groups4_2bit(const uint8_t *w0, size_t stride, const uint8_t *xs, int32_t groups, int32_t *acc)
{
    int32_t acc_0 = 0, acc_1 = 0, acc_2 = 0, acc_3 = 0, m;
    const uint8_t *xg = xs;
    const uint32_t mask = tc_fct_mask();

    for (m = 0; m < groups; m++) {
        const uint32_t w_0 = tc_fct_rd32(w0), w_1 = tc_fct_rd32(w0 + stride);
        const uint32_t w_2 = tc_fct_rd32(w0 + 2 * stride), w_3 = tc_fct_rd32(w0 + 3 * stride);
        TC_FCT_STEP4(0);
        TC_FCT_STEP4(1);
        TC_FCT_STEP4(2);
        TC_FCT_STEP4(3);
        TC_FCT_STEP4(4);
        TC_FCT_STEP4(5);
        TC_FCT_STEP4(6);
        TC_FCT_STEP4(7);
        xg += 32;
        w0 += 4;
    }
    acc[0] = acc_0;
    acc[1] = acc_1;
    acc[2] = acc_2;
    acc[3] = acc_3;
}

/* The four specializations (the inner loops must not test the format per word). */
static void tc_fct_groups2_2bit(const tc_fct_row *a, const tc_fct_row *b, const uint8_t *xs, int32_t g, int32_t *acc)
{
    tc_fct_groups2(a, b, xs, g, 0, 0, acc);
}
static void tc_fct_groups2_2bit_funnel(const tc_fct_row *a, const tc_fct_row *b, const uint8_t *xs, int32_t g,
                                       int32_t *acc)
{
    tc_fct_groups2(a, b, xs, g, 0, 1, acc);
}
static void tc_fct_groups2_b3(const tc_fct_row *a, const tc_fct_row *b, const uint8_t *xs, int32_t g, int32_t *acc)
{
    tc_fct_groups2(a, b, xs, g, 1, 0, acc);
}
static void tc_fct_groups2_b3_funnel(const tc_fct_row *a, const tc_fct_row *b, const uint8_t *xs, int32_t g,
                                     int32_t *acc)
{
    tc_fct_groups2(a, b, xs, g, 1, 1, acc);
}

/* sum q x over the weights from..k-1 of a row, one by one (the part after the full groups). */
static int32_t tc_fct_tail(const uint8_t *filter, tc_ternary_format format, size_t s, const int8_t *input,
                           int32_t from, int32_t k)
{
    uint32_t acc = 0;
    int32_t i;
    for (i = from; i < k; i++)
        acc += tc_tern_code(filter, format, s + (size_t)i) * (uint32_t)(int32_t)input[i];
    return (int32_t)acc;
}

/* Outputs o .. o + n - 1 from their sums of q x over the full groups: the tail weights, - sum x,
 * + folded bias, requantization, offset, clamp. */
static void tc_fct_finish(const tc_fc_params *p, const uint8_t *filter, int32_t first, tc_ternary_format format,
                          const int8_t *input, int32_t full, uint32_t sum_x, const int32_t *bias_folded,
                          int32_t o, int32_t n, const int32_t *acc, int8_t *output)
{
    const int32_t k = p->in_features;
    int32_t j;
    for (j = 0; j < n; j++) {
        const size_t s = (size_t)first + (size_t)(o + j) * (size_t)k;
        uint32_t q = (uint32_t)acc[j] - sum_x + (uint32_t)bias_folded[o + j];
        tc_rq rq;
        if (full < k)
            q += (uint32_t)tc_fct_tail(filter, format, s, input, full, k);
        rq = tc_rq_make(p->out_mult[o + j], p->out_shift[o + j]);
        output[o + j] = tc_sat_s8(tc_rq_apply(&rq, (int32_t)q) + p->output_offset, p->act_min, p->act_max);
    }
}

/* input   : (in_features,)                 s8
 * filter  : (out_features, in_features)    packed ternary
 * bias    : (out_features,)                s32, folded (never NULL)
 * output  : (out_features,)                s8
 * scratch : tc_fc_ternary_dsp_scratch_bytes(p, format) bytes */
void tc_fc_ternary_dsp(const tc_fc_params *p, const int8_t *input, const uint8_t *filter, int32_t first,
                       tc_ternary_format format, const int32_t *bias_folded, int8_t *output, void *scratch)
{
    const int32_t k = p->in_features, outs = p->out_features;
    const int base3 = format != TC_TERNARY_2BIT;
    const int32_t g = tc_fct_group(format), groups = k / g, full = groups * g;
    int funnel; /* rows start inside a byte */
    void (*run)(const tc_fct_row *, const tc_fct_row *, const uint8_t *, int32_t, int32_t *);
    uint8_t *xs = (uint8_t *)scratch;
    uint32_t sum_x;
    int32_t o = 0;

    TC_ASSERT(k > 0 && outs > 0 && bias_folded != NULL && scratch != NULL);
    TC_ASSERT(format == TC_TERNARY_2BIT || format == TC_TERNARY_BASE3);
    TC_ASSERT(first >= 0);
    filter = tc_ternary_seek(filter, format, &first);
    funnel = k % (base3 ? 5 : 4) != 0 || first != 0;
    sum_x = (uint32_t)tc_fct_widen(input, k, g, xs);
    run = base3 ? (funnel ? tc_fct_groups2_b3_funnel : tc_fct_groups2_b3)
                : (funnel ? tc_fct_groups2_2bit_funnel : tc_fct_groups2_2bit);

    if (!base3 && !funnel && groups > 0) { /* 4 rows at a time */
        const size_t stride = (size_t)k / 4u;
        for (; o + 4 <= outs; o += 4) {
            int32_t acc[4];
            tc_fct_groups4_2bit(filter + (size_t)o * stride, stride, xs, groups, acc);
            tc_fct_finish(p, filter, first, format, input, full, sum_x, bias_folded, o, 4, acc, output);
        }
    }
    /* rows in pairs sharing the activation loads; an odd last row is paired with itself */
    for (; o < outs; o += 2) {
        const int32_t n = outs - o < 2 ? outs - o : 2;
        const size_t s0 = (size_t)first + (size_t)o * (size_t)k;
        const tc_fct_row a = tc_fct_row_at(filter, format, s0);
        const tc_fct_row b = n == 2 ? tc_fct_row_at(filter, format, s0 + (size_t)k) : a;
        int32_t acc[2];
        run(&a, &b, xs, groups, acc);
        tc_fct_finish(p, filter, first, format, input, full, sum_x, bias_folded, o, n, acc, output);
    }
}
