#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Scripts/fuzz-tflite-reader.sh [MUTATIONS_PER_MODEL [SEED]]
# Mutation smoke-fuzz of the TFLite reader (Sources/TinycTFLiteFlatBuffers): compiles its .cpp with
# Scripts/fuzz/tflite_reader_fuzz.cpp under ASan + UBSan (any report is fatal), then opens
# MUTATIONS_PER_MODEL (default 2000) deterministic mutants of each MLPerf Tiny int8 model in
# ../shared/models/mlperf-tiny (or $TINYC_MODELS) and calls every accessor on those that open.
# Prints how many opened and how many were rejected, by reason; exits non-zero on any sanitizer
# report, crash, or if an unmodified model fails to open. CXX overrides the compiler (default g++).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MUTATIONS="${1:-2000}"
SEED="${2:-1}"
MODELS="${TINYC_MODELS:-$ROOT/../shared/models/mlperf-tiny}"
SRC="$ROOT/Sources/TinycTFLiteFlatBuffers"
OUT="${TMPDIR:-/tmp}/tinyc-tflite-fuzz"
mkdir -p "$OUT"

"${CXX:-g++}" -std=c++17 -Wall -Wextra -Werror -O1 -g \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -I"$SRC/include" -I"$SRC" \
    "$SRC/tinyc_tflite.cpp" "$ROOT/Scripts/fuzz/tflite_reader_fuzz.cpp" -o "$OUT/tflite_reader_fuzz"

FILES=()
for m in vww_96_int8 kws_ref_model pretrainedResnet_quant ad01_int8; do
    [[ -f "$MODELS/$m.tflite" ]] || { echo "fuzz-tflite-reader: missing $MODELS/$m.tflite" >&2; exit 1; }
    FILES+=("$MODELS/$m.tflite")
done

ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$OUT/tflite_reader_fuzz" "$MUTATIONS" "$SEED" "${FILES[@]}"
