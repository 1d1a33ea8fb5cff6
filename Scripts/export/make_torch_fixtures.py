#!/usr/bin/env python3
"""Build the PyTorch-export fixtures in Tests/Fixtures/torch (committed, so CI needs no torch).

Two small seeded models that together use every op the exporter supports:

  mbnet  MobileNet-like, 16x16x3 input: stem conv (stride 2, explicit padding) + BatchNorm +
         ReLU6; an inverted-residual block (1x1 expand, depthwise 3x3, 1x1 project, residual
         add); a concat block (1x1 conv + ReLU beside a depthwise conv with depth multiplier 2,
         'same' padding and dilation 2); Hardtanh(0, 6); AvgPool2d(2) and a padded
         AvgPool2d(count_include_pad=False); a valid 3x3 conv; a head that concatenates
         AdaptiveAvgPool2d(1) + Flatten with x.mean((2, 3)) of an earlier map, Dropout,
         Linear and Softmax.
  lenet  LeNet-like, 16x16x1 input: conv 5x5 (padding 2) + ReLU + MaxPool2d(2); conv 3x3 +
         BatchNorm + F.relu + a padded max pool; x.view(x.size(0), -1) of the [12, 3, 3] map
         into Linear (the exporter permutes its columns), torch.relu, Dropout, Linear, sigmoid.

Weights: PyTorch's default init under a fixed seed, no training. BatchNorm running statistics
are each channel's real batch statistics on seeded synthetic images, then perturbed by
seeded factors (so folding them is not a no-op); gamma/beta are seeded too. The last Linear
is centred and scaled so the logits spread over a few units and vary with the input, as a
trained classifier's do (otherwise the softmax is nearly flat or one class always wins, and
"top-1" means little).

Writes, per model <name>:
  <name>.json, <name>.weights.bin   the export (torch_to_netjson.export)
  <name>.inputs.npy   float32 [8, 1, H, W, C]  NHWC test inputs (seeded smooth images)
  <name>.torch.npy    float32 [8, 1, outputs]  PyTorch's float outputs on them
  <name>.calib.npy    float32 [32, H, W, C]    calibration samples (other seeds, same kind)

Checks before writing that Scripts/netjson_float_ref.py gives PyTorch's outputs within 1e-5.
Deterministic: re-running gives byte-identical files.

Usage:
    python3 Scripts/export/make_torch_fixtures.py [--out Tests/Fixtures/torch]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import torch_to_netjson as exporter  # noqa: E402
from test_torch_to_netjson import reference_outputs  # noqa: E402

TEST_SAMPLES = 8
CALIB_SAMPLES = 32


# --------------------------------------------------------------------------- models


class MBNet(nn.Module):
    """A MobileNet-like block net."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.expand = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True))
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.dw_bn = nn.BatchNorm2d(16)
        self.project = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.branch1 = nn.Conv2d(8, 8, 1)
        self.branch2 = nn.Conv2d(8, 16, 3, padding="same", dilation=2, groups=8)
        self.clip = nn.Hardtanh(0.0, 6.0)
        self.pool = nn.AvgPool2d(2)
        self.smooth = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.conv = nn.Conv2d(24, 32, 3)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.2)
        self.classifier = nn.Linear(32 + 24, 10)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        x = self.stem(x)                                      # [8, 8, 8]
        y = self.project(F.relu6(self.dw_bn(self.dw(self.expand(x)))))
        x = x + y                                             # residual
        a = F.relu(self.branch1(x))
        b = torch.relu(self.branch2(x))
        x = self.clip(torch.cat([a, b], dim=1))               # [24, 8, 8]
        x = self.smooth(self.pool(x))                         # [24, 4, 4]
        side = x.mean((2, 3))                                 # [24]
        x = torch.relu(self.conv(x))                          # [32, 2, 2]
        x = torch.cat([self.flatten(self.gap(x)), side], 1)   # [56]
        return self.softmax(self.classifier(self.drop(x)))


