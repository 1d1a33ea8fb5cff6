#!/usr/bin/env python3
"""Self-test of Scripts/netjson_float_ref.py against PyTorch, op by op.

Builds small random single-op (or few-op) net.json graphs with inline base64 weights,
runs them with the NumPy reference and with an independent PyTorch formulation of the
TFLite semantics the spec asks for (SAME padding with the odd pixel bottom/right,
average pooling that does not count padding, depthwise channel c*m+j <- input c), and
checks that they agree within 1e-5. Also checks that malformed files are rejected.

Usage:
    python3 Scripts/test_netjson_float_ref.py
"""

from __future__ import annotations

import base64
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netjson_float_ref as ref  # noqa: E402

RNG = np.random.RandomState(1234)


def b64(a):
    return {"base64": base64.b64encode(np.asarray(a, "<f4").tobytes()).decode()}


def graph(in_shape, nodes, consts, shapes):
    """A net.json dict: input 'x', output = last node's output."""
    tensors = [{"name": "x", "shape": list(in_shape), "dtype": "float32"}]
    tensors += [{"name": k, "shape": list(v.shape), "dtype": "float32", "data": b64(v)} for k, v in consts.items()]
    tensors += [{"name": k, "shape": list(v), "dtype": "float32"} for k, v in shapes.items()]
    return {"format": "tinyc-net", "version": 1, "inputs": ["x"], "outputs": [nodes[-1]["outputs"][0]],
            "tensors": tensors, "nodes": nodes}


def run_ref(doc, x):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.json")
        with open(p, "w") as f:
            json.dump(doc, f)
        return ref.Model(p).run(x)


def same_pads(n, k, s, d=1):
    eff = (k - 1) * d + 1
    out = math.ceil(n / s)
    tot = max((out - 1) * s + eff - n, 0)
    return tot // 2, tot - tot // 2


def nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).double()


def nhwc(t):
    return t.permute(0, 2, 3, 1).numpy()


def torch_pad(x, pads, padding, k, s, d):
    """Apply net.json padding to an NCHW tensor; returns padded tensor."""
    h, w = x.shape[2], x.shape[3]
    if padding == "same":
        t, b = same_pads(h, k[0], s[0], d[0])
        l, r = same_pads(w, k[1], s[1], d[1])
    elif padding == "valid":
        t = b = l = r = 0
    else:
        t, b, l, r = padding
    return F.pad(x, (l, r, t, b), value=pads)


def act(y, a):
    return {"none": y, "relu": F.relu(y), "relu6": torch.clamp(y, 0, 6)}[a]


def check(name, got, want, tol=1e-5):
    diff = float(np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64)).max())
    status = "ok" if diff <= tol and got.shape == want.shape else "FAIL"
    print(f"  {status:4} {name:<55} max diff {diff:.1e}")
    return status == "ok"


def test_conv(ok):
    cases = [  # (H, W, Cin, Cout, k, stride, dilation, padding, activation)
        (8, 8, 3, 4, (3, 3), (1, 1), (1, 1), "same", "none"),
        (8, 7, 2, 5, (3, 3), (2, 2), (1, 1), "same", "relu"),
        (9, 10, 3, 4, (4, 2), (2, 3), (1, 1), "same", "relu6"),
        (9, 9, 2, 3, (3, 3), (1, 1), (2, 2), "same", "none"),
        (9, 9, 2, 3, (3, 3), (2, 1), (1, 2), "valid", "none"),
        (6, 6, 2, 3, (3, 3), (1, 1), (1, 1), [0, 2, 1, 0], "relu"),
        (5, 5, 4, 6, (1, 1), (1, 1), (1, 1), "valid", "none"),
    ]
    for h, w, ci, co, k, s, d, p, a in cases:
        x = RNG.randn(3, h, w, ci).astype(np.float32)
        wt = RNG.randn(co, k[0], k[1], ci).astype(np.float32)
        bias = RNG.randn(co).astype(np.float32)
        yt = F.conv2d(torch_pad(nchw(x), 0.0, p, k, s, d), torch.from_numpy(wt.transpose(0, 3, 1, 2)).double(),
                      torch.from_numpy(bias).double(), stride=s, dilation=d)
        want = nhwc(act(yt, a))
        attrs = {"stride": list(s), "dilation": list(d), "padding": p, "activation": a}
        doc = graph([1, h, w, ci], [{"name": "c", "op": "conv2d", "inputs": ["x", "w", "b"], "outputs": ["y"],
                                     "attrs": attrs}], {"w": wt, "b": bias}, {"y": [1] + list(want.shape[1:])})
        ok.append(check(f"conv2d {h}x{w} k{k} s{s} d{d} {p} {a}", run_ref(doc, x), want))


