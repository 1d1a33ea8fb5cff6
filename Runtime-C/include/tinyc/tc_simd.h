/* SPDX-License-Identifier: Apache-2.0 */
/* ACLE-style 32-bit SIMD helpers for the `_dsp` kernels (ALGORITHMS.md §2.3).
 *
 * With the Armv7E-M DSP extension (__ARM_FEATURE_DSP and __ARM_FEATURE_SIMD32: Cortex-M4/M7/M33
 * with DSP, ...) each helper is one instruction; everywhere else (Cortex-M0/M3, the host) it is
 * exact portable C, so every `_dsp` kernel also builds and runs in the host unit tests with the
 * same results bit for bit.
 *
 *   tc_read_s8x4(p)        4 bytes from any address as one word (LDR; unaligned is fine on M3/M4/M7)
 *   tc_sxtb16(x)           bytes 0 and 2 of x, sign-extended into halfwords 0 and 1    (SXTB16)
 *   tc_sxtb16_ror8(x)      bytes 1 and 3 of x, sign-extended into halfwords 0 and 1    (SXTB16 ROR #8)
 *   tc_smlad(a, b, acc)    acc + a.lo * b.lo + a.hi * b.hi, halfwords signed, wrapping mod 2^32 (SMLAD)
 *   tc_ssat(x, n)          x saturated to the signed n-bit range, 1 <= n <= 32, n a constant (SSAT)
 *
 * Packed words are int32_t like ACLE's int8x4_t / int16x2_t. Byte k of a word is bits 8k..8k+7,
 * which is memory byte k of tc_read_s8x4 on the little-endian targets we support. A dot product
 * computed as smlad(sxtb16(a), sxtb16(b)) + smlad(sxtb16_ror8(a), sxtb16_ror8(b)) pairs byte k of
 * a with byte k of b whatever the byte order, because both operands get the same de-interleave.
 *
 * SMLAD sets the Q flag when the 32-bit accumulate overflows but still returns the wrapped sum;
 * nothing here reads Q, and the portable version returns the same wrapped sum. Conversions of
 * out-of-range uint32_t values to int32_t rely on two's complement (as tc_requant.h does); no
 * signed overflow or negative left shift anywhere (UBSan clean). */
#ifndef TINYC_TC_SIMD_H
#define TINYC_TC_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32) && !defined(TC_SIMD_PORTABLE)
#define TC_SIMD_DSP 1 /* the helpers below are single DSP instructions */
#else
#define TC_SIMD_DSP 0 /* portable C (define TC_SIMD_PORTABLE to force this on a DSP core) */
#endif
#if (TC_SIMD_DSP || defined(__ARM_FEATURE_SAT)) && !defined(TC_SIMD_PORTABLE)
#include <arm_acle.h>
#endif

/* One unaligned 32-bit load; compilers turn the memcpy into a single LDR on cores that allow
 * unaligned word access (Armv7-M), and into byte loads where they don't. */
static inline int32_t tc_read_s8x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Portable building blocks: byte k / halfword k of a word, sign-extended, without relying on
 * implementation-defined narrowing conversions. */
static inline int32_t tc_simd_byte_(uint32_t x, int k)
{
    return (int32_t)(((x >> (8 * k)) & 0xffu) ^ 0x80u) - 0x80;
}
static inline int32_t tc_simd_half_(uint32_t x, int k)
{
    return (int32_t)(((x >> (16 * k)) & 0xffffu) ^ 0x8000u) - 0x8000;
}
/* Two int16 values (as int32 in [-32768, 32767]) packed into halfwords 0 and 1. */
static inline int32_t tc_simd_pack16_(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xffffu) | (((uint32_t)hi & 0xffffu) << 16));
}

#if TC_SIMD_DSP

static inline int32_t tc_sxtb16(int32_t x)
{
    return __sxtb16(x);
}

/* GCC 12's arm_acle.h has no rotate operand for __sxtb16, and does not fuse a separate ROR into
 * it, so the rotated form is inline asm (one instruction either way). */
static inline int32_t tc_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline int32_t tc_smlad(int32_t a, int32_t b, int32_t acc)
{
    return __smlad(a, b, acc);
}

#else /* portable */

static inline int32_t tc_sxtb16(int32_t x)
{
    return tc_simd_pack16_(tc_simd_byte_((uint32_t)x, 0), tc_simd_byte_((uint32_t)x, 2));
}

static inline int32_t tc_sxtb16_ror8(int32_t x)
{
    return tc_simd_pack16_(tc_simd_byte_((uint32_t)x, 1), tc_simd_byte_((uint32_t)x, 3));
}

/* Each product fits in int32 ((-2^15)^2 = 2^30), but their sum and the accumulate may not: add
 * in uint32_t, which wraps exactly like SMLAD's 32-bit result. */
static inline int32_t tc_smlad(int32_t a, int32_t b, int32_t acc)
{
    const int32_t p0 = tc_simd_half_((uint32_t)a, 0) * tc_simd_half_((uint32_t)b, 0);
    const int32_t p1 = tc_simd_half_((uint32_t)a, 1) * tc_simd_half_((uint32_t)b, 1);
    return (int32_t)((uint32_t)acc + (uint32_t)p0 + (uint32_t)p1);
}

#endif /* TC_SIMD_DSP */

/* Saturation to n signed bits. SSAT needs n as an immediate, so on Arm it is a macro over ACLE's
 * __ssat (Armv7-M has SSAT even without the DSP extension) and n must be a constant expression. */
static inline int32_t tc_ssat_c(int32_t x, int n)
{
    const int32_t hi = n >= 32 ? INT32_MAX : (int32_t)(((uint32_t)1 << (n - 1)) - 1u);
    const int32_t lo = -hi - 1;
    return x < lo ? lo : (x > hi ? hi : x);
}
#if defined(__ARM_FEATURE_SAT) && !defined(TC_SIMD_PORTABLE)
#define tc_ssat(x, n) ((int32_t)__ssat((x), (n)))
#else
#define tc_ssat(x, n) tc_ssat_c((x), (n))
#endif

#endif /* TINYC_TC_SIMD_H */
