#!/usr/bin/env python3
"""Build tiny single-op int8 TFLite models for tinyc's TFLite importer tests.

Each model is a tf.function over seeded constant weights, converted by the TFLite
converter to full-integer int8 (int8 input and output, except the float-I/O model)
with a seeded random representative dataset. Files go to
Tests/Fixtures/tflite/ops/<name>.tflite, with MANIFEST.md listing the ops, input and
output shapes and dtypes of each. The script asserts that every file contains the op
it is named for (and the fused activation, per-channel scales etc. it was made for).

Python is only used here to make test fixtures; nothing at run time depends on it.
Usage: python3 Scripts/tflite/make_op_models.py [--only NAME ...]
"""
import argparse
import hashlib
import math
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.lite.python import schema_py_generated as sch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "ops")
CALIB_SAMPLES = 64


def _enum_names(cls):
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


OPNAMES = _enum_names(sch.BuiltinOperator)
ACTNAMES = _enum_names(sch.ActivationFunctionType)
TYPENAMES = _enum_names(sch.TensorType)
PADNAMES = _enum_names(sch.Padding)


# ---------------------------------------------------------------------------------------
# Model description (parsed from the flatbuffer, no interpreter involved)

def parse(buf):
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    assert len(m.subgraphs) == 1, "expected one subgraph"
    return m


def tensor_info(g, i):
    t = g.tensors[i]
    q = t.quantization
    scales = [] if q is None or q.scale is None else [float(s) for s in q.scale]
    zps = [] if q is None or q.zeroPoint is None else [int(z) for z in q.zeroPoint]
    return dict(name=t.name.decode(), shape=[int(d) for d in t.shape] if t.shape is not None else [],
                dtype=TYPENAMES[t.type].lower(), scales=scales, zero_points=zps,
                qdim=0 if q is None else int(q.quantizedDimension))


def ops_of(m):
    """[(op name, details dict)] in execution order."""
    g = m.subgraphs[0]
    out = []
    for o in g.operators:
        oc = m.operatorCodes[o.opcodeIndex]
        name = OPNAMES[max(oc.builtinCode, oc.deprecatedBuiltinCode)]
        opt = o.builtinOptions
        d = dict(inputs=[None if i < 0 else tensor_info(g, i) for i in o.inputs],
                 outputs=[tensor_info(g, i) for i in o.outputs], act=None, text="")
        if opt is not None and hasattr(opt, "fusedActivationFunction"):
            d["act"] = ACTNAMES[opt.fusedActivationFunction]
        parts = []
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            fs = d["inputs"][1]["shape"]
            parts.append("%dx%d" % (fs[1], fs[2]))
            parts.append("s%d,%d" % (opt.strideH, opt.strideW))
            parts.append(PADNAMES[opt.padding])
            if opt.dilationHFactor != 1 or opt.dilationWFactor != 1:
                parts.append("dil%d,%d" % (opt.dilationHFactor, opt.dilationWFactor))
            if name == "DEPTHWISE_CONV_2D":
                parts.append("mult%d" % opt.depthMultiplier)
            parts.append("w-scales=%d" % len(d["inputs"][1]["scales"]))
            if len(d["inputs"]) < 3 or d["inputs"][2] is None:
                parts.append("no-bias")
        elif name in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            parts.append("%dx%d" % (opt.filterHeight, opt.filterWidth))
            parts.append("s%d,%d" % (opt.strideH, opt.strideW))
            parts.append(PADNAMES[opt.padding])
        elif name == "FULLY_CONNECTED":
            parts.append("w-scales=%d" % len(d["inputs"][1]["scales"]))
            if len(d["inputs"]) < 3 or d["inputs"][2] is None:
                parts.append("no-bias")
            if opt.keepNumDims:
                parts.append("keep_num_dims")
        elif name == "MEAN":
            parts.append("keep_dims" if opt.keepDims else "no-keep_dims")
            i, o2 = d["inputs"][0], d["outputs"][0]
            if i["scales"] == o2["scales"] and i["zero_points"] == o2["zero_points"]:
                parts.append("in-q==out-q")
        elif name == "CONCATENATION":
            parts.append("axis=%d" % opt.axis)
        elif name == "SOFTMAX":
            parts.append("beta=%g" % opt.beta)
        if d["act"] not in (None, "NONE"):
            parts.append(d["act"])
        d["text"] = name + ("(" + " ".join(parts) + ")" if parts else "")
        out.append((name, d))
    return out


