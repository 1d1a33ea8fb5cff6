/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 depthwise convolution for Cortex-M4/M7/M33 with the DSP extension (ALGORITHMS.md §2.1,
 * §2.3, §6.2), bit-exact with tc_dwconv_s8_ref. Portable C elsewhere (tc_simd.h + the helpers below).
 *
 * Depthwise has no reduction over channels, so the SMLAD trick of the 1x1 kernel (pairs of channels)
 * does not apply: a pair must be two taps of ONE channel. In NHWC those are input.c bytes apart, so
 * the kernel works channel by channel on a copy of the channel (the "plane", TinyEngine's scheme):
 *   1. the padded window of one input channel is copied into an int16 plane of PW columns; cells
 *      outside the input hold -input_offset once per call (the folded bias then cancels them, see
 *      tc_dwconv_dsp.h), so the inner loops have no bounds checks at all;
 *   2. each output row is computed into an int32 row buffer, two outputs per iteration; a plane
 *      word is two horizontally adjacent pixels as int16, which is what SMLAD multiplies with a
 *      pair of taps. For 3x3 stride 1, outputs x and x+1 of one kernel row are
 *          SMLAD(P[x, x+1], W01) + SMLABB(P[x+2, x+3], W2)   and
 *          SMLAD(P[x+1, x+2], W01) + SMLATB(P[x+2, x+3], W2),
 *      the middle word being an unaligned load (fine on Armv7-M): 3 loads + 4 multiplies per 6 MACs;
 *      stride 2 reads P[x..x+5] for outputs x/2 and x/2+1, with the same counts;
 *   3. the row buffer is requantized and stored at the channel's slots (stride output.c).
 * The in-place variant is the same loop: channel c is copied to the plane before output channel c
 * overwrites its slots (see tc_dwconv_s8_inplace_ref for why no other channel is touched).
 *
 * Requantization (per channel, exact): tc_rq_apply computes, for a right shift e = -shift >= 1,
 *     r = floor((x*m + 2^30 + 2^(30+e) - n*2^31) / 2^(31+e)),   n = [x < 0]
 *       = floor((t0 - n + 2^(e-1)) / 2^e),                      t0 = floor((x*m + 2^30) / 2^31)
 * and t0 = floor((2x*m + 2^31) / 2^32) is the high word of SMMLAR(2x, m, .). So with the output
 * offset folded into K = 2^(e-1) + z_out * 2^e,
 *     r + z_out = SMMLAR(2x, m, K - n) >> e                                  (ADD, SMMLAR, ASR)
 * provided 2x and K - n + t0 fit in int32. The channel's taps and bias are therefore doubled when
 * they are packed (int16 taps: |2w| <= 256), which yields 2x directly, and a channel takes this path
 * only if |bias_f| + 2^14 * taps < 2^30 (a bound on |x| for any input) and -22 <= shift <= -1
 * (so |K| < 2^30); every other channel ("dead" channels with huge biases, shift >= 0, shifts below
 * -22) is requantized with
 * tc_rq_apply on the undoubled sum. Either way the result is the reference's bit for bit.
 *
 * Accumulation wraps mod 2^32 everywhere (SMLAD does; the portable helpers add in uint32_t). */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"

/* The row loops are separate functions so that GCC allocates their registers alone (inlined into
 * the driver they spilled taps and counters). */
#if defined(__GNUC__)
#define TC_DW_NOINLINE __attribute__((noinline))
#else
#define TC_DW_NOINLINE
#endif

/* Inline-assembly loops (see tc_dw3s1_row) only in optimised GCC builds for DSP cores. */
#if TC_SIMD_DSP && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define TC_DW_ASM 1
#else
#define TC_DW_ASM 0
#endif

/* ---- DSP helpers not in tc_simd.h: one instruction each on the M4 ---- */
#if TC_SIMD_DSP
/* halfword 0 of lo, halfword 0 of hi in halfword 1 (GCC zero-extends then ORRs otherwise) */
static inline int32_t tc_dw_pack(int32_t lo, int32_t hi)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}
/* acc + (halfword x of a) * (halfword y of b), x/y = b(ottom) or t(op) */
static inline int32_t tc_dw_smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t tc_dw_smlatb(int32_t a, int32_t b, int32_t acc) { return __smlatb(a, b, acc); }
static inline int32_t tc_dw_smlabt(int32_t a, int32_t b, int32_t acc) { return __smlabt(a, b, acc); }
static inline int32_t tc_dw_smlatt(int32_t a, int32_t b, int32_t acc) { return __smlatt(a, b, acc); }
/* high word of acc * 2^32 + a * b + 2^31 (ACLE has no SMMLAR intrinsic) */
static inline int32_t tc_dw_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
#else
static inline int32_t tc_dw_half(int32_t x, int k)
{
    return (int32_t)((((uint32_t)x >> (16 * k)) & 0xffffu) ^ 0x8000u) - 0x8000;
}
static inline int32_t tc_dw_mla(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(a * b)); /* |a * b| <= 2^30 */
}
static inline int32_t tc_dw_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return tc_dw_mla(tc_dw_half(a, 0), tc_dw_half(b, 0), acc);
}
static inline int32_t tc_dw_smlatb(int32_t a, int32_t b, int32_t acc)
{
    return tc_dw_mla(tc_dw_half(a, 1), tc_dw_half(b, 0), acc);
}
static inline int32_t tc_dw_smlabt(int32_t a, int32_t b, int32_t acc)
{
    return tc_dw_mla(tc_dw_half(a, 0), tc_dw_half(b, 1), acc);
}
static inline int32_t tc_dw_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return tc_dw_mla(tc_dw_half(a, 1), tc_dw_half(b, 1), acc);
}
static inline int32_t tc_dw_pack(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16));
}
static inline int32_t tc_dw_smmlar(int32_t a, int32_t b, int32_t acc)
{
    const uint64_t s = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
    return (int32_t)(uint32_t)(s >> 32);
}
#endif

