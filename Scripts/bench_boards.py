#!/usr/bin/env python3
"""Every board under QEMU: Examples/digits and the four MLPerf Tiny models compiled with `--board`
alone (the board's core and its SRAM and flash budgets), run on one fixed input, as a Markdown table.

Usage: Scripts/bench_boards.py [--tinyc PATH] [--boards microbit,...] [--models digits,kws_ref_model,...]

For each board and model: `tinyc compile <model> --board <board> -o build/bench-boards/<board>/<model>`;
when that fails (the model does not fit), the table gives the first line of the error. Otherwise
`tinyc run <dir> --input <fixed input> --json`: the exact instructions of one inference (QEMU TCG
plugin), the firmware's flash (text + data) and the output, compared with TFLite Micro's output for
that input: ../shared/baselines/fixed-input for the MLPerf Tiny models; for digits, TFLM's output on
tinyc's own int8 graph (Tests/Fixtures/tflite/goldens/digits_int8.tflm.npy, row 0). The schedule column says when a patch plan was needed.

Standard library only; needs tinyc built (swift build) and Scripts/setup.sh's tools.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
BOARDS = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547", "netduinoplus2", "microbit"]
MODELS = ["digits", "kws_ref_model", "ad01_int8", "pretrainedResnet_quant", "vww_96_int8"]


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def compile_args(model):
    if model == "digits":
        d = os.path.join(ROOT, "Examples/digits")
        return [os.path.join(d, "digits.json"), "--calib", os.path.join(d, "calib.npy")]
    return [os.path.join(SHARED, "models/mlperf-tiny", model + ".tflite")]


def fixed_input(model, work):
    """The baselines' fixed input (MLPerf Tiny) or the first test image (digits), as a raw int8 file."""
    if model != "digits":
        return os.path.join(SHARED, "baselines/fixed-input", model + ".input.bin")
    path = os.path.join(work, "digits.input.npy")
    if not os.path.exists(path):
        import struct
        raw = open(os.path.join(ROOT, "Examples/digits/test_x.npy"), "rb").read()
        header_len = struct.unpack("<H", raw[8:10])[0]
        header = raw[10:10 + header_len].decode()
        assert "'<f4'" in header, header
        data = raw[10 + header_len:10 + header_len + 64 * 4]
        with open(path, "wb") as f:  # one float32 image [1, 8, 8, 1]
            hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 8, 1), }"
            hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
            f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + data)
    return path


def expected_output(model):
    """TFLite Micro's output for the input: the baselines' for MLPerf Tiny; for digits, row 0 of the
    digits_int8 goldens (TFLM on tinyc's own int8 graph, exported by netjson_to_tflite.py, first test image)."""
    if model == "digits":
        raw = open(os.path.join(ROOT, "Tests/Fixtures/tflite/goldens/digits_int8.tflm.npy"), "rb").read()
        header_len = int.from_bytes(raw[8:10], "little")
        assert "'|i1'" in raw[10:10 + header_len].decode()
        raw = raw[10 + header_len:10 + header_len + 10]
    else:
        raw = open(os.path.join(SHARED, "baselines/fixed-input", model + ".tflm-output.bin"), "rb").read()
    return [b - 256 if b > 127 else b for b in raw]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tinyc", default=os.path.join(ROOT, ".build/debug/tinyc"))
    ap.add_argument("--boards", default=",".join(BOARDS))
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    work = os.path.join(ROOT, "build/bench-boards")
    os.makedirs(work, exist_ok=True)
    print("| board | model | fits? | schedule, peak SRAM | instructions | firmware flash | output |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        for board in args.boards.split(","):
            out = os.path.join(work, board, model)
            c = run([args.tinyc, "compile"] + compile_args(model) + ["--board", board, "-o", out])
            if c.returncode != 0:
                reason = next((l for l in c.stdout.splitlines() if "error" in l), c.stdout.strip()[-300:])
                reason = reason.split(": ", 2)[-1]
                print(f"| {board} | {model} | no | {reason} | | | |")
                continue
            report = json.load(open(os.path.join(out, "report.json")))
            sched = report["schedule"]
            plan = "layer by layer" if sched["mode"] == "layer-by-layer" else f"patch {sched['split']}:{sched['grid'][0]}x{sched['grid'][1]}"
            low_bit = [l["name"] for l in report["layers"] if "int4" in l.get("precision", "") or "ternary" in l.get("precision", "")]
            if low_bit:
                plan += f", {len(low_bit)} low-bit layers (precision search under the flash budget)"
            r = run([args.tinyc, "run", out, "--input", fixed_input(model, work), "--json"])
            if r.returncode != 0:
                print(f"| {board} | {model} | yes | {plan} | run failed: {r.stdout.strip()[-200:]} | | |")
                continue
            o = json.loads(r.stdout.strip().splitlines()[-1])
            same = "identical to TFLM" if o["output"] == expected_output(model) else "differs from TFLM"
            print(f"| {board} | {model} | yes | {plan}, {report['peak_sram_bytes']:,} B | {o['instructions']:,} | {o['flash_bytes']:,} | {same} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
