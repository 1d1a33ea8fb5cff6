#!/usr/bin/env python3
"""Train the digits CNN as a float and as a 1.58-bit (ternary) network; export the ternary one.

Same data, split, calibration images and architecture as Scripts/train_digits.py
(Examples/digits), trained twice from the same seed:
  (a) float (the reference the ternary network is compared with);
  (b) ternary quantization-aware training with Scripts/ternary/bitlayers.py: every conv,
      the depthwise conv and the fully connected layer ternary (gamma * t, t in {-1,0,1},
      gamma per output channel, absmean or median) with int8 fake-quantized inputs.
      (b) starts from the same random initialisation as (a) (--init float: from its weights),
      trains with a batch norm after dw2, pw2 and conv3 as well (--no-qat-bn: without), and
      re-estimates the batch-norm statistics with the final weights (--no-recalib: not).
      Every batch norm is folded exactly into the per-channel gammas at export, so the
      exported graph has Examples/digits' shape. --keep-first / --keep-last keep conv1 / fc
      in 8 bits (float32 in the export; tinyc quantizes them). Defaults: all layers ternary.

Writes to --out (Examples/digits-ternary/):
  digits_ternary.json (+ .weights.bin)                ternary net.json (dtype "ternary", see bitlayers.py)
  digits_ternary_dequantized.json (+ .weights.bin)    same graph, weights as float32 gamma * t
  calib.npy, test_x.npy, test_y.npy                   as in Examples/digits (same split)
  accuracy.json                                       accuracies, parameter / zero counts, settings

Self-checks (the script fails unless they hold):
  - the ternary file, dequantized in Python, equals the dequantized file tensor by tensor
    (bit for bit) and both have the same graph;
  - every ternary tensor holds only -1/0/1 and equals the PyTorch model's t (per output channel
    up to the sign flip of a folded negative batch-norm weight);
  - Scripts/netjson_float_ref.py on the dequantized file reproduces the PyTorch ternary model
    with activation fake-quant switched off (probabilities within 1e-4, same predictions), and
    agrees with the QAT model (fake-quant on) on >= 99 % of the test predictions.
If tinyc is found (--tinyc, default .build/debug/tinyc) it also runs
`tinyc eval` on the dequantized file and records float and int8 accuracy.

Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), one thread.

Usage:
    python3 Scripts/ternary/train_digits_ternary.py [--scale absmean|median] [--epochs 150] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)
sys.path.insert(0, HERE)
sys.path.insert(0, SCRIPTS)

import bitlayers as bl  # noqa: E402
import netjson_float_ref  # noqa: E402
from train_digits import load_data, make_deterministic, pick_calibration, predict_probs, shift_augment  # noqa: E402

BN_EPS = 1e-5


# --------------------------------------------------------------------------- model


class DigitsNet(nn.Module):
    """Examples/digits' CNN: conv-bn-relu, depthwise-separable residual block, max pool,
    conv, global mean, FC. ternary=True swaps in the Bit layers (same parameters, same init).
    keep_first / keep_last keep conv1 / fc as ordinary (8-bit after tinyc) layers."""

    def __init__(self, ternary=False, scale="absmean", per_channel=True, width=1, keep_first=False, keep_last=False,
                 bn_all=False):
        super().__init__()
        c1, c3 = 8 * width, 16 * width
        kw = dict(scale=scale, per_channel=per_channel)
        conv = (lambda *a, **k: bl.BitConv2d(*a, **k, **kw)) if ternary else nn.Conv2d
        lin = (lambda *a, **k: bl.BitLinear(*a, **k, **kw)) if ternary else nn.Linear
        self.conv1 = (nn.Conv2d if keep_first else conv)(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1, eps=BN_EPS)
        self.dw2 = conv(c1, c1, 3, padding=1, groups=c1)
        self.pw2 = conv(c1, c1, 1)
        self.conv3 = conv(c1, c3, 3, padding=1)
        self.fc = (nn.Linear if keep_last else lin)(c3, 10)
        # bn_all: a batch norm after every conv while training (folded exactly into gamma at export)
        bn = (lambda c: nn.BatchNorm2d(c, eps=BN_EPS)) if bn_all else (lambda c: nn.Identity())
        self.bn2, self.bn2b, self.bn3 = bn(c1), bn(c1), bn(c3)

    def forward(self, x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)
        r = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2b(self.pw2(F.relu6(self.bn2(self.dw2(r)))))
        y = F.relu(y + r)
        y = F.max_pool2d(y, 2, 2)
        y = F.relu(self.bn3(self.conv3(y)))
        y = y.mean(dim=(2, 3))
        return self.fc(y)


def export(model, json_path, mode):
    """Write model as net.json (mode 'ternary' or 'dequantized'); same node and tensor names as
    Examples/digits, batch norm folded into conv1 (exactly: it only rescales conv1's gammas)."""
    stem = os.path.splitext(os.path.basename(json_path))[0]
    w = bl.NetJsonWriter("digits_ternary", mode=mode, weights_file=stem + ".weights.bin")
    m = model.eval()
    bn = lambda b: b if isinstance(b, nn.BatchNorm2d) else None  # noqa: E731
    x = w.input("image", [1, 8, 8, 1])
    r = w.conv2d("conv1", x, m.conv1, bn=m.bn1, activation="relu", padding="same")
    t = w.conv2d("dw2", r, m.dw2, bn=bn(m.bn2), activation="relu6", padding="same")
    t = w.conv2d("pw2", t, m.pw2, bn=bn(m.bn2b), padding="valid")
    t = w.add("add2", t, r, activation="relu")
    t = w.max_pool2d("pool2", t, kernel=2, stride=2)
    t = w.conv2d("conv3", t, m.conv3, bn=bn(m.bn3), activation="relu", padding="same")
    t = w.mean("gap", t, keep_dims=True)
    t = w.fully_connected("fc", t, m.fc)
    out = w.softmax("softmax", t, output="probs")
    return w.save(json_path, out)


# --------------------------------------------------------------------------- training


def train(model, x_train, y_train, epochs, seed, lr, batch=32, weight_decay=0.0, log=""):
    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for s in range(0, len(xt), batch):
            idx = perm[s:s + batch]
            loss = F.cross_entropy(model(shift_augment(xt[idx], gen)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if epoch % 25 == 24 or epoch == epochs - 1:
            print(f"  {log} epoch {epoch + 1:3d}  loss {total / len(xt):.4f}")


def accuracy(probs, y):
    return float((probs.argmax(1) == y).mean())


# --------------------------------------------------------------------------- checks and stats


def check_exports(model, tern_path, deq_path, x_test, probs_qat):
    """The self-checks listed in the module docstring; returns a dict of measured agreement."""
    tdoc, tconst = bl.read_ternary_netjson(tern_path)
    ddoc, dconst = bl.read_ternary_netjson(deq_path)
    assert tdoc["nodes"] == ddoc["nodes"], "graphs differ"
    assert [(t["name"], t["shape"]) for t in tdoc["tensors"]] == [(t["name"], t["shape"]) for t in ddoc["tensors"]]
    n_tern = 0
    for name, v in tconst.items():
        d = dconst[name]
        assert isinstance(d, np.ndarray) and d.dtype == np.float32
        if isinstance(v, dict):
            n_tern += 1
            assert v["real"].tobytes() == d.tobytes(), f"{name}: gamma * t differs from the dequantized export"
        else:
            assert v.tobytes() == d.tobytes(), f"{name}: float tensor differs between the exports"
    # the ternary tensors are the model's t, in net.json layout; a folded batch norm with a
    # negative weight flips the sign of its output channel (gamma stays positive)
    for lname in ("conv1", "dw2", "pw2", "conv3", "fc"):
        layer = getattr(model, lname)
        if not bl.is_bit_layer(layer):
            assert tdoc_dtype(tdoc, f"{lname}.w") == "float32"
            continue
        t, _ = bl.ternary_state(layer)
        tt = tconst[f"{lname}.w"]["t"]
        if lname == "dw2":
            tt = tt[0].transpose(2, 0, 1)[:, None]           # [1,KH,KW,C] -> [C,1,KH,KW]
        elif t.ndim == 4:
            tt = tt.transpose(0, 3, 1, 2)                    # OHWI -> OIHW
        tt = tt.reshape(t.shape[0], -1)
        t = t.reshape(t.shape[0], -1)
        assert all((tt[o] == t[o]).all() or (tt[o] == -t[o]).all() for o in range(t.shape[0])), \
            f"{lname}: exported t differs from the PyTorch model's"

    ref = netjson_float_ref.Model(deq_path).run(x_test)
    # PyTorch ternary weights with float activations: must match the NumPy reference exactly (up to float error)
    bl.set_act_quant(model, False)
    probs_noact = predict_probs(model, x_test)
    bl.set_act_quant(model, True)
    max_diff = float(np.abs(ref - probs_noact).max())
    same_noact = float((ref.argmax(1) == probs_noact.argmax(1)).mean())
    agree_qat = float((ref.argmax(1) == probs_qat.argmax(1)).mean())
    print(f"self-check: {n_tern} ternary tensors; ternary file == dequantized file (bit for bit)")
    print(f"self-check: NumPy reference vs PyTorch (ternary weights, float activations): max |dp| {max_diff:.2e}, "
          f"prediction agreement {same_noact:.4f}")
    print(f"self-check: NumPy reference vs PyTorch QAT model (int8 fake-quant activations): agreement {agree_qat:.4f}")
    assert max_diff < 1e-4 and same_noact == 1.0, "dequantized export does not reproduce the PyTorch ternary model"
    assert agree_qat >= 0.99, "dequantized export agrees with the QAT model on fewer than 99 % of the test images"
    return {"ref_vs_torch_float_act_max_abs_prob_diff": max_diff, "ref_vs_qat_agreement": agree_qat,
            "ref_accuracy_float_activations": None, "ref_probs": ref}


def tdoc_dtype(doc, name):
    return next(t["dtype"] for t in doc["tensors"] if t["name"] == name)


def weight_stats(doc, consts):
    """Parameter counts of an exported file: total constants, ternary weights, zeros among them."""
    total = tern = zeros = 0
    per_layer = {}
    for t in doc["tensors"]:
        if "data" not in t:
            continue
        n = int(np.prod(t["shape"]))
        total += n
        if t["dtype"] == "ternary":
            z = int((consts[t["name"]]["t"] == 0).sum())
            tern += n
            zeros += z
            per_layer[t["name"]] = {"weights": n, "zeros": z}
    return {"parameters": total, "ternary_weights": tern, "ternary_zeros": zeros, "per_tensor": per_layer}


def run_tinyc(tinyc, out_dir, deq_path):
    if not tinyc or not os.path.exists(tinyc):
        print("tinyc not found: skipping tinyc eval")
        return None
    cmd = [tinyc, "eval", deq_path, "--calib", os.path.join(out_dir, "calib.npy"),
           "--data", os.path.join(out_dir, "test_x.npy"), "--labels", os.path.join(out_dir, "test_y.npy")]
    res = subprocess.run(cmd, capture_output=True, text=True)
    print(res.stdout.strip())
    if res.returncode != 0:
        print(res.stderr.strip(), file=sys.stderr)
        return None
    f = re.search(r"float accuracy:\s*([\d.]+)%", res.stdout)
    q = re.search(r"int8 accuracy:\s*([\d.]+)%", res.stdout)
    return {"float_percent": float(f.group(1)) if f else None, "int8_percent": float(q.group(1)) if q else None,
            "command": " ".join(os.path.relpath(c, REPO) if os.path.isabs(c) else c for c in cmd)}


# --------------------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Examples", "digits-ternary"))
    ap.add_argument("--scale", choices=bl.SCALES, default="absmean", help="gamma: mean or median of |W|")
    ap.add_argument("--per-tensor", action="store_true", help="one gamma per layer instead of per output channel")
    ap.add_argument("--epochs", type=int, default=150, help="epochs of each run")
    ap.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (float run)")
    ap.add_argument("--qat-lr", type=float, default=0.01, help="Adam learning rate (ternary run)")
    ap.add_argument("--width", type=int, default=1, help="channel multiplier (1 = Examples/digits)")
    ap.add_argument("--keep-first", action="store_true", help="keep conv1 in 8 bits (not ternary)")
    ap.add_argument("--keep-last", action="store_true", help="keep fc in 8 bits (not ternary)")
    ap.add_argument("--init", choices=("random", "float"), default="random",
                    help="ternary run starts from the same random init as the float run, or from its trained weights")
    ap.add_argument("--no-qat-bn", dest="qat_bn", action="store_false",
                    help="ternary run without the extra batch norms after dw2, pw2 and conv3 (by default they are "
                         "trained and folded exactly into gamma at export)")
    ap.add_argument("--no-recalib", action="store_true",
                    help="skip re-estimating the ternary model's batch-norm statistics after training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tinyc", default=os.path.join(REPO, ".build", "debug", "tinyc"),
                    help="tinyc binary for the int8 evaluation ('' to skip)")
    args = ap.parse_args(argv)

    t0 = time.time()
    make_deterministic(args.seed)
    os.makedirs(args.out, exist_ok=True)
    x_train, x_test, y_train, y_test = load_data(args.seed)
    print(f"train {x_train.shape}, test {x_test.shape}, torch {torch.__version__}, scale {args.scale}")

    # (a) float and (b) ternary from the same seed: identical initial weights
    torch.manual_seed(args.seed)
    fmodel = DigitsNet(width=args.width)
    torch.manual_seed(args.seed)
    tmodel = DigitsNet(ternary=True, scale=args.scale, per_channel=not args.per_tensor, width=args.width,
                       keep_first=args.keep_first, keep_last=args.keep_last, bn_all=args.qat_bn)
    init = fmodel.state_dict()
    assert all(torch.equal(init[k], v) for k, v in tmodel.state_dict().items() if k in init)

    t1 = time.time()
    train(fmodel, x_train, y_train, args.epochs, args.seed, args.lr, log="float")
    t_float = time.time() - t1
    float_acc = accuracy(predict_probs(fmodel, x_test), y_test)
    print(f"(a) float test accuracy:   {float_acc:.4f} ({round(float_acc * len(y_test))}/{len(y_test)}) in {t_float:.1f} s")

    if args.init == "float":
        tmodel.load_state_dict(fmodel.state_dict(), strict=False)
    t1 = time.time()
    train(tmodel, x_train, y_train, args.epochs, args.seed, args.qat_lr, log="ternary")
    if not args.no_recalib:
        bl.recalibrate_batch_norm(tmodel, torch.from_numpy(x_train))
    t_qat = time.time() - t1
    probs_qat = predict_probs(tmodel, x_test)
    qat_acc = accuracy(probs_qat, y_test)
    print(f"(b) ternary QAT accuracy:  {qat_acc:.4f} ({round(qat_acc * len(y_test))}/{len(y_test)}) in {t_qat:.1f} s"
          f"  (ternary weights, int8 fake-quant activations)")

    tern_path = os.path.join(args.out, "digits_ternary.json")
    deq_path = os.path.join(args.out, "digits_ternary_dequantized.json")
    export(tmodel, tern_path, "ternary")
    export(tmodel, deq_path, "dequantized")
    np.save(os.path.join(args.out, "calib.npy"), pick_calibration(x_train, y_train, args.seed).astype(np.float32))
    np.save(os.path.join(args.out, "test_x.npy"), x_test.astype(np.float32))
    np.save(os.path.join(args.out, "test_y.npy"), y_test.astype(np.int64))

    chk = check_exports(tmodel, tern_path, deq_path, x_test, probs_qat)
    ref_acc = accuracy(chk.pop("ref_probs"), y_test)
    chk["ref_accuracy_float_activations"] = ref_acc
    print(f"dequantized export, NumPy float reference: accuracy {ref_acc:.4f}")

    tdoc, tconst = bl.read_ternary_netjson(tern_path)
    stats = weight_stats(tdoc, tconst)
    print(f"parameters {stats['parameters']} (after folding bn1), ternary weights {stats['ternary_weights']} "
          f"({stats['ternary_weights'] / stats['parameters']:.1%}), zeros among them {stats['ternary_zeros']} "
          f"({stats['ternary_zeros'] / max(stats['ternary_weights'], 1):.1%})")
    for name, s in stats["per_tensor"].items():
        print(f"  {name:<8} {s['weights']:5d} weights, {s['zeros'] / s['weights']:6.1%} zero")

    tinyc_acc = run_tinyc(args.tinyc, args.out, deq_path)
    report = {
        "float_test_accuracy": float_acc,
        "ternary_qat_test_accuracy": qat_acc,
        "n_test": int(len(y_test)),
        "self_check": chk,
        "tinyc_eval_dequantized": tinyc_acc,
        "weights": stats,
        "settings": {"scale": args.scale, "per_channel": not args.per_tensor, "epochs": args.epochs,
                     "lr": args.lr, "qat_lr": args.qat_lr, "width": args.width, "keep_first_8bit": args.keep_first,
                     "keep_last_8bit": args.keep_last, "seed": args.seed, "torch": torch.__version__},
        "train_seconds": {"float": round(t_float, 1), "ternary": round(t_qat, 1)},
    }
    with open(os.path.join(args.out, "accuracy.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    gap = float_acc - qat_acc
    print(f"float {float_acc:.4f}  ternary QAT {qat_acc:.4f}  gap {100 * gap:+.2f} points"
          + ("" if gap <= 0.02 else "  (more than 2 points)"))
    print(f"wrote {args.out} in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
