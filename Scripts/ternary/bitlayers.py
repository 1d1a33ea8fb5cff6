#!/usr/bin/env python3
"""1.58-bit (ternary) layers for PyTorch quantization-aware training, and a net.json exporter.

Drop-in replacements for nn.Conv2d / nn.Linear whose weights are ternary in the forward
pass and whose inputs are fake-quantized to int8:

    BitConv2d(in, out, k, ..., groups=1, scale="absmean", per_channel=True, act_quant=True)
    BitDepthwiseConv2d(channels, k, ...)           # BitConv2d with groups = channels
    BitLinear(in, out, ..., scale="absmean", per_channel=True, act_quant=True)
    ActQuant()                                     # int8 fake-quant of any activation
    ternary_state(layer) -> (t int8 numpy, gamma float32 numpy)
    NetJsonWriter                                  # writes net.json (ternary or dequantized)

Weights (forward pass of a Bit layer)
-------------------------------------
    gamma = max(S(|W|), eps)                       eps = 1e-5
    t     = clamp(round(W / gamma), -1, 1)         t in {-1, 0, +1}
    W_q   = gamma * t,   used as W + (W_q - W).detach()   (straight-through estimator)

S is `scale="absmean"` (BitNet b1.58, Ma et al. 2024: the mean of |W|) or `scale="median"`
(BitNet b1.58 Reloaded, Nielsen & Schneider-Kamp 2024: the median of |W|, torch's lower
median for an even count). The median gives a smaller gamma, hence fewer zeros (the rounding
threshold is gamma / 2), and ignores a few large weights.

gamma is computed PER OUTPUT CHANNEL by default (`per_channel=True`): over W[o] for conv and
fully connected, over the kernel of channel c for depthwise. Reasons: (1) tinyc's int8
pipeline already has per-channel weight scales, so per-channel gamma costs nothing at run
time (it folds into the per-channel requantization multiplier M = s_in * gamma_o / s_out);
(2) layers as small as this repository's examples (9 weights per depthwise channel, 16 per
FC row) have channels of very different magnitude that one gamma would crush to zero;
(3) a batch norm after the layer then folds into gamma exactly (see NetJsonWriter).
`per_channel=False` gives BitNet's single per-tensor gamma. eps is a clamp (as in BitNet's
reference code), not an addend, so the gamma used for rounding is exactly the one
exported; the two differ only for an all-zero channel.

Activations
-----------
Every Bit layer fake-quantizes its INPUT to asymmetric int8, per tensor, with a static range:
an ActQuant module keeps an exponential moving average (momentum 0.1) of the batch min and
max while training and freezes it in eval mode. The range is widened to include 0, then
scale = (hi - lo) / 255, zero_point = round(-128 - lo / scale), exactly like tinyc's
calibration (TFLite's asymmetric int8), so the trained network sees the rounding that
tinyc's --calib quantization applies later. Gradient: straight-through inside [lo, hi],
zero outside (clipped STE). This is deliberately not BitNet's dynamic per-token absmax:
on a microcontroller a static per-tensor scale costs nothing at run time.

Use in your own model
---------------------
Replace nn.Conv2d by BitConv2d and nn.Linear by BitLinear (keep the constructor arguments),
train as usual (QAT from scratch, or load float weights first and fine-tune), then export
with NetJsonWriter, one call per layer in forward order (see Scripts/ternary/
train_digits_ternary.py::export for a complete example). Layers you keep as plain
nn.Conv2d / nn.Linear are exported as float32 and tinyc quantizes them to int8 as usual.
"""

from __future__ import annotations

import base64
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-5
SCALES = ("absmean", "median")


# --------------------------------------------------------------------------- quantizers


