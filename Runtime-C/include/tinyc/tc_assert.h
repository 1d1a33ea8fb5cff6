/* SPDX-License-Identifier: Apache-2.0 */
/* TC_ASSERT(cond): kernel preconditions. The compiler has already checked every constraint, so a
 * failure is a compiler bug: report file:line through the board and stop (exit code 3).
 * Compiled out with NDEBUG, so release firmware pays nothing for it. */
#ifndef TINYC_TC_ASSERT_H
#define TINYC_TC_ASSERT_H

#include "tinyc/tc_board.h"

#ifdef NDEBUG
#define TC_ASSERT(cond) ((void)0)
#else
#define TC_ASSERT(cond) ((cond) ? (void)0 : tc_board_panic(__FILE__, __LINE__))
#endif

#endif /* TINYC_TC_ASSERT_H */
