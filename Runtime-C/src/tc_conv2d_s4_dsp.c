/* SPDX-License-Identifier: Apache-2.0 */
/* int4-weight k x k convolution for Cortex-M4/M7 with the DSP extension (contract: tinyc/tc_s4.h),
 * bit-exact with tc_conv2d_s4_ref and so with tc_conv2d_s8_ref on the unpacked weights. Portable C
 * elsewhere (tc_simd.h), with identical results.
 *
 * Partial im2col, as tc_conv2d_s8_dsp, but 4 output pixels x 1 output channel per register tile:
 * the weights stay packed in TFLite's order and each word of 8 weights is decoded by 4 ANDs with
 * a shifted operand into int16 pairs (4096 e_j, 4096 e_{j+4}) (tc_s4_decode.h), so the im2col
 * stores each pixel's group of 8 activations as the pairs A_j = (x_j, x_{j+4}). Per group of 8
 * reduction elements: 1 LDR + 4 AND for the weights, 8 LDRD for the 4 pixels' activations, 16 SMLAD
 * = 32 MACs in 29 instructions plus the loop (tc_conv2d_s8_dsp's 2 x 2 tile needs 34 per 32 MACs:
 * an int8 weight word costs LDR + 2 SXTB16 per 4 weights, a packed one LDR + 4 AND per 8). One
 * channel per tile keeps the 4 lanes, the mask and 4 accumulators in registers with no weight
 * pointer offset, and reads each weight row once per 4 pixels.
 *
 * Rows of odd K: channel o's row starts at weight o * K, inside a byte when that is odd. Such rows
 * are read from the byte holding their first weight against a second im2col set shifted by one
 * element (0, x0, x1, ...), so the previous row's last weight meets a zero. Both sets are
 * widened from one staging column laid out as [0, x0 .. x_{K-1}, 0 ...].
 *
 * Input offset: the folded bias (tc_kernels.h) holds input_offset * sum(w), so the loops sum
 * w * x_raw only; padding taps hold the raw value -input_offset. The SMLAD sums are 4096 times the
 * true sums and are brought back every <= 511 products (tc_s4_decode.h, "Scale"); everything else
 * wraps mod 2^32 like the reference's int32 accumulation plus tc_add_wrap(bias). */
#include "tinyc/tc_s4.h"
#include "tinyc/tc_simd.h"
#include "tc_internal.h"
#include "tc_s4_decode.h"

#if defined(__GNUC__)
#define TC_C4_INLINE static inline __attribute__((always_inline))
#define TC_C4_NOINLINE static __attribute__((noinline))
#else
#define TC_C4_INLINE static inline
#define TC_C4_NOINLINE static
#endif

/* Words per im2col group: 4 pixels x 4 pairs A_0..A_3. */
#define TC_C4_GW 16

/* The im2col state, copied out of *p once (int8 stores may alias *p as far as the compiler knows). */
typedef struct {
    const int8_t *input;
    size_t in_row;
    int32_t ih, iw, ic, kh, kw, dh, dw;
    int32_t k;      /* reduction length kh * kw * ic */
    int32_t groups; /* G = (k + k % 2 + 7) / 8 */
    int32_t padw;   /* the padding value -input_offset in both halves */
    int8_t pad;     /* -input_offset as a byte */
    int32_t *col0;  /* G * 16 words: the columns of rows starting on a byte */
    int32_t *col1;  /* the same, shifted by one element, for rows inside a byte; NULL if k is even */
    int8_t *stage;  /* 8 * G + 4 bytes [0, x0 .. x_{k-1}, 0 ...], NULL if every tap is whole groups */
} tc_c4_in;

/* ---------------------------------------------------------------------------------------------
 * im2col (slot s of 4: words 4s..4s+3 of each group) */

static inline int32_t *tc_c4_widen(int32_t *col, const int8_t *src, int32_t n)
{
    for (; n > 0; n--) {
        tc_s4_widen8(col, src);
        col += TC_C4_GW;
        src += 8;
    }
    return col;
}

static inline int32_t *tc_c4_fill(int32_t *col, int32_t padw, int32_t n)
{
    for (; n > 0; n--) {
        col[0] = col[1] = col[2] = col[3] = padw;
        col += TC_C4_GW;
    }
    return col;
}

