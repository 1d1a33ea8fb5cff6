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
 * only if |bias_f| + 128 * sum|w| < 2^30 (a bound on |x| for any input) and |K| < 2^30; every other
 * channel ("dead" channels with huge biases, shift >= 0, shifts below -22) is requantized with
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
    int32_t *acc;     /* output.w + 1 accumulators (pairs may compute one output past the row) */
    int32_t *taps;    /* kernel.h * np int16 pairs of one channel's taps */
    int32_t pw, wy;   /* plane row length (even) and rows */
    int32_t y_lo, x_lo;   /* input coordinates of plane cell (0, 0) */
    int32_t iy0, iy1, ix0, ix1; /* the input rows/columns inside the window: [iy0, iy1) x [ix0, ix1) */
    int32_t np;       /* tap pairs per kernel row: (kernel.w + 1) / 2 */
} tc_dw_geo;

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
    return 4 + 2 * (tc_dw_wy(p) * tc_dw_pw(p) + 4) + 4 * (p->output.w + 1) +
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
    g->taps = g->acc + p->output.w + 1;
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

/* n cells of one plane row from n pixels px bytes apart. Pairs go out as aligned words (the first
 * cell alone if d is not), four cells per iteration: 4 LDRSB + 2 PKHBT + 2 STR. */
static TC_DW_NOINLINE void tc_dw_gather_row(int16_t *d, const int8_t *s, size_t px, int32_t n)
{
    if (n > 0 && ((uintptr_t)d & 2u) != 0) {
        *d++ = *s;
        s += px;
        n--;
    }
    for (; n >= 4; n -= 4) {
        const int32_t w0 = tc_dw_pack(s[0], s[px]), w1 = tc_dw_pack(s[2 * px], s[3 * px]);
        memcpy(d, &w0, sizeof w0);
        memcpy(d + 2, &w1, sizeof w1);
        d += 4;
        s += 4 * px;
    }
    for (; n > 0; n--) {
        *d++ = *s;
        s += px;
    }
}

/* Copies one input channel (src = input + channel, pixels px bytes apart) into the plane. */
static void tc_dw_gather(const tc_dw_geo *g, const int8_t *src, size_t row, size_t px)
{
    const int32_t n = g->ix1 - g->ix0;
    const int8_t *s = src + (size_t)g->iy0 * row + (size_t)g->ix0 * px;
    int16_t *d = g->plane + (size_t)(g->iy0 - g->y_lo) * (size_t)g->pw + (g->ix0 - g->x_lo);
    int32_t y;

    for (y = g->iy0; y < g->iy1; y++, s += row, d += g->pw)
        tc_dw_gather_row(d, s, px, n);
}

/* ---- requantization of one row of accumulators ---- */

typedef struct {
    int32_t fast;      /* 1: SMMLAR path on doubled sums (see the top comment) */
    int32_t m, k, e;   /* fast path constants */
    tc_rq rq;          /* other channels */
    int32_t zo, lo, hi;
    int32_t full;      /* act range is all of int8: SSAT alone clamps */
} tc_dw_epi;

/* Chooses the channel's path: fast iff shift <= -1, |K| < 2^30 and |x| < 2^30 for every input
 * (|x| <= |bias_f| + 128 * sum|w|, since raw inputs and the padding value are in [-128, 127]). */
static void tc_dw_epi_channel(tc_dw_epi *q, int32_t mult, int32_t shift, int32_t bias, int32_t sum_abs_w)
{
    const int64_t lim = (int64_t)1 << 30;
    q->fast = 0;
    q->rq = tc_rq_make(mult, shift);
    if (shift <= -1 && shift >= -29) {
        const int32_t e = -shift;
        const int64_t k = ((int64_t)1 << (e - 1)) + (int64_t)q->zo * ((int64_t)1 << e);
        const int64_t bound = (bias < 0 ? -(int64_t)bias : (int64_t)bias) + 128 * (int64_t)sum_abs_w;
        if (k < lim && k > -lim && bound < lim) {
            q->fast = 1;
            q->m = mult;
            q->k = (int32_t)k;
            q->e = e;
        }
    }
}

