#!/usr/bin/env python3
"""Real-photo inputs for the value-driven patch experiment (docs/vdpc.md).

The MLPerf Tiny goldens' inputs are synthetic (a ramp, constants, uniform noise), so this cuts
square crops at several scales out of the two photographs scikit-learn ships
(sklearn/datasets/images/china.jpg and flower.jpg, 427x640), box-filters them down to the model's
input size and writes float32 .npy files in the models' real input ranges:

  vww_calib.npy / vww_eval.npy      [N, 1, 96, 96, 3]  in [0, 1]   (vww_96_int8: scale 1/255, zp -128)
  resnet_calib.npy / resnet_eval.npy [N, 1, 32, 32, 3] in [0, 255] (pretrainedResnet_quant: scale 1, zp -128)

Calibration and evaluation crops come from disjoint positions (alternating on one grid) of both
photos. Decoding uses Pillow when installed, else TensorFlow. Deterministic: no randomness.

usage: Scripts/vdpc/make_inputs.py OUT_DIR
"""
import os
import sys

import numpy as np


def load_photos():
    import sklearn
    folder = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "images")
    paths = [os.path.join(folder, n) for n in ("china.jpg", "flower.jpg")]
    try:
        from PIL import Image
        return [np.asarray(Image.open(p).convert("RGB"), dtype=np.float64) for p in paths]
    except ImportError:
        import tensorflow as tf
        return [tf.io.decode_jpeg(tf.io.read_file(p)).numpy().astype(np.float64) for p in paths]


def box_resize(img, size):
    """Average-pools a square crop whose side is a multiple of `size` down to size x size."""
    k = img.shape[0] // size
    return img[: k * size, : k * size].reshape(size, k, size, k, 3).mean(axis=(1, 3))


def crops(photos, size, sides, stride):
    """Every crop of every side in `sides` on a `stride` grid, in a fixed order."""
    out = []
    for img in photos:
        h, w, _ = img.shape
        for side in sides:
            for y in range(0, h - side + 1, stride):
                for x in range(0, w - side + 1, stride):
                    out.append(box_resize(img[y : y + side, x : x + side], size))
    return np.stack(out)


def split(samples):
    """Alternate samples: even positions calibrate, odd positions evaluate."""
    return samples[0::2], samples[1::2]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    photos = load_photos()
    vww = crops(photos, 96, sides=(192, 288, 384), stride=64) / 255.0
    resnet = crops(photos, 32, sides=(64, 128, 256), stride=64)
    for name, data in (("vww", vww), ("resnet", resnet)):
        calib, evaluation = split(data.astype(np.float32))
        np.save(os.path.join(out, f"{name}_calib.npy"), calib[:, None])
        np.save(os.path.join(out, f"{name}_eval.npy"), evaluation[:, None])
        print(f"{name}: {len(calib)} calibration + {len(evaluation)} evaluation inputs of {calib.shape[1:]}")


if __name__ == "__main__":
    main()
