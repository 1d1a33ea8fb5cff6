/* SPDX-License-Identifier: Apache-2.0 */
/* Board hooks over Arm semihosting (QEMU: -semihosting-config enable=on,target=native).
 *
 * Text goes out with SYS_WRITE0, which QEMU sends to its semihosting console: the host's stderr by
 * default, or stdout when QEMU is given `-chardev stdio,id=sh0 -semihosting-config ...,chardev=sh0`
 * (Scripts/run-qemu.sh does that). SYS_EXIT_EXTENDED makes QEMU itself exit with our code. */
#include <stdint.h>

#include "tinyc/tc_board.h"

enum {
    SYS_WRITE0 = 0x04,             /* r1 = NUL-terminated string */
    SYS_EXIT_EXTENDED = 0x20,      /* r1 = {reason, subcode} */
    ADP_STOPPED_APP_EXIT = 0x20026 /* reason: normal application exit, subcode = exit code */
};

/* One semihosting call: BKPT 0xAB with the operation in r0 and the argument in r1 (Thumb). */
static int32_t sh_call(int32_t op, const void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void tc_board_init(void) {}

/* SYS_WRITE0 needs a NUL-terminated string, so copy through a small stack buffer; one call per
 * chunk keeps the number of (slow) semihosting traps low. */
void tc_board_write(const char *s, size_t n)
{
    char buf[128];
    while (n > 0) {
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1, i;
        for (i = 0; i < k; i++)
            buf[i] = s[i];
        buf[k] = '\0';
        sh_call(SYS_WRITE0, buf);
        s += k;
        n -= k;
    }
}

void tc_board_exit(int code)
{
    const uint32_t block[2] = {ADP_STOPPED_APP_EXIT, (uint32_t)code};
    for (;;) /* QEMU never returns from this; the loop only satisfies noreturn */
        sh_call(SYS_EXIT_EXTENDED, block);
}

/* Formats "tinyc: panic at <file>:<line>\n" without printf. */
void tc_board_panic(const char *file, int line)
{
    char num[12];
    int i = (int)sizeof num;
    unsigned v = line < 0 ? 0u : (unsigned)line;
    size_t flen = 0;
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    while (file[flen])
        flen++;
    tc_board_write("tinyc: panic at ", 16);
    tc_board_write(file, flen);
    tc_board_write(":", 1);
    tc_board_write(num + i, sizeof num - (size_t)i);
    tc_board_write("\n", 1);
    tc_board_exit(3);
}
