#!/usr/bin/env python3
"""Write an int8 net.json as a .tflite flatbuffer, so TFLite Micro can run exactly the graph tinyc runs.

The net.json is tinyc's quantized graph, as `tinyc convert MODEL --calib CALIB.npy -o q.json` writes it
(weights inline, batch norm folded, activations fused). Every tensor keeps its name, shape, type,
scales, zero points and quantized axis; every node becomes one TFLite builtin operator:

  conv2d            CONV_2D            (OHWI weights, as TFLite)
  depthwise_conv2d  DEPTHWISE_CONV_2D  ([1, KH, KW, C*m], as TFLite)
  fully_connected   FULLY_CONNECTED    (input flattened, keep_num_dims false)
  add               ADD                avg_pool2d / max_pool2d  AVERAGE_POOL_2D / MAX_POOL_2D
  mean              MEAN (+ an int32 axes constant)
  global_avg_pool2d MEAN over [1, 2]   softmax SOFTMAX    logistic LOGISTIC
  relu / relu6      RELU / RELU6       reshape, flatten   RESHAPE (+ an int32 shape constant)
  requantize        QUANTIZE           concat             CONCATENATION
  pad               PAD, or PADV2 with its value input
Explicit padding (a conv whose padding is [[t, b], [l, r]]) has no TFLite equivalent and is an error, as
is any other op (named with its node). The file is serialized with TensorFlow's flatbuffer object API
(schema_py_generated), file identifier "TFL3", and read back once to check it.

Options:
  --samples X.npy --count N --inputs-out F.npy   also write the first N samples of X (float, one per row,
      as many values as the input) quantized with the model's input scale and zero point, int8
      [N, *input shape]: tflm_goldens.py takes models/<name>.inputs.npy as the golden inputs.
  --check   run the model once in TFLite Micro's interpreter (needs the tflite-micro wheel).

Usage: python3 Scripts/tflite/netjson_to_tflite.py q.json out.tflite [--samples ...] [--check]
Deterministic: the same net.json gives byte-identical output.
"""
import argparse
import base64
import json
import os
import sys

import flatbuffers
import numpy as np
from tensorflow.lite.python import schema_py_generated as sch

DTYPES = {"int8": (sch.TensorType.INT8, np.int8), "int32": (sch.TensorType.INT32, np.int32),
          "float32": (sch.TensorType.FLOAT32, np.float32), "int16": (sch.TensorType.INT16, np.int16)}
ACTIVATIONS = {"none": sch.ActivationFunctionType.NONE, "relu": sch.ActivationFunctionType.RELU,
               "relu6": sch.ActivationFunctionType.RELU6}


class ConversionError(Exception):
    pass


def tensor_bytes(t, base_dir):
    """The raw little-endian bytes of a constant's data (inline base64 or a file slice)."""
    d = t["data"]
    if "base64" in d:
        return base64.b64decode(d["base64"])
    with open(os.path.join(base_dir, d["file"]), "rb") as f:
        f.seek(d.get("offset", 0))
        return f.read(d["length"])


class Writer:
    """Collects buffers, tensors and operator codes of one subgraph."""

    def __init__(self, net, base_dir):
        self.net, self.base_dir = net, base_dir
        self.model = sch.ModelT()
        self.model.version = 3
        self.model.description = "tinyc net.json '%s' (Scripts/tflite/netjson_to_tflite.py)" % net.get("name", "")
        empty = sch.BufferT()
        self.model.buffers = [empty]  # buffer 0: the empty sentinel every TFLite file starts with
        self.model.operatorCodes = []
        self.graph = sch.SubGraphT()
        self.graph.name = "main"
        self.graph.tensors, self.graph.operators = [], []
        self.index = {}
        self.codes = {}

    def add_buffer(self, data):
        b = sch.BufferT()
        b.data = np.frombuffer(data, dtype=np.uint8).copy() if data else None
        self.model.buffers.append(b)
        return len(self.model.buffers) - 1

    def add_tensor(self, name, shape, dtype, quant=None, data=None):
        t = sch.TensorT()
        t.name = name
        t.shape = np.array(shape, dtype=np.int32)
        if dtype not in DTYPES:
            raise ConversionError("tensor '%s': dtype %s has no TFLite equivalent here" % (name, dtype))
        t.type = DTYPES[dtype][0]
        t.buffer = self.add_buffer(data) if data is not None else 0
        if quant:
            q = sch.QuantizationParametersT()
            q.scale = np.array(quant["scale"], dtype=np.float32)
            q.zeroPoint = np.array(quant.get("zero_point", [0] * len(quant["scale"])), dtype=np.int64)
            q.quantizedDimension = quant.get("axis", 0) if len(quant["scale"]) > 1 else 0
            t.quantization = q
        self.graph.tensors.append(t)
        self.index[name] = len(self.graph.tensors) - 1
        return self.index[name]

    def add_int32_constant(self, name, values):
        return self.add_tensor(name, [len(values)], "int32", data=np.array(values, dtype="<i4").tobytes())

    def opcode(self, builtin):
        if builtin not in self.codes:
            c = sch.OperatorCodeT()
            c.builtinCode = builtin
            c.deprecatedBuiltinCode = min(builtin, 127)
            c.version = 1
            self.model.operatorCodes.append(c)
            self.codes[builtin] = len(self.model.operatorCodes) - 1
        return self.codes[builtin]

    def add_operator(self, builtin, inputs, outputs, options_type=None, options=None):
        o = sch.OperatorT()
        o.opcodeIndex = self.opcode(builtin)
        o.inputs = np.array(inputs, dtype=np.int32)
        o.outputs = np.array(outputs, dtype=np.int32)
        if options is not None:
            o.builtinOptionsType, o.builtinOptions = options_type, options
        self.graph.operators.append(o)


