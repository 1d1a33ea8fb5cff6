/* SPDX-License-Identifier: Apache-2.0 */
/* Firmware `main` for `tinyc run`: runs the model on every input in tinyc_run_data.c (written by
 * the compiler) and prints each output as one line
 *
 *     tinyc-output <i>: v0 v1 v2 ...        (decimal int8 values, one space apart)
 *
 * then `tinyc: PASS` and exits 0. If the model's invoke returns non-zero it prints
 * `tinyc: FAIL invoke <i> returned <rc>` and exits 1.
 *
 * Instruction counting: Scripts/run-qemu.sh (TINYC_COUNT=1) attaches the insncount plugin with
 * begin = tinyc_run_invoke and end = tinyc_run_marker_end, so each inference prints exactly one
 * `insncount: region <i>: <n> insns` line. That is why the marker is called right after invoke
 * and nothing else runs in between.
 *
 * No printf: a tiny formatter keeps the firmware small and free of newlib's stdio. */
#include <stddef.h>
#include <stdint.h>

#include "tinyc/tc_board.h"

/* ---- contract with the compiler-generated tinyc_run_data.c ---- */
extern const uint32_t tinyc_run_count;        /* number of inputs */
extern const uint32_t tinyc_run_input_bytes;  /* bytes per input */
extern const uint32_t tinyc_run_output_bytes; /* bytes per output */
extern const int8_t tinyc_run_inputs[];       /* (count, input_bytes) */
int tinyc_run_invoke(const int8_t *input, int8_t *output); /* runs the model; 0 = ok */

#ifndef TINYC_RUN_MAX_OUTPUT_BYTES
#define TINYC_RUN_MAX_OUTPUT_BYTES 4096
#endif

/* End-of-region marker for the instruction counter. noinline + an asm body so the call and the
 * function survive -O2; external linkage so arm-none-eabi-nm finds it. */
__attribute__((noinline, used)) void tinyc_run_marker_end(void);
__attribute__((noinline, used)) void tinyc_run_marker_end(void)
{
    __asm__ __volatile__("");
}

/* The layer marker of -DTC_PROFILE builds (tinyc/tc_profile.h); the QEMU counter watches it. Its body
 * differs from tinyc_run_marker_end's so identical-code folding cannot give both one address. */
__attribute__((noinline, used)) void tc_profile_mark(void);
__attribute__((noinline, used)) void tc_profile_mark(void)
{
    __asm__ __volatile__("nop");
}

static int8_t tinyc_run_output[TINYC_RUN_MAX_OUTPUT_BYTES];

/* A line buffer flushed to the board when full: semihosting writes are expensive traps. */
static char line[256];
static size_t line_len;

static void out_flush(void)
{
    tc_board_write(line, line_len);
    line_len = 0;
}

static void out_char(char c)
{
    if (line_len == sizeof line)
        out_flush();
    line[line_len++] = c;
}

static void out_str(const char *s)
{
    while (*s)
        out_char(*s++);
}

static void out_int(int32_t v)
{
    char digits[12];
    int n = 0;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    if (v < 0)
        out_char('-');
    do {
        digits[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    while (n > 0)
        out_char(digits[--n]);
}

int main(void)
{
    uint32_t i, j;

    tc_board_init();
    if (tinyc_run_output_bytes > TINYC_RUN_MAX_OUTPUT_BYTES) {
        out_str("tinyc: FAIL output of ");
        out_int((int32_t)tinyc_run_output_bytes);
        out_str(" bytes exceeds TINYC_RUN_MAX_OUTPUT_BYTES\n");
        out_flush();
        return 1;
    }
    for (i = 0; i < tinyc_run_count; i++) {
        int rc = tinyc_run_invoke(tinyc_run_inputs + (size_t)i * tinyc_run_input_bytes, tinyc_run_output);
        tinyc_run_marker_end();
        if (rc != 0) {
            out_str("tinyc: FAIL invoke ");
            out_int((int32_t)i);
            out_str(" returned ");
            out_int(rc);
            out_str("\n");
            out_flush();
            return 1;
        }
        out_str("tinyc-output ");
        out_int((int32_t)i);
        out_str(":");
        for (j = 0; j < tinyc_run_output_bytes; j++) {
            out_char(' ');
            out_int(tinyc_run_output[j]);
        }
        out_str("\n");
        out_flush();
    }
    out_str("tinyc: PASS\n");
    out_flush();
    return 0;
}