/* Two int16 plane cells as one word (cell k in halfword k); any 2-byte alignment. */
static inline int32_t tc_dw_ld(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* ---- geometry and scratch ---- */

typedef struct {
    int16_t *plane;   /* wy rows of pw cells, + 4 cells of slack; 4-byte aligned */
    int32_t *acc;     /* max(output.w + 1, 64) accumulators (a pair may compute one output past a row) */
    int32_t *taps;    /* kernel.h * np int16 pairs of one channel's taps */
    int32_t pw, wy;   /* plane row length (even) and rows */
    int32_t y_lo, x_lo;   /* input coordinates of plane cell (0, 0) */
    int32_t iy0, iy1, ix0, ix1; /* the input rows/columns inside the window: [iy0, iy1) x [ix0, ix1) */
    int32_t np;       /* tap pairs per kernel row: (kernel.w + 1) / 2 */
} tc_dw_geo;

static int32_t tc_dw_acc_slots(const tc_dwconv_params *p);

static int32_t tc_dw_wy(const tc_dwconv_params *p)
{
    return (p->output.h - 1) * p->stride.h + (p->kernel.h - 1) * p->dilation.h + 1;
}

static int32_t tc_dw_pw(const tc_dwconv_params *p)
{
    const int32_t wx = (p->output.w - 1) * p->stride.w + (p->kernel.w - 1) * p->dilation.w + 1;
    return (wx + 1) & ~(int32_t)1;
}

int32_t tc_dwconv_s8_dsp_scratch_bytes(const tc_dwconv_params *p)
{
    return 4 + 2 * (tc_dw_wy(p) * tc_dw_pw(p) + 4) + 4 * tc_dw_acc_slots(p) +
           4 * p->kernel.h * ((p->kernel.w + 1) / 2);
}

static void tc_dw_geo_init(tc_dw_geo *g, const tc_dwconv_params *p, void *scratch)
{
    const uintptr_t a = ((uintptr_t)scratch + 3u) & ~(uintptr_t)3u;
    const int32_t wx = (p->output.w - 1) * p->stride.w + (p->kernel.w - 1) * p->dilation.w + 1;

    g->wy = tc_dw_wy(p);
    g->pw = tc_dw_pw(p);
    g->np = (p->kernel.w + 1) / 2;
    g->plane = (int16_t *)a;
    g->acc = (int32_t *)(void *)(g->plane + (size_t)g->wy * (size_t)g->pw + 4);
    g->taps = g->acc + tc_dw_acc_slots(p);
    g->y_lo = -p->pad.top;
    g->x_lo = -p->pad.left;
    g->iy0 = tc_max_i32(g->y_lo, 0);
    g->iy1 = tc_max_i32(tc_min_i32(g->y_lo + g->wy, p->input.h), g->iy0);
    g->ix0 = tc_max_i32(g->x_lo, 0);
    g->ix1 = tc_max_i32(tc_min_i32(g->x_lo + wx, p->input.w), g->ix0);
}

static void tc_dw_fill(int16_t *d, int32_t n, int16_t v)
{
    int32_t i;
    for (i = 0; i < n; i++)
        d[i] = v;
}

/* Padding cells of the plane (the same for every channel, so written once per call). */
static void tc_dw_fill_border(const tc_dw_geo *g, int16_t v)
{
    const int32_t top = g->iy0 - g->y_lo, rows = g->iy1 - g->iy0;
    const int32_t left = g->ix0 - g->x_lo, inner = g->ix1 - g->ix0;
    int32_t r;

    tc_dw_fill(g->plane, top * g->pw, v);
    for (r = top; r < top + rows; r++) {
        int16_t *row = g->plane + (size_t)r * (size_t)g->pw;
        tc_dw_fill(row, left, v);
        tc_dw_fill(row + left + inner, g->pw - left - inner, v);
    }
    tc_dw_fill(g->plane + (size_t)(top + rows) * (size_t)g->pw, (g->wy - top - rows) * g->pw + 4, v);
}

#if TC_DW_ASM
/* k times 8 cells: 2 x (4 LDRSB, ADD, 2 PKHBT, STRD) + SUBS, BNE = 2.25 instructions per cell
 * (GCC's own loop took 2.75 plus spills around it). d is 4-aligned. */
static inline void tc_dw_gather8(int16_t **d, const int8_t **s, size_t px, int32_t k)
{
    int32_t t0, t1, t2, t3;
    int16_t *dd = *d;
    const int8_t *ss = *s;
    const size_t px3 = 3 * px;
    __asm__ volatile("1:\n\t"
                     "ldrsb  %[t0], [%[s]]\n\t"
                     "ldrsb  %[t1], [%[s], %[px]]\n\t"
                     "ldrsb  %[t2], [%[s], %[px], lsl #1]\n\t"
                     "ldrsb  %[t3], [%[s], %[px3]]\n\t"
                     "add    %[s], %[s], %[px], lsl #2\n\t"
                     "pkhbt  %[t0], %[t0], %[t1], lsl #16\n\t"
                     "pkhbt  %[t2], %[t2], %[t3], lsl #16\n\t"
                     "strd   %[t0], %[t2], [%[d]], #8\n\t"
                     "ldrsb  %[t0], [%[s]]\n\t"
                     "ldrsb  %[t1], [%[s], %[px]]\n\t"
                     "ldrsb  %[t2], [%[s], %[px], lsl #1]\n\t"
                     "ldrsb  %[t3], [%[s], %[px3]]\n\t"
                     "add    %[s], %[s], %[px], lsl #2\n\t"
                     "pkhbt  %[t0], %[t0], %[t1], lsl #16\n\t"
                     "pkhbt  %[t2], %[t2], %[t3], lsl #16\n\t"
                     "strd   %[t0], %[t2], [%[d]], #8\n\t"
                     "subs   %[k], %[k], #1\n\t"
                     "bne    1b"
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [s] "+r"(ss), [d] "+r"(dd),
                       [k] "+r"(k)
                     : [px] "r"(px), [px3] "r"(px3)
                     : "memory", "cc");
    *d = dd;
    *s = ss;
}
#endif

/* Copies one input channel (src = input + channel, pixels px bytes apart) into the plane. Cells
 * go out in pairs as words (LDRSB, LDRSB, PKHBT, STR), after a lone first cell if the row's first
 * interior cell is not 4-aligned (the same for every row: pw is even). The split of a row into
 * lead / 8-cell blocks / rest is computed once, so a row costs a few instructions beyond its
 * cells (planes of small layers have rows of 3 to 12 cells). */
static TC_DW_NOINLINE void tc_dw_gather(const tc_dw_geo *g, const int8_t *src, size_t row, size_t px)
{
    const int32_t n = g->ix1 - g->ix0;
    const int8_t *s0 = src + (size_t)g->iy0 * row + (size_t)g->ix0 * px;
    int16_t *d0 = g->plane + (size_t)(g->iy0 - g->y_lo) * (size_t)g->pw + (g->ix0 - g->x_lo);
    const int32_t lead = n > 0 && ((uintptr_t)d0 & 2u) != 0;
    const int32_t octs = (n - lead) >> 3, rest = (n - lead) & 7;
    const size_t px2 = 2 * px, px4 = 4 * px;
    int32_t y;

    for (y = g->iy1 - g->iy0; y > 0; y--, s0 += row, d0 += g->pw) {
        const int8_t *s = s0;
        int16_t *d = d0;
        if (lead) {
            *d++ = *s;
            s += px;
        }
#if TC_DW_ASM
        if (octs > 0)
            tc_dw_gather8(&d, &s, px, octs);
#else
        {
            int32_t k;
            for (k = 2 * octs; k > 0; k--) {
                const int32_t w0 = tc_dw_pack(s[0], s[px]), w1 = tc_dw_pack(s[px2], s[px2 + px]);
                memcpy(d, &w0, sizeof w0);
                memcpy(d + 2, &w1, sizeof w1);
                d += 4;
                s += px4;
            }
        }
#endif
        if (rest & 4) {
            const int32_t w0 = tc_dw_pack(s[0], s[px]), w1 = tc_dw_pack(s[px2], s[px2 + px]);
            memcpy(d, &w0, sizeof w0);
            memcpy(d + 2, &w1, sizeof w1);
            d += 4;
            s += px4;
        }
        if (rest & 2) {
            const int32_t w0 = tc_dw_pack(s[0], s[px]);
            memcpy(d, &w0, sizeof w0);
            d += 2;
            s += px2;
        }
        if (rest & 1)
            *d = *s;
    }
}

/* ---- requantization of one row of accumulators ---- */

typedef struct {
    int32_t fast;      /* 1: SMMLAR path on doubled sums (see the top comment) */
    int32_t m, k, e;   /* fast path constants */
    tc_rq rq;          /* other channels */
    int32_t zo, lo, hi;
    int32_t full;      /* act range is all of int8: SSAT alone clamps */
} tc_dw_epi;

/* Chooses the channel's path: fast iff 1 <= e = -shift <= 22 (then |K| <= 2^21 + 128 * 2^22 < 2^30)
 * and |bias_f| < blim = 2^30 - 2^14 * taps (then |x| < 2^30 for every input: raw inputs, the
 * padding value and the taps are in [-128, 127]). 32-bit arithmetic only: it runs per channel. */
static void tc_dw_epi_channel(tc_dw_epi *q, int32_t mult, int32_t shift, int32_t bias, int32_t blim)
{
    if (shift <= -1 && shift >= -22 && bias < blim && bias > -blim) {
        const int32_t e = -shift;
        q->fast = 1;
        q->m = mult;
        q->k = ((int32_t)1 << (e - 1)) + q->zo * ((int32_t)1 << e);
        q->e = e;
    } else {
        q->fast = 0;
        q->rq = tc_rq_make(mult, shift);
    }
}

/* One output of the fast path from the doubled sum x2: ADD, SMMLAR, ASR (then SSAT or a clamp). */
static inline int32_t tc_dw_rq_fast(int32_t x2, int32_t m, int32_t k, int32_t e)
{
    return tc_dw_smmlar(x2, m, k + (x2 >> 31)) >> e;
}

/* acc[0..n) -> out[i * step], full int8 range. In assembly four per iteration: 2 LDRD,
 * 4 x (ADD, SMMLAR, ASR, SSAT, STRB), 2 ADD, SUBS, BNE = 6.5 instructions per output; in C two. */
static TC_DW_NOINLINE void tc_dw_store_fast_full(const int32_t *acc, int32_t n, int8_t *out, size_t step,
                                                  int32_t m, int32_t k, int32_t e)
{
#if TC_DW_ASM
    int32_t q = n >> 2;
    if (q > 0) {
        int32_t x0, x1, x2, x3, t;
        __asm__ volatile("1:\n\t"
                         "ldrd   %[x0], %[x1], [%[acc]], #8\n\t"
                         "ldrd   %[x2], %[x3], [%[acc]], #8\n\t"
                         "add    %[t], %[k], %[x0], asr #31\n\t"
                         "smmlar %[x0], %[x0], %[m], %[t]\n\t"
                         "add    %[t], %[k], %[x1], asr #31\n\t"
                         "smmlar %[x1], %[x1], %[m], %[t]\n\t"
                         "add    %[t], %[k], %[x2], asr #31\n\t"
                         "smmlar %[x2], %[x2], %[m], %[t]\n\t"
                         "add    %[t], %[k], %[x3], asr #31\n\t"
                         "smmlar %[x3], %[x3], %[m], %[t]\n\t"
                         "asr    %[x0], %[x0], %[e]\n\t"
                         "ssat   %[x0], #8, %[x0]\n\t"
                         "strb   %[x0], [%[out]]\n\t"
                         "asr    %[x1], %[x1], %[e]\n\t"
                         "ssat   %[x1], #8, %[x1]\n\t"
                         "strb   %[x1], [%[out], %[step]]\n\t"
                         "add    %[out], %[out], %[step], lsl #1\n\t"
                         "asr    %[x2], %[x2], %[e]\n\t"
                         "ssat   %[x2], #8, %[x2]\n\t"
                         "strb   %[x2], [%[out]]\n\t"
                         "asr    %[x3], %[x3], %[e]\n\t"
                         "ssat   %[x3], #8, %[x3]\n\t"
                         "strb   %[x3], [%[out], %[step]]\n\t"
                         "add    %[out], %[out], %[step], lsl #1\n\t"
                         "subs   %[q], %[q], #1\n\t"
                         "bne    1b"
                         : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [t] "=&r"(t),
                           [acc] "+r"(acc), [out] "+r"(out), [q] "+r"(q)
                         : [step] "r"(step), [m] "r"(m), [k] "r"(k), [e] "r"(e)
                         : "memory", "cc");
    }
    for (n &= 3; n > 0; n--, acc++, out += step)
        *out = (int8_t)tc_ssat(tc_dw_rq_fast(*acc, m, k, e), 8);
#else
    const int32_t *const end = acc + (n & ~(int32_t)1);
    for (; acc != end; acc += 2, out += 2 * step) {
        const int32_t x0 = acc[0], x1 = acc[1];
        out[0] = (int8_t)tc_ssat(tc_dw_rq_fast(x0, m, k, e), 8);
        out[step] = (int8_t)tc_ssat(tc_dw_rq_fast(x1, m, k, e), 8);
    }
    if (n & 1)
        out[0] = (int8_t)tc_ssat(tc_dw_rq_fast(acc[0], m, k, e), 8);
#endif
}

static TC_DW_NOINLINE void tc_dw_store_fast(const int32_t *acc, int32_t n, int8_t *out, size_t step,
                                             const tc_dw_epi *q)
{
    const int32_t m = q->m, k = q->k, e = q->e, lo = q->lo, hi = q->hi;
    int32_t i;
    for (i = 0; i < n; i++, out += step)
        *out = (int8_t)tc_clamp_i32(tc_dw_rq_fast(acc[i], m, k, e), lo, hi);
}

static TC_DW_NOINLINE void tc_dw_store_slow(const int32_t *acc, int32_t n, int8_t *out, size_t step,
                                             const tc_dw_epi *q)
{
    int32_t i;
    for (i = 0; i < n; i++, out += step)
        *out = tc_sat_s8(tc_rq_apply(&q->rq, acc[i]) + q->zo, q->lo, q->hi);
}

static void tc_dw_store_row(const tc_dw_epi *q, const int32_t *acc, int32_t n, int8_t *out, size_t step)
{
    if (q->fast && q->full)
        tc_dw_store_fast_full(acc, n, out, step, q->m, q->k, q->e);
    else if (q->fast)
        tc_dw_store_fast(acc, n, out, step, q);
    else
        tc_dw_store_slow(acc, n, out, step, q);
}

/* ---- compute: one output row into acc ---- */

/* The 3x3 inner loops in Arm assembly: GCC's allocation of the C loops below spills or reloads
 * (25 instructions per pair), while the loop needs exactly the 14 registers r0-r12/lr offer:
 * 5 tap words, 3 row pointers, acc and its end, 2 sums and 2 loaded words; the bias is reloaded
 * from the stack once per pair. Aligned plane words come in pairs (LDRD, post-indexed: the plane
 * base is 4-aligned, rows have an even length and every pair starts at an even cell), so a pair
 * of stride-1 outputs is LDR (bias) + 3 x (LDRD, LDR, 4 multiplies) + STRD, CMP, BNE = 22 for
 * 18 MACs. Only with optimisation (an -O0 build keeps a frame pointer and has 13 registers), and
 * in functions of their own (inlined into a bigger function, GCC finds no 14 free registers). */

/* One kernel row of a stride-1 pair: P01, P23 = cells x..x+3 (r advances by 2 cells), Q = x+1..x+2. */
#define TC_DW_S1_ROW(r, w, hb, hbt)                     \
    "ldrd   %[v], %[u], [%[" r "]], #4\n\t"               \
    "smlad  %[a0], %[v], %[" w "], %[a0]\n\t"             \
    "ldr    %[v], [%[" r "], #-2]\n\t"                    \
    "smlad  %[a1], %[v], %[" w "], %[a1]\n\t"             \
    "smla" hb "  %[a0], %[u], %[wa], %[a0]\n\t"           \
    "smla" hbt " %[a1], %[u], %[wa], %[a1]\n\t"

/* Kernel row 0 of a stride-1 pair, seeding both sums with the bias (a0 holds it): Q first. */
#define TC_DW_S1_ROW0                                   \
    "ldr    %[v], [%[r0], #2]\n\t"                        \
    "smlad  %[a1], %[v], %[w0], %[a0]\n\t"                \
    "ldrd   %[v], %[u], [%[r0]], #4\n\t"                  \
    "smlad  %[a0], %[v], %[w0], %[a0]\n\t"                \
    "smlabb %[a0], %[u], %[wa], %[a0]\n\t"                \
    "smlatb %[a1], %[u], %[wa], %[a1]\n\t"

/* One kernel row of a stride-2 pair: P01, P23 = cells x..x+3, P45 = x+4..x+5 (r advances by 4 cells). */
#define TC_DW_S2_ROW(r, w, hb)                          \
    "ldrd   %[v], %[u], [%[" r "]], #8\n\t"               \
    "smlad  %[a0], %[v], %[" w "], %[a0]\n\t"             \
    "smlad  %[a1], %[u], %[" w "], %[a1]\n\t"             \
    "ldr    %[v], [%[" r "]]\n\t"                         \
    "smla" hb "  %[a0], %[u], %[wa], %[a0]\n\t"           \
    "smla" hb "  %[a1], %[v], %[wa], %[a1]\n\t"

/* End of an output row inside the assembly loops: the row pointers move to the next row's start,
 * acc steps back over the extra output of an odd row, the end moves one row on; 12 instructions
 * per row instead of a call (small layers have rows of 3 or 6 outputs). */
#define TC_DW_NEXT_ROW                                  \
    "ldr    %[v], %[delta]\n\t"                         \
    "add    %[r0], %[r0], %[v]\n\t"                     \
    "add    %[r1], %[r1], %[v]\n\t"                     \
    "add    %[r2], %[r2], %[v]\n\t"                     \
    "ldr    %[v], %[back]\n\t"                          \
    "sub    %[acc], %[acc], %[v]\n\t"                   \
    "ldr    %[v], %[estep]\n\t"                         \
    "add    %[end], %[end], %[v]\n\t"                   \
    "ldr    %[v], %[left]\n\t"                          \
    "subs   %[v], %[v], #1\n\t"                         \
    "str    %[v], %[left]\n\t"                          \
    "bne    1b"

#define TC_DW_ROWS_OPERANDS                                                                               \
    : [a0] "=&r"(a0), [a1] "=&r"(a1), [v] "=&r"(v), [u] "=&r"(u), [r0] "+r"(r0), [r1] "+r"(r1),           \
      [r2] "+r"(r2), [acc] "+r"(acc), [end] "+r"(end), [left] "+m"(left)                                  \
    : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [wa] "r"(wa), [wb] "r"(wb), [b] "m"(bias),                 \
      [delta] "m"(delta), [back] "m"(back), [estep] "m"(estep)                                           \
    : "memory", "cc"

/* 3x3 stride 1, `rows` output rows of ow outputs from plane row r0 into acc (row r at acc + r * ow;
 * the extra output of an odd row lands on the next row's first slot, which that row overwrites).
 * w = {W01 row 0, W01 row 1, W01 row 2, (w2 row 0, w2 row 1), (w2 row 2, 0)}; b seeds the sums.
 * Outputs x, x+1 of kernel row k are SMLAD(P01, W01_k) + w2_k * P23.lo and
 * SMLAD(Q12, W01_k) + w2_k * P23.hi. */
static TC_DW_NOINLINE void tc_dw3s1_rows(const int16_t *r0, int32_t pw, const int32_t *w, int32_t b,
                                         int32_t *acc, int32_t ow, int32_t rows)
{
    const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], wa = w[3], wb = w[4];
    const int32_t pairs = (ow + 1) >> 1;
#if TC_DW_ASM
    int32_t *end = acc + 2 * pairs;
    int32_t a0, a1, v, u, left = rows;
    const int32_t bias = b, delta = 2 * pw - 4 * pairs, back = 4 * (2 * pairs - ow), estep = 4 * ow;
    __asm__ volatile("1:\n\t"
                     "ldr    %[a0], %[b]\n\t"
                     TC_DW_S1_ROW0
                     TC_DW_S1_ROW("r1", "w1", "bt", "tt")
                     "ldrd   %[v], %[u], [%[r2]], #4\n\t"
                     "smlad  %[a0], %[v], %[w2], %[a0]\n\t"
                     "ldr    %[v], [%[r2], #-2]\n\t"
                     "smlad  %[a1], %[v], %[w2], %[a1]\n\t"
                     "smlabb %[a0], %[u], %[wb], %[a0]\n\t"
                     "smlatb %[a1], %[u], %[wb], %[a1]\n\t"
                     "strd   %[a0], %[a1], [%[acc]], #8\n\t"
                     "cmp    %[acc], %[end]\n\t"
                     "bne    1b\n\t"
                     TC_DW_NEXT_ROW
                     TC_DW_ROWS_OPERANDS);
#else
    for (; rows > 0; rows--, acc += ow - 2 * pairs, r0 += pw - 2 * pairs, r1 += pw - 2 * pairs, r2 += pw - 2 * pairs) {
        int32_t i;
        for (i = 0; i < pairs; i++) {
            int32_t a0, a1, v;
            v = tc_dw_ld(r0);
            a0 = tc_smlad(v, w0, b);
            v = tc_dw_ld(r0 + 1);
            a1 = tc_smlad(v, w0, b);
            v = tc_dw_ld(r0 + 2);
            a0 = tc_dw_smlabb(v, wa, a0);
            a1 = tc_dw_smlatb(v, wa, a1);
            v = tc_dw_ld(r1);
            a0 = tc_smlad(v, w1, a0);
            v = tc_dw_ld(r1 + 1);
            a1 = tc_smlad(v, w1, a1);
            v = tc_dw_ld(r1 + 2);
            a0 = tc_dw_smlabt(v, wa, a0);
            a1 = tc_dw_smlatt(v, wa, a1);
            v = tc_dw_ld(r2);
            a0 = tc_smlad(v, w2, a0);
            v = tc_dw_ld(r2 + 1);
            a1 = tc_smlad(v, w2, a1);
            v = tc_dw_ld(r2 + 2);
            a0 = tc_dw_smlabb(v, wb, a0);
            a1 = tc_dw_smlatb(v, wb, a1);
            acc[0] = a0;
            acc[1] = a1;
            acc += 2;
            r0 += 2;
            r1 += 2;
            r2 += 2;
        }
    }
#endif
}

