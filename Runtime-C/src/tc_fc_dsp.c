/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 fully connected for Cortex-M4/M7 with the DSP extension, bit-exact with tc_fc_s8_ref
 * (portable C elsewhere, tc_simd.h). Contract and layout formulas: tinyc/tc_fc_dsp.h.
 *
 * Batch 1 uses every weight once, so the cost per MAC is set by how few instructions touch each
 * weight. Two output rows share one packed word (two int16 halfwords, one per reduction index k):
 *     halfword = (a_k + 128) + 256 * b_k       a = row 2i, b = row 2i+1, as an int16 this is exact
 * because the low byte a_k + 128 is in [0, 255] and the high byte b_k carries the sign. With the
 * activations widened to int16 pairs X (once per call, into scratch), one weight word W feeds
 *     acc1 += SMLAD(X, W)                  = sum x (a + 128) + 256 * sum x b
 *     acc2 += SMLAD(X, W & 0x00ff00ff)     = sum x (a + 128)
 * i.e. LDR + AND + 2 SMLAD for 4 MACs (1 instruction per MAC, against 1.25 for LDR + 2 SXTB16 +
 * 2 SMLAD). Then  row a = acc2 - 128 * sum(x)  and  row b = (acc1 - acc2) / 256. acc1 wraps mod 2^32,
 * so the division recovers sum x b only mod 2^24: |sum x b| <= 2^14 * K stays inside [-2^23, 2^23)
 * for K <= 508 reduction indices, so longer rows are summed in chunks of 508 (exact, the chunk sums
 * are added in int32). Three row pairs (6 rows) share each activation word, their 3 weight words
 * come in with one LDM: per 2 k, LDR + LDM + 3 * (2 SMLAD + AND) = 11 instructions for 12 MACs,
 * plus the loop branch every 8 k (~0.96 per MAC; 4 pairs would need 15 registers).
 *
 * Everything wraps mod 2^32 (SMLAD does, the portable code adds through uint32_t), and the folded
 * bias makes the result equal the reference's sum w * (x + input_offset) + bias, also mod 2^32.
 *
 * Epilogue (tc_fc_out): for 1 <= e = -shift <= 20 the reference's SRDHM + RDBPOT + offset is
 *     y = (SMMLAR(QADD(acc, acc), m, (2 z + 1) 2^(e-1)) - [acc < 0]) >> e
 * (identities 1-3 of tc_add_dsp.h). QADD saturates 2 acc to int32; where it does (|acc| >= 2^30)
 * the exact result is beyond +-2^(29-e) - 1 >= 511 in magnitude and clamps to the same bound, so the
 * saturated value gives the same int8. Other shifts use tc_mbqm. */
#include "tinyc/tc_kernels.h"
#include "tinyc/tc_simd.h"
#include "tc_add_dsp.h"
#include "tc_internal.h"

/* GCC's first scheduling pass hoists the weight loads of a step to its top, which needs more
 * temporaries than the 14 registers and spills in the 8-row loop; without it the loop runs from
 * registers alone. */
#if TC_SIMD_DSP && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif

#define TC_FC_CHUNK 508 /* reduction indices per exact extraction of row b (multiple of 4, < 512) */
#define TC_FC_BLOCK 3   /* row pairs per block */

static int32_t tc_fc_kpad(const tc_fc_params *p)
{
    return (p->in_features + 3) & ~3;
}

int32_t tc_fc_s8_dsp_packed_bytes(const tc_fc_params *p)
{
    return ((p->out_features + 1) / 2) * 2 * tc_fc_kpad(p);
}

int32_t tc_fc_s8_dsp_scratch_bytes(const tc_fc_params *p)
{
    return 2 * tc_fc_kpad(p);
}

/* Weight (row o, index k) of the TFLite filter, 0 outside it (padding). */
static int32_t tc_fc_w(const tc_fc_params *p, const int8_t *filter, int32_t o, int32_t k)
{
    if (o >= p->out_features || k >= p->in_features)
        return 0;
    return filter[(size_t)o * (size_t)p->in_features + (size_t)k];
}

/* Byte offset of the word of pair `pair`, step s (see tc_fc_dsp.h). */
static size_t tc_fc_word_at(const tc_fc_params *p, int32_t pair, int32_t s)
{
    const size_t kp = (size_t)tc_fc_kpad(p);
    const int32_t full = ((p->out_features + 1) / 2) / TC_FC_BLOCK * TC_FC_BLOCK;
    if (pair < full)
        return (size_t)(pair / TC_FC_BLOCK) * TC_FC_BLOCK * 2 * kp +
               ((size_t)s * TC_FC_BLOCK + (size_t)(pair % TC_FC_BLOCK)) * 4;
    return (size_t)full * 2 * kp + (size_t)(pair - full) * 2 * kp + (size_t)s * 4;
}

