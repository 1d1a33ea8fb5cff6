#!/usr/bin/env python3
"""Float reference outputs for the MLPerf Tiny float32 models (the *_float / *_fp32 files).

tinyc imports a float .tflite as a float graph before quantizing it itself, so the float import is
checked against TensorFlow's float interpreter (a float oracle only: float results agree to rounding,
not bit for bit). Inputs are realistic: the int8 model's golden inputs (Tests/Fixtures/tflite/goldens/
<int8 model>.inputs.npy) dequantized with the int8 model's input scale and zero point. Writes
  Tests/Fixtures/tflite/goldens/<float model>.inputs.npy   float32 [N, *input shape]
  Tests/Fixtures/tflite/goldens/<float model>.tf-float.npy float32 [N, *output shape]
The same inputs serve as calibration samples when tests quantize the float model with tinyc.
Usage: python3 Scripts/tflite/float_goldens.py   (after tflm_goldens.py)
"""
import os

import numpy as np
import tensorflow as tf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(os.path.dirname(ROOT), "shared", "models", "mlperf-tiny")
GOLDENS = os.path.join(ROOT, "Tests", "Fixtures", "tflite", "goldens")
PAIRS = {"vww_96_float": "vww_96_int8", "pretrainedResnet": "pretrainedResnet_quant",
         "kws_ref_model_float32": "kws_ref_model", "ad01_fp32": "ad01_int8"}


def interpreter(name):
    it = tf.lite.Interpreter(model_path=os.path.join(MODELS, name + ".tflite"))
    it.allocate_tensors()
    return it


def main():
    for float_model, int8_model in PAIRS.items():
        scale, zero_point = interpreter(int8_model).get_input_details()[0]["quantization"]
        q = np.load(os.path.join(GOLDENS, int8_model + ".inputs.npy"))
        x = ((q.astype(np.float32) - zero_point) * np.float32(scale)).astype(np.float32)
        it = interpreter(float_model)
        inp, out = it.get_input_details()[0], it.get_output_details()[0]
        ys = []
        for i in range(x.shape[0]):
            it.set_tensor(inp["index"], x[i:i + 1].reshape(inp["shape"]))
            it.invoke()
            ys.append(np.array(it.get_tensor(out["index"]), dtype=np.float32).reshape(out["shape"][1:]))
        np.save(os.path.join(GOLDENS, float_model + ".inputs.npy"), x.reshape((x.shape[0], *inp["shape"][1:])))
        np.save(os.path.join(GOLDENS, float_model + ".tf-float.npy"), np.stack(ys))
        print(f"{float_model}: {x.shape[0]} inputs, outputs {np.stack(ys).shape}")


if __name__ == "__main__":
    main()
