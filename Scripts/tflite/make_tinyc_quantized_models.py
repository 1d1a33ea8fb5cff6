#!/usr/bin/env python3
"""TFLite Micro as the oracle for tinyc's own quantizer: float MLPerf Tiny models quantized by tinyc,
exported to .tflite and run in TFLM.

For each float model (../shared/models/mlperf-tiny/<model>.tflite) this runs
  tinyc convert <model>.tflite --calib Tests/Fixtures/tflite/goldens/<model>.inputs.npy -o q.json
(the int8 graph tinyc compiles: its calibration, folding and fusion), turns q.json into
Tests/Fixtures/tflite/models/tinyc_q_<short>.tflite with netjson_to_tflite.py, and writes the golden
inputs beside it as models/tinyc_q_<short>.inputs.npy: the float golden inputs quantized with the
input's scale and zero point (the first 6), then 4 seeded uniform int8 inputs. Then
  python3 Scripts/tflite/tflm_goldens.py --only tinyc_q_kws tinyc_q_resnet
makes TFLM's outputs. TinycQuantizerTFLMTests checks that tinyc's compile of the float model gives
those bytes. Re-run this (and the goldens) when tinyc's quantizer changes on purpose.

Usage: python3 Scripts/tflite/make_tinyc_quantized_models.py [--tinyc .build/debug/tinyc]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
MODELS = {"tinyc_q_kws": "kws_ref_model_float32", "tinyc_q_resnet": "pretrainedResnet"}
GOLDENS = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "goldens")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models")


def inputs_for(net, floats, name):
    t = next(t for t in net["tensors"] if t["name"] == net["inputs"][0])
    scale, zp = t["quantization"]["scale"][0], t["quantization"].get("zero_point", [0])[0]
    x = floats.astype(np.float64).reshape(len(floats), -1)[:6]
    rows = [np.clip(np.round(v / np.float32(scale)) + zp, -128, 127).astype(np.int8).reshape(t["shape"]) for v in x]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    rows += [rng.integers(-128, 127, size=t["shape"], endpoint=True, dtype=np.int8) for _ in range(4)]
    return np.stack(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tinyc", default=os.path.join(ROOT, ".build", "debug", "tinyc"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in MODELS.items():
            q = os.path.join(tmp, name + ".json")
            calib = os.path.join(GOLDENS, model + ".inputs.npy")
            subprocess.run([args.tinyc, "convert", os.path.join(SHARED, "models", "mlperf-tiny", model + ".tflite"),
                            "--calib", calib, "-o", q], check=True)
            out = os.path.join(OUT, name + ".tflite")
            subprocess.run([sys.executable, os.path.join(ROOT, "Scripts", "tflite", "netjson_to_tflite.py"), q, out],
                           check=True)
            with open(q) as f:
                net = json.load(f)
            np.save(os.path.join(OUT, name + ".inputs.npy"), inputs_for(net, np.load(calib), name))
            print("%s: from %s, %d nodes" % (name, model, len(net["nodes"])))


if __name__ == "__main__":
    main()
