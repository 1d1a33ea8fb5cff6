/* SPDX-License-Identifier: Apache-2.0 */
/* `_dsp` kernels (see tc_kernels.h for the naming and tc_simd.h for the DSP helpers). */
#ifndef TINYC_TC_CONV2D_DSP_H
#define TINYC_TC_CONV2D_DSP_H

#include "tinyc/tc_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_CONV2D_DSP_H */
