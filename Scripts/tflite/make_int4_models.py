#!/usr/bin/env python3
"""Build int4-weight .tflite fixtures for tinyc's TFLite importer (tensor type INT4 = 17).

The TFLite converter does not write int4 weights from a Keras model, so each model is made in two
steps:

  1. A small Keras model with seeded random weights (and seeded random biases) is converted to
     full-integer int8 exactly as make_op_models.py / make_error_models.py do (Optimize.DEFAULT,
     TFLITE_BUILTINS_INT8, int8 input and output), calibrated on CALIB_SAMPLES seeded smooth
     image-like fields in [-1, 1] (smooth_field of tflm_goldens.py).
  2. The int8 flatbuffer is loaded with TensorFlow's flatbuffer object API (ModelT) and the weight
     tensor (input 1) of every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED is rewritten to int4:
       w_real[i]  = s8[c] * w8[i]                       (the int8 weights, dequantized)
       s4[c]      = max_i |w_real[i]| / 7               (per output channel c; quantized_dimension kept)
       q[i]       = clamp(round_half_even(w_real[i] / s4[c]), -8, 7)
     zero points stay 0; type INT4 (17); the buffer holds the packed nibbles in TFLite's order
     (element 2i in the low nibble of byte i, element 2i+1 in the high nibble; an odd count leaves
     the last high nibble 0). The int32 bias (input 2) is requantized to TFLite's bias scale
     s_in * s4[c]: b4[c] = round_half_even(b8[c] * s_in * s8[c] / (s_in * s4[c])), and its
     quantization scales are set to s_in * s4[c]. Serialized with the flatbuffers Builder (file
     identifier "TFL3"; buffer data aligned to 16 bytes, as the converter does).
     Two deliberate variations:
       - FULLY_CONNECTED gets ONE int4 scale for the whole tensor (s4 = max |w_real| / 7 over all
         of it, quantized_dimension 0), because TFLM rejects a per-channel INT4 filter there (below).
       - int4_flatten uses the full-range rule s4[c] = max(max_i w_real / 7, -min_i w_real / 8), so
         weights of -8 (nibble 0x8) occur; with max|w| / 7 (int4_small) q stays in -7..7.

What TensorFlow Lite Micro supports (the tflite-micro wheel of requirements.txt, reference kernels,
checked by running it; tflite-micro sources read for the why):
  - CONV_2D and DEPTHWISE_CONV_2D: int8 input/output with an INT4 filter, per-channel scales. Eval
    unpacks the filter into an int8 scratch buffer requested in Prepare
    (tensor_utils::UnpackDenseInt4IntoInt8, low nibble first) and runs the int8 per-channel kernel.
  - FULLY_CONNECTED: INT4 filter only with per-tensor quantization. With per-channel scales Prepare
    fails: fully_connected_common.cc "(input->type == kTfLiteInt8 && filter->type != kTfLiteInt4)
    ... was not true", "Node FULLY_CONNECTED failed to prepare" (the per-channel path is int8 only).
    With one scale it unpacks like conv and runs the int8 kernel.
So every weight layer of these models is int4. The script runs each model through TFLM once and
fails if TFLM rejects it.

Models (Tests/Fixtures/tflite/models/<name>.tflite, described in models/INT4.md):
  int4_small   12x12x3 -> CONV_2D 3x3 (5, RELU) -> DEPTHWISE_CONV_2D 3x3 (RELU6) -> CONV_2D 1x1 (7)
               -> MEAN (global pool) -> FULLY_CONNECTED (10) -> SOFTMAX
  int4_flatten 9x9x3 -> CONV_2D 3x3 s2 (5, RELU6) -> DEPTHWISE_CONV_2D 3x3 x2 (RELU) -> CONV_2D 1x1 (3)
               -> RESHAPE (flatten) -> FULLY_CONNECTED (11), no softmax: the logits themselves,
               so an off-by-one anywhere shows in the output
Odd row lengths (conv 3x3x3: 27, conv 1x1: 5, fully connected: 7 and 75 weights; depthwise over 5
channels) make rows and taps start in the middle of a byte.

Error fixture (Tests/Fixtures/tflite/errors/int4_bad_buffer.tflite): int4_small with the first
CONV_2D's INT4 weight buffer one byte short; the importer must reject it with a clear message.

Goldens: Scripts/tflite/tflm_goldens.py picks up every models/*.tflite, so after this script run
  python3 Scripts/tflite/tflm_goldens.py --only int4_small int4_flatten

Deterministic: re-running gives byte-identical files (on this machine; the converter's calibration
runs float kernels, so the committed .tflite files are the source of truth for the goldens).
Usage: python3 Scripts/tflite/make_int4_models.py [--only NAME ...] [--no-check]
"""
import argparse
import hashlib
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import flatbuffers  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.lite.python import schema_py_generated as sch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Scripts", "tflite"))
from tflm_goldens import smooth_field  # noqa: E402