def test_depthwise(ok):
    cases = [(8, 8, 3, 1, (3, 3), (1, 1), (1, 1), "same"), (7, 8, 2, 3, (3, 3), (2, 2), (1, 1), "same"),
             (9, 9, 4, 2, (3, 2), (1, 2), (2, 1), "valid"), (6, 6, 2, 1, (3, 3), (1, 1), (1, 1), [1, 0, 0, 2])]
    for h, w, c, m, k, s, d, p in cases:
        x = RNG.randn(2, h, w, c).astype(np.float32)
        wt = RNG.randn(1, k[0], k[1], c * m).astype(np.float32)
        bias = RNG.randn(c * m).astype(np.float32)
        tw = torch.from_numpy(wt[0].transpose(2, 0, 1)[:, None]).double()  # [C*m, 1, KH, KW]
        yt = F.conv2d(torch_pad(nchw(x), 0.0, p, k, s, d), tw, torch.from_numpy(bias).double(),
                      stride=s, dilation=d, groups=c)
        want = nhwc(act(yt, "relu6"))
        attrs = {"stride": list(s), "dilation": list(d), "padding": p, "depth_multiplier": m, "activation": "relu6"}
        doc = graph([1, h, w, c], [{"name": "dw", "op": "depthwise_conv2d", "inputs": ["x", "w", "b"],
                                    "outputs": ["y"], "attrs": attrs}],
                    {"w": wt, "b": bias}, {"y": [1] + list(want.shape[1:])})
        ok.append(check(f"depthwise {h}x{w} c{c} m{m} k{k} s{s} d{d} {p}", run_ref(doc, x), want))


