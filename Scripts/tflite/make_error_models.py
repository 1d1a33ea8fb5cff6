"""Writes the .tflite files the importer's error tests read (Tests/Fixtures/tflite/errors/).

unsupported_ops.tflite: a full-int8 model with three ops tinyc does not run (MUL, TANH, and
SUB), between supported ones, so the importer's single error must list all three with their
operator index. Deterministic: fixed seeds. Run: python3 Scripts/tflite/make_error_models.py
"""
import os

import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "errors")


def convert(model, shape):
    rng = np.random.default_rng(7)

    def representative():
        for _ in range(16):
            yield [rng.uniform(-1, 1, size=shape).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def unsupported_ops():
    tf.keras.utils.set_random_seed(3)
    x = tf.keras.Input(shape=(4, 4, 2), batch_size=1)
    y = tf.keras.layers.Conv2D(4, 3, padding="same")(x)
    y = tf.keras.layers.Lambda(lambda t: t * t)(y)          # MUL
    y = tf.keras.layers.Activation("tanh")(y)                # TANH
    y = tf.keras.layers.Lambda(lambda t: t - 0.25 * t[..., :1])(y)  # SUB (broadcast)
    y = tf.keras.layers.Flatten()(y)
    y = tf.keras.layers.Dense(3)(y)
    return convert(tf.keras.Model(x, y), (1, 4, 4, 2))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    data = unsupported_ops()
    with open(os.path.join(OUT, "unsupported_ops.tflite"), "wb") as f:
        f.write(data)
    ops = [d["op_name"] for d in tf.lite.Interpreter(model_content=data)._get_ops_details()]
    print("unsupported_ops.tflite:", ops)
    for op in ("MUL", "TANH", "SUB"):
        assert op in ops, f"{op} missing from {ops}"
