#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Runtime-C/tests/run.sh
# Builds the runtime unit tests with ASan + UBSan (any sanitizer report is fatal) and the strict
# C99 warning set, runs them, and exits non-zero on failure. Last line: "N passed, M failed".
# CC overrides the host compiler (default gcc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rt="$(dirname "$here")"
out="${TMPDIR:-/tmp}/tinyc-runtime-tests"
mkdir -p "$out"
"${CC:-gcc}" -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -I"$rt/include" -I"$rt/src" "$here/test_runtime.c" "$rt"/src/*.c -lm -o "$out/test_runtime"
"$out/test_runtime"
