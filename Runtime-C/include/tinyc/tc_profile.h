/* SPDX-License-Identifier: Apache-2.0 */
/* Layer markers for per-layer profiling. Generated code calls TC_PROFILE_MARK() after each layer
 * (after the whole patch stage for patch-based models). It compiles to nothing unless TC_PROFILE is
 * defined; then it calls tc_profile_mark(), which the board provides (Boards/common/tinyc_runner.c:
 * an empty function whose address the QEMU instruction counter watches, so `tinyc run --profile`
 * can print instructions per layer). Each mark costs a call and a return, counted in the layer. */
#ifndef TINYC_TC_PROFILE_H
#define TINYC_TC_PROFILE_H

#ifdef TC_PROFILE
#ifdef __cplusplus
extern "C" {
#endif
void tc_profile_mark(void);
#ifdef __cplusplus
}
#endif
#define TC_PROFILE_MARK() tc_profile_mark()
#else
#define TC_PROFILE_MARK() ((void)0)
#endif

#endif /* TINYC_TC_PROFILE_H */