/* 3x3 stride 2, as tc_dw3s1_rows: outputs x/2 and x/2 + 1 read cells x .. x+4 of each kernel row
 * (x+5 unused): SMLAD(P01, W01_k) + w2_k * P23.lo and SMLAD(P23, W01_k) + w2_k * P45.lo. */
static TC_DW_NOINLINE void tc_dw3s2_rows(const int16_t *r0, int32_t pw, const int32_t *w, int32_t b,
                                         int32_t *acc, int32_t ow, int32_t rows)
{
    const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], wa = w[3], wb = w[4];
    const int32_t pairs = (ow + 1) >> 1;
#if TC_DW_ASM
    int32_t *end = acc + 2 * pairs;
    int32_t a0, a1, v, u, left = rows;
    const int32_t bias = b, delta = 4 * pw - 8 * pairs, back = 4 * (2 * pairs - ow), estep = 4 * ow;
    __asm__ volatile("1:\n\t"
                     "ldr    %[a0], %[b]\n\t"
                     "ldrd   %[v], %[u], [%[r0]], #8\n\t"
                     "smlad  %[a1], %[u], %[w0], %[a0]\n\t"
                     "smlad  %[a0], %[v], %[w0], %[a0]\n\t"
                     "ldr    %[v], [%[r0]]\n\t"
                     "smlabb %[a0], %[u], %[wa], %[a0]\n\t"
                     "smlabb %[a1], %[v], %[wa], %[a1]\n\t"
                     TC_DW_S2_ROW("r1", "w1", "bt")
                     "ldrd   %[v], %[u], [%[r2]], #8\n\t"
                     "smlad  %[a0], %[v], %[w2], %[a0]\n\t"
                     "smlad  %[a1], %[u], %[w2], %[a1]\n\t"
                     "ldr    %[v], [%[r2]]\n\t"
                     "smlabb %[a0], %[u], %[wb], %[a0]\n\t"
                     "smlabb %[a1], %[v], %[wb], %[a1]\n\t"
                     "strd   %[a0], %[a1], [%[acc]], #8\n\t"
                     "cmp    %[acc], %[end]\n\t"
                     "bne    1b\n\t"
                     TC_DW_NEXT_ROW
                     TC_DW_ROWS_OPERANDS);
