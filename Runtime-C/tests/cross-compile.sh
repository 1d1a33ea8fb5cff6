#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Runtime-C/tests/cross-compile.sh
# Compiles every runtime source for every board's core (CPU_FLAGS of Boards/*/board.mk) at each
# optimisation level a user's firmware might use (-O0 -O1 -O2 -O3 -Os -Og), with -Wall -Wextra
# -Werror. The Cortex-M DSP paths carry inline asm whose register needs must be met at every level
# (tc_fc_dsp.c once failed at -O0/-O1), so this guards what the board tests, all at -O2, cannot.
# Last line: "N configurations compiled, M failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rt="$(dirname "$here")"
boards="$(dirname "$rt")/Boards"
out="${TMPDIR:-/tmp}/tinyc-runtime-cross"
rm -rf "$out" && mkdir -p "$out"

# one line per distinct core: its CPU_FLAGS
mapfile -t cpus < <(sed -n 's/^CPU_FLAGS := //p' "$boards"/*/board.mk | sort -u)
jobs=()
for flags in "${cpus[@]}"; do
    for level in -O0 -O1 -O2 -O3 -Os -Og; do
        jobs+=("$flags|$level")
    done
done

compile_one() {
    local flags="${1%|*}" level="${1#*|}" dir
    dir="$(mktemp -d "$out/cfg.XXXX")"
    # shellcheck disable=SC2086
    if (cd "$dir" && arm-none-eabi-gcc $flags "$level" -std=c99 -Wall -Wextra -Werror -ffunction-sections \
            -I"$rt/include" -I"$rt/src" -c "$rt"/src/*.c) > "$dir/log" 2>&1; then
        echo "ok   $flags $level"
    else
        echo "FAIL $flags $level"
        sed 's/^/     /' "$dir/log" | head -20
    fi
}
export -f compile_one
export out rt
results="$(printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile_one "$@"' _ {})"
echo "$results" | grep -v '^ok' || true
failed="$(echo "$results" | grep -c '^FAIL' || true)"
echo "${#jobs[@]} configurations compiled, $failed failed"
[[ "$failed" -eq 0 ]]