void tc_fc_s8_dsp_pack_weights(const tc_fc_params *p, const int8_t *filter, int8_t *packed)
{
    const int32_t pairs = (p->out_features + 1) / 2, steps = tc_fc_kpad(p) / 2;
    int32_t i, s, j;

    for (i = 0; i < pairs; i++) {
        for (s = 0; s < steps; s++) {
            /* step s = 2g + h holds k = 4g + h and 4g + h + 2 (the SXTB16 / SXTB16 ROR 8 order) */
            const int32_t k0 = 4 * (s / 2) + (s % 2);
            int8_t *word = packed + tc_fc_word_at(p, i, s);
            for (j = 0; j < 2; j++) {
                const int32_t a = tc_fc_w(p, filter, 2 * i, k0 + 2 * j);
                const int32_t b = tc_fc_w(p, filter, 2 * i + 1, k0 + 2 * j);
                word[2 * j] = (int8_t)(a ^ -128); /* the byte (a + 128) mod 256, as int8 */
                word[2 * j + 1] = (int8_t)b;
            }
        }
    }
}

/* The input as int16 words (x[4g], x[4g+2]), (x[4g+1], x[4g+3]), zero-padded to kpad; returns
 * sum(x). Word stores go through memcpy, so scratch needs no alignment. */
static int32_t tc_fc_widen(const int8_t *input, int32_t n, int8_t *xs)
{
    const int32_t ones = 0x00010001;
    int32_t sum = 0, g, i;

    for (g = 0; g + 4 <= n; g += 4) {
        const int32_t v = tc_read_s8x4(input + g);
        const int32_t lo = tc_sxtb16(v), hi = tc_sxtb16_ror8(v);
        memcpy(xs + 2 * g, &lo, 4);
        memcpy(xs + 2 * g + 4, &hi, 4);
        sum = tc_smlad(lo, ones, sum);
        sum = tc_smlad(hi, ones, sum);
    }
    if (g < n) {
        int8_t tail[4] = {0, 0, 0, 0};
        int32_t v, lo, hi;
        for (i = 0; g + i < n; i++)
            tail[i] = input[g + i];
        v = tc_read_s8x4(tail);
        lo = tc_sxtb16(v);
        hi = tc_sxtb16_ror8(v);
        memcpy(xs + 2 * g, &lo, 4);
        memcpy(xs + 2 * g + 4, &hi, 4);
        sum = tc_smlad(lo, ones, sum);
        sum = tc_smlad(hi, ones, sum);
    }
    return sum;
}

/* Everything a block needs, copied out of *p once (an int8 store may alias *p as far as C knows). */
typedef struct {
    const int8_t *xs;       /* the widened input */
    int32_t kp, x128;       /* padded length, 128 * sum(x) */
    const int32_t *bias, *mult, *shift;
    int8_t *output;
    int32_t out_features, zo, z2p1, lo, hi;
} tc_fc_run;

static inline int32_t tc_fc_out(const tc_fc_run *r, int32_t acc, int32_t mult, int32_t shift)
{
    const uint32_t em1 = (uint32_t)~shift; /* e - 1 = -shift - 1 */
    int32_t y;
    if (em1 < 20u) {
        const int32_t a2 = tc_qdbl(acc);
        y = tc_smmlar(a2, mult, (int32_t)((uint32_t)r->z2p1 << em1)) + (a2 >> 31);
        return y >> (em1 + 1u);
    }
    return tc_mbqm(acc, mult, shift) + r->zo;
}

/* Folded bias, requantization, clamp and store of outputs o .. o + n - 1 from y[0 .. n-1]. */
static inline void tc_fc_store(const tc_fc_run *r, int32_t o, int32_t n, const int32_t *y)
{
    const int32_t *const mult = r->mult + o, *const shift = r->shift + o, *const bias = r->bias + o;
    int8_t *const out = r->output + o;
    const int32_t lo = r->lo, hi = r->hi;
    int32_t i;
    for (i = 0; i < n; i++) {
        const int32_t v = tc_fc_out(r, (int32_t)((uint32_t)y[i] + (uint32_t)bias[i]), mult[i], shift[i]);
        out[i] = tc_sat_s8(v, lo, hi);
    }
}

