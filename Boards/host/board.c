/* SPDX-License-Identifier: Apache-2.0 */
/* Board hooks for a host build: the same runner and model as the firmware, as a native program
 * (for fast tests, and with -fsanitize=address,undefined for memory checks). Output goes to
 * stdout, like the firmware's under Scripts/run-qemu.sh. */
#include <stdio.h>
#include <stdlib.h>

#include "tinyc/tc_board.h"

void tc_board_init(void) {}

void tc_board_write(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
    fflush(stdout); /* keep ordering with anything written to stderr */
}

void tc_board_exit(int code)
{
    fflush(stdout);
    exit(code);
}

void tc_board_panic(const char *file, int line)
{
    fflush(stdout);
    fprintf(stdout, "tinyc: panic at %s:%d\n", file, line);
    exit(3);
}