/* input.c % 8 == 0: every tap is whole groups, widened straight from the input. */
static void tc_c4_col_direct(const tc_c4_in *c, int32_t y0, int32_t x0, int32_t *col)
{
    const int32_t g_tap = c->ic >> 3;
    const int32_t row_inside = x0 >= 0 && x0 + (c->kw - 1) * c->dw < c->iw;
    int32_t ky, kx;

    for (ky = 0; ky < c->kh; ky++) {
        const int32_t y = y0 + ky * c->dh;
        const int8_t *row;
        if (y < 0 || y >= c->ih) {
            col = tc_c4_fill(col, c->padw, g_tap * c->kw);
            continue;
        }
        row = c->input + (size_t)y * c->in_row;
        if (row_inside && c->dw == 1) { /* the kernel row is kw * ic contiguous bytes */
            col = tc_c4_widen(col, row + (size_t)x0 * (size_t)c->ic, g_tap * c->kw);
            continue;
        }
        for (kx = 0; kx < c->kw; kx++) {
            const int32_t x = x0 + kx * c->dw;
            if (x < 0 || x >= c->iw)
                col = tc_c4_fill(col, c->padw, g_tap);
            else
                col = tc_c4_widen(col, row + (size_t)x * (size_t)c->ic, g_tap);
        }
    }
}

/* Small copies without a library call (newlib's memcpy costs more than these few bytes). */
static inline int8_t *tc_c4_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4) {
        memcpy(dst, src, 4);
        dst += 4;
        src += 4;
    }
    for (; n > 0; n--)
        *dst++ = *src++;
    return dst;
}

static inline int8_t *tc_c4_set(int8_t *dst, int8_t v, int32_t n)
{
    for (; n > 0; n--)
        *dst++ = v;
    return dst;
}

/* Any input.c: the window is gathered as bytes into stage + 1 (stage[0] and the bytes past k stay
 * 0 from setup: nothing else writes them), then widened into one or both sets. */
static void tc_c4_col_staged(const tc_c4_in *c, int32_t y0, int32_t x0, int32_t slot)
{
    const int32_t ic = c->ic, span = c->kw * ic;
    const int32_t row_inside = x0 >= 0 && x0 + (c->kw - 1) * c->dw < c->iw;
    int8_t *s = c->stage + 1;
    int32_t ky, kx;

    for (ky = 0; ky < c->kh; ky++) {
        const int32_t y = y0 + ky * c->dh;
        const int8_t *row;
        if (y < 0 || y >= c->ih) {
            s = tc_c4_set(s, c->pad, span);
            continue;
        }
        row = c->input + (size_t)y * c->in_row;
        if (row_inside && c->dw == 1) {
            s = tc_c4_copy(s, row + (size_t)x0 * (size_t)ic, span);
            continue;
        }
        for (kx = 0; kx < c->kw; kx++) {
            const int32_t x = x0 + kx * c->dw;
            if (x < 0 || x >= c->iw)
                s = tc_c4_set(s, c->pad, ic);
            else
                s = tc_c4_copy(s, row + (size_t)x * (size_t)ic, ic);
        }
    }
    tc_c4_widen(c->col0 + 4 * slot, c->stage + 1, c->groups);
    if (c->col1)
        tc_c4_widen(c->col1 + 4 * slot, c->stage, c->groups);
}

/* The column(s) of the output pixel whose window starts at input (y0, x0), into slot 0..3. */
static void tc_c4_col(const tc_c4_in *c, int32_t y0, int32_t x0, int32_t slot)
{
    if (c->stage)
        tc_c4_col_staged(c, y0, x0, slot);
    else
        tc_c4_col_direct(c, y0, x0, c->col0 + 4 * slot);
}

/* Slot `to` := slot `from` (the unused slots of the last tile repeat its last pixel). */
static void tc_c4_col_dup(const tc_c4_in *c, int32_t from, int32_t to)
{
    int32_t g, j;
    for (g = 0; g < c->groups; g++)
        for (j = 0; j < 4; j++) {
            c->col0[g * TC_C4_GW + 4 * to + j] = c->col0[g * TC_C4_GW + 4 * from + j];
            if (c->col1)
                c->col1[g * TC_C4_GW + 4 * to + j] = c->col1[g * TC_C4_GW + 4 * from + j];
        }
}