def io_of(m):
    g = m.subgraphs[0]
    return [tensor_info(g, i) for i in g.inputs], [tensor_info(g, i) for i in g.outputs]


# ---------------------------------------------------------------------------------------
# Seeded weights and layer helpers

class W:
    """Deterministic weight source, seeded from the model name."""

    def __init__(self, name):
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))

    def normal(self, shape, std):
        return tf.constant(self.rng.normal(0.0, std, size=shape).astype(np.float32))

    def uniform(self, shape, lo, hi):
        return tf.constant(self.rng.uniform(lo, hi, size=shape).astype(np.float32))


def conv(x, w, kh, kw, cout, stride=1, padding="SAME", dil=1, bias=True):
    cin = int(x.shape[-1])
    f = w.normal((kh, kw, cin, cout), 1.0 / math.sqrt(kh * kw * cin))
    st = stride if isinstance(stride, (tuple, list)) else (stride, stride)
    y = tf.nn.conv2d(x, f, strides=[1, st[0], st[1], 1], padding=padding, dilations=[1, dil, dil, 1])
    if bias:
        y = tf.nn.bias_add(y, w.normal((cout,), 0.2))
    return y


def dwconv(x, w, kh, kw, mult=1, stride=1, padding="SAME", dil=1):
    cin = int(x.shape[-1])
    f = w.normal((kh, kw, cin, mult), 1.0 / math.sqrt(kh * kw))
    y = tf.nn.depthwise_conv2d(x, f, strides=[1, stride, stride, 1], padding=padding,
                               dilations=[dil, dil])
    return tf.nn.bias_add(y, w.normal((cin * mult,), 0.2))


def dense(x, w, units, bias=True):
    k = int(x.shape[-1])
    y = tf.matmul(x, w.normal((k, units), 1.0 / math.sqrt(k)))
    if bias:
        y = y + w.normal((units,), 0.2)
    return y


# ---------------------------------------------------------------------------------------
# The models

MODELS = []


def model(name, shape, expect, lo=-1.0, hi=1.0, float_io=False, per_tensor_dense=False, rep=None,
          check=None):
    """expect: list of op names, or (op name, fused activation) pairs, that must appear."""
    def deco(fn):
        MODELS.append(dict(name=name, shape=shape, expect=expect, lo=lo, hi=hi, float_io=float_io,
                           per_tensor_dense=per_tensor_dense, rep=rep, check=check, fn=fn))
        return fn
    return deco


def fc_scales(n):
    def chk(ops):
        fcs = [d for o, d in ops if o == "FULLY_CONNECTED"]
        assert fcs and all(len(d["inputs"][1]["scales"]) == n for d in fcs), \
            "FC weight scales: %s" % [len(d["inputs"][1]["scales"]) for d in fcs]
    return chk


def no_bias(op):
    def chk(ops):
        ds = [d for o, d in ops if o == op]
        assert ds and all(len(d["inputs"]) < 3 or d["inputs"][2] is None for d in ds), "has a bias"
    return chk


def mean_equal_q(ops):
    d = [d for o, d in ops if o == "MEAN"][0]
    i, o = d["inputs"][0], d["outputs"][0]
    assert i["scales"] == o["scales"] and i["zero_points"] == o["zero_points"], (i, o)


# CONV_2D
@model("conv2d_3x3_s1_same_relu", [1, 8, 8, 3], [("CONV_2D", "RELU")])
def _(x, w):
    return tf.nn.relu(conv(x, w, 3, 3, 8))


