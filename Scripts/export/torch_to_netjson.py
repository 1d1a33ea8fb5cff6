#!/usr/bin/env python3
"""Export a PyTorch nn.Module to tinyc's FLOAT net.json (docs/net-json.md v1).

The model is put in eval mode, traced with torch.fx.symbolic_trace and run once on the
example input (torch.fx ShapeProp) so every node's shape is known. Each traced node
becomes at most one net.json node; nothing is fused here (tinyc's own passes fold batch
norm and fuse activations). tinyc then compiles the file with `--calib`.

Layout rule: PyTorch is NCHW, net.json is NHWC. A [1, C, H, W] PyTorch tensor is the
net.json tensor [1, H, W, C]; the model's input becomes [1, H, W, C], so the samples you
give tinyc (--calib, --input) must be NHWC (`--nchw-samples` converts an NCHW .npy).
Conv weights are written OHWI, depthwise weights [1, KH, KW, C*m], Linear weights
[N_out, N_in]. A flatten of a [1, C, H, W] feature map is (H, W, C)-ordered in net.json,
so the nn.Linear it feeds gets its weight columns permuted to match: results are
identical to PyTorch's.

Supported (anything else is an ExportError naming the node and its target):
  nn.Conv2d (groups=1, or depthwise groups=in_channels with any depth multiplier; int/tuple,
  'same' or 'valid' padding; stride; dilation), nn.BatchNorm2d, nn.ReLU / F.relu /
  torch.relu, nn.ReLU6 / F.relu6 / nn.Hardtanh(0, 6), nn.Linear, nn.MaxPool2d,
  nn.AvgPool2d (no padding, or count_include_pad=False), nn.AdaptiveAvgPool2d(1) /
  x.mean((2, 3)), nn.Flatten / torch.flatten / x.view(x.size(0), -1) / reshape,
  torch.add / operator.add, torch.cat on channels, nn.Softmax / F.softmax (last dim),
  nn.Sigmoid / torch.sigmoid, nn.Dropout / nn.Identity (dropped).

CLI:
  python3 Scripts/export/torch_to_netjson.py MODULE:FACTORY --input-shape 1,3,32,32 -o net.json \
      [--state-dict weights.pt] [--name NAME]
  python3 Scripts/export/torch_to_netjson.py --nchw-samples calib_nchw.npy calib.npy

MODULE is an importable module name (the current directory is on the path) or a .py
file; FACTORY is a function in it that takes no arguments and returns the nn.Module.
Exit code 0 on success; 1 when the model cannot be exported (unsupported node, import or
shape error; no file is written); 2 for a malformed command line.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import importlib.util
import json
import operator
import os
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

# Constants up to this many bytes go inline as base64 (biases, batch-norm vectors), bigger ones
# into the `.weights.bin` sidecar, as Examples/digits does: the JSON stays readable.
INLINE_MAX_BYTES = 256


class ExportError(Exception):
    """The model uses something net.json / this exporter cannot express; names the node."""


# --------------------------------------------------------------------------- the net.json being built


class NetBuilder:
    """Collects net.json tensors and nodes, and the sidecar bytes, in creation order (so the
    output is deterministic: the same model gives byte-identical files)."""

    def __init__(self):
        self.tensors: list[dict] = []
        self.nodes: list[dict] = []
        self.blob = bytearray()
        self.names: set[str] = set()

    def unique(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... if taken (a module called twice, e.g. a shared ReLU)."""
        candidate, k = name, 1
        while candidate in self.names:
            k += 1
            candidate = f"{name}_{k}"
        self.names.add(candidate)
        return candidate

    def activation(self, name: str, shape) -> str:
        name = self.unique(name)
        self.tensors.append({"name": name, "shape": [int(d) for d in shape], "dtype": "float32"})
        return name

    def const(self, name: str, array) -> str:
        name = self.unique(name)
        a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
        raw = a.tobytes()
        if len(raw) <= INLINE_MAX_BYTES:
            data = {"base64": base64.b64encode(raw).decode("ascii")}
        else:
            data = {"offset": len(self.blob), "length": len(raw)}
            self.blob += raw
        self.tensors.append({"name": name, "shape": [int(d) for d in a.shape], "dtype": "float32", "data": data})
        return name

    def node(self, name: str, op: str, inputs, output: str, attrs: dict | None = None) -> None:
        n = {"name": name, "op": op, "inputs": list(inputs), "outputs": [output]}
        if attrs:
            n["attrs"] = attrs
        self.nodes.append(n)

    def document(self, name: str, weights_file: str | None, inp: str, out: str) -> dict:
        doc = {"format": "tinyc-net", "version": 1, "name": name}
        if weights_file is not None:
            doc["weights_file"] = weights_file
        doc.update({"inputs": [inp], "outputs": [out], "tensors": self.tensors, "nodes": self.nodes})
        return doc


