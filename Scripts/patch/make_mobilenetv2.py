#!/usr/bin/env python3
"""Build a MobileNetV2-style int8 TFLite test model for patch-based inference (issue 4).

Keras MobileNetV2(alpha=0.35, input 144x144x3, weights=None, classes=10, include_top=True),
random weights from fixed seeds, made numerically non-degenerate without any real data:

  1. BatchNorm: gamma ~ U(0.5, 1.5), beta ~ U(-0.25, 0.75) per channel (seeded); then, layer by
     layer in graph order, each BN's moving mean/variance are set to the per-channel mean/variance
     of its input over BN_BATCH seeded synthetic images, computed with all earlier BNs already
     set. Every BN output is then ~ beta + gamma * N(0, 1), so the int8 activations use their range.
  2. Classifier head: the random Dense kernel is rescaled per class and its bias set so that each
     logit has mean 0 and standard deviation HEAD_STD over the same images; the softmax output
     then depends on the input instead of being fixed by the random weights.

No training. Converted with the TFLite converter to full-integer int8 (Optimize.DEFAULT,
TFLITE_BUILTINS_INT8, int8 input and output), representative dataset = CALIB_SAMPLES seeded
smooth random fields in [-1, 1] (smooth_field from Scripts/tflite/tflm_goldens.py). Writes
Tests/Fixtures/tflite/models/mobilenetv2_035_144.tflite and models/README.md (ops, MACs, shapes).
Deterministic: re-running gives a byte-identical .tflite (checked with sha256).

Usage: python3 Scripts/patch/make_mobilenetv2.py [--out DIR] [--no-readme]
"""
import argparse
import collections
import hashlib
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.lite.python import schema_py_generated as sch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Scripts", "tflite"))
from tflm_goldens import smooth_field  # noqa: E402

NAME = "mobilenetv2_035_144"
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models")
SHAPE = (144, 144, 3)
SEED = 20240404
BN_BATCH = 32
CALIB_SAMPLES = 64
HEAD_STD = 1.5


def images(tag, n):
    rng = np.random.default_rng(zlib.crc32(("%s:%s" % (NAME, tag)).encode()))
    return np.stack([smooth_field(rng, SHAPE) for _ in range(n)]).astype(np.float32)


def build():
    keras.utils.set_random_seed(SEED)
    model = keras.applications.MobileNetV2(alpha=0.35, input_shape=SHAPE, weights=None, classes=10,
                                           include_top=True)
    rng = np.random.default_rng(SEED)
    x = images("bn", BN_BATCH)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            sub = keras.Model(model.inputs, layer.input)
            a = np.asarray(sub(x, training=False), np.float64)
            c = a.shape[-1]
            layer.set_weights([rng.uniform(0.5, 1.5, c).astype(np.float32),      # gamma
                               rng.uniform(-0.25, 0.75, c).astype(np.float32),   # beta
                               a.mean(axis=(0, 1, 2)).astype(np.float32),        # moving mean
                               a.var(axis=(0, 1, 2)).astype(np.float32)])        # moving variance
    dense = model.layers[-1]
    assert isinstance(dense, keras.layers.Dense)
    feats = np.asarray(keras.Model(model.inputs, dense.input)(x, training=False), np.float64)
    k, _ = dense.get_weights()
    logits = feats @ k.astype(np.float64)
    k = k * (HEAD_STD / logits.std(axis=0))
    dense.set_weights([k.astype(np.float32), (-(feats @ k).mean(axis=0)).astype(np.float32)])
    return model


def convert(model):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    calib = images("calib", CALIB_SAMPLES)
    conv.representative_dataset = lambda: ([calib[i:i + 1]] for i in range(CALIB_SAMPLES))
    return conv.convert()


# ---------------------------------------------------------------------------------------
# Description for the README (parsed from the flatbuffer)

def _names(cls):
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def describe(buf):
    opnames, acts, pads = _names(sch.BuiltinOperator), _names(sch.ActivationFunctionType), _names(sch.Padding)
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    g = m.subgraphs[0]
    shape = lambda i: [int(d) for d in g.tensors[i].shape]  # noqa: E731
    rows, macs, per = [], 0, collections.Counter()
    for o in g.operators:
        oc = m.operatorCodes[o.opcodeIndex]
        name = opnames[max(oc.builtinCode, oc.deprecatedBuiltinCode)]
        opt = o.builtinOptions
        ins = [shape(i) for i in o.inputs if i >= 0]
        out = shape(o.outputs[0])
        n = 0
        detail = ""
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            f = ins[1]
            n = int(np.prod(out)) * f[1] * f[2] * (f[3] if name == "CONV_2D" else 1)
            detail = "%dx%d s%d %s %s" % (f[1], f[2], opt.strideH, pads[opt.padding], acts[opt.fusedActivationFunction])
        elif name == "FULLY_CONNECTED":
            n = ins[1][0] * ins[1][1]
            detail = acts[opt.fusedActivationFunction]
        elif name == "PAD":
            p = np.frombuffer(bytes(m.buffers[g.tensors[o.inputs[1]].buffer].data), np.int32).reshape(-1, 2)
            detail = "paddings %s" % p.tolist()
        elif name == "ADD":
            detail = acts[opt.fusedActivationFunction]
        macs += n
        per[name] += n
        rows.append((name, ins, out, detail, n))
    data = sum(len(b.data) for b in m.buffers if b.data is not None)
    nq = sum(len(t.quantization.scale) for t in g.tensors
             if t.quantization is not None and t.quantization.scale is not None)
    return rows, macs, per, (data, nq)


