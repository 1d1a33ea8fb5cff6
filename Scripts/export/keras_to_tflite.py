#!/usr/bin/env python3
"""Convert a Keras model to the full-integer int8 .tflite that tinyc compiles.

tinyc reads .tflite files as TensorFlow's converter writes them. This script makes the choices tinyc
(and TFLite Micro) want, so a Keras user does not have to know them:
  - full-integer quantization (Optimize.DEFAULT + TFLITE_BUILTINS_INT8): every op int8, no float
    fallback, so the model runs on tinyc's int8 kernels and bit-exactly on TFLite Micro;
  - batch size 1, so every shape is static (a Keras Flatten otherwise computes its shape at run time
    with SHAPE/STRIDED_SLICE/PACK, which tinyc and most MCU runtimes do not run);
  - int8 input and output (no QUANTIZE/DEQUANTIZE at the edges; --float-io keeps float32 edges,
    which tinyc also imports);
  - calibration on YOUR samples (--calib: a float32 .npy, one sample per row, in the model's input
    shape without the batch dimension, or with a batch dimension of 1), not random data;
  - optionally per-tensor fully connected weights (--per-tensor-dense), which TFLite Micro needs for
    int4 weights and some older deployments expect.
Then the script checks that the file has only int8 ops and prints the tinyc command to compile it.

Usage:
  python3 Scripts/export/keras_to_tflite.py model.keras --calib calib.npy -o model_int8.tflite
  tinyc compile model_int8.tflite --board mps2-an386 -o out/

Needs tensorflow (pip install -r Scripts/tflite/requirements.txt); tinyc itself never runs Python.
"""
import argparse
import os
import sys

import numpy as np


def load_samples(path, input_shape, limit):
    """Calibration samples shaped [N, *input_shape[1:]] float32, whatever way the .npy stores them."""
    x = np.load(path).astype(np.float32)
    per = int(np.prod(input_shape[1:]))
    if x.size % per != 0:
        raise ValueError("%s: %d values is not a whole number of samples of shape %s"
                         % (path, x.size, list(input_shape[1:])))
    x = x.reshape((-1,) + tuple(input_shape[1:]))
    if len(x) == 0:
        raise ValueError("%s holds no samples" % path)
    return x[:limit]


def convert(model, samples, float_io=False, per_tensor_dense=False):
    import tensorflow as tf
    # Batch size fixed at 1: with Keras's dynamic batch, a Flatten becomes SHAPE, STRIDED_SLICE and
    # PACK computing the reshape's shape at run time; with a static shape the converter folds them.
    import keras
    inp = keras.Input(tuple(int(d) for d in samples.shape[1:]), batch_size=1)
    converter = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, model(inp)))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    io = tf.float32 if float_io else tf.int8
    converter.inference_input_type = io
    converter.inference_output_type = io
    if per_tensor_dense:
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True

    def representative():
        for s in samples:
            yield [s[np.newaxis, ...]]
    converter.representative_dataset = representative
    return converter.convert()


def check(buf):
    """The operators and tensor types of the converted file: every op must run on int8 tensors."""
    from tensorflow.lite.python import schema_py_generated as sch
    m = sch.ModelT.InitFromObj(sch.Model.GetRootAsModel(buf, 0))
    names = {v: k for k, v in vars(sch.BuiltinOperator).items() if not k.startswith("_")}
    g = m.subgraphs[0]
    ops = [names.get(max(m.operatorCodes[o.opcodeIndex].builtinCode,
                         m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode), "?") for o in g.operators]
    float_ops = [names.get(m.operatorCodes[o.opcodeIndex].builtinCode, "?") for o in g.operators
                 if any(i >= 0 and g.tensors[i].type == sch.TensorType.FLOAT32 for i in o.outputs)
                 and names.get(m.operatorCodes[o.opcodeIndex].builtinCode) != "DEQUANTIZE"]
    return ops, float_ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a Keras model file (.keras or .h5) or a SavedModel directory")
    ap.add_argument("--calib", required=True, help="float32 .npy calibration samples (a few hundred is typical)")
    ap.add_argument("--max-samples", type=int, default=500)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--float-io", action="store_true", help="keep float32 input and output")
    ap.add_argument("--per-tensor-dense", action="store_true", help="one weight scale per fully connected layer")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras
        model = keras.models.load_model(args.model, compile=False)
        samples = load_samples(args.calib, model.inputs[0].shape, args.max_samples)
        buf = convert(model, samples, args.float_io, args.per_tensor_dense)
        ops, float_ops = check(buf)
        if float_ops:
            raise ValueError("the converter left float operators: %s" % ", ".join(sorted(set(float_ops))))
    except (ValueError, OSError, ImportError) as e:
        print("keras_to_tflite: %s" % e, file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(buf)
    print("wrote %s: %d bytes, %d operators (%s), calibrated on %d samples"
          % (args.output, len(buf), len(ops), ", ".join(sorted(set(ops))), len(samples)))
    print("next: tinyc compile %s --board mps2-an386 -o out/   (or --target/--sram/--flash)" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