/* ---------------------------------------------------------------------------------------------
 * 1 x 4 dot-product tile: s0..s3 (pixels 0..3) are locals of the caller. */

/* One pixel's group: s += lanes m0..m3 . activation words a[0..3]. */
#define TC_C4_PX_V(s, a) \
    s = tc_smlad(m3_, (a)[3], tc_smlad(m2_, (a)[2], tc_smlad(m1_, (a)[1], tc_smlad(m0_, (a)[0], s))))

/* One group from the weight word v against the group at col (pixel j at col + 4 j). */
#define TC_C4_GROUP_V(v, col)                                                  \
    do {                                                                       \
        const int32_t m0_ = tc_s4_lane(v, 0), m1_ = tc_s4_lane(v, 1);          \
        const int32_t m2_ = tc_s4_lane(v, 2), m3_ = tc_s4_lane(v, 3);          \
        TC_C4_PX_V(s0, (col));                                                 \
        TC_C4_PX_V(s1, (col) + 4);                                             \
        TC_C4_PX_V(s2, (col) + 8);                                             \
        TC_C4_PX_V(s3, (col) + 12);                                            \
    } while (0)

/* n full groups from w (advanced by 4 n) against col (advanced by 16 n words), in Thumb-2 assembly
 * on the DSP build: per group LDR, 4 AND, then per pixel 2 LDRD + 4 SMLAD, the last LDRD with
 * pre-index writeback (the pointer runs 8 bytes behind the group): 29 instructions per 32 MACs,
 * two groups per iteration (+ SUBS, BNE). It uses 14 registers (4 sums, w, col, n, mask, the word
 * and 3 lanes, 2 activation words), so only when optimizing (GCC then omits the frame pointer);
 * GCC's C version of the same loop materializes each lane with LSL + AND (no mask register left)
 * and spills, ~1.4x the instructions. */
#if TC_SIMD_DSP && defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(TC_CONV2D_S4_NO_ASM)
#define TC_C4_PX_ASM(o0, o1, s) \
    "ldrd %[x0], %[x1], [%[c], #" o0 "]\n\t" \
    "smlad %[" s "], %[m0], %[x0], %[" s "]\n\t" \
    "smlad %[" s "], %[m1], %[x1], %[" s "]\n\t" \
    "ldrd %[x0], %[x1], [%[c], #" o1 "\n\t" \
    "smlad %[" s "], %[m2], %[x0], %[" s "]\n\t" \
    "smlad %[" s "], %[v], %[x1], %[" s "]\n\t"
#define TC_C4_GROUP_ASM \
    "ldr %[v], [%[w]], #4\n\t" \
    "and %[m0], %[mask], %[v], lsl #12\n\t" \
    "and %[m1], %[mask], %[v], lsl #8\n\t" \
    "and %[m2], %[mask], %[v], lsl #4\n\t" \
    "and %[v], %[v], %[mask]\n\t" \
    TC_C4_PX_ASM("8", "16]", "s0") TC_C4_PX_ASM("24", "32]", "s1") \
    TC_C4_PX_ASM("40", "48]", "s2") TC_C4_PX_ASM("56", "64]!", "s3")
#define TC_C4_ASM_OPERANDS                                                                      \
    : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [w] "+r"(w_), [c] "+r"(c8_),  \
      [n] "+r"(n_), [v] "=&r"(v_), [m0] "=&r"(m0_), [m1] "=&r"(m1_), [m2] "=&r"(m2_),            \
      [x0] "=&r"(x0_), [x1] "=&r"(x1_)                                                           \
    : [mask] "r"(mask_)                                                                           \
    : "cc", "memory"