@model("conv2d_3x3_s1_same_relu6_9x7", [1, 9, 7, 3], [("CONV_2D", "RELU6")], lo=-0.5, hi=1.5)
def _(x, w):
    return tf.nn.relu6(conv(x, w, 3, 3, 6))


@model("conv2d_3x3_s2_valid", [1, 9, 9, 4], [("CONV_2D", "NONE")])
def _(x, w):
    return conv(x, w, 3, 3, 8, stride=2, padding="VALID")


@model("conv2d_3x3_s2_same_relu6_9x8", [1, 9, 8, 4], [("CONV_2D", "RELU6")])
def _(x, w):
    # H: pad 1/1; W: out 4, total pad 1 -> 0 before, 1 after (asymmetric)
    return tf.nn.relu6(conv(x, w, 3, 3, 8, stride=2))


@model("conv2d_4x4_s1_same_9x7", [1, 9, 7, 2], [("CONV_2D", "NONE")])
def _(x, w):
    # even kernel: total pad 3 -> 1 before, 2 after, both dims
    return conv(x, w, 4, 4, 4)


@model("conv2d_1x1", [1, 6, 6, 8], [("CONV_2D", "NONE")], lo=-2.0, hi=0.5)
def _(x, w):
    return conv(x, w, 1, 1, 12)


@model("conv2d_1x1_nobias_relu", [1, 5, 5, 8], [("CONV_2D", "RELU")])
def _(x, w):
    return tf.nn.relu(conv(x, w, 1, 1, 6, bias=False))


@model("conv2d_3x3_dil2_same", [1, 10, 10, 3], [("CONV_2D", "NONE")])
def _(x, w):
    return conv(x, w, 3, 3, 6, dil=2)


@model("conv2d_3x3_dil2_valid_relu", [1, 11, 9, 3], [("CONV_2D", "RELU")])
def _(x, w):
    return tf.nn.relu(conv(x, w, 3, 3, 4, padding="VALID", dil=2))


@model("conv2d_5x3_valid", [1, 11, 9, 2], [("CONV_2D", "NONE")])
def _(x, w):
    return conv(x, w, 5, 3, 6, padding="VALID")


@model("conv2d_5x3_s2x1_same_relu6", [1, 11, 9, 2], [("CONV_2D", "RELU6")])
def _(x, w):
    return tf.nn.relu6(conv(x, w, 5, 3, 6, stride=(2, 1)))


# DEPTHWISE_CONV_2D
@model("dwconv_3x3_s1_same", [1, 8, 8, 8], [("DEPTHWISE_CONV_2D", "NONE")])
def _(x, w):
    return dwconv(x, w, 3, 3)


@model("dwconv_3x3_s2_valid", [1, 9, 9, 8], [("DEPTHWISE_CONV_2D", "NONE")], lo=-0.25, hi=1.0)
def _(x, w):
    return dwconv(x, w, 3, 3, stride=2, padding="VALID")


@model("dwconv_3x3_s2_same_9x8", [1, 9, 8, 4], [("DEPTHWISE_CONV_2D", "NONE")])
def _(x, w):
    return dwconv(x, w, 3, 3, stride=2)


@model("dwconv_3x3_mult2", [1, 6, 6, 4], [("DEPTHWISE_CONV_2D", "NONE")])
def _(x, w):
    return dwconv(x, w, 3, 3, mult=2)


@model("dwconv_3x3_dil2_same", [1, 10, 10, 4], [("DEPTHWISE_CONV_2D", "NONE")])
def _(x, w):
    return dwconv(x, w, 3, 3, dil=2)


@model("dwconv_3x3_s1_same_relu6", [1, 8, 8, 8], [("DEPTHWISE_CONV_2D", "RELU6")])
def _(x, w):
    return tf.nn.relu6(dwconv(x, w, 3, 3))