#else
    for (; rows > 0; rows--, acc += ow - 2 * pairs, r0 += 2 * pw - 4 * pairs, r1 += 2 * pw - 4 * pairs,
                     r2 += 2 * pw - 4 * pairs) {
        int32_t i;
        for (i = 0; i < pairs; i++) {
            int32_t a0, a1, v;
            v = tc_dw_ld(r0);
            a0 = tc_smlad(v, w0, b);
            v = tc_dw_ld(r0 + 2);
            a0 = tc_dw_smlabb(v, wa, a0);
            a1 = tc_smlad(v, w0, b);
            v = tc_dw_ld(r0 + 4);
            a1 = tc_dw_smlabb(v, wa, a1);
            v = tc_dw_ld(r1);
            a0 = tc_smlad(v, w1, a0);
            v = tc_dw_ld(r1 + 2);
            a0 = tc_dw_smlabt(v, wa, a0);
            a1 = tc_smlad(v, w1, a1);
            v = tc_dw_ld(r1 + 4);
            a1 = tc_dw_smlabt(v, wa, a1);
            v = tc_dw_ld(r2);
            a0 = tc_smlad(v, w2, a0);
            v = tc_dw_ld(r2 + 2);
            a0 = tc_dw_smlabb(v, wb, a0);
            a1 = tc_smlad(v, w2, a1);
            v = tc_dw_ld(r2 + 4);
            a1 = tc_dw_smlabb(v, wb, a1);
            acc[0] = a0;
            acc[1] = a1;
            acc += 2;
            r0 += 4;
            r1 += 4;
            r2 += 4;
        }
    }