MODELS_DIR = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models")
ERRORS_DIR = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "errors")
CALIB_SAMPLES = 64
HEAD_STD = 1.5
INT4 = sch.TensorType.INT4  # 17
WEIGHT_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def _names(cls):
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


OPNAMES = _names(sch.BuiltinOperator)
TYPENAMES = _names(sch.TensorType)
ACTNAMES = _names(sch.ActivationFunctionType)


def images(name, tag, shape, n):
    rng = np.random.default_rng(zlib.crc32(("%s:%s" % (name, tag)).encode()))
    return np.stack([smooth_field(rng, shape) for _ in range(n)]).astype(np.float32)


# ---------------------------------------------------------------------------------------
# Keras models (seeded)

def seed_biases(model, name):
    """Keras initialises biases to 0; give every bias seeded values so the bias path is tested."""
    rng = np.random.default_rng(zlib.crc32(("%s:bias" % name).encode()))
    for layer in model.layers:
        w = layer.get_weights()
        if getattr(layer, "use_bias", False) and len(w) == 2:
            w[1] = rng.normal(0.0, 0.2, size=w[1].shape).astype(np.float32)
            layer.set_weights(w)


def standardize_head(model, dense, name, shape):
    """Rescale the last Dense so the logits have mean 0 and std HEAD_STD over seeded images (like
    make_mobilenetv2.py, but with one factor for all rows, as the int4 FULLY_CONNECTED weights get one
    scale): the softmax output then depends on the input."""
    x = images(name, "head", shape, 32)
    feats = np.asarray(keras.Model(model.inputs[0], dense.input)(x, training=False), np.float64)
    feats = feats.reshape(feats.shape[0], -1)
    k, _ = dense.get_weights()
    logits = feats @ k.astype(np.float64)
    k = k * (HEAD_STD / (logits - logits.mean(axis=0)).std())
    dense.set_weights([k.astype(np.float32), (-(feats @ k).mean(axis=0)).astype(np.float32)])


def build_int4_small(name):
    shape = (12, 12, 3)
    keras.utils.set_random_seed(zlib.crc32(name.encode()))
    L = keras.layers
    x = keras.Input(shape=shape, batch_size=1)
    y = L.Conv2D(5, 3, padding="same", activation="relu")(x)
    y = L.DepthwiseConv2D(3, padding="same", activation="relu6")(y)
    y = L.Conv2D(7, 1)(y)
    y = L.GlobalAveragePooling2D()(y)
    dense = L.Dense(10)
    y = L.Softmax()(dense(y))
    model = keras.Model(x, y)
    seed_biases(model, name)
    standardize_head(model, dense, name, shape)
    return model, shape


def build_int4_flatten(name):
    shape = (9, 9, 3)
    keras.utils.set_random_seed(zlib.crc32(name.encode()))
    L = keras.layers
    x = keras.Input(shape=shape, batch_size=1)
    y = L.Conv2D(5, 3, strides=2, padding="same", activation="relu6")(x)
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu")(y)
    y = L.Conv2D(3, 1)(y)
    y = L.Flatten()(y)
    dense = L.Dense(11)
    y = dense(y)
    model = keras.Model(x, y)
    seed_biases(model, name)
    standardize_head(model, dense, name, shape)
    return model, shape


