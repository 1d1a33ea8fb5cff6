#!/usr/bin/env python3
"""Train tinyc's example CNN on scikit-learn's 8x8 digits and export it as net.json.

Deterministic end to end (fixed seeds, deterministic algorithms, one thread, fixed
stratified split): rerunning reproduces byte-identical files in Examples/digits/:

  digits.json           the model, net.json v1 (docs/net-json.md), float32
  digits.weights.bin    sidecar with the larger weight tensors
  calib.npy             float32 [100, 8, 8, 1] calibration images from the TRAINING split
  test_x.npy            float32 [N_test, 8, 8, 1] held-out images, scaled to [0, 1]
  test_y.npy            int64   [N_test] held-out labels
  float_accuracy.json   PyTorch float test accuracy (checked against the NumPy reference)

After exporting, the script re-runs the exported file with Scripts/netjson_float_ref.py
(an independent NumPy interpreter) and fails unless its outputs match PyTorch's within
1e-5 and its accuracy is identical.

Usage:
    python3 Scripts/train_digits.py [--out Examples/digits] [--epochs 150] [--seed 0]

Needs: numpy, scikit-learn, torch (CPU). See Scripts/requirements-train.txt.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(SCRIPT_DIR)
BN_EPS = 1e-5


# --------------------------------------------------------------------------- setup


def make_deterministic(seed: int) -> None:
    """Seed every RNG and force single-threaded deterministic kernels."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def load_data(seed: int):
    """Digits scaled to [0, 1], NHWC [N, 8, 8, 1] float32; stratified 80/20 split."""
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)


def pick_calibration(x_train, y_train, seed: int, per_class: int = 10):
    """A fixed, class-balanced choice of 10 * per_class training images (in training-split order)."""
    rng = np.random.RandomState(seed)
    idx = []
    for c in range(10):
        cls = np.flatnonzero(y_train == c)
        idx.extend(rng.choice(cls, size=per_class, replace=False).tolist())
    return x_train[np.sort(np.array(idx))]


# --------------------------------------------------------------------------- model