#endif
}

/* Any kernel: taps[ky * np + j] = (w[ky][2j], w[ky][2j+1] or 0). With dilation.w == 1 a tap pair is
 * one plane word (the phantom tap of an odd kernel row has weight 0 and reads a cell inside the
 * allocation); otherwise the two cells are read one by one. */
static TC_DW_NOINLINE void tc_dw_generic_rows(const tc_dwconv_params *p, const tc_dw_geo *g, int32_t oy,
                                              int32_t rows, int32_t b, int32_t *acc)
{
    const int32_t kh = p->kernel.h, kw = p->kernel.w, np = g->np, dw = p->dilation.w, ow = p->output.w;
    const size_t row_step = (size_t)p->dilation.h * (size_t)g->pw;
    int32_t ox, ky, j, r;

    for (r = 0; r < rows; r++, oy++, acc += ow) {
        const int16_t *base = g->plane + (size_t)oy * (size_t)p->stride.h * (size_t)g->pw;
        for (ox = 0; ox < ow; ox++) {
            const int16_t *q = base + (size_t)ox * (size_t)p->stride.w;
            const int32_t *t = g->taps;
            int32_t a = b;
            for (ky = 0; ky < kh; ky++, q += row_step, t += np) {
                if (dw == 1) {
                    for (j = 0; j < np; j++)
                        a = tc_smlad(tc_dw_ld(q + 2 * j), t[j], a);
                } else {
                    for (j = 0; j < np; j++) {
                        a = tc_dw_smlabb(q[(size_t)(2 * j) * (size_t)dw], t[j], a);
                        if (2 * j + 1 < kw)
                            a = tc_dw_smlabt(q[(size_t)(2 * j + 1) * (size_t)dw], t[j], a);
                    }
                }
            }
            acc[ox] = a;
        }
    }
}