/* One output of the fast path from the doubled sum x2: ADD, SMMLAR, ASR (then SSAT or a clamp). */
static inline int32_t tc_dw_rq_fast(int32_t x2, int32_t m, int32_t k, int32_t e)
{
    return tc_dw_smmlar(x2, m, k + (x2 >> 31)) >> e;
}

/* acc[0..n) -> out[i * step], full int8 range, two per iteration (LDRD, 2 x 4 + 2 STRB, 3). */
static TC_DW_NOINLINE void tc_dw_store_fast_full(const int32_t *acc, int32_t n, int8_t *out, size_t step,
                                                  int32_t m, int32_t k, int32_t e)
{
    const int32_t *const end = acc + (n & ~(int32_t)1);
    for (; acc != end; acc += 2, out += 2 * step) {
        const int32_t x0 = acc[0], x1 = acc[1];
        out[0] = (int8_t)tc_ssat(tc_dw_rq_fast(x0, m, k, e), 8);
        out[step] = (int8_t)tc_ssat(tc_dw_rq_fast(x1, m, k, e), 8);
    }
    if (n & 1)
        out[0] = (int8_t)tc_ssat(tc_dw_rq_fast(acc[0], m, k, e), 8);
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

/* 3x3 stride 1: pairs of outputs; w = {W01 row 0, W01 row 1, W01 row 2, (w2 row 0, w2 row 1),
 * (w2 row 2, 0)}; b seeds the accumulators. 14 values live in the loop: the 5 tap words, b,
 * 3 row pointers, acc, its end, 2 sums and one loaded word (all of r0-r12 and lr). */
static TC_DW_NOINLINE void tc_dw3s1_row(const int16_t *r0, int32_t pw, const int32_t *w, int32_t b,
                                        int32_t *acc, int32_t pairs)
{
    const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], wa = w[3], wb = w[4];
    int32_t *const end = acc + 2 * pairs;
    do {
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
    } while (acc != end);
}

/* 3x3 stride 2: outputs x/2 and x/2 + 1 read cells x .. x+4 of each row (x+5 unused). */
static TC_DW_NOINLINE void tc_dw3s2_row(const int16_t *r0, int32_t pw, const int32_t *w, int32_t b,
                                        int32_t *acc, int32_t pairs)
{
    const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], wa = w[3], wb = w[4];
    int32_t *const end = acc + 2 * pairs;
    do {
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
    } while (acc != end);
}

/* Any kernel: taps[ky * np + j] = (w[ky][2j], w[ky][2j+1] or 0). With dilation.w == 1 a tap pair is
 * one plane word (the phantom tap of an odd kernel row has weight 0 and reads a cell inside the
 * allocation); otherwise the two cells are read one by one. */
static void tc_dw_generic_row(const tc_dwconv_params *p, const tc_dw_geo *g, int32_t oy, int32_t b, int32_t *acc)
{
    const int32_t kh = p->kernel.h, kw = p->kernel.w, np = g->np, dw = p->dilation.w;
    const size_t row_step = (size_t)p->dilation.h * (size_t)g->pw;
    const int16_t *base = g->plane + (size_t)oy * (size_t)p->stride.h * (size_t)g->pw;
    int32_t ox, ky, j;

    for (ox = 0; ox < p->output.w; ox++) {
        const int16_t *r = base + (size_t)ox * (size_t)p->stride.w;
        const int32_t *t = g->taps;
        int32_t a = b;
        for (ky = 0; ky < kh; ky++, r += row_step, t += np) {
            if (dw == 1) {
                for (j = 0; j < np; j++)
                    a = tc_smlad(tc_dw_ld(r + 2 * j), t[j], a);
            } else {
                for (j = 0; j < np; j++) {
                    a = tc_dw_smlabb(r[(size_t)(2 * j) * (size_t)dw], t[j], a);
                    if (2 * j + 1 < kw)
                        a = tc_dw_smlabt(r[(size_t)(2 * j + 1) * (size_t)dw], t[j], a);
                }
            }
        }
        acc[ox] = a;
    }
}