def padding(node):
    p = node.get("attrs", {}).get("padding", "valid")
    if p == "same":
        return sch.Padding.SAME
    if p == "valid":
        return sch.Padding.VALID
    raise ConversionError("node '%s' (%s): explicit padding %s has no TFLite equivalent" % (node["name"], node["op"], p))


def activation(node):
    a = node.get("attrs", {}).get("activation", "none")
    if a not in ACTIVATIONS:
        raise ConversionError("node '%s' (%s): activation %s" % (node["name"], node["op"], a))
    return ACTIVATIONS[a]


def pair(node, key, default):
    v = node.get("attrs", {}).get(key, default)
    return (v, v) if isinstance(v, int) else tuple(v)


def convert_node(w, node, shapes):
    op, attrs = node["op"], node.get("attrs", {})
    ins = [w.index[n] for n in node["inputs"]]
    outs = [w.index[n] for n in node["outputs"]]
    B = sch.BuiltinOperator
    if op in ("conv2d", "depthwise_conv2d"):
        sh, sw = pair(node, "stride", 1)
        dh, dw = pair(node, "dilation", 1)
        if op == "conv2d":
            o = sch.Conv2DOptionsT()
            kind, opt_type = B.CONV_2D, sch.BuiltinOptions.Conv2DOptions
        else:
            o = sch.DepthwiseConv2DOptionsT()
            o.depthMultiplier = attrs.get("depth_multiplier", 1)
            kind, opt_type = B.DEPTHWISE_CONV_2D, sch.BuiltinOptions.DepthwiseConv2DOptions
        o.padding, o.strideH, o.strideW = padding(node), sh, sw
        o.dilationHFactor, o.dilationWFactor = dh, dw
        o.fusedActivationFunction = activation(node)
        w.add_operator(kind, ins + [-1] * (3 - len(ins)), outs, opt_type, o)
    elif op == "fully_connected":
        o = sch.FullyConnectedOptionsT()
        o.fusedActivationFunction = activation(node)
        o.keepNumDims = False
        w.add_operator(B.FULLY_CONNECTED, ins + [-1] * (3 - len(ins)), outs, sch.BuiltinOptions.FullyConnectedOptions, o)
    elif op == "add":
        o = sch.AddOptionsT()
        o.fusedActivationFunction = activation(node)
        w.add_operator(B.ADD, ins, outs, sch.BuiltinOptions.AddOptions, o)
    elif op in ("avg_pool2d", "max_pool2d"):
        o = sch.Pool2DOptionsT()
        o.padding = padding(node)
        o.strideH, o.strideW = pair(node, "stride", 1)
        o.filterHeight, o.filterWidth = pair(node, "kernel", 1)
        o.fusedActivationFunction = activation(node)
        kind = B.AVERAGE_POOL_2D if op == "avg_pool2d" else B.MAX_POOL_2D
        w.add_operator(kind, ins, outs, sch.BuiltinOptions.Pool2DOptions, o)
    elif op in ("mean", "global_avg_pool2d"):
        axes = attrs.get("axes", [1, 2])
        o = sch.ReducerOptionsT()
        o.keepDims = attrs.get("keep_dims", True)
        a = w.add_int32_constant(node["name"] + ".axes", axes)
        w.add_operator(B.MEAN, ins + [a], outs, sch.BuiltinOptions.ReducerOptions, o)
    elif op == "softmax":
        o = sch.SoftmaxOptionsT()
        o.beta = attrs.get("beta", 1.0)
        w.add_operator(B.SOFTMAX, ins, outs, sch.BuiltinOptions.SoftmaxOptions, o)
    elif op in ("relu", "relu6", "logistic", "requantize"):
        kind = {"relu": B.RELU, "relu6": B.RELU6, "logistic": B.LOGISTIC, "requantize": B.QUANTIZE}[op]
        w.add_operator(kind, ins, outs)
    elif op in ("reshape", "flatten"):
        shape = [int(d) for d in shapes[node["outputs"][0]]]
        o = sch.ReshapeOptionsT()
        o.newShape = shape
        s = w.add_int32_constant(node["name"] + ".shape", shape)
        w.add_operator(B.RESHAPE, ins + [s], outs, sch.BuiltinOptions.ReshapeOptions, o)
    elif op == "concat":
        o = sch.ConcatenationOptionsT()
        o.axis = attrs["axis"]
        o.fusedActivationFunction = activation(node)
        w.add_operator(B.CONCATENATION, ins, outs, sch.BuiltinOptions.ConcatenationOptions, o)
    elif op == "pad":
        p = w.add_tensor(node["name"] + ".paddings", [4, 2], "int32",
                         data=np.array(attrs["paddings"], dtype="<i4").tobytes())
        if len(ins) == 2:
            w.add_operator(B.PADV2, [ins[0], p, ins[1]], outs, sch.BuiltinOptions.PadV2Options, sch.PadV2OptionsT())
        else:
            w.add_operator(B.PAD, [ins[0], p], outs, sch.BuiltinOptions.PadOptions, sch.PadOptionsT())
    else:
        raise ConversionError("node '%s': op %s is not converted to TFLite" % (node["name"], op))


