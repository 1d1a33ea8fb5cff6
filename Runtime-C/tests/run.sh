#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Runtime-C/tests/run.sh
# Builds every runtime unit test program (tests/test_*.c, one program each, harness in tc_test.h)
# with ASan + UBSan (any sanitizer report is fatal) and the strict C99 warning set, runs them, and
# exits non-zero if any fails. Last line: "N passed, M failed" over all programs.
# CC overrides the host compiler (default gcc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rt="$(dirname "$here")"
out="${TMPDIR:-/tmp}/tinyc-runtime-tests"
mkdir -p "$out"
total_pass=0 total_fail=0 status=0
for t in "$here"/test_*.c; do
    name="$(basename "$t" .c)"
    "${CC:-gcc}" -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g \
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -I"$rt/include" -I"$rt/src" -I"$here" "$t" "$rt"/src/*.c -lm -o "$out/$name"
    set +e
    "$out/$name" > "$out/$name.log" 2>&1
    rc=$?
    set -e
    grep -v '^[0-9]* passed, [0-9]* failed$' "$out/$name.log" || true
    last="$(tail -n 1 "$out/$name.log")"
    echo "$name: $last"
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        total_pass=$((total_pass + BASH_REMATCH[1])) total_fail=$((total_fail + BASH_REMATCH[2]))
    else
        total_fail=$((total_fail + 1))
    fi
    [[ $rc -eq 0 ]] || status=1
done
echo "$total_pass passed, $total_fail failed"
exit $status