def ternary_weight(w: torch.Tensor, scale: str = "absmean", per_channel: bool = True, eps: float = EPS):
    """(t, gamma) for weight w (PyTorch layout, output channels on dim 0).

    t has w's shape with values in {-1, 0, 1} (float tensor); gamma has shape [C_out] if
    per_channel else [1]. Computed without gradient.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    with torch.no_grad():
        a = w.abs().reshape(w.shape[0] if per_channel else 1, -1)
        g = a.mean(dim=1) if scale == "absmean" else a.median(dim=1).values
        g = g.clamp(min=eps)
        gb = g.reshape((-1,) + (1,) * (w.dim() - 1))
        t = (w / gb).round().clamp(-1, 1)
    return t, g


def ternary_ste(w: torch.Tensor, scale: str = "absmean", per_channel: bool = True, eps: float = EPS):
    """gamma * t in the forward pass, identity gradient to w (straight-through estimator)."""
    t, g = ternary_weight(w, scale, per_channel, eps)
    wq = t * g.reshape((-1,) + (1,) * (w.dim() - 1))
    return w + (wq - w).detach()


def int8_asymmetric(lo: float, hi: float):
    """TFLite / tinyc asymmetric int8 (scale, zero_point) for a real range widened to include 0."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0 / 255.0
    zp = -128.0 - lo / scale
    zp = math.floor(zp + 0.5) if zp >= 0 else -math.floor(-zp + 0.5)  # round half away from zero
    return scale, int(min(max(zp, -128), 127))


class ActQuant(nn.Module):
    """Per-tensor asymmetric int8 fake quantization with an EMA min/max observer.

    Training: updates running_min / running_max (first batch sets them, then
    r = (1 - momentum) * r + momentum * batch), then quantizes with the running range.
    Eval: uses the frozen running range. `enabled = False` leaves x unchanged but still
    observes (useful for a float warm-up). Gradient: 1 inside the range, 0 outside.
    """

    def __init__(self, momentum: float = 0.1, bits: int = 8):
        super().__init__()
        if bits != 8:
            raise ValueError("tinyc's activations are int8: bits must be 8")
        self.momentum = momentum
        self.enabled = True
        self.register_buffer("running_min", torch.zeros(()))
        self.register_buffer("running_max", torch.zeros(()))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    def qparams(self):
        return int8_asymmetric(self.running_min.item(), self.running_max.item())

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                bmin, bmax = x.min(), x.max()
                if not bool(self.initialized):
                    self.running_min.copy_(bmin)
                    self.running_max.copy_(bmax)
                    self.initialized.fill_(True)
                else:
                    self.running_min.mul_(1 - self.momentum).add_(self.momentum * bmin)
                    self.running_max.mul_(1 - self.momentum).add_(self.momentum * bmax)
        if not self.enabled or not bool(self.initialized):
            return x
        s, zp = self.qparams()
        lo, hi = (-128 - zp) * s, (127 - zp) * s
        xc = x.clamp(lo, hi)  # gradient 0 outside the representable range
        q = torch.clamp(torch.round(xc / s) + zp, -128, 127)
        return xc + ((q - zp) * s - xc).detach()

    def extra_repr(self):
        return f"momentum={self.momentum}, enabled={self.enabled}"


class _BitMixin:
    """Shared state of the Bit layers: scale method, per-channel flag, input quantizer."""

    def _init_bit(self, scale, per_channel, act_quant):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
        self.scale = scale
        self.per_channel = per_channel
        self.act = ActQuant() if act_quant else nn.Identity()

    def quantized_weight(self):
        return ternary_ste(self.weight, self.scale, self.per_channel)

    def extra_repr(self):
        return super().extra_repr() + f", scale={self.scale!r}, per_channel={self.per_channel}"


class BitConv2d(_BitMixin, nn.Conv2d):
    """nn.Conv2d with ternary weights (gamma * t) and int8 fake-quantized input. groups works
    as in nn.Conv2d (groups = in_channels = out_channels is a depthwise conv)."""

    def __init__(self, *args, scale: str = "absmean", per_channel: bool = True, act_quant: bool = True, **kw):
        super().__init__(*args, **kw)
        if self.padding_mode != "zeros":
            raise ValueError("BitConv2d: only padding_mode='zeros' maps onto net.json")
        self._init_bit(scale, per_channel, act_quant)

    def forward(self, x):
        return self._conv_forward(self.act(x), self.quantized_weight(), self.bias)


class BitDepthwiseConv2d(BitConv2d):
    """Depthwise BitConv2d (depth multiplier 1): BitDepthwiseConv2d(C, k) == BitConv2d(C, C, k, groups=C)."""

    def __init__(self, channels: int, kernel_size, **kw):
        super().__init__(channels, channels, kernel_size, groups=channels, **kw)