/* Rows a and b of a pair from its accumulators (see the top comment), as y[0], y[1]. */
static inline void tc_fc_pair_acc(int32_t acc1, int32_t acc2, int32_t rb, int32_t x128, int32_t *y)
{
    y[0] = (int32_t)((uint32_t)acc2 - (uint32_t)x128);
    y[1] = (int32_t)((uint32_t)rb + (uint32_t)((int32_t)((uint32_t)acc1 - (uint32_t)acc2) >> 8));
}

/* One weight word against activation word x for pair j (portable form of the step below). */
#define TC_FC_MAC(j, x)                                      \
    do {                                                     \
        const int32_t w_ = tc_read_s8x4(w);                  \
        w += 4;                                              \
        c##j = tc_smlad((x), w_, c##j);                      \
        d##j = tc_smlad((x), w_ & 0x00ff00ff, d##j);         \
    } while (0)

/* Rows b of the chunk just finished: add its (acc1 - acc2) / 256, restart acc1 from acc2. */
#define TC_FC_FLUSH(j)                                                            \
    do {                                                                          \
        r##j = (int32_t)((uint32_t)r##j + (uint32_t)((int32_t)((uint32_t)c##j - (uint32_t)d##j) >> 8)); \
        c##j = d##j;                                                              \
    } while (0)

/* The asm needs 12 registers at once. GCC finds them when optimising and when the block is a function of
 * its own (inlined into tc_fc_s8_dsp, the caller's live values leave too few at -O1 with the hard-float
 * ABI), so tc_fc_block3 is never inlined (+0.55 % instructions on ad01, all fully connected) and -O0
 * takes the portable form. Runtime-C/tests/cross-compile.sh checks every core at every -O level. */
#if TC_SIMD_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define TC_FC_NOINLINE __attribute__((noinline))
/* One activation word against the 3 words of the block (LDM needs them in ascending registers, hence
 * the fixed r4-r6; the packed weights are word-aligned for the same reason): 11 instructions for
 * 12 MACs. */
#define TC_FC_STEP3_ASM                                                                  \
    "ldr    %[xv], [%[x]], #4\n\t"                                                       \
    "ldmia  %[w]!, {%[w0], %[w1], %[w2]}\n\t"                                            \
    "smlad  %[c0], %[xv], %[w0], %[c0]\n\t"                                              \
    "and    %[w0], %[w0], #0x00ff00ff\n\t"                                               \
    "smlad  %[d0], %[xv], %[w0], %[d0]\n\t"                                              \
    "smlad  %[c1], %[xv], %[w1], %[c1]\n\t"                                              \
    "and    %[w1], %[w1], #0x00ff00ff\n\t"                                               \
    "smlad  %[d1], %[xv], %[w1], %[d1]\n\t"                                              \
    "smlad  %[c2], %[xv], %[w2], %[c2]\n\t"                                              \
    "and    %[w2], %[w2], #0x00ff00ff\n\t"                                               \
    "smlad  %[d2], %[xv], %[w2], %[d2]\n\t"
#define TC_FC_STEPS3(n)                                                                  \
    do {                                                                                 \
        register int32_t w0_ __asm__("r4");                                              \
        register int32_t w1_ __asm__("r5");                                              \
        register int32_t w2_ __asm__("r6");                                              \
        int32_t xv_;                                                                     \
        __asm__ volatile(n                                                               \
                         : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [d0] "+r"(d0),   \
                           [d1] "+r"(d1), [d2] "+r"(d2), [x] "+r"(x), [w] "+r"(w),       \
                           [xv] "=&r"(xv_), [w0] "=&r"(w0_), [w1] "=&r"(w1_),            \
                           [w2] "=&r"(w2_)                                               \
                         :                                                               \
                         : "memory");                                                    \
    } while (0)
#define TC_FC_4K TC_FC_STEPS3(TC_FC_STEP3_ASM TC_FC_STEP3_ASM)
#define TC_FC_8K TC_FC_STEPS3(TC_FC_STEP3_ASM TC_FC_STEP3_ASM TC_FC_STEP3_ASM TC_FC_STEP3_ASM)
#else
#define TC_FC_NOINLINE
#define TC_FC_STEP3                           \
    do {                                      \
        const int32_t v_ = tc_read_s8x4(x);   \
        x += 4;                               \
        TC_FC_MAC(0, v_);                     \
        TC_FC_MAC(1, v_);                     \
        TC_FC_MAC(2, v_);                     \
    } while (0)
#define TC_FC_4K   \
    do {           \
        TC_FC_STEP3; \
        TC_FC_STEP3; \
    } while (0)
