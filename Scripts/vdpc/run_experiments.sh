#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every `tinyc experiment vdpc` run of docs/vdpc.md, in its order. Makes the photo inputs first
# (Scripts/vdpc/make_inputs.py: scikit-learn + Pillow or TensorFlow).
# usage: Scripts/vdpc/run_experiments.sh [OUT_DIR]     (default: out/vdpc; prints everything)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/out/vdpc}"
tinyc="${TINYC:-$root/.build/release/tinyc}"
models="$root/../shared/models/mlperf-tiny"
[[ -f "$out/vww_eval.npy" ]] || python3 "$root/Scripts/vdpc/make_inputs.py" "$out"
lambdas="0,0.05,0.1,0.2,0.3"
run() { echo "\$ tinyc experiment vdpc $*"; "$tinyc" experiment vdpc "$@"; echo; }

vww=("$models/vww_96_int8.tflite" --calib "$out/vww_calib.npy" --data "$out/vww_eval.npy" --lambda "$lambdas")
run "${vww[@]}" --sram 32k
run "${vww[@]}" --sram 32k --bits 4
run "${vww[@]}" --sram 32k --no-classify
run "${vww[@]}" --sram 32k --bits 4 --no-classify
run "${vww[@]}" --sram 32k --test first
run "${vww[@]}" --patch 8:3x3
run "${vww[@]}" --patch 8:3x3 --bits 4
run "${vww[@]}" --patch 8:3x3 --no-classify
run "${vww[@]}" --patch 8:3x3 --test first
run "${vww[@]}" --patch 8:3x3 --grid fitted
run "${vww[@]}" --patch 8:3x3 --percentile 99
run "${vww[@]}" --patch 8:6x6

resnet=("$models/pretrainedResnet_quant.tflite" --calib "$out/resnet_calib.npy" --data "$out/resnet_eval.npy" --lambda "$lambdas")
run "${resnet[@]}" --sram 32k
run "${resnet[@]}" --sram 32k --test first
run "${resnet[@]}" --sram 32k --test first --bits 4
run "${resnet[@]}" --sram 32k --test first --bits 4 --no-classify

digits=("$root/Examples/digits/digits.json" --calib "$root/Examples/digits/calib.npy" --data "$root/Examples/digits/test_x.npy" --lambda "$lambdas")
run "${digits[@]}" --patch 4:4x4
run "${digits[@]}" --patch 4:4x4 --test first
run "${digits[@]}" --patch 4:4x4 --test first --bits 4
run "${digits[@]}" --patch 4:4x4 --test first --bits 4 --no-classify