class BitLinear(_BitMixin, nn.Linear):
    """nn.Linear with ternary weights (gamma * t) and int8 fake-quantized input."""

    def __init__(self, *args, scale: str = "absmean", per_channel: bool = True, act_quant: bool = True, **kw):
        super().__init__(*args, **kw)
        self._init_bit(scale, per_channel, act_quant)

    def forward(self, x):
        return F.linear(self.act(x), self.quantized_weight(), self.bias)


def is_bit_layer(m) -> bool:
    return isinstance(m, _BitMixin)


def ternary_state(layer):
    """(t, gamma) of a Bit layer as numpy: t int8 in {-1, 0, 1} with the PyTorch weight's
    shape ([O, I/groups, KH, KW] or [O, I]); gamma float32 [O] (per channel) or [1]."""
    if not is_bit_layer(layer):
        raise TypeError(f"{type(layer).__name__} is not a Bit layer")
    t, g = ternary_weight(layer.weight, layer.scale, layer.per_channel)
    return t.numpy().astype(np.int8), g.numpy().astype(np.float32)


def set_act_quant(model: nn.Module, enabled: bool) -> None:
    """Switch every ActQuant in model on or off (observers keep running either way)."""
    for m in model.modules():
        if isinstance(m, ActQuant):
            m.enabled = enabled


@torch.no_grad()
def recalibrate_batch_norm(model: nn.Module, inputs: torch.Tensor) -> None:
    """Re-estimate every batch norm's running statistics with the model's final ternary weights.

    During QAT ternary weights flip between steps, so the running mean / variance (an EMA over
    earlier steps) lag behind the weights the model ends with; on small networks that can cost
    tens of accuracy points in eval mode. This runs `inputs` (e.g. the whole training set, one
    batch) through the model in train mode once, with the batch norms set to a plain average and
    the activation observers frozen, so the running statistics become those of `inputs` under
    the final weights. The model is left in eval mode.
    """
    saved = {}
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            saved[m] = m.momentum
            m.momentum = None  # cumulative average
        elif isinstance(m, ActQuant):
            saved[m] = m.momentum
            m.momentum = 0.0  # keep the trained ranges
    model.train()
    model(inputs)
    for m, mom in saved.items():
        m.momentum = mom
    model.eval()


def ternary_stats(model: nn.Module):
    """{layer name: (number of weights, number of zeros)} over the Bit layers of model."""
    out = {}
    for name, m in model.named_modules():
        if is_bit_layer(m):
            t, _ = ternary_state(m)
            out[name] = (int(t.size), int((t == 0).sum()))
    return out


# --------------------------------------------------------------------------- net.json export


