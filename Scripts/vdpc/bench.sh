#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs the value-driven patch microbenchmarks on the emulated Cortex-M4 (mps2-an386) and
# prints one line per job: instructions, name (docs/vdpc.md). Needs arm-none-eabi-gcc, qemu-system-arm
# and the instruction-count plugin (Scripts/setup.sh).
# usage: Scripts/vdpc/bench.sh [BUILD_DIR] [bench ...]      (default: build/vdpc, every bench_*.c)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/Scripts/vdpc"
build="${1:-$root/build/vdpc}"
shift || true
benches=("$@")
[[ ${#benches[@]} -gt 0 ]] || benches=(outlier pw dw)
for b in "${benches[@]}"; do
    dir="$build/$b"
    make -s -f "$root/Boards/common/firmware.mk" BOARD=mps2-an386 \
        APP_SRCS="$here/bench_$b.c $here/vdpc_kernels.c" BUILD_DIR="$dir" \
        EXTRA_CFLAGS="-I$root/Runtime-C/src -I$here" firmware >/dev/null
    log="$dir/run.log"
    if ! TINYC_COUNT=1 "$root/Scripts/run-qemu.sh" mps2-an386 "$dir/firmware.elf" 600 >"$log" 2>&1; then
        cat "$log" >&2
        echo "bench_$b: firmware failed" >&2
        exit 1
    fi
    grep '^vdpc-check' "$log"
    # region k (k >= 1) is job k; region 0 is the set-up, the last one the check
    python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
names = dict(re.findall(r"vdpc-job (\d+): (.*)", text))
counts = dict(re.findall(r"insncount: region (\d+): (\d+) insns", text))
for k in sorted(names, key=int):
    print(f"{int(counts[k]):>10,}  {names[k]}")
PY
done