def convert(net, base_dir):
    if net.get("format") != "tinyc-net":
        raise ConversionError("not a tinyc net.json (format %r)" % net.get("format"))
    w = Writer(net, base_dir)
    shapes = {}
    for t in net["tensors"]:
        data = tensor_bytes(t, base_dir) if "data" in t else None
        w.add_tensor(t["name"], t["shape"], t["dtype"], t.get("quantization"), data)
        shapes[t["name"]] = t["shape"]
    for node in net["nodes"]:
        convert_node(w, node, shapes)
    w.graph.inputs = np.array([w.index[n] for n in net["inputs"]], dtype=np.int32)
    w.graph.outputs = np.array([w.index[n] for n in net["outputs"]], dtype=np.int32)
    w.model.subgraphs = [w.graph]
    builder = flatbuffers.Builder(4096)
    builder.Finish(w.model.Pack(builder), file_identifier=b"TFL3")
    out = bytes(builder.Output())
    back = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(out, 0))
    assert len(back.subgraphs[0].operators) == len(net["nodes"])
    return out


def quantized_samples(net, samples_path, count):
    """The first `count` float samples, quantized with the graph input's scale and zero point."""
    t = next(t for t in net["tensors"] if t["name"] == net["inputs"][0])
    if t["dtype"] != "int8" or len(t["quantization"]["scale"]) != 1:
        raise ConversionError("--samples needs one per-tensor int8 input")
    scale, zp = t["quantization"]["scale"][0], t["quantization"].get("zero_point", [0])[0]
    x = np.load(samples_path).astype(np.float64).reshape(-1, int(np.prod(t["shape"])))[:count]
    q = np.clip(np.round(x / np.float32(scale)) + zp, -128, 127).astype(np.int8)
    return q.reshape([len(q)] + list(t["shape"]))


def tflm_check(buf, shape):
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(buf)
    it.set_input(np.zeros(shape, np.int8), 0)
    it.invoke()
    return np.array(it.get_output(0), copy=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("netjson")
    ap.add_argument("output")
    ap.add_argument("--samples", help="float samples (.npy) to quantize as golden inputs")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--inputs-out", help="where the quantized samples go (default: OUTPUT without .tflite + .inputs.npy)")
    ap.add_argument("--check", action="store_true", help="run the model once in TFLite Micro")
    args = ap.parse_args()
    try:
        with open(args.netjson) as f:
            net = json.load(f)
        buf = convert(net, os.path.dirname(os.path.abspath(args.netjson)))
        with open(args.output, "wb") as f:
            f.write(buf)
        print("wrote %s: %d operators, %d bytes" % (args.output, len(net["nodes"]), len(buf)))
        if args.samples:
            q = quantized_samples(net, args.samples, args.count)
            path = args.inputs_out or args.output[:-len(".tflite")] + ".inputs.npy"
            np.save(path, q)
            print("wrote %s: %s int8" % (path, list(q.shape)))
        if args.check:
            shape = next(t["shape"] for t in net["tensors"] if t["name"] == net["inputs"][0])
            print("TFLite Micro ran it: output %s" % tflm_check(buf, shape).reshape(-1).tolist())
    except (ConversionError, KeyError, OSError, json.JSONDecodeError) as e:
        print("netjson_to_tflite: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