def readme(buf, rows, macs, per, sizes):
    counts = collections.Counter(r[0] for r in rows)
    sha = hashlib.sha256(buf).hexdigest()
    lines = [
        "# Tests/Fixtures/tflite/models: whole-network int8 test models",
        "",
        "Generated by `Scripts/patch/make_mobilenetv2.py` (do not edit by hand; re-run the script). "
        "TFLite Micro goldens: `Scripts/tflite/tflm_goldens.py` (`goldens/<model>.inputs.npy`, `.tflm.npy`).",
        "",
        "## mobilenetv2_035_144.tflite",
        "",
        "A MobileNetV2-style int8 model for patch-based inference (issue 4): Keras "
        "`MobileNetV2(alpha=0.35, input_shape=(144, 144, 3), weights=None, classes=10, include_top=True)` "
        "with seeded random weights (`keras.utils.set_random_seed(%d)`). It is not trained and recognises "
        "nothing; it is made numerically non-degenerate instead:" % SEED,
        "",
        "- BatchNorm: gamma ~ U(0.5, 1.5), beta ~ U(-0.25, 0.75) (seeded); moving mean/variance set layer by "
        "layer, in graph order, to the per-channel mean/variance of the BN's input over %d seeded synthetic "
        "images (earlier BNs already set), so every BN output is about beta + gamma * N(0, 1)." % BN_BATCH,
        "- Head: the random Dense kernel rescaled per class and its bias set so each logit has mean 0 and "
        "standard deviation %.1f over those images, so the softmax output depends on the input." % HEAD_STD,
        "- Synthetic images: `smooth_field` in `Scripts/tflite/tflm_goldens.py` (two octaves of seeded uniform "
        "noise on coarse grids, bilinearly upsampled, scaled to max |x| = 1).",
        "- Conversion: TFLite converter (TF %s), full-integer int8 (`Optimize.DEFAULT`, `TFLITE_BUILTINS_INT8`, "
        "int8 input and output), representative dataset = %d seeded smooth fields in [-1, 1]." % (tf.__version__, CALIB_SAMPLES),
        "",
        "%d bytes, sha256 `%s`. Re-running the script gives a byte-identical file (on this machine; the "
        "converter's calibration runs float kernels, so another CPU or TF version may change the last bits "
        "of a scale: the committed file is the source of truth for the goldens). Of that, %s bytes are constant "
        "data (int8 weights, int32 biases) and about %s are quantization parameters (%d channels, each with a "
        "float32 scale and an int64 zero point in the flatbuffer: per-channel weights and biases)."
        % (len(buf), sha, format(sizes[0], ","), format(12 * sizes[1], ","), sizes[1]),
        "",
        "Input `[1, 144, 144, 3]` int8, output `[1, 10]` int8 (softmax). %d operators, %s MACs "
        "(CONV_2D + DEPTHWISE_CONV_2D + FULLY_CONNECTED):" % (len(rows), format(macs, ",")),
        "",
        "| op | count | MACs |",
        "|---|---:|---:|",
    ]
    for op, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append("| %s | %d | %s |" % (op, c, format(per[op], ",") if per[op] else "-"))
    if counts["PAD"]:
        pad_note = ("Keras's `ZeroPadding2D` (`((0, 1), (0, 1))`) before each stride-2 depthwise conv stays an "
                    "explicit `PAD` followed by a VALID `DEPTHWISE_CONV_2D`.")
    else:
        pad_note = ("There is no `PAD`: Keras's `ZeroPadding2D` (`correct_pad`) before each of the 4 stride-2 "
                    "depthwise convs is folded by the converter into the `DEPTHWISE_CONV_2D`, which becomes SAME. "
                    "The zeros are the same: `correct_pad` pads `((0, 1), (0, 1))` on the even sizes 72, 36, 18 "
                    "and `((1, 1), (1, 1))` on 9, which is what TF's SAME pads there (0/1 before/after on an even "
                    "size, 1/1 on an odd one, for a 3x3 stride-2 window).")
    lines += [
        "",
        pad_note + " Operators run in this order; the first 15:",
        "",
        "| # | op | inputs | output | details | MACs |",
        "|---:|---|---|---|---|---:|",
    ]
    for i, (op, ins, out, detail, n) in enumerate(rows[:15]):
        lines.append("| %d | %s | %s | %s | %s | %s |" % (i, op, " ".join(str(s).replace(" ", "") for s in ins),
                                                         str(out).replace(" ", ""), detail,
                                                         format(n, ",") if n else "-"))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT, help="output folder (default: Tests/Fixtures/tflite/models)")
    ap.add_argument("--no-readme", action="store_true", help="write only the .tflite")
    args = ap.parse_args()
    buf = convert(build())
    rows, macs, per, sizes = describe(buf)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, NAME + ".tflite")
    with open(path, "wb") as f:
        f.write(buf)
    if not args.no_readme:
        with open(os.path.join(args.out, "README.md"), "w") as f:
            f.write(readme(buf, rows, macs, per, sizes))
    counts = collections.Counter(r[0] for r in rows)
    print("%s: %d bytes, sha256 %s" % (os.path.relpath(path, ROOT), len(buf), hashlib.sha256(buf).hexdigest()))
    print("ops: %s; MACs %s" % (dict(sorted(counts.items())), format(macs, ",")))


if __name__ == "__main__":
    sys.exit(main())