/* ---- driver ---- */

enum { TC_DW_GENERIC, TC_DW_3X3S1, TC_DW_3X3S2 };

/* Output channel o's taps (f = filter + o, taps oc bytes apart) times scale (1 or 2) as int16
 * pairs: the 3x3 register set w5 (see tc_dw3s1_row), or taps[ky * np + j] for any kernel. */
static void tc_dw_taps3x3(const int8_t *f, size_t oc, int32_t scale, int32_t *w5)
{
    int32_t v[9], i;
    for (i = 0; i < 9; i++)
        v[i] = f[(size_t)i * oc] * scale;
    w5[0] = tc_dw_pack(v[0], v[1]);
    w5[1] = tc_dw_pack(v[3], v[4]);
    w5[2] = tc_dw_pack(v[6], v[7]);
    w5[3] = tc_dw_pack(v[2], v[5]);
    w5[4] = tc_dw_pack(v[8], 0);
}

static void tc_dw_taps(const tc_dwconv_params *p, const tc_dw_geo *g, const int8_t *f, int32_t scale)
{
    const int32_t kh = p->kernel.h, kw = p->kernel.w;
    const size_t oc = (size_t)p->output.c;
    int32_t ky, kx, *t = g->taps;

    for (ky = 0; ky < kh; ky++, f += (size_t)kw * oc) {
        for (kx = 0; kx < kw; kx += 2) {
            const int32_t v1 = kx + 1 < kw ? f[(size_t)(kx + 1) * oc] : 0;
            *t++ = tc_dw_pack(f[(size_t)kx * oc] * scale, v1 * scale);
        }
    }
}