class NetJsonWriter:
    """Builds a net.json v1 graph (docs/net-json.md) from PyTorch layers, one call per node.

    mode="ternary": the weights of Bit layers are written in the net.json TERNARY
    representation:

        {"name": ..., "shape": [...], "dtype": "ternary",
         "quantization": {"scale": [gamma_0, ...], "axis": A},
         "data": {"offset": O, "length": L}}            (or {"base64": ...})

        - data: ONE BYTE PER WEIGHT, the int8 value -1, 0 or +1 (bytes 0xFF, 0x00, 0x01),
          row-major in the op's usual weight layout: conv2d OHWI [C_out, KH, KW, C_in],
          depthwise_conv2d [1, KH, KW, C], fully_connected [N_out, N_in];
        - quantization.scale: one gamma per output channel with axis 0 (conv2d,
          fully_connected) or axis 3 (depthwise_conv2d), or a single gamma (per tensor;
          axis then 0); zero_point omitted (all 0);
        - the real weight is gamma * t.
      Everything else (input, activations, biases, layers that are not Bit layers) is float32
      exactly as in a float net.json; tinyc calibrates the activations with --calib.

    mode="dequantized": the same graph with the Bit layers' weights written as float32
    gamma * t (every other tensor byte-identical to the ternary file). tinyc's post-training
    quantizer (per-channel scale max|w| / 127 = gamma / 127) turns them into exactly 127 * t.

    A batch norm following a conv / linear is folded at export (pass bn=...). For a Bit
    layer with per-channel gamma the fold is exact and keeps t ternary: with
    k = bn.weight / sqrt(running_var + eps), gamma'_o = gamma_o * |k_o|,
    t'_o = sign(k_o) * t_o and bias' = (bias - running_mean) * k + bn.bias.

    Methods return the name of the output tensor; shapes are inferred. Call save() at the end.
    """

    def __init__(self, name: str, mode: str = "ternary", weights_file: str | None = None, inline_below: int = 64):
        if mode not in ("ternary", "dequantized"):
            raise ValueError("mode must be 'ternary' or 'dequantized'")
        self.name, self.mode = name, mode
        self.weights_file = weights_file
        self.inline_below = inline_below  # tensors with fewer elements go inline as base64
        self.tensors, self.nodes, self.shapes = [], [], {}
        self.blob = bytearray()
        self.input_name = None

    # -- tensors

    def _add_tensor(self, t):
        if t["name"] in self.shapes:
            raise ValueError(f"duplicate tensor name {t['name']!r}")
        self.shapes[t["name"]] = list(t["shape"])
        self.tensors.append(t)
        return t["name"]

    def _data(self, raw: bytes, count: int):
        if self.weights_file is None or count < self.inline_below:
            return {"base64": base64.b64encode(raw).decode("ascii")}
        d = {"offset": len(self.blob), "length": len(raw)}
        self.blob += raw
        return d

    def input(self, name, shape):
        self.input_name = self._add_tensor({"name": name, "shape": list(shape), "dtype": "float32"})
        return name

    def activation(self, name, shape):
        return self._add_tensor({"name": name, "shape": list(shape), "dtype": "float32"})

    def const(self, name, array):
        a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
        return self._add_tensor({"name": name, "shape": list(a.shape), "dtype": "float32",
                                 "data": self._data(a.tobytes(), a.size)})

    def ternary_const(self, name, t, gamma, axis):
        """t: int8 in {-1,0,1} in net.json layout; gamma float32 [C] (per channel on axis) or [1]."""
        t = np.ascontiguousarray(np.asarray(t, dtype=np.int8))
        if not np.isin(t, (-1, 0, 1)).all():
            raise ValueError(f"{name}: values outside {{-1, 0, 1}}")
        g = np.asarray(gamma, dtype=np.float32).reshape(-1)
        if g.size != 1 and g.size != t.shape[axis]:
            raise ValueError(f"{name}: {g.size} scales for {t.shape[axis]} channels on axis {axis}")
        if self.mode == "dequantized":
            gb = g.reshape([-1 if i == axis else 1 for i in range(t.ndim)]) if g.size > 1 else g[0]
            return self.const(name, (gb * t.astype(np.float32)).astype(np.float32))
        q = {"scale": [float(v) for v in g], "axis": axis if g.size > 1 else 0}
        return self._add_tensor({"name": name, "shape": list(t.shape), "dtype": "ternary", "quantization": q,
                                 "data": self._data(t.tobytes(), t.size)})

    def node(self, name, op, inputs, out_shape, output=None, **attrs):
        """Add a node; its output tensor is called `output` (default "<name>.out")."""
        out = self.activation(output or f"{name}.out", out_shape)
        n = {"name": name, "op": op, "inputs": list(inputs), "outputs": [out]}
        if attrs:
            n["attrs"] = attrs
        self.nodes.append(n)
        return out

    # -- weight layers

    @staticmethod
    def _fold(layer, bn):
        """(weight scale k [O] or None, bias [O] or None) after folding bn (float64)."""
        b = layer.bias.detach().double().numpy() if layer.bias is not None else None
        if bn is None:
            return None, b
        k = bn.weight.detach().double().numpy() / np.sqrt(bn.running_var.double().numpy() + bn.eps)
        b0 = b if b is not None else 0.0
        return k, (b0 - bn.running_mean.double().numpy()) * k + bn.bias.detach().double().numpy()

    def _weight(self, name, layer, kind, k):
        """Write layer's weight in net.json layout (kind: conv / depthwise / fc), folding k."""
        to_layout = {
            "conv": lambda w: w.transpose(0, 2, 3, 1),              # [O,I,KH,KW] -> OHWI
            "depthwise": lambda w: w[:, 0].transpose(1, 2, 0)[None],  # [C,1,KH,KW] -> [1,KH,KW,C]
            "fc": lambda w: w,
        }[kind]
        axis = 3 if kind == "depthwise" else 0
        if is_bit_layer(layer):
            t, g = ternary_state(layer)
            if k is not None:
                g = g.astype(np.float64) * np.ones(t.shape[0]) if g.size == 1 else g.astype(np.float64)
                g = g * np.abs(k)
                t = (t * np.where(k < 0, -1, 1).astype(np.int8).reshape((-1,) + (1,) * (t.ndim - 1))).astype(np.int8)
            return self.ternary_const(name, to_layout(t), g, axis)
        w = layer.weight.detach().double().numpy()
        if k is not None:
            w = w * k.reshape((-1,) + (1,) * (w.ndim - 1))
        return self.const(name, to_layout(w))

    @staticmethod
    def _padding(layer):
        ph, pw = layer.padding if not isinstance(layer.padding, str) else (None, None)
        if layer.padding == "valid" or (ph, pw) == (0, 0):
            return "valid"
        if layer.padding == "same":
            return "same"
        sh, sw = layer.stride
        (kh, kw), (dh, dw) = layer.kernel_size, layer.dilation
        if (sh, sw) == (1, 1) and 2 * ph == dh * (kh - 1) and 2 * pw == dw * (kw - 1):
            return "same"
        return [ph, ph, pw, pw]

    def _conv_out(self, x, layer, padding):
        n, h, w, _ = self.shapes[x]
        (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.stride, layer.dilation
        if padding == "same":
            return [n, -(-h // sh), -(-w // sw), layer.out_channels]
        t, b, l, r = (0, 0, 0, 0) if padding == "valid" else padding
        return [n, (h + t + b - dh * (kh - 1) - 1) // sh + 1, (w + l + r - dw * (kw - 1) - 1) // sw + 1,
                layer.out_channels]

    def conv2d(self, name, x, layer, bn=None, activation="none", padding=None):
        """nn.Conv2d / BitConv2d (groups = 1, or depthwise groups = in = out channels)."""
        if self.shapes[x][3] != layer.in_channels:
            raise ValueError(f"{name}: input has {self.shapes[x][3]} channels, layer expects {layer.in_channels}")
        depthwise = layer.groups > 1
        if depthwise and not (layer.groups == layer.in_channels == layer.out_channels):
            raise ValueError(f"{name}: only groups=1 or depthwise (groups = in = out channels) map onto net.json")
        padding = self._padding(layer) if padding is None else padding
        k, b = self._fold(layer, bn)
        inputs = [x, self._weight(f"{name}.w", layer, "depthwise" if depthwise else "conv", k)]
        if b is not None:
            inputs.append(self.const(f"{name}.b", b))
        attrs = {"stride": list(layer.stride), "padding": padding}
        if tuple(layer.dilation) != (1, 1):
            attrs["dilation"] = list(layer.dilation)
        if depthwise:
            attrs["depth_multiplier"] = 1
        if activation != "none":
            attrs["activation"] = activation
        return self.node(name, "depthwise_conv2d" if depthwise else "conv2d", inputs,
                         self._conv_out(x, layer, padding), **attrs)

    def fully_connected(self, name, x, layer, bn=None, activation="none"):
        n_in = int(np.prod(self.shapes[x][1:]))
        if n_in != layer.in_features:
            raise ValueError(f"{name}: flattened input has {n_in} values, layer expects {layer.in_features}")
        k, b = self._fold(layer, bn)
        inputs = [x, self._weight(f"{name}.w", layer, "fc", k)]
        if b is not None:
            inputs.append(self.const(f"{name}.b", b))
        attrs = {"activation": activation} if activation != "none" else {}
        return self.node(name, "fully_connected", inputs, [1, layer.out_features], **attrs)

    # -- other ops

    def add(self, name, a, b, activation="none"):
        if self.shapes[a] != self.shapes[b]:
            raise ValueError(f"{name}: shapes differ {self.shapes[a]} vs {self.shapes[b]}")
        attrs = {"activation": activation} if activation != "none" else {}
        return self.node(name, "add", [a, b], self.shapes[a], **attrs)

    def _pool(self, op, name, x, kernel, stride=None):
        stride = kernel if stride is None else stride
        n, h, w, c = self.shapes[x]
        return self.node(name, op, [x], [n, (h - kernel) // stride + 1, (w - kernel) // stride + 1, c],
                         kernel=[kernel, kernel], stride=[stride, stride], padding="valid")

    def max_pool2d(self, name, x, kernel, stride=None):
        return self._pool("max_pool2d", name, x, kernel, stride)

    def avg_pool2d(self, name, x, kernel, stride=None):
        return self._pool("avg_pool2d", name, x, kernel, stride)

    def mean(self, name, x, keep_dims=True):
        n, _, _, c = self.shapes[x]
        return self.node(name, "mean", [x], [n, 1, 1, c] if keep_dims else [n, c], axes=[1, 2], keep_dims=keep_dims)

    def relu(self, name, x):
        return self.node(name, "relu", [x], self.shapes[x])

    def relu6(self, name, x):
        return self.node(name, "relu6", [x], self.shapes[x])

    def flatten(self, name, x):
        return self.node(name, "flatten", [x], [1, int(np.prod(self.shapes[x][1:]))])

    def softmax(self, name, x, beta=1.0, output=None):
        return self.node(name, "softmax", [x], self.shapes[x], output=output, beta=beta)

    # -- output

    def document(self, output):
        doc = {"format": "tinyc-net", "version": 1, "name": self.name}
        if self.blob:
            doc["weights_file"] = self.weights_file
        doc.update({"inputs": [self.input_name], "outputs": [output], "tensors": self.tensors, "nodes": self.nodes})
        return doc

    def save(self, json_path, output):
        """Write json_path (and the weights_file sidecar next to it, if any tensor uses it)."""
        doc = self.document(output)
        with open(json_path, "w", encoding="utf-8") as f:
            f.write(format_json(doc))
        if self.blob:
            with open(os.path.join(os.path.dirname(os.path.abspath(json_path)), self.weights_file), "wb") as f:
                f.write(bytes(self.blob))
        return doc


def format_json(doc):
    """Readable, stable JSON: one line per tensor and per node."""
    lines = ["{"]
    for k in (k for k in doc if k not in ("tensors", "nodes")):
        lines.append(f"  {json.dumps(k)}: {json.dumps(doc[k])},")
    for key in ("tensors", "nodes"):
        items = [f"    {json.dumps(item)}" for item in doc[key]]
        tail = "," if key == "tensors" else ""
        lines.append(f"  {json.dumps(key)}: [\n" + ",\n".join(items) + f"\n  ]{tail}")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading back


def read_ternary_netjson(path):
    """Load a net.json that may contain ternary tensors; returns (doc, consts) where consts maps
    every constant tensor name to a numpy array: float32 for float32 tensors, and for ternary
    tensors a dict {"t": int8 array, "gamma": float32 array, "axis": int, "real": gamma * t float32}."""
    with open(path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    blob = b""
    if "weights_file" in doc:
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), doc["weights_file"]), "rb") as f:
            blob = f.read()
    consts = {}
    for t in doc["tensors"]:
        if "data" not in t:
            continue
        d = t["data"]
        raw = base64.b64decode(d["base64"]) if "base64" in d else blob[d["offset"]:d["offset"] + d["length"]]
        count = int(np.prod(t["shape"]))
        if t["dtype"] == "ternary":
            if len(raw) != count:
                raise ValueError(f"{t['name']}: {len(raw)} bytes for {count} ternary weights")
            q = np.frombuffer(raw, dtype=np.int8).reshape(t["shape"])
            if not np.isin(q, (-1, 0, 1)).all():
                raise ValueError(f"{t['name']}: bytes other than 0xFF, 0x00, 0x01")
            quant = t["quantization"]
            g = np.asarray(quant["scale"], dtype=np.float32)
            axis = quant.get("axis", 0)
            gb = g.reshape([-1 if i == axis else 1 for i in range(q.ndim)]) if g.size > 1 else g[0]
            consts[t["name"]] = {"t": q, "gamma": g, "axis": axis, "real": (gb * q.astype(np.float32)).astype(np.float32)}
        elif t["dtype"] == "float32":
            consts[t["name"]] = np.frombuffer(raw, dtype="<f4").reshape(t["shape"])
        else:
            raise ValueError(f"{t['name']}: unexpected dtype {t['dtype']}")
    return doc, consts