/* ---- driver ---- */

enum { TC_DW_GENERIC, TC_DW_3X3S1, TC_DW_3X3S2 };

/* Packs output channel o's taps (times scale, 1 or 2) into g->taps and, for 3x3, into w5; returns
 * sum |w|. */
static int32_t tc_dw_pack_taps(const tc_dwconv_params *p, const tc_dw_geo *g, const int8_t *filter,
                               int32_t o, int32_t scale, int32_t *w5)
{
    const int32_t kh = p->kernel.h, kw = p->kernel.w, oc = p->output.c, np = g->np;
    int32_t ky, kx, s = 0;

    for (ky = 0; ky < kh; ky++) {
        for (kx = 0; kx < kw; kx += 2) {
            const int32_t v0 = filter[((size_t)ky * (size_t)kw + (size_t)kx) * (size_t)oc + (size_t)o];
            const int32_t v1 = kx + 1 < kw ? filter[((size_t)ky * (size_t)kw + (size_t)kx + 1) * (size_t)oc + (size_t)o] : 0;
            g->taps[ky * np + kx / 2] = tc_dw_pack(v0 * scale, v1 * scale);
            s += (v0 < 0 ? -v0 : v0) + (v1 < 0 ? -v1 : v1);
        }
    }
    if (kh == 3 && kw == 3) {
        w5[0] = g->taps[0];
        w5[1] = g->taps[2];
        w5[2] = g->taps[4];
        w5[3] = tc_dw_pack(g->taps[1], g->taps[3]);
        w5[4] = g->taps[5];
    }
    return s;
}

static int32_t tc_dw_sum_abs(const tc_dwconv_params *p, const int8_t *filter, int32_t o)
{
    const size_t taps = (size_t)p->kernel.h * (size_t)p->kernel.w, oc = (size_t)p->output.c;
    size_t t;
    int32_t s = 0;
    for (t = 0; t < taps; t++) {
        const int32_t v = filter[t * oc + (size_t)o];
        s += v < 0 ? -v : v;
    }
    return s;
}

static void tc_dw_run(const tc_dwconv_params *p, const int8_t *in, size_t in_row, int8_t *out, size_t out_row,
                      const int8_t *filter, const int32_t *bias, void *scratch, int kind)
{
    const int32_t ic = p->input.c, dm = p->depth_multiplier, oc = p->output.c;
    const int32_t oh = p->output.h, ow = p->output.w;
    tc_dw_geo g;
    tc_dw_epi q;
    int32_t c, j, oy;
    int32_t w5[5] = {0, 0, 0, 0, 0};

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
            tc_dw_epi_channel(&q, p->out_mult[o], p->out_shift[o], b, tc_dw_sum_abs(p, filter, o));
            scale = q.fast ? 2 : 1;
            b = (int32_t)((uint32_t)b * (uint32_t)scale);
            (void)tc_dw_pack_taps(p, &g, filter, o, scale, w5);
            for (oy = 0; oy < oh; oy++) {
                int8_t *dst = out + (size_t)oy * out_row + (size_t)o;
                if (kind == TC_DW_3X3S1)
                    tc_dw3s1_row(g.plane + (size_t)oy * (size_t)g.pw, g.pw, w5, b, g.acc, (ow + 1) / 2);
                else if (kind == TC_DW_3X3S2)
                    tc_dw3s2_row(g.plane + (size_t)oy * 2 * (size_t)g.pw, g.pw, w5, b, g.acc, (ow + 1) / 2);
                else
                    tc_dw_generic_row(p, &g, oy, b, g.acc);
                tc_dw_store_row(&q, g.acc, ow, dst, (size_t)oc);
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