/* Accumulator slots of the scratch: one output row, +1 for the extra output of an odd row, and at
 * least 64 so that narrow layers run several rows per call (the per-call overhead is ~60
 * instructions). The compiler mirrors this (KernelLibrary.depthwiseScratch). */
static int32_t tc_dw_acc_slots(const tc_dwconv_params *p)
{
    return tc_max_i32(p->output.w + 1, 64);
}

static void tc_dw_run(const tc_dwconv_params *p, const int8_t *in, size_t in_row, int8_t *out, size_t out_row,
                      const int8_t *filter, const int32_t *bias, void *scratch, int kind)
{
    const int32_t ic = p->input.c, dm = p->depth_multiplier, oc = p->output.c;
    const int32_t oh = p->output.h, ow = p->output.w, taps = p->kernel.h * p->kernel.w;
    /* Rows per chunk: the 3x3 paths keep their taps in registers, so the taps area right after
     * the accumulators holds more of them and small layers (rows of 3 or 6 outputs) compute
     * several rows per call. A dense output takes a chunk as one run of pixels. */
    const int32_t slots = tc_dw_acc_slots(p) + (kind == TC_DW_GENERIC ? 0 : p->kernel.h * ((p->kernel.w + 1) / 2));
    const int32_t chunk = tc_max_i32((slots - 1) / ow, 1);
    const int dense = out_row == (size_t)ow * (size_t)oc;
    /* bias bound of the fast path (0 = never, for kernels of 2^16 taps or more) */
    const int32_t blim = taps < (1 << 16) ? (int32_t)((1 << 30) - taps * (1 << 14)) : 0;
    tc_dw_geo g;
    tc_dw_epi q;
    int32_t c, j, oy, r;
    int32_t w5[5];

    tc_dw_geo_init(&g, p, scratch);
    tc_dw_fill_border(&g, (int16_t)-p->input_offset);
    q.zo = p->output_offset;
    q.lo = p->act_min;
    q.hi = p->act_max;
    q.full = p->act_min <= -128 && p->act_max >= 127;

    for (c = 0; c < ic; c++) {
        tc_dw_gather(&g, in + c, in_row, (size_t)ic);
        for (j = 0; j < dm; j++) {
            const int32_t o = c * dm + j;
            int32_t b = bias[o], scale;
            tc_dw_epi_channel(&q, p->out_mult[o], p->out_shift[o], b, blim);
            scale = q.fast ? 2 : 1;
            b = (int32_t)((uint32_t)b * (uint32_t)scale);
            if (kind == TC_DW_GENERIC)
                tc_dw_taps(p, &g, filter + o, scale);
            else
                tc_dw_taps3x3(filter + o, (size_t)oc, scale, w5);
            for (oy = 0; oy < oh; oy += chunk) {
                const int32_t rows = tc_min_i32(chunk, oh - oy);
                int8_t *dst = out + (size_t)oy * out_row + (size_t)o;
                if (kind == TC_DW_3X3S1)
                    tc_dw3s1_rows(g.plane + (size_t)oy * (size_t)g.pw, g.pw, w5, b, g.acc, ow, rows);
                else if (kind == TC_DW_3X3S2)
                    tc_dw3s2_rows(g.plane + (size_t)oy * 2 * (size_t)g.pw, g.pw, w5, b, g.acc, ow, rows);
                else
                    tc_dw_generic_rows(p, &g, oy, rows, b, g.acc);
                if (dense)
                    tc_dw_store_row(&q, g.acc, rows * ow, dst, (size_t)oc);
                else
                    for (r = 0; r < rows; r++)
                        tc_dw_store_row(&q, g.acc + r * ow, ow, dst + (size_t)r * out_row, (size_t)oc);
            }
        }
    }
}