# name -> (builder, full_range): int4_small uses the symmetric rule max|w| / 7 (values -7..7);
# int4_flatten the full-range rule, so -8 (nibble 0x8) occurs too
BUILDERS = {"int4_small": (build_int4_small, False), "int4_flatten": (build_int4_flatten, True)}


def convert(model, name, shape):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    calib = images(name, "calib", shape, CALIB_SAMPLES)
    conv.representative_dataset = lambda: ([calib[i:i + 1]] for i in range(CALIB_SAMPLES))
    return conv.convert()


# ---------------------------------------------------------------------------------------
# int8 -> int4 rewrite on the flatbuffer object API

def pack_int4(q):
    """TFLite's dense int4 layout: element 2i in the low nibble of byte i, 2i+1 in the high one."""
    q = np.asarray(q, np.int8).reshape(-1)
    nib = (q.astype(np.int16) & 0x0F).astype(np.uint8)
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def unpack_int4(b, count):
    b = np.asarray(b, np.uint8)
    nib = np.empty(2 * b.size, np.uint8)
    nib[0::2], nib[1::2] = b & 0x0F, b >> 4
    v = nib[:count].astype(np.int16)
    return np.where(v >= 8, v - 16, v).astype(np.int8)


def buffer_bytes(m, t):
    d = m.buffers[t.buffer].data
    return np.zeros(0, np.uint8) if d is None else np.asarray(d, np.uint8)


def op_name(m, o):
    oc = m.operatorCodes[o.opcodeIndex]
    return OPNAMES[max(oc.builtinCode, oc.deprecatedBuiltinCode)]


def to_int4(buf, full_range=False):
    """-> (int4 flatbuffer bytes, [per-layer description]). full_range: scale = max(max w / 7,
    -min w / 8) instead of max|w| / 7, so weights of -8 occur."""
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    assert len(m.subgraphs) == 1
    g = m.subgraphs[0]
    uses = {}
    for o in g.operators:
        for i in o.inputs:
            if i >= 0 and g.tensors[i].buffer:
                uses[g.tensors[i].buffer] = uses.get(g.tensors[i].buffer, 0) + 1
    layers = []
    for o in g.operators:
        name = op_name(m, o)
        if name not in WEIGHT_OPS:
            continue
        x, w = g.tensors[o.inputs[0]], g.tensors[o.inputs[1]]
        assert w.type == sch.TensorType.INT8, "%s weights are %s" % (name, TYPENAMES[w.type])
        assert uses[w.buffer] == 1, "%s weight buffer shared" % name
        shape = [int(d) for d in w.shape]
        qd = int(w.quantization.quantizedDimension)
        s8 = np.asarray(w.quantization.scale, np.float64)
        assert list(w.quantization.zeroPoint) == [0] * len(s8)
        assert len(s8) == shape[qd], "%s: %d weight scales for %d channels (per-tensor?)" % (name, len(s8), shape[qd])
        w8 = buffer_bytes(m, w).view(np.int8).reshape(shape).astype(np.float64)
        # per output channel along quantized_dimension
        wr = np.moveaxis(w8, qd, 0) * s8.reshape(-1, *([1] * (len(shape) - 1)))
        flat = wr.reshape(wr.shape[0], -1)
        if name == "FULLY_CONNECTED":
            # TFLM's FULLY_CONNECTED takes an int4 filter only with one scale (per tensor)
            flat = flat.reshape(1, -1)
        if full_range:
            # the largest positive weight maps to at most 7, the most negative to at most -8
            amax = np.maximum(flat.max(axis=1) / 7.0, -flat.min(axis=1) / 8.0) * 7.0
        else:
            amax = np.abs(flat).max(axis=1)
        s4 = np.where(amax > 0, amax / 7.0, 1.0)
        s4 = np.broadcast_to(s4, (wr.shape[0],)).copy()
        s4 = s4.astype(np.float32).astype(np.float64)  # the scale as the file stores it (float32)
        q = np.clip(np.round(wr / s4.reshape(-1, *([1] * (len(shape) - 1)))), -8, 7).astype(np.int8)
        q = np.ascontiguousarray(np.moveaxis(q, 0, qd))
        packed = pack_int4(q)
        assert np.array_equal(unpack_int4(packed, q.size), q.reshape(-1))
        w.type = INT4
        per_channel = name != "FULLY_CONNECTED"
        w.quantization.scale = [float(s) for s in s4.astype(np.float32)] if per_channel else [float(np.float32(s4[0]))]
        w.quantization.zeroPoint = [0] * len(w.quantization.scale)
        if not per_channel:
            w.quantization.quantizedDimension = 0
        m.buffers[w.buffer].data = packed
        s_in = float(np.float32(x.quantization.scale[0]))
        assert len(x.quantization.scale) == 1
        if len(o.inputs) > 2 and o.inputs[2] >= 0:
            b = g.tensors[o.inputs[2]]
            assert b.type == sch.TensorType.INT32 and uses[b.buffer] == 1
            b32 = buffer_bytes(m, b).view(np.int32).astype(np.float64)
            real = b32 * s_in * s8
            bscale = (s_in * s4).astype(np.float32)
            b4 = np.round(real / bscale.astype(np.float64))
            assert np.all(np.abs(b4) < 2 ** 31)
            m.buffers[b.buffer].data = np.ascontiguousarray(b4.astype(np.int32)).view(np.uint8)
            b.quantization.scale = [float(s) for s in bscale] if per_channel else [float(bscale[0])]
            b.quantization.zeroPoint = [0] * len(b.quantization.scale)
        layers.append(dict(op=name, weights=shape, qdim=qd if per_channel else None, count=int(q.size), bytes=int(packed.size),
                           q=q, act=ACTNAMES.get(getattr(o.builtinOptions, "fusedActivationFunction", 0), "NONE")))
    return serialize(m), layers