#define TC_FC_8K \
    do {         \
        TC_FC_4K; \
        TC_FC_4K; \
    } while (0)
#endif

/* The 6 row sums y of 3 row pairs, w at their block. */
TC_FC_NOINLINE static void tc_fc_block3(const int8_t *x, int32_t kp, const int8_t *w, int32_t x128, int32_t *y)
{
    int32_t c0 = 0, c1 = 0, c2 = 0, d0 = 0, d1 = 0, d2 = 0;
    int32_t r0 = 0, r1 = 0, r2 = 0;
    int32_t k = 0;

    for (;;) { /* chunks of TC_FC_CHUNK indices (one chunk up to 508 inputs) */
        const int32_t len = kp - k < TC_FC_CHUNK ? kp - k : TC_FC_CHUNK;
        const int8_t *const end = x + 2 * (len & ~7);
        while (x != end) /* 8 k per iteration */
            TC_FC_8K;
        if (len & 4)
            TC_FC_4K;
        k += len;
        if (k == kp)
            break;
        TC_FC_FLUSH(0);
        TC_FC_FLUSH(1);
        TC_FC_FLUSH(2);
    }
    tc_fc_pair_acc(c0, d0, r0, x128, y);
    tc_fc_pair_acc(c1, d1, r1, x128, y + 2);
    tc_fc_pair_acc(c2, d2, r2, x128, y + 4);
}

/* One row pair (the rows after the last block of 6; an odd last row pairs with a zero row). */
static void tc_fc_block1(const tc_fc_run *run, int32_t o, int32_t n, const int8_t *w)
{
    int32_t c0 = 0, d0 = 0, r0 = 0;
    int32_t k = 0, y[2];
    const int32_t kp = run->kp;

    const int8_t *x = run->xs;
    for (;;) {
        const int32_t len = kp - k < TC_FC_CHUNK ? kp - k : TC_FC_CHUNK;
        const int8_t *const end = x + 2 * len;
        while (x != end) {
            TC_FC_MAC(0, tc_read_s8x4(x));
            TC_FC_MAC(0, tc_read_s8x4(x + 4));
            x += 8;
        }
        k += len;
        if (k == kp)
            break;
        TC_FC_FLUSH(0);
    }
    tc_fc_pair_acc(c0, d0, r0, run->x128, y);
    tc_fc_store(run, o, n, y);
}

/* input  : (in_features,)      s8
 * packed : tc_fc_s8_dsp_pack_weights of the (out_features, in_features) filter
 * bias   : (out_features,)     s32, folded (never NULL)
 * output : (out_features,)     s8
 * scratch: tc_fc_s8_dsp_scratch_bytes(p) bytes */
void tc_fc_s8_dsp(const tc_fc_params *p, const int8_t *input, const int8_t *packed, const int32_t *bias,
                  int8_t *output, void *scratch)
{
    const int32_t kp = tc_fc_kpad(p), pairs = (p->out_features + 1) / 2;
    const int32_t full = pairs / TC_FC_BLOCK * TC_FC_BLOCK;
    const size_t pair_bytes = 2 * (size_t)kp;
    tc_fc_run run;
    int32_t i;

    TC_ASSERT(p->in_features > 0 && p->out_features > 0 && bias != NULL && scratch != NULL);
    TC_ASSERT(((uintptr_t)packed & 3u) == 0); /* LDM */
    run.xs = (const int8_t *)scratch;
    run.kp = kp;
    run.bias = bias;
    run.mult = p->out_mult;
    run.shift = p->out_shift;
    run.output = output;
    run.out_features = p->out_features;
    run.zo = p->output_offset;
    run.z2p1 = 2 * p->output_offset + 1;
    run.lo = p->act_min;
    run.hi = p->act_max;
    /* 128 * sum(x) mod 2^32: the +128 of every low weight byte, removed from row a */
    run.x128 = (int32_t)((uint32_t)tc_fc_widen(input, p->in_features, (int8_t *)scratch) << 7);

    for (i = 0; i < full; i += TC_FC_BLOCK) {
        const int32_t o = 2 * i;
        int32_t y[6];
        tc_fc_block3(run.xs, kp, packed + (size_t)i * pair_bytes, run.x128, y);
        tc_fc_store(&run, o, p->out_features - o < 6 ? p->out_features - o : 6, y); /* odd last row */
    }
    for (; i < pairs; i++)
        tc_fc_block1(&run, 2 * i, 2 * i + 1 < p->out_features ? 2 : 1, packed + (size_t)i * pair_bytes);
}
