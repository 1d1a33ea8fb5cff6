#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Boards/tests/smoke.sh
# End-to-end smoke test of Boards/ + Scripts/run-qemu.sh with hand-written "models"
# (Boards/tests/fixtures/*/tinyc_run_data.c), built through Boards/common/firmware.mk:
#   fc     4 -> 3 int8 FC with hand-computed outputs: same lines on host (ASan/UBSan) and
#          mps2-an386 (also with -DNDEBUG), identical instruction counts on two counted runs
#   exit5  tc_board_exit(5) -> exit code 5 (QEMU and host)
#   float  FP arithmetic works (the FPU was enabled by startup.c)
#   fault  undefined instruction -> fault report, exit code 4
#   hang   never returns -> run-qemu.sh exits 124 after its timeout
#   every other board (mps2-an385, mps2-an500, mps2-an505, mps3-an547, netduinoplus2, microbit):
#          fc boots and prints the expected lines; float on the boards with an FPU; on the
#          Cortex-M0 micro:bit also a counted run (the counter works on Armv6-M) and the fault
#          report without CFSR/HFSR
# Builds go to build/smoke/. Last line: "N passed, M failed"; exit status non-zero on failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIX="$ROOT/Boards/tests/fixtures"
OUT="$ROOT/build/smoke"
ARM_BOARD=mps2-an386
passed=0 failed=0

ok()   { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# build <fixture> <board> <name> [make args...]: builds into $OUT/<name>, log in $OUT/<name>.log
build() {
    local fixture="$1" board="$2" name="$3"; shift 3
    # only fc calls a kernel (tc_fc_s8_ref), so only it compiles tc_fc.c; the whole runtime is built
    # for the first boards above through TC_RUNTIME_SRCS unset (a command-line variable wins)
    case "$fixture:$name" in
        fc:host-fc|fc:arm-fc|fc:arm-fc-ndebug) ;;
        fc:*) set -- "$@" TC_RUNTIME_SRCS="$ROOT/Runtime-C/src/tc_fc.c" ;;
        *) set -- "$@" TC_RUNTIME_SRCS= ;;
    esac
    if make -s -j2 -f "$ROOT/Boards/common/firmware.mk" BOARD="$board" BUILD_DIR="$OUT/$name" \
        APP_SRCS="$FIX/$fixture/tinyc_run_data.c" "$@" firmware >"$OUT/$name.log" 2>&1; then
        ok "build $name"
    else
        fail "build $name (see $OUT/$name.log)"; cat "$OUT/$name.log"
        return 1
    fi
}

# expect_rc <want> <got> <what>
expect_rc() { if [[ "$2" -eq "$1" ]]; then ok "$3: exit $2"; else fail "$3: exit $2, want $1"; fi; }

# expect_same <file> <expected-file> <what>
expect_same() {
    if diff -u "$2" "$1" >/dev/null; then ok "$3: output as expected"
    else fail "$3: output differs:"; diff -u "$2" "$1"; fi
}

rm -rf "$OUT"; mkdir -p "$OUT"
plugin="$ROOT/build/tools/libinsncount.so"
if [[ ! -f "$plugin" ]]; then
    plugin="$OUT/libinsncount.so"
    gcc -O2 -shared -fPIC -o "$plugin" "$ROOT/Scripts/qemu-insncount/insncount.c"
fi
run_qemu() { TINYC_INSNCOUNT_PLUGIN="$plugin" "$ROOT/Scripts/run-qemu.sh" "$@"; }

# fc on the host, with sanitizers
if build fc host host-fc SANITIZE=1; then
    "$OUT/host-fc/firmware" >"$OUT/host-fc.out" 2>&1; expect_rc 0 $? "host fc"
    expect_same "$OUT/host-fc.out" "$FIX/fc/expected.txt" "host fc"
fi

# fc under QEMU: output, then two counted runs with identical per-inference counts
if build fc "$ARM_BOARD" arm-fc; then
    run_qemu "$ARM_BOARD" "$OUT/arm-fc/firmware.elf" 30 >"$OUT/arm-fc.out"; expect_rc 0 $? "qemu fc"
    expect_same "$OUT/arm-fc.out" "$FIX/fc/expected.txt" "qemu fc"
    for k in 1 2; do
        TINYC_COUNT=1 run_qemu "$ARM_BOARD" "$OUT/arm-fc/firmware.elf" 30 >"$OUT/arm-fc.count$k" 2>&1
        expect_rc 0 $? "qemu fc counted run $k"
    done
    regions="$(grep -c '^insncount: region' "$OUT/arm-fc.count1")"
    if [[ "$regions" -eq 3 ]]; then ok "one insncount line per inference"
    else fail "$regions insncount region lines, want 3"; fi
    if diff <(grep '^insncount:' "$OUT/arm-fc.count1") <(grep '^insncount:' "$OUT/arm-fc.count2") >/dev/null; then
        ok "instruction counts repeat exactly: $(grep '^insncount: region' "$OUT/arm-fc.count1" | awk '{print $4}' | tr '\n' ' ')"
    else
        fail "instruction counts differ between runs"
    fi
    grep -v '^insncount:' "$OUT/arm-fc.count1" >"$OUT/arm-fc.count1.out"
    expect_same "$OUT/arm-fc.count1.out" "$FIX/fc/expected.txt" "qemu fc (counted)"