#define TC_C4_LOOP(W, COL, N)                                                                    \
    do {                                                                                         \
        const int32_t *c8_ = (const int32_t *)((uintptr_t)(COL) - 8u);                           \
        const uint8_t *w_ = (W);                                                                 \
        int32_t v_, m0_, m1_, m2_, x0_, x1_, n_ = (N) >> 1;                                      \
        const uint32_t mask_ = TC_S4_MASK;                                                       \
        if (n_ > 0)                                                                              \
            __asm__ volatile("1:\n\t" TC_C4_GROUP_ASM TC_C4_GROUP_ASM                            \
                             "subs %[n], %[n], #1\n\t"                                           \
                             "bne 1b" TC_C4_ASM_OPERANDS);                                       \
        if ((N) & 1)                                                                             \
            __asm__ volatile(TC_C4_GROUP_ASM TC_C4_ASM_OPERANDS);                                \
        (COL) = (const int32_t *)((uintptr_t)c8_ + 8u);                                          \
        (W) = w_;                                                                                \
    } while (0)
#else
#define TC_C4_LOOP(W, COL, N)                            \
    do {                                                 \
        int32_t n_ = (N);                                \
        for (; n_ > 0; n_--) {                           \
            const uint32_t v_ = tc_s4_rd32(W);           \
            TC_C4_GROUP_V(v_, COL);                      \
            (W) += 4;                                    \
            (COL) += TC_C4_GW;                           \
        }                                                \
    } while (0)
#endif

/* The sums s0..s3 (locals of the caller, zero on entry) of the row of len nibbles at w
 * (byte-aligned) against the 4 columns at col, when it fits one chunk: len >> 3 full groups
 * <= TC_S4_CHUNK_GROUPS, then the partial group of len & 7 nibbles. */
#define TC_C4_DOT1(COL, W, LEN)                                 \
    do {                                                        \
        const int32_t *cp_ = (COL);                             \
        const uint8_t *wp_ = (W);                               \
        TC_C4_LOOP(wp_, cp_, (LEN) >> 3);                       \
        if ((LEN) & 7) {                                        \
            const uint32_t tv_ = tc_s4_tail_word(wp_, (LEN) & 7); \
            TC_C4_GROUP_V(tv_, cp_);                            \
        }                                                       \
    } while (0)

/* t[0..3] += the same for any len, in chunks of at most TC_S4_CHUNK_GROUPS full groups (the
 * partial group in the last one), each sum unscaled before it could leave int32. */
TC_C4_NOINLINE void tc_c4_dot_long(const int32_t *col, const uint8_t *w, int32_t len, uint32_t *t)
{
    int32_t left = len >> 3;
    const int32_t rest = len & 7;

    do {
        const int32_t n = left < TC_S4_CHUNK_GROUPS ? left : TC_S4_CHUNK_GROUPS;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        left -= n;
        TC_C4_DOT1(col, w, 8 * n + (left == 0 ? rest : 0));
        col += TC_C4_GW * n;
        w += 4 * n;
        t[0] += (uint32_t)tc_s4_unscale(s0);
        t[1] += (uint32_t)tc_s4_unscale(s1);
        t[2] += (uint32_t)tc_s4_unscale(s2);
        t[3] += (uint32_t)tc_s4_unscale(s3);
    } while (left > 0);
}

/* ---------------------------------------------------------------------------------------------
 * Driver */

typedef struct {
    tc_c4_in in;
    const uint8_t *filter;
    const int32_t *bias, *mult, *shift;
    int32_t oc, zo, lo, hi;
    int32_t len_r[2]; /* k and k + 1 rounded up to whole groups */
    int32_t osafe;    /* channels 0 .. osafe - 1 may read whole groups without passing the stream's end */
} tc_c4_ctx;

/* + output offset, clamped; full: the act range is [-128, 127] (SSAT alone). */
TC_C4_INLINE int8_t tc_c4_clamp(int32_t v, int32_t zo, int32_t lo, int32_t hi, int full)
{
    v = tc_ssat(v + zo, 8);
    if (!full) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
    }
    return (int8_t)v;
}

/* Channel o's outputs when its shift is >= 0 (scale >= 0.5, rare): tc_mbqm. */
TC_C4_NOINLINE void tc_c4_store_slow(const tc_c4_ctx *c, int8_t *const *px, int32_t o, const uint32_t *t)
{
    int32_t j;
    for (j = 0; j < 4; j++)
        px[j][o] = tc_sat_s8(tc_mbqm((int32_t)t[j], c->mult[o], c->shift[o]) + c->zo, c->lo, c->hi);
}