@model("dwconv_5x3_s1_valid_relu", [1, 9, 7, 6], [("DEPTHWISE_CONV_2D", "RELU")])
def _(x, w):
    return tf.nn.relu(dwconv(x, w, 5, 3, padding="VALID"))


# FULLY_CONNECTED (TF 2.21's converter makes per-channel FC weights by default)
@model("fc_per_channel", [1, 64], [("FULLY_CONNECTED", "NONE")], check=fc_scales(16))
def _(x, w):
    return dense(x, w, 16)


@model("fc_per_tensor", [1, 64], [("FULLY_CONNECTED", "NONE")], per_tensor_dense=True, check=fc_scales(1))
def _(x, w):
    return dense(x, w, 16)


@model("fc_per_channel_relu", [1, 48], [("FULLY_CONNECTED", "RELU")], lo=0.0, hi=2.0, check=fc_scales(10))
def _(x, w):
    return tf.nn.relu(dense(x, w, 10))


@model("fc_per_tensor_relu", [1, 48], [("FULLY_CONNECTED", "RELU")], per_tensor_dense=True,
       check=fc_scales(1))
def _(x, w):
    return tf.nn.relu(dense(x, w, 10))


def _fc_nobias_check(n):
    def chk(ops):
        fc_scales(n)(ops)
        no_bias("FULLY_CONNECTED")(ops)
    return chk


@model("fc_per_channel_nobias", [1, 40], ["FULLY_CONNECTED"], check=_fc_nobias_check(12))
def _(x, w):
    return dense(x, w, 12, bias=False)


@model("fc_per_tensor_nobias", [1, 40], ["FULLY_CONNECTED"], per_tensor_dense=True,
       check=_fc_nobias_check(1))
def _(x, w):
    return dense(x, w, 12, bias=False)


@model("fc_flatten_4d", [1, 2, 2, 4], ["FULLY_CONNECTED"], check=fc_scales(8))
def _(x, w):
    return dense(tf.reshape(x, [1, 16]), w, 8)


@model("fc_flatten_4d_per_tensor_relu6", [1, 3, 3, 4], [("FULLY_CONNECTED", "RELU6")],
       per_tensor_dense=True, check=fc_scales(1))
def _(x, w):
    return tf.nn.relu6(dense(tf.reshape(x, [1, 36]), w, 8))


# ADD
@model("add_const_same_shape", [1, 4, 4, 8], [("ADD", "NONE")])
def _(x, w):
    return x + w.uniform((1, 4, 4, 8), -0.5, 1.5)


@model("add_const_broadcast_c", [1, 4, 4, 8], [("ADD", "NONE")])
def _(x, w):
    return x + w.uniform((1, 1, 1, 8), -1.0, 2.0)


@model("add_const_broadcast_h", [1, 4, 4, 8], [("ADD", "NONE")])
def _(x, w):
    return x + w.uniform((1, 4, 1, 8), -1.0, 0.5)


@model("add_conv_residual_relu", [1, 6, 6, 4], [("ADD", "RELU"), "CONV_2D"])
def _(x, w):
    return tf.nn.relu(x + conv(x, w, 3, 3, 4))


@model("add_mean_broadcast", [1, 4, 4, 8], [("ADD", "NONE"), "MEAN"])
def _(x, w):
    return x + tf.reduce_mean(x, axis=[1, 2], keepdims=True)


@model("add_const_relu6", [1, 8, 16], [("ADD", "RELU6")], lo=-2.0, hi=6.0)
def _(x, w):
    return tf.nn.relu6(x + w.uniform((1, 1, 16), -1.0, 1.0))


# pooling
@model("maxpool_2x2_s2_valid", [1, 8, 8, 4], ["MAX_POOL_2D"])
def _(x, w):
    return tf.nn.max_pool2d(x, 2, 2, "VALID")


@model("maxpool_3x3_s1_same", [1, 7, 7, 4], ["MAX_POOL_2D"])
def _(x, w):
    return tf.nn.max_pool2d(x, 3, 1, "SAME")