class _AlignedBuffer(sch.BufferT):
    """BufferT whose data vector is 16-byte aligned (the converter aligns constant data so)."""

    def Pack(self, builder):
        data = None
        if self.data is not None and len(self.data):
            d = np.asarray(self.data, np.uint8)
            builder.StartVector(1, d.size, 16)
            builder.head = builder.head - d.size
            builder.Bytes[builder.head:builder.head + d.size] = d.tobytes()
            data = builder.EndVector()
        sch.BufferStart(builder)
        if data is not None:
            sch.BufferAddData(builder, data)
        sch.BufferAddOffset(builder, self.offset)
        sch.BufferAddSize(builder, self.size)
        return sch.BufferEnd(builder)


def serialize(m):
    bufs = []
    for b in m.buffers:
        a = _AlignedBuffer()
        a.data, a.offset, a.size = b.data, b.offset, b.size
        bufs.append(a)
    m.buffers = bufs
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    out = bytes(builder.Output())
    # read it back: the same model, with the int4 buffers as written
    back = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(out, 0))
    assert len(back.subgraphs[0].tensors) == len(m.subgraphs[0].tensors)
    for b0, b1 in zip(m.buffers, back.buffers):
        assert (b0.data is None or len(b0.data) == 0) == (b1.data is None or len(b1.data) == 0)
        if b0.data is not None and len(b0.data):
            assert np.array_equal(np.asarray(b0.data, np.uint8), np.asarray(b1.data, np.uint8))
    return out


def bad_buffer(buf):
    """int4_small with the first CONV_2D's INT4 weight buffer one byte short."""
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    g = m.subgraphs[0]
    o = next(o for o in g.operators if op_name(m, o) == "CONV_2D")
    w = g.tensors[o.inputs[1]]
    assert w.type == INT4
    d = buffer_bytes(m, w)
    m.buffers[w.buffer].data = d[:-1].copy()
    return serialize(m), w.name.decode(), [int(s) for s in w.shape], int(d.size)


# ---------------------------------------------------------------------------------------

def tflm_check(buf, shape):
    """Runs the model once in TFLM's interpreter; raises if TFLM rejects it."""
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(buf)
    it.set_input(np.zeros((1,) + shape, np.int8), 0)
    it.invoke()
    return np.array(it.get_output(0), copy=True)


