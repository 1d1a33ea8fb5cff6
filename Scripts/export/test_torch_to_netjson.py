#!/usr/bin/env python3
"""Self-test of Scripts/export/torch_to_netjson.py (needs torch; not run in CI).

Exports each supported module / function / method alone (inside a tiny model where it needs
a feature map or a vector around it), runs the file with Scripts/netjson_float_ref.py (the
repository's independent NumPy reference for net.json) on NHWC inputs and compares with
PyTorch on the same NCHW inputs. Also checks the errors (unsupported module, function,
configuration; the CLI's exit code 1 and that no file is left), byte-identical re-exports
and the --nchw-samples conversion.

Usage:
    python3 Scripts/export/test_torch_to_netjson.py
"""

from __future__ import annotations

import operator
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import netjson_float_ref as ref  # noqa: E402
import torch_to_netjson as exporter  # noqa: E402

TOLERANCE = 1e-5  # float32 PyTorch vs the float64 reference


# --------------------------------------------------------------------------- reference with logistic


def _eval_with_logistic(op, args, attrs, names, consts, _base=ref._eval):
    # netjson_float_ref.py predates net.json's `logistic`; it is 1 / (1 + e^-x) (docs/net-json.md).
    if op == "logistic":
        return 1.0 / (1.0 + np.exp(-args[0]))
    return _base(op, args, attrs, names, consts)


def reference_outputs(path: str, nhwc: np.ndarray) -> np.ndarray:
    """Runs a float net.json with netjson_float_ref.py (plus logistic) on NHWC samples [N, H, W, C]."""
    ref.OPS.setdefault("logistic", (set(), 1, 1))
    saved = ref._eval
    ref._eval = _eval_with_logistic
    try:
        return ref.Model(path).run(nhwc)
    finally:
        ref._eval = saved


def to_nhwc(x: torch.Tensor) -> np.ndarray:
    return exporter.nchw_to_nhwc(x.numpy()) if x.dim() == 4 else x.numpy()


# --------------------------------------------------------------------------- tiny models