@model("maxpool_3x3_s2_same_9x7", [1, 9, 7, 4], ["MAX_POOL_2D"])
def _(x, w):
    return tf.nn.max_pool2d(x, 3, 2, "SAME")


@model("maxpool_3x3_s2_same_8x6", [1, 8, 6, 4], ["MAX_POOL_2D"])
def _(x, w):
    return tf.nn.max_pool2d(x, 3, 2, "SAME")


@model("avgpool_2x2_s2_valid", [1, 8, 8, 4], ["AVERAGE_POOL_2D"])
def _(x, w):
    return tf.nn.avg_pool2d(x, 2, 2, "VALID")


@model("avgpool_3x3_s1_same", [1, 7, 7, 4], ["AVERAGE_POOL_2D"])
def _(x, w):
    return tf.nn.avg_pool2d(x, 3, 1, "SAME")


@model("avgpool_3x3_s2_same_9x7", [1, 9, 7, 4], ["AVERAGE_POOL_2D"])
def _(x, w):
    return tf.nn.avg_pool2d(x, 3, 2, "SAME")


@model("avgpool_3x3_s2_same_8x6", [1, 8, 6, 4], ["AVERAGE_POOL_2D"], lo=-0.5, hi=2.0)
def _(x, w):
    # total pad 1 per dim -> 0 before, 1 after; edge windows average fewer elements
    return tf.nn.avg_pool2d(x, 3, 2, "SAME")


# MEAN
@model("mean_hw_keepdims", [1, 6, 6, 8], ["MEAN"])
def _(x, w):
    return tf.reduce_mean(x, axis=[1, 2], keepdims=True)


@model("mean_hw", [1, 6, 6, 8], ["MEAN"], lo=-0.5, hi=2.0)
def _(x, w):
    return tf.reduce_mean(x, axis=[1, 2])


def _spatially_constant(shape, lo, hi):
    # each calibration sample is constant over H and W, so mean(x) == x and the calibrated
    # ranges of MEAN's input and output coincide (same scale and zero point)
    def gen(rng):
        c = rng.uniform(lo, hi, size=(shape[0], 1, 1, shape[3])).astype(np.float32)
        c.reshape(-1)[0], c.reshape(-1)[1] = lo, hi
        return np.broadcast_to(c, shape).copy()
    return gen


@model("mean_hw_equal_q", [1, 5, 5, 8], ["MEAN"], rep=_spatially_constant([1, 5, 5, 8], -1.0, 3.0),
       check=mean_equal_q)
def _(x, w):
    return tf.reduce_mean(x, axis=[1, 2])


@model("mean_hw_keepdims_equal_q", [1, 4, 4, 8], ["MEAN"], rep=_spatially_constant([1, 4, 4, 8], -2.0, 2.0),
       check=mean_equal_q)
def _(x, w):
    return tf.reduce_mean(x, axis=[1, 2], keepdims=True)


# PAD, CONCATENATION, LOGISTIC, SOFTMAX, RESHAPE, RELU, RELU6
@model("pad_spatial", [1, 5, 5, 4], ["PAD"], lo=-0.5, hi=1.5)
def _(x, w):
    return tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]])


@model("concat_conv_pool", [1, 6, 6, 4], ["CONCATENATION", "CONV_2D", "MAX_POOL_2D"])
def _(x, w):
    return tf.concat([conv(x, w, 1, 1, 4), tf.nn.max_pool2d(x, 3, 1, "SAME")], axis=3)


@model("concat_conv_conv", [1, 6, 6, 3], ["CONCATENATION"])
def _(x, w):
    a = tf.nn.relu(conv(x, w, 3, 3, 4))
    b = conv(x, w, 1, 1, 2)
    return tf.concat([a, b], axis=3)


@model("logistic", [1, 64], ["LOGISTIC"], lo=-6.0, hi=6.0)
def _(x, w):
    return tf.sigmoid(x)