def test_pool(ok):
    cases = [((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same"), ((3, 3), (1, 1), "same"),
             ((2, 3), (1, 2), [1, 0, 1, 1]), ((3, 3), (2, 2), "valid")]
    for op in ("avg_pool2d", "max_pool2d"):
        for k, s, p in cases:
            x = RNG.randn(2, 7, 8, 3).astype(np.float32)
            if op == "max_pool2d":
                yt = F.max_pool2d(torch_pad(nchw(x), -math.inf, p, k, s, (1, 1)), k, s)
            else:
                ones = torch.ones(1, 1, 7, 8, dtype=torch.float64)
                num = F.avg_pool2d(torch_pad(nchw(x), 0.0, p, k, s, (1, 1)), k, s) * (k[0] * k[1])
                den = F.avg_pool2d(torch_pad(ones, 0.0, p, k, s, (1, 1)), k, s) * (k[0] * k[1])
                yt = num / den
            want = nhwc(act(yt, "relu"))
            doc = graph([1, 7, 8, 3], [{"name": "p", "op": op, "inputs": ["x"], "outputs": ["y"],
                                        "attrs": {"kernel": list(k), "stride": list(s), "padding": p,
                                                  "activation": "relu"}}],
                        {}, {"y": [1] + list(want.shape[1:])})
            ok.append(check(f"{op} k{k} s{s} {p}", run_ref(doc, x), want))


def test_misc(ok):
    x = RNG.randn(2, 4, 5, 3).astype(np.float32)
    t = nchw(x)
    g, b, mu, var = RNG.rand(3) + 0.5, RNG.randn(3), RNG.randn(3), RNG.rand(3) + 0.1
    wfc = RNG.randn(7, 60).astype(np.float32)
    bfc = RNG.randn(7).astype(np.float32)
    consts = {"g": g, "b": b, "mu": mu, "var": var, "wfc": wfc, "bfc": bfc}
    nodes = [
        {"name": "bn", "op": "batch_norm", "inputs": ["x", "g", "b", "mu", "var"], "outputs": ["bn"],
         "attrs": {"epsilon": 1e-3}},
        {"name": "r6", "op": "relu6", "inputs": ["bn"], "outputs": ["r6"]},
        {"name": "r", "op": "relu", "inputs": ["x"], "outputs": ["r"]},
        {"name": "add", "op": "add", "inputs": ["r6", "r"], "outputs": ["add"], "attrs": {"activation": "relu6"}},
        {"name": "pad", "op": "pad", "inputs": ["add"], "outputs": ["pad"],
         "attrs": {"paddings": [[0, 0], [1, 0], [0, 2], [0, 0]]}},
        {"name": "cat", "op": "concat", "inputs": ["pad", "pad"], "outputs": ["cat"], "attrs": {"axis": -1}},
        {"name": "gap", "op": "global_avg_pool2d", "inputs": ["cat"], "outputs": ["gap"], "attrs": {"keep_dims": False}},
        {"name": "mean", "op": "mean", "inputs": ["cat"], "outputs": ["mean"], "attrs": {"axes": [1, 2]}},
        {"name": "fl", "op": "flatten", "inputs": ["mean"], "outputs": ["fl"]},
        {"name": "cat2", "op": "concat", "inputs": ["fl", "gap"], "outputs": ["cat2"], "attrs": {"axis": 1}},
        {"name": "rs", "op": "reshape", "inputs": ["cat2"], "outputs": ["rs"], "attrs": {"shape": [1, 2, 2, -1]}},
        {"name": "cat3", "op": "concat", "inputs": ["rs", "rs", "rs", "rs", "rs"], "outputs": ["cat3"],
         "attrs": {"axis": 3}},  # [1, 2, 2, 30]
        {"name": "fc", "op": "fully_connected", "inputs": ["cat3", "wfc", "bfc"], "outputs": ["fc"],
         "attrs": {"activation": "none"}},
        {"name": "sm", "op": "softmax", "inputs": ["fc"], "outputs": ["sm"], "attrs": {"beta": 0.5}},
    ]
    shapes = {"bn": [1, 4, 5, 3], "r6": [1, 4, 5, 3], "r": [1, 4, 5, 3], "add": [1, 4, 5, 3], "pad": [1, 5, 7, 3],
              "cat": [1, 5, 7, 6], "gap": [1, 6], "mean": [1, 1, 1, 6], "fl": [1, 6], "cat2": [1, 12],
              "rs": [1, 2, 2, 3], "cat3": [1, 2, 2, 15], "fc": [1, 7], "sm": [1, 7]}
    nodes.reverse()  # any node order must work
    doc = graph([1, 4, 5, 3], nodes, consts, shapes)
    doc["outputs"] = ["sm"]
    # torch version (NCHW internally)
    bn = F.batch_norm(t, torch.tensor(mu), torch.tensor(var), torch.tensor(g), torch.tensor(b), eps=1e-3)
    add = torch.clamp(torch.clamp(bn, 0, 6) + F.relu(t), 0, 6)
    pad = F.pad(add, (0, 2, 1, 0))
    cat = torch.cat([pad, pad], 1)
    gap = cat.mean((2, 3))
    cat2 = torch.cat([gap, gap], 1)  # [N, 12]
    rs = cat2.reshape(-1, 2, 2, 3)  # NHWC already
    cat3 = torch.cat([rs] * 5, 3)
    fc = cat3.reshape(cat3.shape[0], -1) @ torch.from_numpy(wfc).double().T + torch.from_numpy(bfc).double()
    want = torch.softmax(0.5 * fc, 1).numpy()
    ok.append(check("bn/relu6/relu/add/pad/concat/gap/mean/flatten/reshape/fc/softmax", run_ref(doc, x), want))


def test_errors(ok):
    base = graph([1, 2, 2, 1], [{"name": "r", "op": "relu", "inputs": ["x"], "outputs": ["y"]}], {}, {"y": [1, 2, 2, 1]})

    def expect_error(label, mutate, needle):
        doc = json.loads(json.dumps(base))
        mutate(doc)
        try:
            run_ref(doc, np.zeros((1, 2, 2, 1), np.float32))
        except ref.NetError as e:
            good = needle in str(e)
            print(f"  {'ok' if good else 'FAIL':4} rejects {label}: {e}")
            ok.append(good)
            return
        print(f"  FAIL accepted {label}")
        ok.append(False)

    expect_error("unknown top key", lambda d: d.update(extra=1), "unknown key")
    expect_error("unknown node attr", lambda d: d["nodes"][0].update(attrs={"alpha": 1}), "unknown attribute")
    expect_error("unknown op", lambda d: d["nodes"][0].update(op="gelu"), "unknown op")
    expect_error("undeclared tensor", lambda d: d["nodes"][0].update(inputs=["nope"]), "not declared")
    expect_error("bad shape", lambda d: d["tensors"][1].update(shape=[1, 2, 3, 1]), "declared")
    expect_error("zero dim", lambda d: d["tensors"][1].update(shape=[1, 0, 2, 1]), "positive")
    expect_error("bad data length", lambda d: d["tensors"].append(
        {"name": "c", "shape": [3], "dtype": "float32", "data": b64([1, 2])}), "bytes")
    expect_error("cycle", lambda d: d["nodes"].extend([
        {"name": "a", "op": "relu", "inputs": ["q"], "outputs": ["p"]},
        {"name": "b", "op": "relu", "inputs": ["p"], "outputs": ["q"]}]) or d["tensors"].extend([
            {"name": "p", "shape": [1, 2, 2, 1], "dtype": "float32"},
            {"name": "q", "shape": [1, 2, 2, 1], "dtype": "float32"}]), "cycle")


def main():
    torch.set_num_threads(1)
    ok = []
    for t in (test_conv, test_depthwise, test_pool, test_misc, test_errors):
        print(t.__name__)
        t(ok)
    print(f"{sum(ok)}/{len(ok)} checks passed")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