def describe(name, buf, layers, shape):
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    g = m.subgraphs[0]
    ops = [op_name(m, o) for o in g.operators]
    out = [int(d) for d in g.tensors[g.outputs[0]].shape]
    lines = ["## %s.tflite" % name, "",
             "Input `%s` int8, output `%s` int8. Operators: %s." % ([1] + list(shape), out, ", ".join(ops)),
             "%d bytes, sha256 `%s`." % (len(buf), hashlib.sha256(buf).hexdigest()), "",
             "| layer | weight shape | int4 scales | weights | packed bytes | int4 values used |",
             "|---|---|---|---:|---:|---|"]
    for i, l in enumerate(layers):
        used = "%d..%d" % (int(l["q"].min()), int(l["q"].max()))
        qd = "per tensor" if l["qdim"] is None else "per channel, dim %d" % l["qdim"]
        lines.append("| %d %s (%s) | %s | %s | %d | %d | %s |" % (i, l["op"], l["act"], l["weights"], qd,
                                                                 l["count"], l["bytes"], used))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="only these models")
    ap.add_argument("--no-check", action="store_true", help="do not run the models through TFLM")
    args = ap.parse_args()
    os.makedirs(MODELS_DIR, exist_ok=True)
    os.makedirs(ERRORS_DIR, exist_ok=True)
    docs = {}
    for name, (build, full_range) in BUILDERS.items():
        if args.only and name not in args.only:
            continue
        model, shape = build(name)
        buf8 = convert(model, name, shape)
        buf4, layers = to_int4(buf8, full_range)
        if not args.no_check:
            tflm_check(buf4, shape)
        path = os.path.join(MODELS_DIR, name + ".tflite")
        with open(path, "wb") as f:
            f.write(buf4)
        docs[name] = describe(name, buf4, layers, shape)
        print("%s: %d bytes (int8 model %d), sha256 %s; int4 layers: %s" % (
            os.path.relpath(path, ROOT), len(buf4), len(buf8), hashlib.sha256(buf4).hexdigest(),
            ", ".join("%s%s" % (l["op"], l["weights"]) for l in layers)))
        if name == "int4_small":
            bad, tname, tshape, nbytes = bad_buffer(buf4)
            epath = os.path.join(ERRORS_DIR, "int4_bad_buffer.tflite")
            with open(epath, "wb") as f:
                f.write(bad)
            print("%s: tensor '%s' %s holds %d of %d packed bytes" % (os.path.relpath(epath, ROOT), tname, tshape,
                                                                     nbytes - 1, nbytes))
    if not args.only:
        write_doc(docs)


def write_doc(docs):
    head = ["# Tests/Fixtures/tflite/models: int4-weight test models", "",
            "Generated by `Scripts/tflite/make_int4_models.py` (do not edit by hand; re-run the script). "
            "Each is a seeded Keras model converted to full-integer int8 by the TFLite converter "
            "(TF %s), whose CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED weights were then requantized "
            "to int4 (scale = max|w| / 7, q = clamp(round(w / scale), -8, 7); per output channel for "
            "conv and depthwise, per tensor for fully connected, the only int4 FULLY_CONNECTED TFLite "
            "Micro runs; int4_flatten uses scale = max(max w / 7, -min w / 8), so -8 occurs) and stored "
            "as TFLite INT4 tensors (type 17, two weights per byte, low nibble first), with the int32 "
            "biases requantized to input scale x weight scale. TFLite Micro goldens: "
            "`Scripts/tflite/tflm_goldens.py` (`goldens/<model>.inputs.npy`, `.tflm.npy`). "
            "`errors/int4_bad_buffer.tflite` is int4_small with the first conv's weight buffer one "
            "byte short." % tf.__version__, ""]
    with open(os.path.join(MODELS_DIR, "INT4.md"), "w") as f:
        f.write("\n".join(head) + "\n" + "\n".join(docs[n] for n in BUILDERS))


if __name__ == "__main__":
    sys.exit(main())