@model("logistic_4d", [1, 4, 4, 8], ["LOGISTIC"], lo=-3.0, hi=8.0)
def _(x, w):
    return tf.sigmoid(x)


@model("softmax_10", [1, 10], ["SOFTMAX"], lo=-4.0, hi=4.0)
def _(x, w):
    return tf.nn.softmax(x)


@model("softmax_4d_last_axis", [1, 4, 4, 8], ["SOFTMAX"], lo=-3.0, hi=5.0)
def _(x, w):
    return tf.nn.softmax(x, axis=-1)


@model("reshape", [1, 4, 4, 8], ["RESHAPE"])
def _(x, w):
    return tf.reshape(x, [1, 16, 8])


@model("reshape_relu", [1, 4, 4, 8], ["RESHAPE", "RELU"])
def _(x, w):
    return tf.nn.relu(tf.reshape(x, [1, 128]))


@model("relu", [1, 4, 4, 8], ["RELU"], lo=-1.0, hi=3.0)
def _(x, w):
    return tf.nn.relu(x)


@model("relu6", [1, 4, 4, 8], ["RELU6"], lo=-4.0, hi=8.0)
def _(x, w):
    return tf.nn.relu6(x)


@model("concat_relu6", [1, 6, 6, 4], ["CONCATENATION", "RELU6"])
def _(x, w):
    # relu6 after a concat of a conv and a pool branch; CONCATENATION has a fused-activation
    # field, the check below says whether the converter kept RELU6 as an op of its own
    return tf.nn.relu6(tf.concat([conv(x, w, 1, 1, 4), tf.nn.avg_pool2d(x, 3, 1, "SAME")], axis=3))


# graph edges in float: QUANTIZE ... DEQUANTIZE
@model("float_io_conv2d_3x3_relu", [1, 8, 8, 3], ["QUANTIZE", ("CONV_2D", "RELU"), "DEQUANTIZE"],
       float_io=True)
def _(x, w):
    return tf.nn.relu(conv(x, w, 3, 3, 4))


