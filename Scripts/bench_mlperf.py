#!/usr/bin/env python3
"""Benchmark: the four MLPerf Tiny int8 models compiled by tinyc and run on mps2-an386 under QEMU,
printed beside TFLite Micro's figures from ../shared/baselines/tflm-cortex-m4.json.

Usage: Scripts/bench_mlperf.py [--tinyc PATH] [--models vww_96_int8,...] [--json OUT.json] [--per-layer]

For each model: `tinyc compile <model>.tflite -o build/bench/<model>` (report.json: peak SRAM =
arena + scratch, weight bytes), then `tinyc run build/bench/<model> --input <fixed input> --json`
(exact instructions per inference counted by the QEMU plugin, output bytes, firmware size). Flash is
split with the linker map: weights (the model's _weights.o), model code (the model's .o and the
Runtime-C kernels it links), and the whole firmware without the embedded test input. The fixed input
is the baselines' one, so the output is also checked against TFLM's output for it. The ratio column
is tinyc's instructions over TFLM+CMSIS-NN's (below 1: tinyc executes fewer). --per-layer also runs
`tinyc run --profile` and prints each layer's instructions beside TFLM+CMSIS-NN's
(../shared/baselines/tflm-cmsis-nn-per-layer.json).

Standard library only; needs tinyc built (swift build) and Scripts/setup.sh's tools.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
MODELS = ["vww_96_int8", "pretrainedResnet_quant", "kws_ref_model", "ad01_int8"]
# TFLM with only int8 kernels registered ("leaner build", tflm-cortex-m4.md): TFLM + CMSIS-NN code bytes,
# and the whole firmware's .text.
TFLM_LEAN_CODE = {"vww_96_int8": 45429, "pretrainedResnet_quant": 43135, "kws_ref_model": 45429, "ad01_int8": 22523}
TFLM_LEAN_FIRMWARE = {"vww_96_int8": 387244, "pretrainedResnet_quant": 150256, "kws_ref_model": 107860,
                      "ad01_int8": 305668}

# A map-file line giving an input section's address, size and object: "<addr> <size> <path>.o".
SECTION = re.compile(r"^\s*(?:(\.\S+)\s+)?0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$")


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{result.stdout[-3000:]}")
    return result.stdout


def flash_by_object(map_path):
    """Bytes placed in flash (.text, .rodata, .data initialisers) per object file, from the GNU ld map."""
    sizes = {}
    section = None
    in_memory_map = False
    with open(map_path) as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_memory_map = True
                continue
            if not in_memory_map:
                continue
            top = re.match(r"^(\.\S+)", line)
            if top:
                section = top.group(1)
            m = SECTION.match(line)
            if not m or section not in (".text", ".rodata", ".data") or int(m.group(2), 16) == 0:
                continue
            size = int(m.group(3), 16)
            sizes[m.group(4)] = sizes.get(m.group(4), 0) + size
    return sizes


def per_layer(tinyc, out, fixed, model):
    """`tinyc run --profile` beside TFLM+CMSIS-NN's per-layer counts (matched by position when the
    op lists have the same length, as they do for the MLPerf models run layer by layer)."""
    result = json.loads(run([tinyc, "run", out, "--input", fixed, "--json", "--profile"]).strip().splitlines()[-1])
    with open(os.path.join(SHARED, "baselines", "tflm-cmsis-nn-per-layer.json")) as f:
        tflm = json.load(f)[model]["ops"]
    ours = result["profile"]
    print(f"\n{model}: per layer (tinyc run --profile; TFLM+CMSIS-NN from tflm-cmsis-nn-per-layer.json)")
    print("| # | layer | op | MACs | tinyc instr | instr/MAC | TFLM op | TFLM instr | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    same = len(ours) == len(tflm)
    for i, l in enumerate(ours):
        per_mac = f"{l['instructions'] / l['macs']:.2f}" if l["macs"] else "-"
        t = tflm[i] if same else None
        ratio = f"{l['instructions'] / t['insns']:.2f}" if t and t["insns"] else "-"
        print(f"| {i} | {l['name']} | {l['op']} | {l['macs']:,} | {l['instructions']:,} | {per_mac} | "
              f"{t['op'] if t else '-'} | {t['insns'] if t else '-':,} | {ratio} |")


def bench(tinyc, model, layers=False):
    tflite = os.path.join(SHARED, "models", "mlperf-tiny", f"{model}.tflite")
    out = os.path.join(ROOT, "build", "bench", model)
    fixed = os.path.join(SHARED, "baselines", "fixed-input", f"{model}.input.bin")
    run([tinyc, "compile", tflite, "--target", "cortex-m4", "-o", out])
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    result = json.loads(run([tinyc, "run", out, "--input", fixed, "--json"]).strip().splitlines()[-1])
    with open(os.path.join(SHARED, "baselines", "fixed-input", f"{model}.tflm-output.bin"), "rb") as f:
        expected = [b - 256 if b > 127 else b for b in f.read()]
    if layers:
        per_layer(tinyc, out, fixed, model)
    sizes = flash_by_object(os.path.join(out, "build", "mps2-an386", "firmware.map"))
    weights = sum(v for k, v in sizes.items() if k.endswith("_weights.o"))
    run_data = sum(v for k, v in sizes.items() if k.endswith("tinyc_run_data.o"))
    # The model's own objects and its runtime kernels; not the board's runner/startup (under Boards/).
    code = sum(v for k, v in sizes.items()
               if k.startswith(out) and "/Boards/" not in k
               and not k.endswith("_weights.o") and not k.endswith("tinyc_run_data.o"))
    return {
        "model": model,
        "peak_sram_bytes": report["peak_sram_bytes"],
        "arena_lower_bound_bytes": report["arena_lower_bound_bytes"],
        "macs": report["macs"],
        "instructions": result["instructions"],
        "weights_flash_bytes": weights,
        "model_code_flash_bytes": code,
        "firmware_flash_bytes_without_input": result["flash_bytes"] - run_data,
        "output_matches_tflm": result["output"] == expected,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tinyc", default=os.path.join(ROOT, ".build", "debug", "tinyc"))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--json", help="also write the numbers as JSON here")
    parser.add_argument("--per-layer", action="store_true", help="also print instructions per layer beside TFLM's")
    args = parser.parse_args()
    with open(os.path.join(SHARED, "baselines", "tflm-cortex-m4.json")) as f:
        baselines = json.load(f)

    rows = [bench(args.tinyc, m, args.per_layer) for m in args.models.split(",")]
    print()
    print("| model | MACs | tinyc instr | instr/MAC | TFLM+CMSIS-NN instr | ratio | TFLM ref instr | tinyc peak SRAM | TFLM arena | "
          "tinyc weights + code flash | TFLM flatbuffer + lean code | tinyc firmware (no input) | TFLM lean firmware .text | "
          "TFLM output |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        b = baselines[r["model"]]
        cmsis, ref = b["cmsis_nn"], b["reference_kernels"]
        flatbuffer = cmsis["flash_breakdown"]["model_flatbuffer"]
        r["ratio_to_tflm_cmsis_nn"] = r["instructions"] / cmsis["invoke_instructions"]
        print(f"| {r['model']} | {r['macs']:,} | {r['instructions']:,} | {r['instructions'] / r['macs']:.2f} | "
              f"{cmsis['invoke_instructions']:,} | **{r['ratio_to_tflm_cmsis_nn']:.2f}x** | "
              f"{ref['invoke_instructions']:,} | {r['peak_sram_bytes']:,} | {cmsis['arena_used_bytes']:,} | "
              f"{r['weights_flash_bytes']:,} + {r['model_code_flash_bytes']:,} | "
              f"{flatbuffer:,} + {TFLM_LEAN_CODE[r['model']]:,} | {r['firmware_flash_bytes_without_input']:,} | "
              f"{TFLM_LEAN_FIRMWARE[r['model']]:,} | {'identical' if r['output_matches_tflm'] else 'DIFFERENT'} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if not all(r["output_matches_tflm"] for r in rows):
        sys.exit("bench: an output differs from TFLM's for the fixed input")


if __name__ == "__main__":
    main()