class Seq(nn.Module):
    """A module list applied in order, so each case is one line."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class Fn(nn.Module):
    """Applies `fn(self, x)` after an optional 3x3 conv (so functions see a real feature map)."""

    def __init__(self, fn, conv: nn.Module | None = None, **modules):
        super().__init__()
        self.conv = conv if conv is not None else nn.Identity()
        for k, v in modules.items():
            setattr(self, k, v)
        self.fn = fn

    def forward(self, x):
        return self.fn(self, self.conv(x))


def bn(c):
    m = nn.BatchNorm2d(c)
    g = torch.Generator().manual_seed(c)
    m.running_mean.copy_(torch.randn(c, generator=g) * 0.3)
    m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
    m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
    m.bias.data.copy_(torch.randn(c, generator=g) * 0.2)
    return m


def bn_no_affine(c):
    m = nn.BatchNorm2d(c, affine=False)
    m.running_mean.fill_(0.25)
    m.running_var.fill_(2.0)
    return m


class Residual(nn.Module):
    def __init__(self, combine):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(3, 4, 1)
        self.combine = combine

    def forward(self, x):
        return self.combine(self.a(x), self.b(x))


class InplaceAdd(Residual):
    def forward(self, x):
        y = self.a(x)
        y += self.b(x)
        return y


def conv3(c_out=4, c_in=3):
    return nn.Conv2d(c_in, c_out, 3, padding=1)


# name -> (model factory, NCHW or [1, N] input shape)
CASES = {
    # conv2d
    "conv 3x3 pad 1": (lambda: Seq(nn.Conv2d(3, 5, 3, padding=1)), (1, 3, 9, 8)),
    "conv stride 2 pad (1, 0) no bias": (lambda: Seq(nn.Conv2d(3, 5, 3, stride=2, padding=(1, 0), bias=False)), (1, 3, 9, 8)),
    "conv stride (2, 1) valid": (lambda: Seq(nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding="valid")), (1, 3, 9, 8)),
    "conv same even kernel dilation 2": (lambda: Seq(nn.Conv2d(3, 5, 4, padding="same", dilation=2)), (1, 3, 9, 8)),
    "conv dilation (2, 1) pad 3": (lambda: Seq(nn.Conv2d(3, 5, 3, padding=3, dilation=(2, 1))), (1, 3, 7, 6)),
    "conv 1x1": (lambda: Seq(nn.Conv2d(3, 7, 1)), (1, 3, 5, 5)),
    # depthwise
    "depthwise m=1 stride 2 pad 1": (lambda: Seq(nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4)), (1, 4, 8, 8)),
    "depthwise m=3 same": (lambda: Seq(nn.Conv2d(2, 6, 3, padding="same", groups=2, bias=False)), (1, 2, 7, 7)),
    "depthwise dilation 2 pad 2": (lambda: Seq(nn.Conv2d(3, 3, 3, padding=2, dilation=2, groups=3)), (1, 3, 8, 9)),
    # batch norm
    "BatchNorm2d after conv": (lambda: Seq(conv3(), bn(4)), (1, 3, 6, 6)),
    "BatchNorm2d on the input, affine=False": (lambda: Seq(bn_no_affine(3)), (1, 3, 4, 5)),
    # activations
    "nn.ReLU": (lambda: Seq(conv3(), nn.ReLU(inplace=True)), (1, 3, 5, 5)),
    "F.relu": (lambda: Fn(lambda s, x: F.relu(x), conv3()), (1, 3, 5, 5)),
    "torch.relu": (lambda: Fn(lambda s, x: torch.relu(x), conv3()), (1, 3, 5, 5)),
    "x.relu()": (lambda: Fn(lambda s, x: x.relu(), conv3()), (1, 3, 5, 5)),
    "nn.ReLU6": (lambda: Seq(conv3(), nn.ReLU6()), (1, 3, 5, 5)),
    "F.relu6": (lambda: Fn(lambda s, x: F.relu6(x), conv3()), (1, 3, 5, 5)),
    "nn.Hardtanh(0, 6)": (lambda: Seq(conv3(), nn.Hardtanh(0.0, 6.0)), (1, 3, 5, 5)),
    "F.hardtanh(x, 0, 6)": (lambda: Fn(lambda s, x: F.hardtanh(x, 0.0, 6.0), conv3()), (1, 3, 5, 5)),
    "nn.Sigmoid": (lambda: Seq(conv3(), nn.Sigmoid()), (1, 3, 5, 5)),
    "torch.sigmoid": (lambda: Fn(lambda s, x: torch.sigmoid(x), conv3()), (1, 3, 5, 5)),
    "F.sigmoid on a vector": (lambda: Seq(nn.Linear(6, 4), nn.Sigmoid()), (1, 6)),
    "x.sigmoid()": (lambda: Fn(lambda s, x: x.sigmoid(), conv3()), (1, 3, 5, 5)),
    # linear and flatten
    "Linear on a vector input": (lambda: Seq(nn.Linear(12, 5)), (1, 12)),
    "MLP": (lambda: Seq(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 8, bias=False), nn.ReLU6(), nn.Linear(8, 3)), (1, 12)),
    "nn.Flatten -> Linear (columns permuted)": (lambda: Seq(conv3(), nn.Flatten(), nn.Linear(4 * 5 * 6, 7)), (1, 3, 5, 6)),
    "torch.flatten -> Linear": (lambda: Fn(lambda s, x: s.fc(torch.flatten(x, 1)), conv3(), fc=nn.Linear(120, 7)), (1, 3, 5, 6)),
    "x.view(x.size(0), -1) -> Linear": (lambda: Fn(lambda s, x: s.fc(x.view(x.size(0), -1)), conv3(), fc=nn.Linear(120, 7)), (1, 3, 5, 6)),
    "x.reshape(x.shape[0], -1) -> Linear": (lambda: Fn(lambda s, x: s.fc(x.reshape(x.shape[0], -1)), conv3(), fc=nn.Linear(120, 7)), (1, 3, 5, 6)),
    "x.flatten(1) -> ReLU -> Dropout -> Linear": (lambda: Fn(lambda s, x: s.fc(s.drop(F.relu(x.flatten(1)))), conv3(),
                                                             drop=nn.Dropout(0.5), fc=nn.Linear(120, 7)), (1, 3, 5, 6)),
    "flatten of [1, C, 1, 1] -> softmax": (lambda: Seq(conv3(6), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Softmax(dim=1)), (1, 3, 4, 4)),
    # pooling
    "nn.MaxPool2d(2)": (lambda: Seq(conv3(), nn.MaxPool2d(2)), (1, 3, 8, 6)),
    "nn.MaxPool2d(3, 2, padding 1)": (lambda: Seq(conv3(), nn.MaxPool2d(3, 2, padding=1)), (1, 3, 7, 8)),
    "nn.MaxPool2d(2, ceil_mode)": (lambda: Seq(conv3(), nn.MaxPool2d(2, ceil_mode=True)), (1, 3, 7, 5)),
    "F.max_pool2d((3, 2), stride 1)": (lambda: Fn(lambda s, x: F.max_pool2d(x, (3, 2), stride=1), conv3()), (1, 3, 6, 6)),
    "F.max_pool2d positional ceil_mode": (lambda: Fn(lambda s, x: F.max_pool2d(x, 2, 2, 0, 1, True), conv3()), (1, 3, 7, 7)),
    "nn.AvgPool2d(2)": (lambda: Seq(conv3(), nn.AvgPool2d(2)), (1, 3, 8, 6)),
    "nn.AvgPool2d(3, 1, pad 1, count_include_pad=False)": (
        lambda: Seq(conv3(), nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)), (1, 3, 5, 6)),
    "nn.AvgPool2d(3, 2, ceil_mode)": (lambda: Seq(conv3(), nn.AvgPool2d(3, 2, ceil_mode=True)), (1, 3, 8, 8)),
    "F.avg_pool2d(2, pad 1, count_include_pad=False)": (
        lambda: Fn(lambda s, x: F.avg_pool2d(x, 2, padding=1, count_include_pad=False), conv3()), (1, 3, 5, 5)),
    "nn.AdaptiveAvgPool2d(1)": (lambda: Seq(conv3(), nn.AdaptiveAvgPool2d(1)), (1, 3, 5, 6)),
    "nn.AdaptiveAvgPool2d((1, 1))": (lambda: Seq(conv3(), nn.AdaptiveAvgPool2d((1, 1))), (1, 3, 5, 6)),
    "F.adaptive_avg_pool2d(x, 1)": (lambda: Fn(lambda s, x: F.adaptive_avg_pool2d(x, 1), conv3()), (1, 3, 5, 6)),
    "x.mean((2, 3))": (lambda: Fn(lambda s, x: x.mean((2, 3)), conv3()), (1, 3, 5, 6)),
    "torch.mean(x, [-1, -2], keepdim=True)": (lambda: Fn(lambda s, x: torch.mean(x, [-1, -2], keepdim=True), conv3()), (1, 3, 5, 6)),
    # add and concat
    "a + b": (lambda: Residual(lambda a, b: a + b), (1, 3, 5, 5)),
    "torch.add(a, b)": (lambda: Residual(torch.add), (1, 3, 5, 5)),
    "a.add(b)": (lambda: Residual(lambda a, b: a.add(b)), (1, 3, 5, 5)),
    "a += b": (lambda: InplaceAdd(operator.add), (1, 3, 5, 5)),
    "torch.cat dim=1": (lambda: Residual(lambda a, b: torch.cat([a, b, a], dim=1)), (1, 3, 5, 5)),
    "torch.cat dim=-3": (lambda: Residual(lambda a, b: torch.cat((b, a), -3)), (1, 3, 5, 5)),
    "torch.cat of vectors": (lambda: Residual(lambda a, b: torch.cat([a.mean((2, 3)), b.mean((2, 3))], 1)), (1, 3, 5, 5)),
    # softmax
    "nn.Softmax(dim=-1)": (lambda: Seq(nn.Linear(6, 5), nn.Softmax(dim=-1)), (1, 6)),
    "F.softmax(x, dim=1)": (lambda: Fn(lambda s, x: F.softmax(s.fc(x), dim=1), fc=nn.Linear(6, 5)), (1, 6)),
    "torch.softmax(x, -1)": (lambda: Fn(lambda s, x: torch.softmax(s.fc(x), -1), fc=nn.Linear(6, 5)), (1, 6)),
    "x.softmax(-1)": (lambda: Fn(lambda s, x: s.fc(x).softmax(-1), fc=nn.Linear(6, 5)), (1, 6)),
    # dropped
    "nn.Dropout / nn.Identity / nn.Dropout2d": (lambda: Seq(conv3(), nn.Dropout(0.3), nn.Identity(), nn.Dropout2d(0.1), nn.ReLU()), (1, 3, 5, 5)),
    "F.dropout(training=self.training)": (lambda: Fn(lambda s, x: F.relu(F.dropout(x, 0.5, s.training)), conv3()), (1, 3, 5, 5)),
    "x.contiguous()": (lambda: Fn(lambda s, x: x.contiguous().relu(), conv3()), (1, 3, 5, 5)),
}


# --------------------------------------------------------------------------- checks


def run_case(name, factory, shape, workdir, ok):
    torch.manual_seed(len(name) * 7919)  # any fixed seed; str hash() is salted per process
    model = factory()
    x = torch.randn((4,) + tuple(shape[1:]), generator=torch.Generator().manual_seed(len(name)))
    path = os.path.join(workdir, "case.json")
    exporter.export(model, x[:1], path)
    with torch.no_grad():
        want = model(x).numpy()
    got = reference_outputs(path, to_nhwc(x))
    want = to_nhwc(torch.from_numpy(want)) if want.ndim == 4 else want
    err = float(np.abs(got - want).max())
    good = got.shape == want.shape and err <= TOLERANCE
    print(f"  {'ok' if good else 'FAIL':4} {name}: max |d| {err:.2e}")
    ok.append(good)


class GeluNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer3 = nn.Sequential()
        self.layer3.add_module("conv", nn.Conv2d(3, 4, 3))
        self.layer3.add_module("gelu", nn.GELU())

    def forward(self, x):
        return self.layer3(x)


class Branchy(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


ERRORS = {
    "nn.GELU": (GeluNet, (1, 3, 6, 6), "node 'layer3.gelu': GELU is not supported; supported: modules Conv2d"),
    "F.gelu": (lambda: Fn(lambda s, x: F.gelu(x), conv3()), (1, 3, 6, 6), "node 'gelu': torch.nn.functional.gelu is not supported"),
    "x.tanh()": (lambda: Fn(lambda s, x: x.tanh(), conv3()), (1, 3, 6, 6), "node 'tanh': Tensor.tanh() is not supported"),
    "grouped conv": (lambda: Seq(nn.Conv2d(4, 4, 3, groups=2)), (1, 4, 6, 6), "groups=2 (in_channels=4) is not supported"),
    "reflect padding": (lambda: Seq(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")), (1, 3, 6, 6), "padding_mode='reflect'"),
    "avg pool counting padding": (lambda: Seq(nn.AvgPool2d(3, 1, padding=1)), (1, 3, 6, 6), "count_include_pad=True is not supported"),
    "Hardtanh(-1, 1)": (lambda: Seq(nn.Hardtanh()), (1, 3, 6, 6), "Hardtanh(-1.0, 1.0) is not supported"),
    "softmax over channels": (lambda: Seq(conv3(), nn.Softmax(dim=1)), (1, 3, 6, 6), "softmax is supported over the last dimension"),
    "flattened map as output": (lambda: Seq(conv3(), nn.Flatten()), (1, 3, 6, 6), "a flattened [4, 6, 6] feature map cannot be the model's output"),
    "flattened map into softmax": (lambda: Seq(conv3(), nn.Flatten(), nn.Softmax(-1)), (1, 3, 6, 6), "cannot go through softmax"),
    "Linear on a feature map": (lambda: Seq(conv3(), nn.Linear(6, 2)), (1, 3, 6, 6), "Linear needs a [1, N] input"),
    "add of a constant": (lambda: Fn(lambda s, x: x + 1.0, conv3()), (1, 3, 6, 6), "is not a tensor computed from the input"),
    "mean over channels": (lambda: Fn(lambda s, x: x.mean(1), conv3()), (1, 3, 6, 6), "mean is supported over the spatial dims"),
    "reshape to 3-D": (lambda: Fn(lambda s, x: x.reshape(1, 4, 36), conv3()), (1, 3, 6, 6), "reshaping [1, 4, 6, 6] to [1, 4, 36]"),
    "slicing": (lambda: Fn(lambda s, x: x[:, :2], conv3()), (1, 3, 6, 6), "getitem on a tensor"),
    "data-dependent control flow": (Branchy, (1, 3, 6, 6), "symbolic_trace failed"),
    "BatchNorm2d without running stats": (lambda: Seq(nn.BatchNorm2d(3, track_running_stats=False)), (1, 3, 6, 6), "track_running_stats=False"),
}


def check_error(name, factory, shape, needle, workdir, ok):
    path = os.path.join(workdir, "bad.json")
    try:
        exporter.export(factory(), torch.zeros(shape), path)
    except exporter.ExportError as e:
        good = needle in str(e) and not os.path.exists(path)
        print(f"  {'ok' if good else 'FAIL':4} rejects {name}: {str(e)[:150]}")
        ok.append(good)
        return
    print(f"  FAIL accepted {name}")
    ok.append(False)


CLI_MODELS = '''
import torch
import torch.nn as nn
def good():
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(8, 4))
def bad():
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.GELU())
'''


def check_cli(workdir, ok):
    with open(os.path.join(workdir, "climodels.py"), "w") as f:
        f.write(CLI_MODELS)
    script = os.path.join(HERE, "torch_to_netjson.py")

    def cli(*args):
        return subprocess.run([sys.executable, script, *args], cwd=workdir, capture_output=True, text=True)

    r = cli("climodels:bad", "--input-shape", "1,3,8,8", "-o", "bad.json")
    good = r.returncode == 1 and "node '1': GELU is not supported" in r.stderr and not os.path.exists(os.path.join(workdir, "bad.json"))
    print(f"  {'ok' if good else 'FAIL':4} CLI: unsupported module -> exit {r.returncode}, no file: {r.stderr.strip()[:100]}")
    ok.append(good)

    digests = []
    for _ in range(2):
        r = cli("climodels:good", "--input-shape", "1,3,8,8", "-o", "good.json")
        files = [os.path.join(workdir, f) for f in ("good.json", "good.weights.bin")]
        digests.append(tuple(open(p, "rb").read() for p in files if os.path.exists(p)))
    good = r.returncode == 0 and digests[0] == digests[1] and len(digests[0]) == 2
    print(f"  {'ok' if good else 'FAIL':4} CLI: export twice -> exit {r.returncode}, byte-identical files: {digests[0] == digests[1]}")
    ok.append(good)

    sd = os.path.join(workdir, "w.pt")
    ns = {}
    exec(CLI_MODELS, ns)
    model = ns["good"]()
    with torch.no_grad():  # weights the factory does not make, so only --state-dict can bring them
        for p in model.parameters():
            p.mul_(-1.5)
    torch.save(model.state_dict(), sd)
    r = cli("climodels:good", "--input-shape", "1,3,8,8", "-o", "sd.json", "--state-dict", "w.pt", "--name", "withweights")
    x = torch.randn(3, 3, 8, 8)
    got = reference_outputs(os.path.join(workdir, "sd.json"), to_nhwc(x)) if r.returncode == 0 else None
    good = got is not None and np.abs(got - model.eval()(x).detach().numpy()).max() <= TOLERANCE
    print(f"  {'ok' if good else 'FAIL':4} CLI: --state-dict weights are the ones exported")
    ok.append(good)

    nchw = np.random.RandomState(0).randn(5, 3, 4, 6).astype(np.float32)
    np.save(os.path.join(workdir, "nchw.npy"), nchw)
    r = cli("--nchw-samples", "nchw.npy", "nhwc.npy")
    nhwc = np.load(os.path.join(workdir, "nhwc.npy")) if r.returncode == 0 else None
    good = nhwc is not None and nhwc.shape == (5, 4, 6, 3) and np.array_equal(nhwc[2, 1, 5], nchw[2, :, 1, 5])
    print(f"  {'ok' if good else 'FAIL':4} CLI: --nchw-samples [5, 3, 4, 6] -> {None if nhwc is None else list(nhwc.shape)}")
    ok.append(good)


def main():
    torch.set_num_threads(1)
    ok = []
    with tempfile.TemporaryDirectory() as workdir:
        print("supported ops vs netjson_float_ref.py")
        for name, (factory, shape) in CASES.items():
            run_case(name, factory, shape, workdir, ok)
        print("errors")
        for name, (factory, shape, needle) in ERRORS.items():
            check_error(name, factory, shape, needle, workdir, ok)
        print("command line")
        check_cli(workdir, ok)
    print(f"{sum(ok)}/{len(ok)} checks passed")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