/* Channel o's 4 outputs (pixel j at px[j] + o): its row of len nibbles at w against col, b its
 * folded bias, m / sh its multiplier. */
TC_C4_INLINE void tc_c4_channel(const tc_c4_ctx *c, int8_t *const *px, int32_t o, const int32_t *col,
                                const uint8_t *w, int32_t len, uint32_t b, int32_t m, int32_t sh, int32_t longk,
                                int full)
{
    const int32_t zo = c->zo, lo = c->lo, hi = c->hi;
    uint32_t t[4];

    if (TC_LIKELY(!longk)) {
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        TC_C4_DOT1(col, w, len);
        t[0] = b + (uint32_t)tc_s4_unscale(s0);
        t[1] = b + (uint32_t)tc_s4_unscale(s1);
        t[2] = b + (uint32_t)tc_s4_unscale(s2);
        t[3] = b + (uint32_t)tc_s4_unscale(s3);
    } else {
        t[0] = t[1] = t[2] = t[3] = b;
        tc_c4_dot_long(col, w, len, t);
    }
    if (TC_LIKELY(sh < 0)) { /* the fast tc_rq_apply */
        const tc_rqn r = tc_rqn_make(m, sh);
        px[0][o] = tc_c4_clamp(tc_rqn_apply(&r, (int32_t)t[0]), zo, lo, hi, full);
        px[1][o] = tc_c4_clamp(tc_rqn_apply(&r, (int32_t)t[1]), zo, lo, hi, full);
        px[2][o] = tc_c4_clamp(tc_rqn_apply(&r, (int32_t)t[2]), zo, lo, hi, full);
        px[3][o] = tc_c4_clamp(tc_rqn_apply(&r, (int32_t)t[3]), zo, lo, hi, full);
    } else {
        tc_c4_store_slow(c, px, o, t);
    }
}

/* Every output channel of the 4 pixels whose columns are in the slots; pixel j is written at
 * out + off[j] (unused slots repeat a used pixel's offset and value). Channels before c->osafe
 * read their rows rounded up to whole groups (c->len_r), the others exactly (a byte-wise tail).
 * The constants are copied into locals: the int8 stores may alias anything behind a pointer. */
TC_C4_INLINE void tc_c4_channels(const tc_c4_ctx *c0, int8_t *out, const size_t *off, int full)
{
    const tc_c4_ctx c = *c0;
    const int32_t k = c.in.k, longk = ((k + 1) >> 3) > TC_S4_CHUNK_GROUPS; /* several chunks */
    int8_t *px[4];
    int32_t o, first;

    px[0] = out + off[0];
    px[1] = out + off[1];
    px[2] = out + off[2];
    px[3] = out + off[3];
    for (o = 0, first = 0; o < c.osafe; o++, first += k) {
        const int32_t inside = first & 1; /* the row starts inside a byte */
        tc_c4_channel(&c, px, o, inside ? c.in.col1 : c.in.col0, c.filter + (first >> 1), c.len_r[inside],
                      (uint32_t)c.bias[o], c.mult[o], c.shift[o], longk, full);
    }
    for (; o < c.oc; o++, first += k) {
        const int32_t inside = first & 1;
        tc_c4_channel(&c, px, o, inside ? c.in.col1 : c.in.col0, c.filter + (first >> 1), k + inside,
                      (uint32_t)c.bias[o], c.mult[o], c.shift[o], longk, full);
    }
}

TC_C4_NOINLINE void tc_c4_channels_full(const tc_c4_ctx *c, int8_t *out, const size_t *off)
{
    tc_c4_channels(c, out, off, 1);
}

TC_C4_NOINLINE void tc_c4_channels_clamp(const tc_c4_ctx *c, int8_t *out, const size_t *off)
{
    tc_c4_channels(c, out, off, 0);
}

