#!/usr/bin/env python3
"""Independent NumPy reference interpreter for FLOAT tinyc net.json models.

This is tinyc's float oracle: it reads a net.json v1 file (docs/net-json.md), checks
it, and runs it on a batch of inputs with plain NumPy (float64 arithmetic, float32
results). It shares no code with the compiler or with the PyTorch training script.

Supported ops: conv2d, depthwise_conv2d, fully_connected, add, avg_pool2d, max_pool2d,
mean, global_avg_pool2d, relu, relu6, reshape, flatten, softmax, logistic, pad, concat,
batch_norm, plus the fused `activation` attribute.

Semantics chosen where the spec leaves room (kept in line with TFLite):
  * padding "same": output ceil(in / stride); total padding
    max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0), the odd pixel at the
    bottom/right.  "valid": no padding.  Explicit: [top, bottom, left, right].
  * avg_pool2d divides by the number of *valid* (non-padding) pixels in the window;
    max_pool2d ignores padding pixels.
  * depthwise_conv2d output channel c * depth_multiplier + j reads input channel c.
  * batch_norm: gamma * (x - mean) / sqrt(variance + epsilon) + beta, per last axis.
  * fully_connected flattens x row-major (NHWC order) to [1, N_in].

The model's batch dimension (always 1) is replaced by the number of samples in the
input, so a whole data set runs in one call.

CLI:
    python3 Scripts/netjson_float_ref.py MODEL.json INPUT.npy [--labels y.npy] [--out out.npy]

INPUT.npy holds N samples shaped like the graph input without its batch dimension
(e.g. [N, 8, 8, 1]) or with it ([N, 1, 8, 8, 1] is also accepted, as is a single sample
of exactly the input shape).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys

import numpy as np

DTYPES = {"float32": np.dtype("<f4"), "int8": np.dtype("i1"), "int32": np.dtype("<i4")}
ACTIVATIONS = ("none", "relu", "relu6")

TOP_KEYS = {"format", "version", "name", "weights_file", "inputs", "outputs", "tensors", "nodes"}
TOP_REQUIRED = {"format", "version", "inputs", "outputs", "tensors", "nodes"}
TENSOR_KEYS = {"name", "shape", "dtype", "quantization", "data"}
NODE_KEYS = {"name", "op", "inputs", "outputs", "attrs"}

CONV_ATTRS = {"stride", "dilation", "padding", "activation"}
POOL_ATTRS = {"kernel", "stride", "padding", "activation"}
# op -> (allowed attrs, min #inputs, max #inputs)
OPS = {
    "conv2d": (CONV_ATTRS, 2, 3),
    "depthwise_conv2d": (CONV_ATTRS | {"depth_multiplier"}, 2, 3),
    "fully_connected": ({"activation"}, 2, 3),
    "add": ({"activation"}, 2, 2),
    "avg_pool2d": (POOL_ATTRS, 1, 1),
    "max_pool2d": (POOL_ATTRS, 1, 1),
    "mean": ({"axes", "keep_dims"}, 1, 1),
    "global_avg_pool2d": ({"keep_dims"}, 1, 1),
    "relu": (set(), 1, 1),
    "relu6": (set(), 1, 1),
    "reshape": ({"shape"}, 1, 1),
    "flatten": (set(), 1, 1),
    "softmax": ({"beta"}, 1, 1),
    "logistic": (set(), 1, 1),
    "pad": ({"paddings"}, 1, 1),
    "concat": ({"axis"}, 1, 1 << 30),
    "batch_norm": ({"epsilon"}, 5, 5),
}


class NetError(Exception):
    """A malformed or unsupported model."""


# --------------------------------------------------------------------------- loading


def _check_keys(obj, allowed, required, where):
    if not isinstance(obj, dict):
        raise NetError(f"{where}: expected an object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise NetError(f"{where}: unknown key(s) {unknown}")
    missing = sorted(required - set(obj))
    if missing:
        raise NetError(f"{where}: missing key(s) {missing}")


class Model:
    """A parsed net.json: tensors (with constant data decoded) and topologically sorted nodes."""

    def __init__(self, path: str):
        self.path = path
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
        _check_keys(doc, TOP_KEYS, TOP_REQUIRED, path)
        if doc["format"] != "tinyc-net" or doc["version"] != 1:
            raise NetError(f"{path}: expected format 'tinyc-net' version 1")
        self.name = doc.get("name", os.path.splitext(os.path.basename(path))[0])
        if len(doc["inputs"]) != 1 or len(doc["outputs"]) != 1:
            raise NetError(f"{path}: v1 needs exactly one input and one output")
        self.input, self.output = doc["inputs"][0], doc["outputs"][0]

        blob = None
        if "weights_file" in doc:
            wpath = os.path.join(os.path.dirname(os.path.abspath(path)), doc["weights_file"])
            with open(wpath, "rb") as f:
                blob = f.read()

        self.shapes: dict[str, tuple] = {}
        self.consts: dict[str, np.ndarray] = {}
        for i, t in enumerate(doc["tensors"]):
            where = f"{path}: tensor {t.get('name', '#%d' % i)}"
            _check_keys(t, TENSOR_KEYS, {"name", "shape", "dtype"}, where)
            name = t["name"]
            if name in self.shapes:
                raise NetError(f"{where}: duplicate tensor name")
            shape = tuple(t["shape"])
            if not all(isinstance(d, int) and d > 0 for d in shape):
                raise NetError(f"{where}: dimensions must be positive integers, got {list(shape)}")
            if t["dtype"] not in DTYPES:
                raise NetError(f"{where}: unknown dtype {t['dtype']!r}")
            if t["dtype"] != "float32" or "quantization" in t:
                raise NetError(f"{where}: this reference only runs float32 graphs")
            self.shapes[name] = shape
            if "data" in t:
                self.consts[name] = self._decode(t, blob, where)

        self.nodes = []
        produced: dict[str, str] = {}
        for i, n in enumerate(doc["nodes"]):
            where = f"{path}: node {n.get('name', '#%d' % i)}"
            _check_keys(n, NODE_KEYS, {"name", "op", "inputs", "outputs"}, where)
            if n["op"] not in OPS:
                raise NetError(f"{where}: unknown op {n['op']!r}")
            allowed, lo, hi = OPS[n["op"]]
            attrs = n.get("attrs", {})
            unknown = sorted(set(attrs) - allowed)
            if unknown:
                raise NetError(f"{where}: unknown attribute(s) {unknown} for {n['op']}")
            if not lo <= len(n["inputs"]) <= hi:
                raise NetError(f"{where}: {n['op']} takes {lo}..{hi} inputs, got {len(n['inputs'])}")
            if len(n["outputs"]) != 1:
                raise NetError(f"{where}: v1 nodes have exactly one output")
            for tn in n["inputs"] + n["outputs"]:
                if tn not in self.shapes:
                    raise NetError(f"{where}: tensor {tn!r} is not declared")
            out = n["outputs"][0]
            if out in self.consts or out == self.input:
                raise NetError(f"{where}: output {out!r} is a constant or the graph input")
            if out in produced:
                raise NetError(f"{where}: tensor {out!r} is also produced by {produced[out]}")
            produced[out] = n["name"]
            self.nodes.append(n)
        for name in self.shapes:
            if name not in self.consts and name != self.input and name not in produced:
                raise NetError(f"{path}: tensor {name!r} is neither constant, input nor produced by a node")
        self.nodes = self._toposort()

    def _decode(self, t, blob, where):
        data = t["data"]
        dt = DTYPES[t["dtype"]]
        nbytes = int(np.prod(t["shape"])) * dt.itemsize
        if set(data) == {"base64"}:
            raw = base64.b64decode(data["base64"], validate=True)
        elif set(data) == {"offset", "length"}:
            if blob is None:
                raise NetError(f"{where}: offset/length data but no weights_file")
            off, ln = data["offset"], data["length"]
            if off < 0 or ln < 0 or off + ln > len(blob):
                raise NetError(f"{where}: data [{off}, {off + ln}) lies outside the weights file ({len(blob)} bytes)")
            raw = blob[off:off + ln]
        else:
            raise NetError(f"{where}: data must be {{base64}} or {{offset, length}}, got keys {sorted(data)}")
        if len(raw) != nbytes:
            raise NetError(f"{where}: data has {len(raw)} bytes, shape needs {nbytes}")
        return np.frombuffer(raw, dtype=dt).reshape(t["shape"]).astype(np.float64)

    def _toposort(self):
        ready = set(self.consts) | {self.input}
        pending = list(self.nodes)
        order = []
        while pending:
            progress = [n for n in pending if all(x in ready for x in n["inputs"])]
            if not progress:
                raise NetError(f"{self.path}: cycle (or unreachable input) among nodes "
                               f"{[n['name'] for n in pending]}")
            for n in progress:
                order.append(n)
                ready.add(n["outputs"][0])
            pending = [n for n in pending if n not in progress]
        return order

    # ----------------------------------------------------------------------- running

    def run(self, x: np.ndarray, trace: bool = False) -> np.ndarray:
        """Run the graph on x of shape [N, *input_shape[1:]]; returns float32 [N, *output_shape[1:]]."""
        in_shape = self.shapes[self.input]
        x = np.asarray(x, dtype=np.float64)
        if x.shape[1:] == in_shape[1:]:
            pass  # [N, H, W, C] (includes a single sample of exactly the input shape)
        elif x.ndim == len(in_shape) + 1 and x.shape[1:] == in_shape:
            x = x.reshape((x.shape[0],) + in_shape[1:])
        else:
            raise NetError(f"input shape {x.shape} does not fit graph input {list(in_shape)}")
        env = {self.input: x}
        env.update(self.consts)
        for n in self.nodes:
            args = [env[t] for t in n["inputs"]]
            attrs = n.get("attrs", {})
            try:
                y = _eval(n["op"], args, attrs, n["inputs"], self.consts)
            except (ValueError, KeyError, TypeError) as e:
                raise NetError(f"{self.path}: node {n['name']}: {e}") from e
            out = n["outputs"][0]
            want = self.shapes[out]
            if y.shape[1:] != want[1:] or want[0] != 1:
                raise NetError(f"{self.path}: node {n['name']}: computed shape "
                               f"{[1] + list(y.shape[1:])} but {out!r} is declared {list(want)}")
            if trace:
                print(f"  {n['name']:<12} {n['op']:<18} -> {out} {list(want)} "
                      f"range [{y.min():.4g}, {y.max():.4g}]")
            env[out] = y
        return env[self.output].astype(np.float32)


# --------------------------------------------------------------------------- ops


def _pair(v, default=(1, 1)):
    if v is None:
        return tuple(default)
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(i, int) and i > 0 for i in v)):
        raise ValueError(f"expected a [h, w] pair of positive integers, got {v!r}")
    return tuple(v)


def _pads(padding, in_hw, k_hw, stride, dilation):
    """Return (top, bottom, left, right) and output (H', W') for a window op."""
    if padding is None or padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        pads = []
        for i in range(2):
            eff = (k_hw[i] - 1) * dilation[i] + 1
            out = -(-in_hw[i] // stride[i])
            total = max((out - 1) * stride[i] + eff - in_hw[i], 0)
            pads += [total // 2, total - total // 2]
        pads = tuple(pads)
    elif isinstance(padding, list) and len(padding) == 4 and all(isinstance(p, int) and p >= 0 for p in padding):
        pads = tuple(padding)
    else:
        raise ValueError(f"bad padding {padding!r}")
    out_hw = []
    for i in range(2):
        eff = (k_hw[i] - 1) * dilation[i] + 1
        padded = in_hw[i] + pads[2 * i] + pads[2 * i + 1]
        if padded < eff:
            raise ValueError(f"window {eff} larger than padded input {padded}")
        out_hw.append((padded - eff) // stride[i] + 1)
    return pads, tuple(out_hw)


def _windows(x, k_hw, stride, dilation, padding, fill):
    """Yield (kh, kw, patch) with patch [N, H', W', C] = padded x at each kernel offset."""
    n, h, w, c = x.shape
    (t, b, l, r), (oh, ow) = _pads(padding, (h, w), k_hw, stride, dilation)
    xp = np.full((n, h + t + b, w + l + r, c), fill, dtype=x.dtype)
    xp[:, t:t + h, l:l + w, :] = x
    for i in range(k_hw[0]):
        for j in range(k_hw[1]):
            y0, x0 = i * dilation[0], j * dilation[1]
            patch = xp[:, y0:y0 + (oh - 1) * stride[0] + 1:stride[0], x0:x0 + (ow - 1) * stride[1] + 1:stride[1], :]
            yield i, j, patch


def _activation(y, attrs):
    act = attrs.get("activation", "none")
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}")
    if act == "relu":
        return np.maximum(y, 0.0)
    if act == "relu6":
        return np.clip(y, 0.0, 6.0)
    return y


def _need4(x, op):
    if x.ndim != 4:
        raise ValueError(f"{op} needs an NHWC input, got rank {x.ndim}")


def _conv2d(x, w, b, attrs):
    _need4(x, "conv2d")
    cout, kh, kw, cin = w.shape
    if x.shape[3] != cin:
        raise ValueError(f"input has {x.shape[3]} channels, weights expect {cin}")
    stride, dil = _pair(attrs.get("stride")), _pair(attrs.get("dilation"))
    y = None
    for i, j, patch in _windows(x, (kh, kw), stride, dil, attrs.get("padding"), 0.0):
        term = np.einsum("nhwc,oc->nhwo", patch, w[:, i, j, :])
        y = term if y is None else y + term
    if b is not None:
        y = y + b
    return y


def _depthwise(x, w, b, attrs):
    _need4(x, "depthwise_conv2d")
    m = attrs.get("depth_multiplier", 1)
    if not (isinstance(m, int) and m > 0):
        raise ValueError(f"bad depth_multiplier {m!r}")
    one, kh, kw, cm = w.shape
    c = x.shape[3]
    if one != 1 or cm != c * m:
        raise ValueError(f"weights {list(w.shape)} do not match [1, KH, KW, {c}*{m}]")
    stride, dil = _pair(attrs.get("stride")), _pair(attrs.get("dilation"))
    xm = np.repeat(x, m, axis=3)  # channel c*m + j reads input channel c
    y = None
    for i, j, patch in _windows(xm, (kh, kw), stride, dil, attrs.get("padding"), 0.0):
        term = patch * w[0, i, j, :]
        y = term if y is None else y + term
    if b is not None:
        y = y + b
    return y


def _pool(x, attrs, op):
    _need4(x, op)
    if "kernel" not in attrs:
        raise ValueError("kernel is required")
    k = _pair(attrs["kernel"])
    stride = _pair(attrs.get("stride"))
    if op == "max_pool2d":
        y = None
        for _, _, patch in _windows(x, k, stride, (1, 1), attrs.get("padding"), -np.inf):
            y = patch.copy() if y is None else np.maximum(y, patch)
        return y
    total = None
    ones = np.ones(x.shape[:3] + (1,), dtype=x.dtype)
    count = None
    for (_, _, patch), (_, _, cpatch) in zip(_windows(x, k, stride, (1, 1), attrs.get("padding"), 0.0),
                                             _windows(ones, k, stride, (1, 1), attrs.get("padding"), 0.0)):
        total = patch.copy() if total is None else total + patch
        count = cpatch.copy() if count is None else count + cpatch
    return total / count


def _mean(x, keep_dims):
    _need4(x, "mean")
    if not isinstance(keep_dims, bool):
        raise ValueError(f"keep_dims must be a boolean, got {keep_dims!r}")
    y = x.mean(axis=(1, 2), keepdims=True)
    return y if keep_dims else y.reshape(y.shape[0], -1)


def _eval(op, args, attrs, names, consts):
    x = args[0]
    bias = args[2] if len(args) > 2 else None
    if op in ("conv2d", "depthwise_conv2d", "fully_connected"):
        if names[1] not in consts or (bias is not None and names[2] not in consts):
            raise ValueError("weights and bias must be constants")
    if op == "conv2d":
        y = _conv2d(x, args[1], bias, attrs)
    elif op == "depthwise_conv2d":
        y = _depthwise(x, args[1], bias, attrs)
    elif op == "fully_connected":
        xf = x.reshape(x.shape[0], -1)
        w = args[1]
        if w.ndim != 2 or w.shape[1] != xf.shape[1]:
            raise ValueError(f"weights {list(w.shape)} do not match flattened input {xf.shape[1]}")
        y = xf @ w.T
        if bias is not None:
            y = y + bias
    elif op == "add":
        try:  # numpy's rules are the spec's (aligned on the last dimension, 1 stretches)
            np.broadcast_shapes(args[0].shape, args[1].shape)
        except ValueError:
            raise ValueError(f"add shapes {list(args[0].shape[1:])} and {list(args[1].shape[1:])} do not broadcast")
        y = args[0] + args[1]
    elif op in ("avg_pool2d", "max_pool2d"):
        y = _pool(x, attrs, op)
    elif op == "mean":
        if attrs.get("axes", [1, 2]) != [1, 2]:
            raise ValueError("mean supports axes [1, 2] only")
        return _mean(x, attrs.get("keep_dims", True))
    elif op == "global_avg_pool2d":
        return _mean(x, attrs.get("keep_dims", True))
    elif op == "relu":
        return np.maximum(x, 0.0)
    elif op == "relu6":
        return np.clip(x, 0.0, 6.0)
    elif op == "reshape":
        shape = list(attrs["shape"])
        if shape.count(-1) > 1 or shape[0] not in (1, -1):
            raise ValueError(f"bad reshape shape {shape}")
        shape[0] = x.shape[0]  # the batch slot (1 or -1) becomes the number of samples
        return x.reshape(shape)
    elif op == "flatten":
        return x.reshape(x.shape[0], -1)
    elif op == "softmax":
        beta = float(attrs.get("beta", 1.0))
        z = beta * x
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)
    elif op == "logistic":
        return 1.0 / (1.0 + np.exp(-x))
    elif op == "pad":
        p = attrs["paddings"]
        _need4(x, "pad")
        if (not isinstance(p, list) or len(p) != 4 or any(len(q) != 2 for q in p)
                or p[0] != [0, 0] or p[3] != [0, 0] or any(v < 0 for q in p for v in q)):
            raise ValueError(f"bad paddings {p!r}")
        return np.pad(x, p, mode="constant", constant_values=0.0)
    elif op == "concat":
        axis = attrs["axis"]
        rank = x.ndim
        if axis < 0:
            axis += rank
        if not 0 < axis < rank:
            raise ValueError(f"bad concat axis {attrs['axis']} for rank {rank}")
        return np.concatenate(args, axis=axis)
    elif op == "batch_norm":
        _, gamma, beta, mean, var = args
        if any(n not in consts for n in names[1:]):
            raise ValueError("batch_norm parameters must be constants")
        eps = float(attrs.get("epsilon", 1e-5))
        return gamma * (x - mean) / np.sqrt(var + eps) + beta
    else:
        raise ValueError(f"unsupported op {op}")
    return _activation(y, attrs)


# --------------------------------------------------------------------------- CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="net.json file (float32)")
    ap.add_argument("input", help=".npy with N input samples")
    ap.add_argument("--labels", help=".npy with N integer labels; prints top-1 accuracy")
    ap.add_argument("--out", help="write the float32 outputs [N, ...] to this .npy")
    ap.add_argument("--trace", action="store_true", help="print every node's output shape and range (first sample)")
    args = ap.parse_args(argv)

    try:
        model = Model(args.model)
        x = np.load(args.input)
        if args.trace:
            model.run(x[:1], trace=True)
        y = model.run(x)
    except NetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{model.name}: {len(model.nodes)} nodes, input {args.input} {list(x.shape)} -> output {list(y.shape)}")
    if args.out:
        np.save(args.out, y)
        print(f"wrote {args.out}")
    if args.labels:
        labels = np.load(args.labels).reshape(-1)
        pred = y.reshape(y.shape[0], -1).argmax(axis=1)
        if len(labels) != len(pred):
            print(f"error: {len(labels)} labels for {len(pred)} samples", file=sys.stderr)
            return 1
        correct = int((pred == labels).sum())
        print(f"accuracy: {correct}/{len(labels)} = {correct / len(labels):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