static void tc_dw_check(const tc_dwconv_params *p)
{
    (void)p; /* only read by TC_ASSERT */
    TC_ASSERT(p->depth_multiplier > 0 && p->output.c == p->input.c * p->depth_multiplier);
    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(p->kernel.h > 0 && p->kernel.w > 0 && p->output.h > 0 && p->output.w > 0);
}

static int tc_dw_is_3x3(const tc_dwconv_params *p, int32_t stride)
{
    return p->kernel.h == 3 && p->kernel.w == 3 && p->dilation.h == 1 && p->dilation.w == 1 &&
           p->stride.h == stride && p->stride.w == stride && p->depth_multiplier == 1;
}

static int tc_dw_kind(const tc_dwconv_params *p)
{
    return tc_dw_is_3x3(p, 1) ? TC_DW_3X3S1 : tc_dw_is_3x3(p, 2) ? TC_DW_3X3S2 : TC_DW_GENERIC;
}

static void tc_dw_out_of_place(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output, void *scratch, int kind)
{
    const size_t in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    const size_t out_row = tc_row_bytes(p->out_row_stride, p->output.w, p->output.c);
    tc_dw_check(p);
    TC_ASSERT(bias != NULL && (const void *)output != (const void *)input);
    tc_dw_run(p, input, in_row, output, out_row, filter, bias, scratch, kind);
}

static void tc_dw_in_place(const tc_dwconv_params *p, int8_t *data, const int8_t *filter, const int32_t *bias,
                           void *scratch, int kind)
{
    tc_dw_check(p);
    TC_ASSERT(bias != NULL && p->depth_multiplier == 1);
    TC_ASSERT((int64_t)p->output.h * p->output.w <= (int64_t)p->input.h * p->input.w);
    TC_ASSERT(p->in_row_stride == 0 && p->out_row_stride == 0);
    tc_dw_run(p, data, (size_t)p->input.w * (size_t)p->input.c, data, (size_t)p->output.w * (size_t)p->output.c,
              filter, bias, scratch, kind);
}

void tc_dwconv_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch)
{
    tc_dw_out_of_place(p, input, filter, bias, output, scratch, tc_dw_kind(p));
}

void tc_dwconv_3x3s1_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch)
{
    TC_ASSERT(tc_dw_is_3x3(p, 1));
    tc_dw_out_of_place(p, input, filter, bias, output, scratch, TC_DW_3X3S1);
}

void tc_dwconv_3x3s2_s8_dsp(const tc_dwconv_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch)
{
    TC_ASSERT(tc_dw_is_3x3(p, 2));
    tc_dw_out_of_place(p, input, filter, bias, output, scratch, TC_DW_3X3S2);
}

void tc_dwconv_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                              const int32_t *bias, void *scratch)
{
    tc_dw_in_place(p, data, filter, bias, scratch, tc_dw_kind(p));
}

void tc_dwconv_3x3s1_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                                    const int32_t *bias, void *scratch)
{
    TC_ASSERT(tc_dw_is_3x3(p, 1));
    tc_dw_in_place(p, data, filter, bias, scratch, TC_DW_3X3S1);
}

void tc_dwconv_3x3s2_s8_inplace_dsp(const tc_dwconv_params *p, int8_t *data, const int8_t *filter,
                                    const int32_t *bias, void *scratch)
{
    TC_ASSERT(tc_dw_is_3x3(p, 2));
    tc_dw_in_place(p, data, filter, bias, scratch, TC_DW_3X3S2);
}