class LeNet(nn.Module):
    """A LeNet-like CNN whose classifier reads the flattened feature map."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.relu = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 12, 3)
        self.bn2 = nn.BatchNorm2d(12)
        self.fc1 = nn.Linear(12 * 3 * 3, 32)
        self.drop = nn.Dropout(0.5)
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool1(self.relu(self.conv1(x)))              # [6, 8, 8]
        x = F.relu(self.bn2(self.conv2(x)))                   # [12, 6, 6]
        x = F.max_pool2d(x, 3, stride=2, padding=1)           # [12, 3, 3]
        x = x.view(x.size(0), -1)                             # (C, H, W) order: 108
        x = self.drop(torch.relu(self.fc1(x)))
        return torch.sigmoid(self.classifier(x))


MODELS = {"mbnet": (MBNet, (3, 16, 16)), "lenet": (LeNet, (1, 16, 16))}


# --------------------------------------------------------------------------- data


def smooth_images(n: int, chw: tuple, seed: int) -> torch.Tensor:
    """Image-like NCHW samples in about [-1, 1]: a random 4x4 field per channel, bilinearly
    upsampled, plus a little pixel noise."""
    g = torch.Generator().manual_seed(seed)
    c, h, w = chw
    coarse = torch.rand(n, c, 4, 4, generator=g) * 2 - 1
    field = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=True)
    return field + 0.1 * torch.randn(n, c, h, w, generator=g)


def set_batch_norm_statistics(model: nn.Module, images: torch.Tensor, seed: int) -> None:
    """Each BatchNorm gets its input's real per-channel statistics on `images` (one train-mode
    pass with cumulative averaging), then seeded perturbations and seeded gamma/beta."""
    g = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        model(images)
    model.eval()
    with torch.no_grad():
        for m in norms:
            c = m.num_features
            m.running_mean += 0.1 * torch.randn(c, generator=g) * m.running_var.sqrt()
            m.running_var *= 0.75 + 0.5 * torch.rand(c, generator=g)
            m.weight.copy_(0.6 + 0.8 * torch.rand(c, generator=g))
            m.bias.copy_(0.2 * torch.randn(c, generator=g))


def spread_logits(fc: nn.Linear, features: torch.Tensor, target_std: float = 2.5) -> None:
    """Centre each output of the last Linear on `features` (no class wins on every input just by
    its bias) and scale them to standard deviation `target_std`, as a trained classifier's are."""
    with torch.no_grad():
        logits = fc(features)
        fc.bias.sub_(logits.mean(0))
        scale = target_std / float((logits - logits.mean(0)).std())
        fc.weight.mul_(scale)
        fc.bias.mul_(scale)


def classifier_input(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    captured = []
    hook = model.classifier.register_forward_pre_hook(lambda _m, args: captured.append(args[0]))
    with torch.no_grad():
        model(images)
    hook.remove()
    return captured[0]


def build(name: str, seed: int) -> tuple[nn.Module, tuple]:
    cls, chw = MODELS[name]
    torch.manual_seed(seed)
    model = cls()
    stats_images = smooth_images(64, chw, seed + 100)
    set_batch_norm_statistics(model, stats_images, seed + 200)
    spread_logits(model.classifier, classifier_input(model, stats_images))
    return model.eval(), chw


# --------------------------------------------------------------------------- writing


def nhwc(x: torch.Tensor) -> np.ndarray:
    return exporter.nchw_to_nhwc(x.numpy())


def make(name: str, seed: int, out: str) -> None:
    model, chw = build(name, seed)
    path = os.path.join(out, f"{name}.json")
    exporter.export(model, torch.zeros((1,) + chw), path, name=name)

    tests = smooth_images(TEST_SAMPLES, chw, seed + 300)
    calib = smooth_images(CALIB_SAMPLES, chw, seed + 400)
    with torch.no_grad():
        outputs = model(tests).numpy()
    reference = reference_outputs(path, nhwc(tests))
    err = float(np.abs(reference - outputs).max())
    if err > 1e-5:
        raise SystemExit(f"{name}: netjson_float_ref.py differs from PyTorch by {err}")

    np.save(os.path.join(out, f"{name}.inputs.npy"), nhwc(tests)[:, None])
    np.save(os.path.join(out, f"{name}.torch.npy"), outputs.astype(np.float32)[:, None])
    np.save(os.path.join(out, f"{name}.calib.npy"), nhwc(calib))
    top = outputs.argmax(1)
    print(f"{name}: {len(model.state_dict())} tensors, reference vs PyTorch max |d| {err:.2e}, "
          f"outputs in [{outputs.min():.3f}, {outputs.max():.3f}], top-1 classes {top.tolist()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Tests/Fixtures/torch"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    for seed, name in enumerate(MODELS):
        make(name, seed * 1000 + 7, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