def format_json(doc: dict) -> str:
    """Stable, readable JSON: one line per tensor and per node."""
    lines = ["{"]
    for key in [k for k in doc if k not in ("tensors", "nodes")]:
        lines.append(f"  {json.dumps(key)}: {json.dumps(doc[key])},")
    for key in ("tensors", "nodes"):
        items = [f"    {json.dumps(item)}" for item in doc[key]]
        lines.append(f"  {json.dumps(key)}: [")
        lines.append(",\n".join(items))
        lines.append("  ]," if key == "tensors" else "  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- values flowing through the graph


@dataclass(frozen=True)
class Value:
    """A PyTorch tensor of the traced graph as it exists in net.json.

    torch_shape is PyTorch's shape: [1, C, H, W] (stored NHWC) or [1, N].
    chw is set on a [1, N] vector that came from flattening a [1, C, H, W] map with C > 1 and
    H*W > 1: net.json holds it in (H, W, C) order, PyTorch in (C, H, W) order. Only ops that do
    not care about the order (elementwise activations) may pass it on; nn.Linear undoes it.
    """

    tensor: str
    torch_shape: tuple
    chw: tuple | None = None

    @property
    def rank(self) -> int:
        return len(self.torch_shape)

    @property
    def nhwc_shape(self) -> list:
        return _nhwc(self.torch_shape)


def _nhwc(torch_shape) -> list:
    """net.json's shape of a PyTorch tensor: [1, C, H, W] -> [1, H, W, C]; [1, N] stays."""
    if len(torch_shape) == 4:
        n, c, h, w = torch_shape
        return [n, h, w, c]
    return list(torch_shape)


class Static:
    """A non-tensor value (x.size(0), x.shape, ...): only reshape-like ops may use it, and they
    read the traced output shape instead."""


SUPPORTED_MODULES = ("Conv2d", "BatchNorm2d", "ReLU", "ReLU6", "Hardtanh(0, 6)", "Linear", "MaxPool2d",
                     "AvgPool2d", "AdaptiveAvgPool2d(1)", "Flatten", "Softmax", "Sigmoid", "Dropout", "Dropout2d",
                     "Identity")
SUPPORTED_FUNCTIONS = ("F.relu", "torch.relu", "F.relu6", "F.hardtanh(0, 6)", "F.max_pool2d", "F.avg_pool2d",
                       "F.adaptive_avg_pool2d(1)", "torch.mean((2, 3))", "torch.flatten", "torch.reshape",
                       "torch.add / +", "torch.cat(dim=1)", "F.softmax / torch.softmax (last dim)",
                       "torch.sigmoid / F.sigmoid", "F.dropout")
SUPPORTED_METHODS = ("relu", "sigmoid", "softmax", "mean", "view", "reshape", "flatten", "size", "add", "contiguous")


def supported_summary() -> str:
    return (f"modules {', '.join(SUPPORTED_MODULES)}; functions {', '.join(SUPPORTED_FUNCTIONS)}; "
            f"tensor methods {', '.join(SUPPORTED_METHODS)}")


# --------------------------------------------------------------------------- small helpers


def _arg(node: torch.fx.Node, index: int, name: str, default=None):
    """Argument `name` of a call, given positionally at `index` or as a keyword."""
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _pair(v) -> tuple:
    return (v, v) if isinstance(v, int) else tuple(v)


def _shape_of(node: torch.fx.Node):
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().to(torch.float32).numpy()


def _explicit_or_valid(top: int, bottom: int, left: int, right: int):
    return "valid" if top == bottom == left == right == 0 else [top, bottom, left, right]


def _describe_function(fn) -> str:
    """The name a user writes for `fn` (F.gelu is really torch._C._nn.gelu, for instance)."""
    name = getattr(fn, "__name__", repr(fn))
    for prefix, namespace in (("torch.nn.functional", F), ("torch", torch), ("operator", operator)):
        if getattr(namespace, name, None) is fn:
            return f"{prefix}.{name}"
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else name


# --------------------------------------------------------------------------- the exporter


class Exporter:
    """Walks one traced graph in order and emits the net.json nodes for each FX node."""

    def __init__(self, gm: torch.fx.GraphModule):
        self.gm = gm
        self.modules = dict(gm.named_modules())
        self.net = NetBuilder()
        self.values: dict[torch.fx.Node, Value | Static] = {}
        self.input: str | None = None
        self.output: Value | None = None
        self.current = ""  # the label of the node being exported, for messages
        self.module_handlers = {
            nn.Conv2d: self.conv2d, nn.BatchNorm2d: self.batch_norm, nn.ReLU: self.relu, nn.ReLU6: self.relu6,
            nn.Hardtanh: self.hardtanh_module, nn.Linear: self.linear, nn.MaxPool2d: self.max_pool_module,
            nn.AvgPool2d: self.avg_pool_module, nn.AdaptiveAvgPool2d: self.adaptive_avg_pool_module,
            nn.Flatten: self.flatten_module, nn.Softmax: self.softmax_module, nn.Sigmoid: self.sigmoid,
            nn.Dropout: self.identity, nn.Dropout2d: self.identity, nn.Identity: self.identity,
        }
        self.function_handlers = {
            F.relu: self.relu, torch.relu: self.relu, F.relu6: self.relu6, F.hardtanh: self.hardtanh_function,
            F.max_pool2d: self.max_pool_function, F.avg_pool2d: self.avg_pool_function,
            F.adaptive_avg_pool2d: self.adaptive_avg_pool_function, torch.mean: self.mean,
            torch.flatten: self.reshape, torch.reshape: self.reshape, torch.add: self.add, operator.add: self.add,
            torch.cat: self.cat, torch.concat: self.cat, F.softmax: self.softmax_function,
            torch.softmax: self.softmax_function, torch.sigmoid: self.sigmoid, F.sigmoid: self.sigmoid,
            F.dropout: self.dropout_function, getattr: self.static, operator.getitem: self.static,
        }
        self.method_handlers = {
            "relu": self.relu, "sigmoid": self.sigmoid, "softmax": self.softmax_function, "mean": self.mean,
            "view": self.reshape, "reshape": self.reshape, "flatten": self.reshape, "size": self.static,
            "add": self.add, "contiguous": self.identity,
        }

    # -------------------------------------------------------------- driver

    def run(self) -> None:
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                self.placeholder(node)
            elif node.op == "output":
                self.graph_output(node)
            elif node.op == "get_attr":
                raise ExportError(f"node '{node.name}': reading the parameter or buffer '{node.target}' inside forward() "
                                  "is not supported; use the modules listed below. Supported: " + supported_summary())
            else:
                handler, label = self.handler_for(node)
                self.current = self.net.unique(label)
                self.values[node] = handler(node, self.current)

    def handler_for(self, node: torch.fx.Node):
        """(handler, node label for net.json) of a call node: the module path for a module call, FX's
        unique node name for a function or method call."""
        if node.op == "call_module":
            module = self.modules[node.target]
            handler = self.module_handlers.get(type(module))
            what = type(module).__name__
            label = str(node.target)
        elif node.op == "call_function":
            handler = self.function_handlers.get(node.target)
            what = _describe_function(node.target)
            label = node.name
        else:
            handler = self.method_handlers.get(node.target)
            what = f"Tensor.{node.target}()"
            label = node.name
        if handler is None:
            raise ExportError(f"node '{label}': {what} is not supported; supported: {supported_summary()}")
        return handler, label

    def placeholder(self, node: torch.fx.Node) -> None:
        if self.input is not None:
            raise ExportError(f"node '{node.name}': net.json v1 takes exactly one input; forward() has more")
        shape = _shape_of(node)
        if shape is None or len(shape) not in (2, 4) or shape[0] != 1:
            raise ExportError(f"node '{node.name}': the input must be one tensor [1, C, H, W] or [1, N], got {shape}")
        self.input = self.net.activation(node.name, _nhwc(shape))
        self.values[node] = Value(self.input, shape)

    def graph_output(self, node: torch.fx.Node) -> None:
        self.current = "output"
        result = node.args[0]
        if isinstance(result, (tuple, list)):
            if len(result) != 1:
                raise ExportError(f"node 'output': net.json v1 has exactly one output; forward() returns {len(result)}")
            result = result[0]
        value = self.tensor(result)
        self.plain(value, "be the model's output")
        if value.tensor == self.input:
            raise ExportError("node 'output': the model computes nothing (its output is its input)")
        self.output = value

    # -------------------------------------------------------------- operand access

    def tensor(self, arg) -> Value:
        """The Value of a tensor operand; a constant or Python number is an error."""
        value = self.values.get(arg) if isinstance(arg, torch.fx.Node) else None
        if not isinstance(value, Value):
            raise ExportError(f"node '{self.current}': operand {arg!r} is not a tensor computed from the input "
                              "(constants and Python numbers as operands are not supported)")
        return value

    def plain(self, value: Value, purpose: str) -> None:
        """Rejects a (H, W, C)-ordered flattened vector where the element order matters."""
        if value.chw is not None:
            c, h, w = value.chw
            raise ExportError(
                f"node '{self.current}': a flattened [{c}, {h}, {w}] feature map cannot {purpose}: net.json flattens NHWC, "
                "so its order only equals PyTorch's after an nn.Linear (whose weight columns the exporter permutes); "
                "feed the flatten into nn.Linear, optionally through ReLU / ReLU6 / Sigmoid / Dropout")

    def feature_map(self, value: Value, what: str) -> None:
        if value.rank != 4:
            raise ExportError(f"node '{self.current}': {what} needs a [1, C, H, W] input, got {list(value.torch_shape)}")

    def emit(self, label: str, op: str, inputs, node: torch.fx.Node, attrs=None, chw=None) -> Value:
        """One net.json node whose output has the traced shape of `node`."""
        shape = _shape_of(node)
        out = self.net.activation(f"{label}.out", _nhwc(shape))
        self.net.node(label, op, inputs, out, attrs)
        return Value(out, shape, chw)

    # -------------------------------------------------------------- layers with weights

    def conv2d(self, node, label) -> Value:
        m: nn.Conv2d = self.modules[node.target]
        x = self.tensor(node.args[0])
        self.feature_map(x, "Conv2d")
        if m.padding_mode != "zeros":
            raise ExportError(f"node '{label}': Conv2d padding_mode='{m.padding_mode}' is not supported (only 'zeros')")
        attrs = {"stride": list(_pair(m.stride)), "dilation": list(_pair(m.dilation)), "padding": self.conv_padding(m)}
        w = _numpy(m.weight)  # [O, I/groups, KH, KW]
        inputs = [x.tensor]
        if m.groups == 1:
            op = "conv2d"
            inputs.append(self.net.const(f"{label}.w", w.transpose(0, 2, 3, 1)))  # OHWI
        elif m.groups == m.in_channels:
            # Depthwise: PyTorch output channel o reads input channel o // m, as net.json's c*m + j does.
            op = "depthwise_conv2d"
            attrs["depth_multiplier"] = m.out_channels // m.in_channels
            inputs.append(self.net.const(f"{label}.w", w[:, 0].transpose(1, 2, 0)[None]))  # [1, KH, KW, C*m]
        else:
            raise ExportError(f"node '{label}': Conv2d with groups={m.groups} (in_channels={m.in_channels}) is not "
                              "supported: only groups=1 or depthwise groups=in_channels")
        if m.bias is not None:
            inputs.append(self.net.const(f"{label}.b", _numpy(m.bias)))
        return self.emit(label, op, inputs, node, attrs)

    @staticmethod
    def conv_padding(m: nn.Conv2d):
        # PyTorch 'same' (stride 1 only) puts the odd pixel bottom/right, as TFLite SAME does.
        if isinstance(m.padding, str):
            return m.padding
        ph, pw = _pair(m.padding)
        return _explicit_or_valid(ph, ph, pw, pw)

    def linear(self, node, label) -> Value:
        m: nn.Linear = self.modules[node.target]
        x = self.tensor(node.args[0])
        if x.rank != 2:
            raise ExportError(f"node '{label}': Linear needs a [1, N] input (flatten first), got {list(x.torch_shape)}")
        w = _numpy(m.weight)  # [N_out, N_in]
        if x.chw is not None:
            # Columns are in PyTorch's (C, H, W) order; net.json's flattened input is (H, W, C).
            c, h, wd = x.chw
            w = w.reshape(w.shape[0], c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        inputs = [x.tensor, self.net.const(f"{label}.w", w)]
        if m.bias is not None:
            inputs.append(self.net.const(f"{label}.b", _numpy(m.bias)))
        return self.emit(label, "fully_connected", inputs, node)

    def batch_norm(self, node, label) -> Value:
        m: nn.BatchNorm2d = self.modules[node.target]
        x = self.tensor(node.args[0])
        self.feature_map(x, "BatchNorm2d")
        if not m.track_running_stats or m.running_mean is None:
            raise ExportError(f"node '{label}': BatchNorm2d(track_running_stats=False) normalizes with each batch's "
                              "statistics even in eval mode; only running statistics can be exported")
        c = m.num_features
        gamma = _numpy(m.weight) if m.weight is not None else np.ones(c, np.float32)
        beta = _numpy(m.bias) if m.bias is not None else np.zeros(c, np.float32)
        inputs = [x.tensor, self.net.const(f"{label}.gamma", gamma), self.net.const(f"{label}.beta", beta),
                  self.net.const(f"{label}.mean", _numpy(m.running_mean)),
                  self.net.const(f"{label}.variance", _numpy(m.running_var))]
        return self.emit(label, "batch_norm", inputs, node, {"epsilon": float(m.eps)})

    # -------------------------------------------------------------- activations

    def elementwise(self, node, label, op) -> Value:
        """relu / relu6 / logistic: the element order does not matter, so a flattened vector keeps its order."""
        x = self.tensor(node.args[0])
        return self.emit(label, op, [x.tensor], node, chw=x.chw)

    def relu(self, node, label) -> Value:
        return self.elementwise(node, label, "relu")

    def relu6(self, node, label) -> Value:
        return self.elementwise(node, label, "relu6")

    def sigmoid(self, node, label) -> Value:
        return self.elementwise(node, label, "logistic")

    def hardtanh_module(self, node, label) -> Value:
        m = self.modules[node.target]
        return self.hardtanh(node, label, m.min_val, m.max_val)

    def hardtanh_function(self, node, label) -> Value:
        return self.hardtanh(node, label, _arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0))

    def hardtanh(self, node, label, lo, hi) -> Value:
        if (lo, hi) != (0.0, 6.0):
            raise ExportError(f"node '{label}': Hardtanh({lo}, {hi}) is not supported; only Hardtanh(0, 6), which is ReLU6")
        return self.relu6(node, label)

    def softmax_module(self, node, label) -> Value:
        return self.softmax(node, label, self.modules[node.target].dim)

    def softmax_function(self, node, label) -> Value:
        if _arg(node, 3 if node.target is F.softmax else 2, "dtype") is not None:
            raise ExportError(f"node '{label}': softmax with a dtype is not supported")
        return self.softmax(node, label, _arg(node, 1, "dim"))

    def softmax(self, node, label, dim) -> Value:
        x = self.tensor(node.args[0])
        if dim is None:
            dim = 0 if x.rank in (0, 1, 3) else 1  # PyTorch's legacy implicit dim
        if x.rank != 2 or dim not in (1, -1):
            raise ExportError(f"node '{label}': softmax is supported over the last dimension of a [1, N] tensor only; "
                              f"got dim={dim} on {list(x.torch_shape)}")
        self.plain(x, "go through softmax")
        return self.emit(label, "softmax", [x.tensor], node, {"beta": 1.0})

    # -------------------------------------------------------------- pooling

    def max_pool_module(self, node, label) -> Value:
        m: nn.MaxPool2d = self.modules[node.target]
        if m.return_indices:
            raise ExportError(f"node '{label}': MaxPool2d(return_indices=True) is not supported")
        if _pair(m.dilation) != (1, 1):
            raise ExportError(f"node '{label}': MaxPool2d with dilation={m.dilation} is not supported")
        return self.pool(node, label, "max_pool2d", m.kernel_size, m.stride, m.padding)

    def max_pool_function(self, node, label) -> Value:
        # F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        if _arg(node, 6, "return_indices", False) or _pair(_arg(node, 4, "dilation", 1)) != (1, 1):
            raise ExportError(f"node '{label}': max_pool2d with dilation or return_indices is not supported")
        return self.pool(node, label, "max_pool2d", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
                         _arg(node, 3, "padding", 0))

    def avg_pool_module(self, node, label) -> Value:
        m: nn.AvgPool2d = self.modules[node.target]
        self.check_avg_pool(label, m.padding, m.count_include_pad, m.divisor_override)
        return self.pool(node, label, "avg_pool2d", m.kernel_size, m.stride, m.padding)

    def avg_pool_function(self, node, label) -> Value:
        # F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        padding = _arg(node, 3, "padding", 0)
        self.check_avg_pool(label, padding, _arg(node, 5, "count_include_pad", True), _arg(node, 6, "divisor_override"))
        return self.pool(node, label, "avg_pool2d", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"), padding)

    @staticmethod
    def check_avg_pool(label, padding, count_include_pad, divisor_override) -> None:
        # net.json (TFLite) averages over the taps inside the input. PyTorch does the same with
        # count_include_pad=False, and also with no padding at all (every tap is inside, and
        # ceil_mode's overhang is not counted either), so only padding + counting it is rejected.
        if divisor_override is not None:
            raise ExportError(f"node '{label}': AvgPool2d(divisor_override=...) is not supported")
        if count_include_pad and _pair(padding) != (0, 0):
            raise ExportError(f"node '{label}': AvgPool2d with padding={padding} and count_include_pad=True is not "
                              "supported: net.json (like TFLite) excludes padding from the average; "
                              "use count_include_pad=False")

    def pool(self, node, label, op, kernel, stride, padding) -> Value:
        x = self.tensor(node.args[0])
        self.feature_map(x, op)
        kh, kw = _pair(kernel)
        sh, sw = (kh, kw) if stride is None or stride in ((), []) else _pair(stride)
        ph, pw = _pair(padding)
        _, _, h, w = x.torch_shape
        _, _, oh, ow = _shape_of(node)
        # ceil_mode adds windows that overhang the bottom/right: extra padding there, which both
        # pools ignore (max skips padded taps, average does not count them).
        bottom = max(ph, (oh - 1) * sh + kh - h - ph)
        right = max(pw, (ow - 1) * sw + kw - w - pw)
        if (h + ph + bottom - kh) // sh + 1 != oh or (w + pw + right - kw) // sw + 1 != ow:
            raise ExportError(f"node '{label}': cannot express this pooling's output size {oh}x{ow} in net.json")
        attrs = {"kernel": [kh, kw], "stride": [sh, sw], "padding": _explicit_or_valid(ph, bottom, pw, right)}
        return self.emit(label, op, [x.tensor], node, attrs)

    def adaptive_avg_pool_module(self, node, label) -> Value:
        return self.global_pool(node, label, self.modules[node.target].output_size)

    def adaptive_avg_pool_function(self, node, label) -> Value:
        return self.global_pool(node, label, _arg(node, 1, "output_size"))

    def global_pool(self, node, label, output_size) -> Value:
        if output_size not in (1, (1, 1), [1, 1]):
            raise ExportError(f"node '{label}': AdaptiveAvgPool2d({output_size}) is not supported; only output size 1")
        x = self.tensor(node.args[0])
        self.feature_map(x, "AdaptiveAvgPool2d")
        return self.emit(label, "mean", [x.tensor], node, {"axes": [1, 2], "keep_dims": True})

    def mean(self, node, label) -> Value:
        x = self.tensor(node.args[0])
        dims = _arg(node, 1, "dim")
        keep = bool(_arg(node, 2, "keepdim", False))
        if _arg(node, 3, "dtype") is not None:
            raise ExportError(f"node '{label}': mean with a dtype is not supported")
        dims = [dims] if isinstance(dims, int) else list(dims or [])
        if x.rank != 4 or sorted(d % 4 for d in dims) != [2, 3]:
            raise ExportError(f"node '{label}': mean is supported over the spatial dims (2, 3) of a [1, C, H, W] "
                              f"tensor only; got dim={dims} on {list(x.torch_shape)}")
        return self.emit(label, "mean", [x.tensor], node, {"axes": [1, 2], "keep_dims": keep})

    # -------------------------------------------------------------- shape and data movement

    def reshape(self, node, label) -> Value:
        """flatten / view / reshape: only [1, C, H, W] -> [1, C*H*W], or a reshape that keeps the shape."""
        x = self.tensor(node.args[0])
        out = _shape_of(node)
        if out == x.torch_shape:
            return x
        if x.rank != 4 or len(out) != 2 or out[0] != 1:
            raise ExportError(f"node '{label}': reshaping {list(x.torch_shape)} to {list(out)} is not supported; "
                              "only flattening a [1, C, H, W] feature map to [1, C*H*W]")
        _, c, h, w = x.torch_shape
        chw = (c, h, w) if c > 1 and h * w > 1 else None  # otherwise both orders are the same
        return self.emit(label, "flatten", [x.tensor], node, chw=chw)

    def flatten_module(self, node, label) -> Value:
        m: nn.Flatten = self.modules[node.target]
        if m.start_dim != 1 or m.end_dim != -1:
            raise ExportError(f"node '{label}': Flatten(start_dim={m.start_dim}, end_dim={m.end_dim}) is not supported; "
                              "only Flatten(1, -1)")
        return self.reshape(node, label)

    def add(self, node, label) -> Value:
        if _arg(node, 2, "alpha", 1) != 1:
            raise ExportError(f"node '{label}': add with alpha != 1 is not supported")
        a, b = self.tensor(node.args[0]), self.tensor(node.args[1])
        if a.torch_shape != b.torch_shape:
            raise ExportError(f"node '{label}': add of shapes {list(a.torch_shape)} and {list(b.torch_shape)} "
                              "is not supported; only equal shapes")
        if a.chw != b.chw:
            self.plain(a if a.chw is not None else b, "be added to a tensor of another element order")
        return self.emit(label, "add", [a.tensor, b.tensor], node, chw=a.chw)

    def cat(self, node, label) -> Value:
        parts = [self.tensor(t) for t in _arg(node, 0, "tensors")]
        dim = _arg(node, 1, "dim", 0)
        rank = parts[0].rank
        if dim % rank != 1:
            raise ExportError(f"node '{label}': torch.cat on dim={dim} is not supported; only the channel dim 1")
        for p in parts:
            self.plain(p, "be concatenated")
        # NCHW channels are NHWC's last axis; a [1, N] vector's dim 1 is its last axis too.
        return self.emit(label, "concat", [p.tensor for p in parts], node, {"axis": -1})

    def identity(self, node, label) -> Value:
        return self.tensor(node.args[0])

    def dropout_function(self, node, label) -> Value:
        if _arg(node, 2, "training", True):
            raise ExportError(f"node '{label}': F.dropout with training=True is active at inference; "
                              "pass training=self.training")
        return self.identity(node, label)

    def static(self, node, label) -> Static:
        """x.size(0), x.shape, x.shape[0]: shape arithmetic that reshape-like nodes ignore."""
        if _shape_of(node) is not None:
            raise ExportError(f"node '{label}': {node.target.__name__ if callable(node.target) else node.target} "
                              "on a tensor (indexing, slicing, attributes) is not supported")
        return Static()


# --------------------------------------------------------------------------- public API


def trace(model: nn.Module, example_input: torch.Tensor) -> torch.fx.GraphModule:
    """symbolic_trace in eval mode, with every node's shape from one run on the example input."""
    model.eval()
    try:  # eagerly first: a wrong input shape then gives PyTorch's own short message
        with torch.no_grad():
            model(example_input)
    except Exception as e:  # noqa: BLE001 - whatever the model raises on this input
        raise ExportError(f"running the model on an input of shape {list(example_input.shape)} failed: "
                          f"{type(e).__name__}: {e}") from e
    try:
        gm = torch.fx.symbolic_trace(model)
    except Exception as e:  # noqa: BLE001 - FX raises many types; all mean "not traceable"
        raise ExportError(f"torch.fx.symbolic_trace failed: {type(e).__name__}: {e} "
                          "(data-dependent control flow in forward() cannot be traced)") from e
    with torch.no_grad():
        ShapeProp(gm).propagate(example_input)
    return gm


def to_netjson(model: nn.Module, example_input: torch.Tensor, name: str,
               weights_file: str | None) -> tuple[dict, bytes]:
    """The net.json document and the sidecar bytes, in memory (nothing is written)."""
    example_input = torch.as_tensor(example_input, dtype=torch.float32)
    if example_input.dim() not in (2, 4) or example_input.shape[0] != 1:
        raise ExportError(f"the example input must be [1, C, H, W] or [1, N] (batch 1), got {list(example_input.shape)}")
    exporter = Exporter(trace(model, example_input))
    exporter.run()
    net = exporter.net
    sidecar = weights_file if net.blob else None
    return net.document(name, sidecar, exporter.input, exporter.output.tensor), bytes(net.blob)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: str, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def export(model: nn.Module, example_input: torch.Tensor, path: str, name: str | None = None) -> dict:
    """Writes `path` (net.json, FLOAT) and, when weights are large, `<stem>.weights.bin` beside it.

    The model is switched to eval mode. Everything is computed before anything is written, so an
    unsupported model (ExportError) leaves no file behind. Returns the net.json document.
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    weights_file = f"{stem}.weights.bin"
    doc, blob = to_netjson(model, example_input, name or stem, weights_file)
    text = format_json(doc).encode("utf-8")
    if blob:
        _atomic_write(os.path.join(os.path.dirname(os.path.abspath(path)), weights_file), blob)
    _atomic_write(path, text)
    return doc


def nchw_to_nhwc(samples: np.ndarray) -> np.ndarray:
    """[N, C, H, W] (or [N, 1, C, H, W], one batch-1 sample per row) -> float32 [N, H, W, C]."""
    a = np.asarray(samples)
    if a.ndim == 5 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 4:
        raise ExportError(f"expected NCHW samples [N, C, H, W] or [N, 1, C, H, W], got shape {list(a.shape)}")
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1), dtype=np.float32)


# --------------------------------------------------------------------------- CLI


def load_factory(spec: str):
    """`module:function` or `path/to/file.py:function` -> the function."""
    if ":" not in spec:
        raise ExportError(f"'{spec}': expected MODULE:FACTORY, e.g. mymodels:make_net")
    module_name, factory_name = spec.rsplit(":", 1)
    try:
        if module_name.endswith(".py"):
            loaded = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(module_name))[0], module_name)
            if loaded is None:
                raise ImportError(f"cannot load {module_name}")
            module = importlib.util.module_from_spec(loaded)
            loaded.loader.exec_module(module)
        else:
            sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except Exception as e:  # noqa: BLE001 - importing user code can raise anything
        raise ExportError(f"cannot import '{module_name}': {type(e).__name__}: {e}") from e
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise ExportError(f"'{module_name}' has no function '{factory_name}'")
    return factory


def build_model(spec: str) -> nn.Module:
    factory = load_factory(spec)
    try:
        return factory()
    except Exception as e:  # noqa: BLE001 - user code
        raise ExportError(f"{spec}() raised {type(e).__name__}: {e}") from e


def load_state_dict(model: nn.Module, path: str) -> None:
    try:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except Exception as e:  # noqa: BLE001 - unpickling and key mismatches raise many types
        raise ExportError(f"--state-dict {path}: {type(e).__name__}: {str(e).splitlines()[0]}") from e


def parse_shape(text: str) -> list[int]:
    try:
        shape = [int(d) for d in text.split(",")]
    except ValueError:
        raise ExportError(f"--input-shape '{text}': expected comma-separated integers, e.g. 1,3,32,32") from None
    if any(d <= 0 for d in shape):
        raise ExportError(f"--input-shape '{text}': dimensions must be positive")
    return shape


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Export a PyTorch model to tinyc's float net.json.")
    ap.add_argument("model", nargs="?", help="MODULE:FACTORY (module name or .py file, and a function returning the nn.Module)")
    ap.add_argument("--input-shape", help="PyTorch input shape, e.g. 1,3,32,32 (batch 1)")
    ap.add_argument("-o", "--output", help="net.json path to write")
    ap.add_argument("--state-dict", help="weights to load into the model (torch.save(model.state_dict()))")
    ap.add_argument("--name", help="model name in net.json (default: the output file's stem)")
    ap.add_argument("--nchw-samples", nargs=2, metavar=("IN.npy", "OUT.npy"),
                    help="convert NCHW samples [N, C, H, W] to the NHWC [N, H, W, C] tinyc's --calib / --input take")
    args = ap.parse_args(argv)
    try:
        if args.nchw_samples:
            src, dst = args.nchw_samples
            try:
                samples = np.load(src)
            except (OSError, ValueError) as e:
                raise ExportError(f"--nchw-samples {src}: {e}") from e
            converted = nchw_to_nhwc(samples)
            np.save(dst, converted)
            print(f"wrote {dst}: NHWC {list(converted.shape)}")
        if args.model:
            if not args.input_shape or not args.output:
                ap.error("exporting needs --input-shape and -o")
            model = build_model(args.model)
            if not isinstance(model, nn.Module):
                raise ExportError(f"{args.model} returned {type(model).__name__}, not an nn.Module")
            if args.state_dict:
                load_state_dict(model, args.state_dict)
            shape = parse_shape(args.input_shape)
            doc = export(model, torch.zeros(shape), args.output, name=args.name)
            print(f"wrote {args.output}: {len(doc['nodes'])} nodes, input {doc['tensors'][0]['shape']} (NHWC)")
        elif not args.nchw_samples:
            ap.error("give MODULE:FACTORY (with --input-shape and -o) or --nchw-samples IN.npy OUT.npy")
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
