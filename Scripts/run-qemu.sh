#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Scripts/run-qemu.sh <board> <elf> [timeout_s]
#   <board>      a folder under Boards/ whose board.mk sets QEMU_MACHINE (e.g. mps2-an386)
#   <elf>        the firmware (Boards/common/firmware.mk builds it as build/<board>/firmware.elf)
#   [timeout_s]  wall-clock limit, default 60; on timeout the script exits 124
#
# Runs the firmware under qemu-system-arm with semihosting and exits with the firmware's own exit
# code (tc_board_exit -> SYS_EXIT_EXTENDED). Exit codes: 0 pass, 1 model error, 3 panic,
# 4 CPU fault, 124 timeout, others from QEMU itself (e.g. it could not load the image).
#
# Output streams:
#   stdout  everything the firmware prints (semihosting console), e.g. `tinyc-output 0: 1 -2 3`,
#           `tinyc: PASS`
#   stderr  `insncount: region <k>: <n> insns` (one per inference, k from 0) and
#           `insncount: total <n> insns` when TINYC_COUNT=1; QEMU diagnostics; this script's
#           messages. Each writer is unbuffered or flushes per line, so `2>&1` keeps the order.
#
# Environment:
#   TINYC_COUNT=1            count executed instructions per inference with the insncount TCG
#                            plugin: region = tinyc_run_invoke .. tinyc_run_marker_end
#                            (addresses from arm-none-eabi-nm); exact and repeatable.
#   TINYC_PROFILE=1          with TINYC_COUNT=1: also print `insncount: mark <k>: <n> insns` each time
#                            tc_profile_mark runs (after every layer of a -DTC_PROFILE build), n
#                            counted from the start of the inference.
#   TINYC_INSNCOUNT_PLUGIN   plugin path (default: build/tools/libinsncount.so in the repo;
#                            Scripts/setup.sh builds it)
#   QEMU                     qemu binary (default qemu-system-arm)
set -euo pipefail

usage() { sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
board="$1" elf="$2" limit="${3:-60}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
board_mk="$root/Boards/$board/board.mk"
[[ -f "$board_mk" ]] || { echo "run-qemu.sh: unknown board '$board' (no $board_mk)" >&2; exit 2; }
[[ -f "$elf" ]] || { echo "run-qemu.sh: no such firmware: $elf" >&2; exit 2; }

machine="$(sed -n 's/^QEMU_MACHINE[[:space:]]*:\{0,1\}=[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$board_mk" | head -n1)"
[[ -n "$machine" ]] || { echo "run-qemu.sh: $board_mk sets no QEMU_MACHINE (not a QEMU board)" >&2; exit 2; }

plugin_args=()
if [[ "${TINYC_COUNT:-0}" == 1 ]]; then
    plugin="${TINYC_INSNCOUNT_PLUGIN:-$root/build/tools/libinsncount.so}"
    [[ -f "$plugin" ]] || { echo "run-qemu.sh: $plugin missing; run Scripts/setup.sh" >&2; exit 2; }
    # awk reads all of nm's output (no early exit): a SIGPIPE'd nm would fail the pipeline
    sym() { { arm-none-eabi-nm "$elf" 2>/dev/null || true; } | awk -v s="$1" '$3 == s && !found { print "0x" $1; found = 1 }'; }
    begin="$(sym tinyc_run_invoke)" end="$(sym tinyc_run_marker_end)"
    [[ -n "$begin" && -n "$end" ]] || {
        echo "run-qemu.sh: $elf lacks tinyc_run_invoke/tinyc_run_marker_end (not a tinyc runner?)" >&2; exit 2; }
    marks=""
    if [[ "${TINYC_PROFILE:-0}" == 1 ]]; then
        mark="$(sym tc_profile_mark)"
        [[ -n "$mark" ]] || { echo "run-qemu.sh: $elf has no tc_profile_mark (TINYC_PROFILE=1)" >&2; exit 2; }
        marks=",mark=$mark"
    fi
    plugin_args=(-plugin "$plugin,begin=$begin,end=$end$marks")
fi

# Semihosting text goes to a stdio chardev (our stdout) instead of QEMU's default, stderr.
# stdin is /dev/null so QEMU never puts a terminal into raw mode.
set +e
timeout -k 5 "$limit" "${QEMU:-qemu-system-arm}" -M "$machine" -nographic -monitor none -serial null \
    -chardev stdio,id=sh0 -semihosting-config enable=on,target=native,chardev=sh0 \
    "${plugin_args[@]}" -kernel "$elf" </dev/null
rc=$?
set -e
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "run-qemu.sh: TIMEOUT: $elf did not exit within ${limit}s" >&2
    exit 124
fi
exit $rc
