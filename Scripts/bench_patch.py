#!/usr/bin/env python3
"""Benchmark: patch-based inference under --sram budgets, on mps2-an386 under QEMU.

Usage: Scripts/bench_patch.py [--tinyc PATH] [--json OUT.json]

For each (model, budget) below: `tinyc compile <model> --sram <budget>` (report.json: the chosen
schedule, peak SRAM = arena + scratch with the input read in place, the layer-by-layer peak, MACs
executed), then `tinyc run --check` on one golden input (exact instructions per inference from the
QEMU plugin; the output must equal TFLite Micro's golden output and the Swift reference). Then the
smallest --sram any plan reaches: `tinyc compile --sram 1` fails and names it, and compiling at
exactly that budget must succeed.

Standard library only; needs tinyc built (swift build) and Scripts/setup.sh's tools.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
GOLDENS = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "goldens")
MODELS = {
    "vww_96_int8": os.path.join(SHARED, "models", "mlperf-tiny", "vww_96_int8.tflite"),
    "mobilenetv2_035_144": os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models", "mobilenetv2_035_144.tflite"),
}
# (model, --sram); None = no budget (layer by layer)
RUNS = [("vww_96_int8", None), ("vww_96_int8", "32k"), ("mobilenetv2_035_144", None), ("mobilenetv2_035_144", "64k")]


def run(cmd, check=True):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and result.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{result.stdout[-3000:]}")
    return result


def npy_rows(path):
    """The rows of an int8 .npy file [N, ...] as bytes (numpy's format 1.0/2.0 header, C order)."""
    with open(path, "rb") as f:
        data = f.read()
    major = data[6]
    header_len = struct.unpack("<H", data[8:10])[0] if major == 1 else struct.unpack("<I", data[8:12])[0]
    start = (10 if major == 1 else 12) + header_len
    header = data[start - header_len:start].decode("latin1")
    shape = tuple(int(x) for x in re.search(r"\(([^)]*)\)", header).group(1).split(",") if x.strip())
    assert "'|i1'" in header and "'fortran_order': False" in header, header
    row = 1
    for d in shape[1:]:
        row *= d
    return [data[start + i * row:start + (i + 1) * row] for i in range(shape[0])]


def bench(tinyc, model, sram, work):
    out = os.path.join(work, f"{model}-{sram or 'none'}")
    cmd = [tinyc, "compile", MODELS[model], "-o", out] + (["--sram", sram] if sram else [])
    run(cmd)
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    inputs = npy_rows(os.path.join(GOLDENS, f"{model}.inputs.npy"))
    expected = npy_rows(os.path.join(GOLDENS, f"{model}.tflm.npy"))
    input_path = os.path.join(work, f"{model}.input.bin")
    with open(input_path, "wb") as f:
        f.write(inputs[0])
    result = json.loads(run([tinyc, "run", out, "--input", input_path, "--check", "--json", "--timeout", "600"]).stdout)
    got = bytes((v & 0xFF) for v in result["outputs"][0]) if "outputs" in result else None
    s = report["schedule"]
    return {
        "model": model, "sram": sram, "mode": s["mode"],
        "plan": f"{s['split']}:{s['grid'][0]}x{s['grid'][1]}" if s["mode"] == "patch" else "layer-by-layer",
        "peak_sram_bytes": report["peak_sram_bytes"], "layer_based_peak_bytes": s["layer_based_peak_bytes"],
        "input_bytes": report["input_bytes"], "macs": report["macs"], "executed_macs": report["executed_macs"],
        "mac_overhead_percent": round(s["mac_overhead_percent"], 2),
        "instructions": result.get("instructions"),
        "matches_tflm": got == expected[0] if got is not None else None,
    }


def minimum_sram(tinyc, model, work):
    r = run([tinyc, "compile", MODELS[model], "--sram", "1", "-o", os.path.join(work, "min")], check=False)
    m = re.search(r"smallest peak any plan reaches is (\d+) bytes, with the (.*)$", r.stdout.strip(), re.M)
    if not m:
        sys.exit(f"bench: no minimum in: {r.stdout[-1000:]}")
    peak = int(m.group(1))
    run([tinyc, "compile", MODELS[model], "--sram", str(peak), "-o", os.path.join(work, "min")])  # must fit
    below = run([tinyc, "compile", MODELS[model], "--sram", str(peak - 1), "-o", os.path.join(work, "min")], check=False)
    assert below.returncode != 0, "compiled below the reported minimum"
    return {"model": model, "min_sram_bytes": peak, "plan": m.group(2).rstrip(")").split("--patch ")[-1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tinyc", default=os.path.join(ROOT, ".build", "debug", "tinyc"))
    parser.add_argument("--json", help="also write the numbers as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tinyc-bench-patch-") as work:
        rows = [bench(args.tinyc, m, s, work) for m, s in RUNS]
        minima = [minimum_sram(args.tinyc, m, work) for m in MODELS]
    print(f"{'model':22} {'--sram':>7} {'plan':>15} {'peak SRAM':>10} {'layer peak':>10} {'less':>5} "
          f"{'MACs +%':>8} {'instructions':>13} {'= TFLM':>6}")
    for r in rows:
        print(f"{r['model']:22} {r['sram'] or '-':>7} {r['plan']:>15} {r['peak_sram_bytes']:>10} "
              f"{r['layer_based_peak_bytes']:>10} {r['layer_based_peak_bytes'] / r['peak_sram_bytes']:>4.1f}x "
              f"{r['mac_overhead_percent']:>7.1f}% {r['instructions'] or '-':>13} {'yes' if r['matches_tflm'] else 'NO':>6}")
    print()
    for m in minima:
        print(f"{m['model']}: the lowest --sram that compiles is {m['min_sram_bytes']} bytes (--patch {m['plan']}); "
              f"one byte less fails")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": rows, "minimum": minima}, f, indent=1)
    if not all(r["matches_tflm"] for r in rows):
        sys.exit("bench: an output differs from TFLM")


if __name__ == "__main__":
    main()