@model("float_io_fc_softmax", [1, 32], ["QUANTIZE", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"],
       float_io=True)
def _(x, w):
    return tf.nn.softmax(dense(x, w, 10))


# a tiny network of the above
@model("tiny_cnn", [1, 16, 16, 3], [("CONV_2D", "RELU6"), ("DEPTHWISE_CONV_2D", "RELU6"), "MEAN",
                                    "FULLY_CONNECTED", "SOFTMAX"])
def _(x, w):
    y = tf.nn.relu6(conv(x, w, 3, 3, 8, stride=2))
    y = tf.nn.relu6(dwconv(y, w, 3, 3))
    y = tf.nn.relu(conv(y, w, 1, 1, 12))
    y = tf.nn.max_pool2d(y, 2, 2, "VALID")
    y = tf.reduce_mean(y, axis=[1, 2])
    return tf.nn.softmax(dense(y, w, 5))


# Things about TFLM's behaviour on these models worth knowing (written to MANIFEST.md)
NOTES = {
    "relu6": "RELU6's input and output quantization differ here; TFLM's int8 RELU6 only clamps to "
             "[zp_in, quantize(6, input)] in the input's quantization and ignores the output's scale and "
             "zero point (TFLite's own kernel requantizes), so TFLM's goldens are not relu6 of the real value.",
    "concat_relu6": "same TFLM RELU6 behaviour as `relu6` (standalone RELU6 with in/out quantization differing).",
}


# ---------------------------------------------------------------------------------------

def convert(spec):
    w = W(spec["name"])
    fn = tf.function(lambda x: spec["fn"](x, w),
                     input_signature=[tf.TensorSpec(spec["shape"], tf.float32, name="x")])
    holder = tf.Module()
    holder.f = fn
    cf = fn.get_concrete_function()
    conv_ = tf.lite.TFLiteConverter.from_concrete_functions([cf], holder)
    conv_.optimizations = [tf.lite.Optimize.DEFAULT]
    conv_.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    io = tf.float32 if spec["float_io"] else tf.int8
    conv_.inference_input_type = io
    conv_.inference_output_type = io
    conv_._experimental_disable_per_channel_quantization_for_dense_layers = spec["per_tensor_dense"]

    def rep():
        rng = np.random.default_rng(zlib.crc32(("calib:" + spec["name"]).encode()))
        for _ in range(CALIB_SAMPLES):
            if spec["rep"] is not None:
                yield [spec["rep"](rng)]
            else:
                yield [rng.uniform(spec["lo"], spec["hi"], size=spec["shape"]).astype(np.float32)]
    conv_.representative_dataset = rep
    return conv_.convert()


def verify(spec, m):
    ops = ops_of(m)
    names = [o for o, _ in ops]
    for e in spec["expect"]:
        if isinstance(e, tuple):
            op, act = e
            acts = [d["act"] or "NONE" for o, d in ops if o == op]
            assert act in acts, "%s: no %s with fused %s (found %s; ops %s)" % (
                spec["name"], op, act, acts, names)
        else:
            assert e in names, "%s: no %s op (ops %s)" % (spec["name"], e, names)
    if spec["check"] is not None:
        spec["check"](ops)
    ins, outs = io_of(m)
    assert len(ins) == 1 and len(outs) == 1, spec["name"]
    want = "float32" if spec["float_io"] else "int8"
    assert ins[0]["dtype"] == want and outs[0]["dtype"] == want, (ins, outs)
    return ops, ins, outs


def fmt_q(t):
    if t["dtype"] != "int8":
        return ""
    return " s=%.6g zp=%d" % (t["scales"][0], t["zero_points"][0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="only these model names (MANIFEST.md is then not rewritten)")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    names = [s["name"] for s in MODELS]
    assert len(set(names)) == len(names), "duplicate model name"
    rows = []
    for spec in MODELS:
        if args.only and spec["name"] not in args.only:
            continue
        buf = convert(spec)
        ops, ins, outs = verify(spec, parse(buf))
        path = os.path.join(OUT, spec["name"] + ".tflite")
        with open(path, "wb") as f:
            f.write(buf)
        optext = ", ".join(d["text"] for _, d in ops)
        io = "%s %s%s -> %s %s%s" % (ins[0]["dtype"], "x".join(map(str, ins[0]["shape"])), fmt_q(ins[0]),
                                      outs[0]["dtype"], "x".join(map(str, outs[0]["shape"])), fmt_q(outs[0]))
        print("%-34s %6d B  %s | %s" % (spec["name"], len(buf), optext, io), flush=True)
        rows.append("| `%s.tflite` | %s | %s | %d | %s |" % (
            spec["name"], optext, io, len(buf), hashlib.sha256(buf).hexdigest()[:16]))
    if not args.only:
        stale = sorted(set(f[:-7] for f in os.listdir(OUT) if f.endswith(".tflite")) - set(names))
        for s in stale:
            os.remove(os.path.join(OUT, s + ".tflite"))
            print("removed stale", s)
        with open(os.path.join(OUT, "MANIFEST.md"), "w") as f:
            f.write("# TFLite single-op test models\n\n")
            f.write("Made by `Scripts/tflite/make_op_models.py` (tensorflow %s converter, full-integer int8, "
                    "seeded weights and calibration data). Ops in execution order with their options "
                    "(`w-scales` = number of weight scales, i.e. per-channel when > 1); input -> output "
                    "dtype, shape and quantization. Goldens: `../goldens/`.\n\n" % tf.__version__)
            f.write("| file | ops | input -> output | bytes | sha256[:16] |\n|---|---|---|---|---|\n")
            f.write("\n".join(rows) + "\n")
            f.write("\nNotes (TFLM behaviour):\n\n")
            for k in sorted(NOTES):
                f.write("- `%s`: %s\n" % (k, NOTES[k]))
    print("%d models written to %s" % (len(rows), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    sys.exit(main())
