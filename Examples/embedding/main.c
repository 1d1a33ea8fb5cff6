/* SPDX-License-Identifier: Apache-2.0 */
/* A user's own firmware that embeds the digits model compiled by tinyc: only the generated
 * digits.h API is used. It runs one inference on a fixed input and prints the output as
 *
 *     user-output: v0 v1 ... v9
 *
 * through tc_board_write, the console this project took from tinyc's Boards/common/semihosting.c
 * (replace it with your UART driver on hardware). The input is the pattern
 * (i * 37 + 11) mod 256 as int8, which Tests/TinycCLITests/EmbeddingTests.swift repeats to compute
 * the expected output with the reference interpreter. */
#include <stddef.h>
#include <stdint.h>

#include "digits.h"
#include "tinyc/tc_board.h"

static int8_t input[TINYC_DIGITS_INPUT_BYTES];
static int8_t output[TINYC_DIGITS_OUTPUT_BYTES];

/* Appends the decimal form of v to buf at *n. */
static void put_int(char *buf, size_t *n, int v)
{
    char digits[4];
    int k = 0;
    unsigned u = v < 0 ? (unsigned)-v : (unsigned)v;
    if (v < 0)
        buf[(*n)++] = '-';
    do {
        digits[k++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    while (k > 0)
        buf[(*n)++] = digits[--k];
}

int main(void)
{
    static const char prefix[] = "user-output:";
    char line[sizeof prefix + 5 * TINYC_DIGITS_OUTPUT_BYTES + 1];
    size_t n = 0, i;

    for (i = 0; i < sizeof input; i++)
        input[i] = (int8_t)(uint8_t)((i * 37u + 11u) & 0xFFu);
    if (tinyc_digits_invoke(input, output) != 0)
        return 1;
    for (i = 0; prefix[i]; i++)
        line[n++] = prefix[i];
    for (i = 0; i < sizeof output; i++) {
        line[n++] = ' ';
        put_int(line, &n, output[i]);
    }
    line[n++] = '\n';
    tc_board_write(line, n);
    return 0;
}