static void tc_c4_setup(tc_c4_ctx *c, const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter,
                        const int32_t *bias, void *scratch)
{
    tc_c4_in *in = &c->in;
    int32_t odd;

    TC_ASSERT(p->stride.h > 0 && p->stride.w > 0 && p->dilation.h > 0 && p->dilation.w > 0);
    TC_ASSERT(p->kernel.h > 0 && p->kernel.w > 0 && p->input.c > 0 && p->output.c > 0);
    TC_ASSERT(p->input_offset >= -127 && p->input_offset <= 128);
    TC_ASSERT(bias != NULL && scratch != NULL && ((uintptr_t)scratch & 3u) == 0);
    memset(c, 0, sizeof *c);
    in->input = input;
    in->in_row = tc_row_bytes(p->in_row_stride, p->input.w, p->input.c);
    in->ih = p->input.h;
    in->iw = p->input.w;
    in->ic = p->input.c;
    in->kh = p->kernel.h;
    in->kw = p->kernel.w;
    in->dh = p->dilation.h;
    in->dw = p->dilation.w;
    in->k = in->kh * in->kw * in->ic;
    odd = in->k & 1;
    in->groups = (in->k + odd + 7) >> 3;
    in->pad = (int8_t)(-p->input_offset);
    in->padw = tc_simd_pack16_(-p->input_offset, -p->input_offset);
    in->col0 = (int32_t *)scratch;
    in->col1 = odd ? in->col0 + TC_C4_GW * in->groups : NULL;
    if (in->ic & 7) {
        in->stage = (int8_t *)(in->col0 + TC_C4_GW * in->groups * (1 + odd));
        memset(in->stage, 0, (size_t)(8 * in->groups + 4));
    }
    c->filter = filter;
    c->bias = bias;
    c->mult = p->out_mult;
    c->shift = p->out_shift;
    c->oc = p->output.c;
    c->zo = p->output_offset;
    c->lo = p->act_min;
    c->hi = p->act_max;
    /* Rounding a row up to whole groups reads up to 3 bytes past its last one (nibbles of the next
     * rows, which meet zero activations); where that word ends only grows with o, so the channels
     * that may do it are a prefix. */
    c->len_r[0] = (in->k + 7) & ~7;
    c->len_r[1] = (in->k + 8) & ~7;
    for (c->osafe = c->oc; c->osafe > 0; c->osafe--) {
        const int32_t first = (c->osafe - 1) * in->k;
        if ((first >> 1) + c->len_r[first & 1] / 2 <= tc_s4_packed_bytes(in->k * c->oc))
            break;
    }
}

int32_t tc_conv2d_s4_dsp_scratch_bytes(const tc_conv2d_params *p)
{
    const int32_t k = p->kernel.h * p->kernel.w * p->input.c, odd = k & 1;
    const int32_t g = (k + odd + 7) / 8;
    return 64 * g * (1 + odd) + ((p->input.c & 7) ? 8 * g + 4 : 0);
}

void tc_conv2d_s4_dsp(const tc_conv2d_params *p, const int8_t *input, const uint8_t *filter,
                      const int32_t *bias_folded, int8_t *output, void *scratch)
{
    const int32_t oh = p->output.h, ow = p->output.w, oc = p->output.c;
    const int32_t sh = p->stride.h, sw = p->stride.w, pt = p->pad.top, pl = p->pad.left;
    const int32_t count = oh * ow, full = p->act_min <= -128 && p->act_max >= 127;
    const size_t out_row = tc_row_bytes(p->out_row_stride, ow, oc);
    int32_t oy = 0, ox = 0, n;
    tc_c4_ctx c;

    TC_ASSERT((const void *)output != (const void *)input);
    tc_c4_setup(&c, p, input, filter, bias_folded, scratch);
    /* raster order, 4 output pixels per tile (a tile may span rows) */
    for (n = 0; n < count; n += 4) {
        size_t off[4];
        int32_t s;
        for (s = 0; s < 4; s++) {
            if (n + s < count) {
                off[s] = (size_t)oy * out_row + (size_t)ox * (size_t)oc;
                tc_c4_col(&c.in, oy * sh - pt, ox * sw - pl, s);
                if (++ox == ow) {
                    ox = 0;
                    oy++;
                }
            } else {
                off[s] = off[s - 1];
                tc_c4_col_dup(&c.in, s - 1, s);
            }
        }
        if (full)
            tc_c4_channels_full(&c, output, off);
        else
            tc_c4_channels_clamp(&c, output, off);
    }
}