fi

# fc with assertions compiled out
if build fc "$ARM_BOARD" arm-fc-ndebug EXTRA_CFLAGS=-DNDEBUG; then
    run_qemu "$ARM_BOARD" "$OUT/arm-fc-ndebug/firmware.elf" 30 >"$OUT/arm-fc-ndebug.out"; expect_rc 0 $? "qemu fc NDEBUG"
    expect_same "$OUT/arm-fc-ndebug.out" "$FIX/fc/expected.txt" "qemu fc NDEBUG"
fi

# FP code runs (startup.c enabled the FPU before main)
if build float "$ARM_BOARD" arm-float; then
    run_qemu "$ARM_BOARD" "$OUT/arm-float/firmware.elf" 30 >"$OUT/arm-float.out"; expect_rc 0 $? "qemu float"
    expect_same "$OUT/arm-float.out" "$FIX/float/expected.txt" "qemu float"
    arm-none-eabi-objdump -d "$OUT/arm-float/firmware.elf" >"$OUT/arm-float.dis"
    if grep -q 'vmul.f32\|vfma.f32\|vmla.f32' "$OUT/arm-float.dis"; then
        ok "float fixture uses FPU instructions"
    else fail "float fixture has no FPU instructions"; fi
fi

# the firmware's exit code is run-qemu.sh's exit code
if build exit5 "$ARM_BOARD" arm-exit5; then
    run_qemu "$ARM_BOARD" "$OUT/arm-exit5/firmware.elf" 30 >/dev/null; expect_rc 5 $? "qemu exit5"
fi
if build exit5 host host-exit5; then
    "$OUT/host-exit5/firmware" >/dev/null; expect_rc 5 $? "host exit5"
fi

# a CPU fault is reported and ends the run
if build fault "$ARM_BOARD" arm-fault; then
    run_qemu "$ARM_BOARD" "$OUT/arm-fault/firmware.elf" 30 >"$OUT/arm-fault.out"; expect_rc 4 $? "qemu fault"
    if grep -q '^tinyc: fault: ' "$OUT/arm-fault.out"; then ok "fault reported: $(head -n1 "$OUT/arm-fault.out")"
    else fail "no fault report"; fi
fi

# a hung firmware is stopped by the timeout
if build hang "$ARM_BOARD" arm-hang; then
    run_qemu "$ARM_BOARD" "$OUT/arm-hang/firmware.elf" 2 >/dev/null 2>"$OUT/arm-hang.err"; expect_rc 124 $? "qemu hang"
    if grep -q 'TIMEOUT' "$OUT/arm-hang.err"; then ok "timeout message"; else fail "no timeout message"; fi
fi

# every other board boots, prints, and (where it has one) uses its FPU
for board in mps2-an385 mps2-an500 mps2-an505 mps3-an547 netduinoplus2 microbit; do
    if build fc "$board" "$board-fc"; then
        run_qemu "$board" "$OUT/$board-fc/firmware.elf" 30 >"$OUT/$board-fc.out"; expect_rc 0 $? "$board fc"
        expect_same "$OUT/$board-fc.out" "$FIX/fc/expected.txt" "$board fc"
    fi
    if grep -q 'mfloat-abi=hard' "$ROOT/Boards/$board/board.mk" && build float "$board" "$board-float"; then
        run_qemu "$board" "$OUT/$board-float/firmware.elf" 30 >"$OUT/$board-float.out"; expect_rc 0 $? "$board float"
        expect_same "$OUT/$board-float.out" "$FIX/float/expected.txt" "$board float"
    fi
done

# Armv6-M: one insncount line per inference, and a fault report without the v7-M fault registers
TINYC_COUNT=1 run_qemu microbit "$OUT/microbit-fc/firmware.elf" 30 >"$OUT/microbit-fc.count" 2>&1
expect_rc 0 $? "microbit fc counted run"
regions="$(grep -c '^insncount: region' "$OUT/microbit-fc.count")"
if [[ "$regions" -eq 3 ]]; then ok "microbit: one insncount line per inference"
else fail "microbit: $regions insncount region lines, want 3"; fi
if build fault microbit microbit-fault; then
    run_qemu microbit "$OUT/microbit-fault/firmware.elf" 30 >"$OUT/microbit-fault.out"; expect_rc 4 $? "microbit fault"
    if grep -qx 'tinyc: fault: HardFault' "$OUT/microbit-fault.out"; then ok "microbit fault reported"
    else fail "microbit fault report: $(cat "$OUT/microbit-fault.out")"; fi
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
