/* SPDX-License-Identifier: Apache-2.0 */
/* Glue between a vdpc benchmark and the firmware runner (Boards/common/tinyc_runner.c): invoke 0
 * runs setup() and prints the job names, invoke k = 1..N runs job k alone (QEMU's counter reports
 * it as "insncount: region k"), the last invoke runs check() and fails the firmware (exit 1)
 * unless every low-bit result equals its int8 reference. Include once, at the end of a bench that
 * defines setup(), check() and jobs[]. */
#define VDPC_JOBS ((uint32_t)(sizeof jobs / sizeof jobs[0]))

const uint32_t tinyc_run_count = VDPC_JOBS + 2;
const uint32_t tinyc_run_input_bytes = 1;
const uint32_t tinyc_run_output_bytes = 1;
const int8_t tinyc_run_inputs[VDPC_JOBS + 2] = {0};

int tinyc_run_invoke(const int8_t *input, int8_t *output);
int tinyc_run_invoke(const int8_t *input, int8_t *output)
{
    static uint32_t step;
    const uint32_t k = step++;
    (void)input;
    output[0] = 0;
    if (k == 0) {
        uint32_t j;
        setup();
        for (j = 0; j < VDPC_JOBS; j++) {
            vdpc_say("vdpc-job ");
            vdpc_say_int((int32_t)(j + 1));
            vdpc_say(": ");
            vdpc_say(jobs[j].name);
            vdpc_say("\n");
        }
        return 0;
    }
    if (k <= VDPC_JOBS) {
        jobs[k - 1].run();
        return 0;
    }
    return check();
}