class DigitsNet(nn.Module):
    """conv-bn-relu, depthwise-separable residual block, max pool, conv, GAP, FC, softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8, eps=BN_EPS)
        self.dw2 = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw2 = nn.Conv2d(8, 8, 1)
        self.conv3 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x_nhwc):
        """x: [N, 8, 8, 1] NHWC in [0, 1]; returns logits [N, 10] (softmax is applied at export)."""
        x = x_nhwc.permute(0, 3, 1, 2)
        r = F.relu(self.bn1(self.conv1(x)))
        y = self.pw2(F.relu6(self.dw2(r)))
        y = F.relu(y + r)
        y = F.max_pool2d(y, 2, 2)
        y = F.relu(self.conv3(y))
        y = y.mean(dim=(2, 3))
        return self.fc(y)


def shift_augment(x, gen):
    """Randomly shift each NHWC image by -1..1 pixels in x and y (zero fill); deterministic via gen."""
    n = x.shape[0]
    padded = F.pad(x.permute(0, 3, 1, 2), (1, 1, 1, 1))
    dy = torch.randint(0, 3, (n,), generator=gen)
    dx = torch.randint(0, 3, (n,), generator=gen)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + 8, dx[i]:dx[i] + 8] for i in range(n)])
    return out.permute(0, 2, 3, 1).contiguous()


def train(model, x_train, y_train, epochs, seed, lr=0.01, batch=32, augment=True):
    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for s in range(0, len(xt), batch):
            idx = perm[s:s + batch]
            xb = xt[idx]
            if augment:
                xb = shift_augment(xb, gen)
            loss = F.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  loss {total / len(xt):.4f}")


@torch.no_grad()
def predict_probs(model, x):
    model.eval()
    return torch.softmax(model(torch.from_numpy(x)), dim=1).numpy()


# --------------------------------------------------------------------------- export


class Exporter:
    """Collects tensors and nodes and writes net.json + the weights sidecar."""

    def __init__(self, name, weights_file):
        self.name, self.weights_file = name, weights_file
        self.tensors, self.nodes = [], []
        self.blob = bytearray()

    def activation(self, name, shape):
        self.tensors.append({"name": name, "shape": list(shape), "dtype": "float32"})
        return name

    def const(self, name, array, inline=False):
        a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
        raw = a.tobytes()
        if inline:
            data = {"base64": base64.b64encode(raw).decode("ascii")}
        else:
            data = {"offset": len(self.blob), "length": len(raw)}
            self.blob += raw
        self.tensors.append({"name": name, "shape": list(a.shape), "dtype": "float32", "data": data})
        return name

    def node(self, name, op, inputs, output, **attrs):
        n = {"name": name, "op": op, "inputs": list(inputs), "outputs": [output]}
        if attrs:
            n["attrs"] = attrs
        self.nodes.append(n)
        return output

    def write(self, json_path, inp, out):
        doc = {
            "format": "tinyc-net",
            "version": 1,
            "name": self.name,
            "weights_file": self.weights_file,
            "inputs": [inp],
            "outputs": [out],
            "tensors": self.tensors,
            "nodes": self.nodes,
        }
        with open(json_path, "w", encoding="utf-8") as f:
            f.write(format_json(doc))
        with open(os.path.join(os.path.dirname(json_path), self.weights_file), "wb") as f:
            f.write(bytes(self.blob))


def format_json(doc):
    """Readable, stable JSON: one line per tensor and per node."""
    lines = ["{"]
    top = [k for k in doc if k not in ("tensors", "nodes")]
    for k in top:
        lines.append(f"  {json.dumps(k)}: {json.dumps(doc[k])},")
    for key in ("tensors", "nodes"):
        items = [f"    {json.dumps(item)}" for item in doc[key]]
        tail = "," if key == "tensors" else ""
        lines.append(f"  {json.dumps(key)}: [\n" + ",\n".join(items) + f"\n  ]{tail}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def ohwi(conv):
    """PyTorch conv weight [O, I, KH, KW] -> net.json OHWI [O, KH, KW, I]."""
    return conv.weight.detach().numpy().transpose(0, 2, 3, 1)


def export(model, json_path):
    """Write the trained model as net.json; returns the node list for reporting."""
    m = model.eval()
    e = Exporter("digits", "digits.weights.bin")
    x = e.activation("image", [1, 8, 8, 1])

    # conv1 (no bias) -> batch_norm -> relu (separate nodes: exercises folding + activation fusion)
    t = e.node("conv1", "conv2d", [x, e.const("conv1.w", ohwi(m.conv1))], e.activation("conv1.out", [1, 8, 8, 8]),
               stride=[1, 1], padding="same")
    bn = m.bn1
    t = e.node("bn1", "batch_norm",
               [t,
                e.const("bn1.gamma", bn.weight.detach().numpy(), inline=True),
                e.const("bn1.beta", bn.bias.detach().numpy(), inline=True),
                e.const("bn1.mean", bn.running_mean.numpy(), inline=True),
                e.const("bn1.variance", bn.running_var.numpy(), inline=True)],
               e.activation("bn1.out", [1, 8, 8, 8]), epsilon=bn.eps)
    r = e.node("relu1", "relu", [t], e.activation("relu1.out", [1, 8, 8, 8]))

    # depthwise 3x3 -> relu6 (separate node) -> pointwise 1x1 -> add residual (fused relu)
    dw_w = m.dw2.weight.detach().numpy()[:, 0, :, :].transpose(1, 2, 0)[None]  # [C,1,KH,KW] -> [1,KH,KW,C]
    t = e.node("dw2", "depthwise_conv2d",
               [r, e.const("dw2.w", dw_w), e.const("dw2.b", m.dw2.bias.detach().numpy(), inline=True)],
               e.activation("dw2.out", [1, 8, 8, 8]), stride=[1, 1], padding="same", depth_multiplier=1)
    t = e.node("relu6_2", "relu6", [t], e.activation("relu6_2.out", [1, 8, 8, 8]))
    t = e.node("pw2", "conv2d",
               [t, e.const("pw2.w", ohwi(m.pw2)), e.const("pw2.b", m.pw2.bias.detach().numpy(), inline=True)],
               e.activation("pw2.out", [1, 8, 8, 8]), stride=[1, 1], padding="valid")
    t = e.node("add2", "add", [t, r], e.activation("add2.out", [1, 8, 8, 8]), activation="relu")

    # max pool -> conv3 (fused relu) -> global mean -> fully connected -> softmax
    t = e.node("pool2", "max_pool2d", [t], e.activation("pool2.out", [1, 4, 4, 8]),
               kernel=[2, 2], stride=[2, 2], padding="valid")
    t = e.node("conv3", "conv2d",
               [t, e.const("conv3.w", ohwi(m.conv3)), e.const("conv3.b", m.conv3.bias.detach().numpy(), inline=True)],
               e.activation("conv3.out", [1, 4, 4, 16]), stride=[1, 1], padding="same", activation="relu")
    t = e.node("gap", "mean", [t], e.activation("gap.out", [1, 1, 1, 16]), axes=[1, 2], keep_dims=True)
    t = e.node("fc", "fully_connected",
               [t, e.const("fc.w", m.fc.weight.detach().numpy()),
                e.const("fc.b", m.fc.bias.detach().numpy(), inline=True)],
               e.activation("fc.out", [1, 10]))
    t = e.node("softmax", "softmax", [t], e.activation("probs", [1, 10]), beta=1.0)
    e.write(json_path, x, t)
    return e


def summarize(e):
    """Print the node list and return (parameter count, MACs per inference)."""
    shapes = {t["name"]: t["shape"] for t in e.tensors}
    consts = {t["name"] for t in e.tensors if "data" in t}
    params = sum(int(np.prod(shapes[n])) for n in consts)
    macs = 0
    for n in e.nodes:
        out = shapes[n["outputs"][0]]
        if n["op"] == "conv2d":
            w = shapes[n["inputs"][1]]
            macs += int(np.prod(out)) * w[1] * w[2] * w[3]
        elif n["op"] == "depthwise_conv2d":
            w = shapes[n["inputs"][1]]
            macs += int(np.prod(out)) * w[1] * w[2]
        elif n["op"] == "fully_connected":
            macs += int(np.prod(shapes[n["inputs"][1]]))
        ins = ", ".join(f"{i}{shapes[i]}" for i in n["inputs"])
        attrs = json.dumps(n.get("attrs", {}))
        print(f"  {n['name']:<8} {n['op']:<17} {ins} -> {n['outputs'][0]}{out} {attrs}")
    print(f"parameters (all constant tensors, incl. batch-norm statistics): {params}")
    print(f"MACs per inference (conv/depthwise/fc): {macs}")
    return params, macs


# --------------------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO_DIR, "Examples", "digits"), help="output directory")
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.time()
    make_deterministic(args.seed)
    os.makedirs(args.out, exist_ok=True)
    x_train, x_test, y_train, y_test = load_data(args.seed)
    print(f"train {x_train.shape}, test {x_test.shape}, torch {torch.__version__}")

    model = DigitsNet()
    train(model, x_train, y_train, args.epochs, args.seed)
    probs = predict_probs(model, x_test)
    acc = float((probs.argmax(1) == y_test).mean())
    print(f"float test accuracy (PyTorch): {acc:.4f} ({int(round(acc * len(y_test)))}/{len(y_test)})")

    json_path = os.path.join(args.out, "digits.json")
    e = export(model, json_path)
    params, macs = summarize(e)
    np.save(os.path.join(args.out, "calib.npy"), pick_calibration(x_train, y_train, args.seed).astype(np.float32))
    np.save(os.path.join(args.out, "test_x.npy"), x_test.astype(np.float32))
    np.save(os.path.join(args.out, "test_y.npy"), y_test.astype(np.int64))

    # Independent check: the NumPy reference must reproduce PyTorch on the exported file.
    sys.path.insert(0, SCRIPT_DIR)
    import netjson_float_ref  # noqa: E402

    ref = netjson_float_ref.Model(json_path).run(x_test)
    max_diff = float(np.abs(ref - probs).max())
    ref_acc = float((ref.argmax(1) == y_test).mean())
    print(f"NumPy reference: accuracy {ref_acc:.4f}, max |probs - torch| = {max_diff:.2e}")
    if max_diff > 1e-5 or ref_acc != acc:
        print("error: exported model does not match PyTorch", file=sys.stderr)
        return 1

    with open(os.path.join(args.out, "float_accuracy.json"), "w", encoding="utf-8") as f:
        json.dump({"float_test_accuracy": acc, "n_test": int(len(y_test)), "torch": torch.__version__,
                   "seed": args.seed, "epochs": args.epochs, "parameters": params, "macs": macs}, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out} in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
