/* SPDX-License-Identifier: Apache-2.0 */
/* Board hooks: the only things the runtime and the runner need from a board. Each board implements
 * them once (Boards/common/semihosting.c for QEMU Cortex-M boards, Boards/host/board.c for the host).
 *
 * Exit codes used by tinyc firmware: 0 = success, 1 = the model reported an error,
 * 3 = tc_board_panic (a failed TC_ASSERT), 4 = CPU fault (Cortex-M boards). */
#ifndef TINYC_TC_BOARD_H
#define TINYC_TC_BOARD_H

#include <stddef.h>

/* `_Noreturn` is C11; the runtime must also build with -std=c99 -pedantic, so spell it per dialect. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define TC_NORETURN _Noreturn
#elif defined(__GNUC__)
#define TC_NORETURN __attribute__((noreturn))
#else
#define TC_NORETURN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Called once by the runner before anything else (clocks, UART; a no-op under semihosting). */
void tc_board_init(void);

/* Writes n bytes of text to the board's console (semihosting / stdout). Not NUL-terminated. */
void tc_board_write(const char *s, size_t n);

/* Ends the program with `code` (QEMU exits with it; the host calls exit()). */
TC_NORETURN void tc_board_exit(int code);

/* Reports "file:line" and exits with code 3. Called by TC_ASSERT. */
TC_NORETURN void tc_board_panic(const char *file, int line);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TC_BOARD_H */
