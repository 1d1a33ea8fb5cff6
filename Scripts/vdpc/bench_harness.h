/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the vdpc benchmarks: job table type, a fixed random generator, printing. The runner
 * glue is bench_runner.h, included at the end of a bench after its jobs[] table. */
#ifndef VDPC_BENCH_HARNESS_H
#define VDPC_BENCH_HARNESS_H

#include <stdint.h>
#include <string.h>

#include "tinyc/tc_board.h"

typedef struct {
    const char *name;
    void (*run)(void);
} vdpc_job;

/* A fixed LCG: every run fills the buffers with the same bytes. */
static uint32_t vdpc_rng = 12345u;
static inline int32_t vdpc_rand(int32_t lo, int32_t hi)
{
    vdpc_rng = vdpc_rng * 1664525u + 1013904223u;
    return lo + (int32_t)((vdpc_rng >> 8) % (uint32_t)(hi - lo + 1));
}

static void vdpc_say(const char *s)
{
    tc_board_write(s, strlen(s));
}

static void vdpc_say_int(int32_t v)
{
    char d[12];
    int n = 0;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    if (v < 0)
        vdpc_say("-");
    do {
        d[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    while (n > 0)
        tc_board_write(&d[--n], 1);
}

static void setup(void);
static int check(void);

#endif
