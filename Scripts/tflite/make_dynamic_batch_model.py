#!/usr/bin/env python3
"""A Keras model converted the way most users convert: `TFLiteConverter.from_keras_model` on a model with a
dynamic batch dimension, so its Flatten becomes RESHAPE fed by SHAPE -> STRIDED_SLICE -> PACK computing
the new shape at run time. tinyc drops those shape-only operators (the RESHAPE output's static shape is
what it uses); this fixture and its TFLM goldens test that.

Model: 12x12x3 -> CONV_2D 3x3 (8, RELU) -> DEPTHWISE_CONV_2D 3x3 (RELU6) -> MAX_POOL_2D 2x2 -> Flatten
-> FULLY_CONNECTED (10) -> SOFTMAX; seeded weights, full-integer int8 with int8 I/O, calibrated on 64
seeded smooth fields (tflm_goldens.smooth_field). Writes
Tests/Fixtures/tflite/models/keras_flatten_dynamic_batch.tflite and checks that it holds SHAPE,
STRIDED_SLICE and PACK. Goldens: python3 Scripts/tflite/tflm_goldens.py --only keras_flatten_dynamic_batch
"""
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.lite.python import schema_py_generated as sch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tflm_goldens import smooth_field  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NAME = "keras_flatten_dynamic_batch"
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "models", NAME + ".tflite")


def build():
    rng = np.random.default_rng(zlib.crc32(NAME.encode()))
    m = keras.Sequential([keras.Input((12, 12, 3)),
                          keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                          keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6"),
                          keras.layers.MaxPooling2D(),
                          keras.layers.Flatten(),
                          keras.layers.Dense(10),
                          keras.layers.Softmax()])
    m.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in m.get_weights()])
    calib = [smooth_field(rng, (12, 12, 3)).astype(np.float32)[None] for _ in range(64)]
    return m, calib


def ops_of(buf):
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    names = {v: k for k, v in vars(sch.BuiltinOperator).items() if not k.startswith("_")}
    return [names[max(m.operatorCodes[o.opcodeIndex].builtinCode, m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode)]
            for o in m.subgraphs[0].operators]


def main():
    model, calib = build()
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
    c.representative_dataset = lambda: ([x] for x in calib)
    buf = c.convert()
    ops = ops_of(buf)
    for want in ("SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE"):
        assert want in ops, "%s: no %s (ops %s); the converter no longer writes a dynamic Flatten" % (NAME, want, ops)
    with open(OUT, "wb") as f:
        f.write(buf)
    print("wrote %s: %d bytes, operators %s" % (os.path.relpath(OUT, ROOT), len(buf), ", ".join(ops)))


if __name__ == "__main__":
    main()
