#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Scripts/test.sh
# Runs every test: installs what they need (Scripts/setup.sh --deps-only), then
#   1. the C runtime's own tests on the host under ASan/UBSan (Runtime-C/tests/run.sh),
#   2. the runtime cross-compiled for every board's core at -O0..-O3/-Os/-Og (-Werror), and
#      the board smoke tests (runner on host and on QEMU, exit codes, instruction counts),
#   3. the TFLite reader fuzzer: 2000 mutants of each MLPerf Tiny model under ASan/UBSan,
#   4. the Swift tests (`swift test`): every stage, host-compiled kernels vs the reference
#      interpreter, and the QEMU end-to-end run of the digits example.
# TINYC_QEMU=all widens the subsets (every input under QEMU, every op model under sanitizers); the default
# keeps CI under 20 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash Scripts/setup.sh --deps-only
echo "== Runtime-C host tests"
bash Runtime-C/tests/run.sh
echo "== Runtime-C cross-compile: every core, every -O level"
bash Runtime-C/tests/cross-compile.sh
echo "== board smoke tests"
bash Boards/tests/smoke.sh
echo "== TFLite reader fuzz (ASan/UBSan)"
bash Scripts/fuzz-tflite-reader.sh
echo "== swift test"
swift build --build-tests
swift test --skip-build 2>&1 | tee build/swift-test.log
