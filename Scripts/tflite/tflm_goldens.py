#!/usr/bin/env python3
"""Golden outputs from TensorFlow Lite Micro's own interpreter (the bit-exact int8 oracle).

For the four MLPerf Tiny int8 models (../shared/models/mlperf-tiny/), every model in
Tests/Fixtures/tflite/ops/ and every whole-network model in Tests/Fixtures/tflite/models/ (made by
Scripts/patch/), writes to Tests/Fixtures/tflite/goldens/:
  <model>.inputs.npy  inputs [N, *input shape] (int8; float32 for float-I/O models)
  <model>.tflm.npy    TFLM's outputs [N, *output shape], exactly as TFLM gives them
  MANIFEST.json       tflite-micro version, model sha256, N, shapes, dtypes, quantization,
                      what each input is, and any input TFLM failed on (left out)

MLPerf inputs: 0 = the baselines' fixed input (byte i = ((i*7) & 0xFF) - 128, checked against
../shared/baselines/fixed-input/<model>.input.bin, and TFLM's output for it is asserted equal to
<model>.tflm-output.bin), 1 = all -128, 2 = all 127, then seeded uniform int8 over the full range.
Op models: seeded uniform int8 over the full range (float-I/O models: seeded uniform float32
in [-1.5, 1.5], a little wider than their calibration range, so saturation is exercised).
Whole-network models: 0 = a seeded smooth image-like field in [-1, 1] (smooth_field) quantized with
the input's scale and zero point, then seeded uniform int8 over the full range; or, when
models/<model>.inputs.npy exists (e.g. real images, written by netjson_to_tflite.py --samples), its rows.

Every input runs in a fresh TFLM interpreter, and every model in a subprocess of its own, so an
abort inside TFLM is caught, reported and that input left out. Output is deterministic.
Usage: python3 Scripts/tflite/tflm_goldens.py [--shared DIR] [--n-mlperf 10] [--n-ops 8] [--n-models 6]
                                              [--only NAME ...]
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OPS = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "ops")
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "goldens")
MLPERF = ["vww_96_int8", "pretrainedResnet_quant", "kws_ref_model", "ad01_int8"]
NP_DTYPE = {"INT8": np.int8, "FLOAT32": np.float32, "UINT8": np.uint8, "INT16": np.int16, "INT32": np.int32}


def default_shared():
    # the checkout's sibling shared/ (e.g. /work/main -> /work/shared)
    return os.path.join(os.path.dirname(ROOT), "shared")


# ---------------------------------------------------------------------------------------
# Worker: runs one model on a batch of inputs inside this (sub)process.

def worker(model_path, inputs_path, out_path):
    from tflite_micro.python.tflite_micro import runtime
    xs = np.load(inputs_path)
    outs, status = [], []
    with open(model_path, "rb") as f:
        buf = f.read()
    for i in range(xs.shape[0]):
        try:
            it = runtime.Interpreter.from_bytes(buf)  # fresh interpreter per input
            it.set_input(xs[i:i + 1].reshape(xs.shape[1:]), 0)
            it.invoke()
            y = np.array(it.get_output(0), copy=True)
            del it
            outs.append(y)
            status.append({"index": i, "ok": True})
        except Exception as e:  # TFLM reports Prepare/Invoke errors as RuntimeError
            status.append({"index": i, "ok": False, "error": "%s: %s" % (type(e).__name__, e)})
    np.save(out_path + ".npy", np.stack(outs) if outs else np.zeros((0,)))
    with open(out_path + ".json", "w") as f:
        json.dump(status, f)


def run_worker(model_path, xs, tmp, tag):
    inp = os.path.join(tmp, tag + ".in.npy")
    out = os.path.join(tmp, tag + ".out")
    np.save(inp, xs)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", model_path, inp, out],
                       capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(out + ".json"):
        return None, "worker exited with %d: %s" % (p.returncode, (p.stderr or p.stdout).strip()[-500:])
    with open(out + ".json") as f:
        status = json.load(f)
    return (np.load(out + ".npy"), status), None


def run_model(model_path, xs, tmp):
    """-> (outputs of the inputs that ran, kept indices, notes on the rest)."""
    res, err = run_worker(model_path, xs, tmp, "all")
    if res is not None:
        ys, status = res
        kept = [s["index"] for s in status if s["ok"]]
        notes = [{"index": s["index"], "error": s["error"]} for s in status if not s["ok"]]
        return ys, kept, notes
    # the process died (abort): run the inputs one by one to find the ones that kill TFLM
    ys, kept, notes = [], [], []
    for i in range(xs.shape[0]):
        r, e = run_worker(model_path, xs[i:i + 1], tmp, "one%d" % i)
        if r is not None and r[1][0]["ok"]:
            ys.append(r[0][0])
            kept.append(i)
        else:
            notes.append({"index": i, "error": e or r[1][0]["error"]})
    return (np.stack(ys) if ys else None), kept, notes


# ---------------------------------------------------------------------------------------

def io_details(buf):
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as sch
    types = {v: k for k, v in vars(sch.TensorType).items() if not k.startswith("_")}
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    g = m.subgraphs[0]

    def info(i):
        t = g.tensors[i]
        q = t.quantization
        d = {"shape": [int(s) for s in t.shape], "dtype": types[t.type].lower()}
        if q is not None and q.scale is not None and len(q.scale):
            d["scale"] = [float(s) for s in q.scale]
            d["zero_point"] = [int(z) for z in q.zeroPoint]
        return d
    ins, outs = [info(i) for i in g.inputs], [info(i) for i in g.outputs]
    ops = []
    for o in g.operators:
        oc = m.operatorCodes[o.opcodeIndex]
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        ops.append(next(k for k, v in vars(sch.BuiltinOperator).items() if v == code and not k.startswith("_")))
    return ins, outs, ops


def smooth_field(rng, shape):
    """A smooth, image-like float64 field [H, W, C] scaled so max |x| = 1: two octaves of seeded
    uniform noise on coarse grids, bilinearly upsampled (numpy only, deterministic). Also the
    synthetic image source of Scripts/patch/make_mobilenetv2.py."""
    h, w, c = shape

    def interp(n, g):  # [n, g] bilinear interpolation matrix from g grid points to n pixels
        pos = np.linspace(0.0, g - 1.0, n)
        lo = np.minimum(np.floor(pos).astype(int), g - 2)
        t = pos - lo
        a = np.zeros((n, g))
        a[np.arange(n), lo] = 1.0 - t
        a[np.arange(n), lo + 1] = t
        return a
    x = np.zeros((h, w, c))
    for g, amp in ((int(rng.integers(3, 8)), 1.0), (int(rng.integers(10, 24)), 0.35)):
        grid = rng.uniform(-1.0, 1.0, size=(g, g, c)) * amp
        x += np.einsum("hi,ijc,wj->hwc", interp(h, g), grid, interp(w, g))
    x -= x.mean()
    return x / np.abs(x).max()


def rng_for(name):
    return np.random.default_rng(zlib.crc32(("goldens:" + name).encode()))


def make_inputs(name, shape, dtype, n, fixed=None, smooth=None):
    """smooth = (scale, zero point) of the int8 input: row 0 is then a smooth image-like field in
    [-1, 1] (smooth_field), quantized with them."""
    rng = rng_for(name)
    kinds, xs = [], []
    if fixed is not None:
        xs += [fixed.reshape(shape), np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)]
        kinds += ["fixed (baselines/fixed-input)", "all -128", "all 127"]
    if smooth is not None:
        scale, zp = smooth
        f = smooth_field(rng, shape[-3:]).reshape(shape)
        xs.append(np.clip(np.round(f / scale) + zp, -128, 127).astype(np.int8))
        kinds.append("smooth image-like field in [-1, 1], quantized")
    while len(xs) < n:
        if dtype == np.float32:
            xs.append(rng.uniform(-1.5, 1.5, size=shape).astype(np.float32))
            kinds.append("uniform float32 [-1.5, 1.5]")
        else:
            info = np.iinfo(dtype)
            xs.append(rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype))
            kinds.append("uniform %s full range" % np.dtype(dtype).name)
    return np.stack(xs[:n]).astype(dtype), kinds[:n]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_manifest(path, manifest):
    """Pretty at the top level, one line per model (keeps the file small and diffable)."""
    lines = ["{"]
    for k in sorted(k for k in manifest if k != "models"):
        lines.append(" %s: %s," % (json.dumps(k), json.dumps(manifest[k])))
    lines.append(' "models": {')
    names = sorted(manifest["models"])
    for i, n in enumerate(names):
        lines.append("  %s: %s%s" % (json.dumps(n), json.dumps(manifest["models"][n], sort_keys=True),
                                     "," if i + 1 < len(names) else ""))
    lines.append(" }")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--shared", default=default_shared(), help="the shared/ folder (default: beside the checkout)")
    ap.add_argument("--n-mlperf", type=int, default=10)
    ap.add_argument("--n-ops", type=int, default=8)
    ap.add_argument("--n-models", type=int, default=6)
    ap.add_argument("--only", nargs="*", help="only these models (MANIFEST.json then keeps the other entries)")
    args = ap.parse_args()
    if args.worker:
        return worker(*args.worker)

    os.makedirs(OUT, exist_ok=True)
    models = [(m, os.path.join(args.shared, "models", "mlperf-tiny", m + ".tflite"), "mlperf") for m in MLPERF]
    models += [(f[:-7], os.path.join(OPS, f), "op") for f in sorted(os.listdir(OPS)) if f.endswith(".tflite")]
    if os.path.isdir(MODELS):
        models += [(f[:-7], os.path.join(MODELS, f), "model") for f in sorted(os.listdir(MODELS))
                   if f.endswith(".tflite")]
    names = [m[0] for m in models]
    assert len(set(names)) == len(names), "model names must be unique across mlperf, ops/ and models/"
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        ap.error("--only: no such model(s): %s" % ", ".join(unknown))
    man_path = os.path.join(OUT, "MANIFEST.json")
    manifest = {"models": {}}
    if args.only and os.path.exists(man_path):
        with open(man_path) as f:
            manifest = json.load(f)
    ver = importlib.metadata.version("tflite-micro")
    try:
        from tflite_micro.python.tflite_micro import _version
        full_ver = _version.__version__
    except Exception:
        full_ver = ver
    manifest.update({
        "generator": "Scripts/tflite/tflm_goldens.py",
        "tflite_micro_version": ver,
        "tflite_micro_build": full_ver,
        "numpy_version": np.__version__,
        "note": "inputs and outputs as <model>.inputs.npy / <model>.tflm.npy, one row per kept input; "
                "every input run in a fresh interpreter (reference kernels of the tflite-micro wheel)",
    })
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, kind in models:
            is_mlperf = kind == "mlperf"
            if args.only and name not in args.only:
                continue
            with open(path, "rb") as f:
                buf = f.read()
            ins, outs, ops = io_details(buf)
            assert len(ins) == 1 and len(outs) == 1, "%s: %d inputs, %d outputs" % (name, len(ins), len(outs))
            shape, dtype = ins[0]["shape"], NP_DTYPE[ins[0]["dtype"].upper()]
            fixed = None
            if is_mlperf:
                fx = os.path.join(args.shared, "baselines", "fixed-input", name + ".input.bin")
                fixed = np.fromfile(fx, dtype=np.int8)
                gen = (((np.arange(fixed.size) * 7) & 0xFF) - 128).astype(np.int8)
                assert np.array_equal(fixed, gen), "%s: fixed input differs from ((i*7)&0xFF)-128" % fx
            n = {"mlperf": args.n_mlperf, "op": args.n_ops, "model": args.n_models}[kind]
            smooth = None
            if kind == "model":
                assert dtype == np.int8 and len(shape) == 4 and len(ins[0]["scale"]) == 1, \
                    "%s: expected one per-tensor int8 NHWC input" % name
                smooth = (ins[0]["scale"][0], ins[0]["zero_point"][0])
            sidecar = os.path.join(MODELS, name + ".inputs.npy")
            if kind == "model" and os.path.exists(sidecar):
                xs = np.load(sidecar)
                assert xs.dtype == dtype and list(xs.shape[1:]) == list(shape), \
                    "%s: %s is %s %s, the input is %s %s" % (name, sidecar, xs.dtype, xs.shape[1:], dtype, shape)
                n, kinds = len(xs), ["row %d of models/%s.inputs.npy" % (i, name) for i in range(len(xs))]
            else:
                xs, kinds = make_inputs(name, shape, dtype, n, fixed, smooth)
            ys, kept, notes = run_model(path, xs, tmp)
            if is_mlperf:
                want = np.fromfile(os.path.join(args.shared, "baselines", "fixed-input", name + ".tflm-output.bin"),
                                   dtype=np.int8)
                assert 0 in kept, "%s: TFLM failed on the fixed input: %s" % (name, notes)
                got = ys[kept.index(0)]
                assert got.dtype == np.int8 and np.array_equal(got.reshape(-1), want), \
                    "%s: TFLM output for the fixed input %s != baseline %s" % (name, got.reshape(-1), want)
            for nt in notes:
                print("  %s: input %d left out: %s" % (name, nt["index"], nt["error"]), file=sys.stderr)
                failures.append((name, nt))
            entry = {
                "model": os.path.relpath(path, ROOT) if not is_mlperf else
                "../shared/models/mlperf-tiny/%s.tflite" % name,
                "sha256": hashlib.sha256(buf).hexdigest(),
                "ops": ops,
                "input": ins[0], "output": outs[0],
                "n": len(kept), "n_requested": n,
                "inputs_file": name + ".inputs.npy", "outputs_file": name + ".tflm.npy",
                "inputs": [kinds[i] for i in kept],
            }
            if notes:
                entry["left_out"] = [{"index": nt["index"], "kind": kinds[nt["index"]], "error": nt["error"]}
                                     for nt in notes]
            if kept:
                np.save(os.path.join(OUT, name + ".inputs.npy"), np.ascontiguousarray(xs[kept]))
                np.save(os.path.join(OUT, name + ".tflm.npy"), np.ascontiguousarray(ys))
                entry["inputs_sha256"] = sha256(os.path.join(OUT, name + ".inputs.npy"))
                entry["outputs_sha256"] = sha256(os.path.join(OUT, name + ".tflm.npy"))
                entry["output_dtype"] = str(ys.dtype)
                entry["output_array_shape"] = list(ys.shape)
            manifest["models"][name] = entry
            print("%-34s %2d/%d inputs  out %s %s%s" % (name, len(kept), n, ys.dtype if kept else "-",
                                                      list(ys.shape) if kept else "-",
                                                      "  (fixed input == baseline)" if is_mlperf else ""),
                  flush=True)
    if not args.only:
        # remove goldens of op models that no longer exist; other oracles' files (e.g. <model>.tf-float.npy
        # of Scripts/tflite/float_goldens.py) and the inputs they use are left alone
        known = set(manifest["models"])
        files = set(os.listdir(OUT))
        for f in sorted(files):
            base = f.split(".")[0]
            if base in known:
                continue
            others = [g for g in files if g.startswith(base + ".") and g.endswith(".npy")
                      and g not in (base + ".tflm.npy", base + ".inputs.npy")]
            if f == base + ".tflm.npy" or (f == base + ".inputs.npy" and not others):
                os.remove(os.path.join(OUT, f))
                print("removed stale", f)
    write_manifest(man_path, manifest)
    if failures:
        print("%d input(s) left out, see MANIFEST.json left_out" % len(failures))
    print("goldens for %d models in %s" % (len(manifest["models"]), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    sys.exit(main())
