#!/usr/bin/env python3
"""Turn a quantized TFLite classifier into the equivalent float TFLite model.

Every quantized tensor becomes float32: constants hold their dequantized
values, scale * (q - zero_point) (per channel where the file is per channel),
activations lose their quantization, and QUANTIZE / DEQUANTIZE operators become
identities and are dropped. Non-quantized tensors (shapes, axes) are kept.

An independent (TensorFlow-schema, Python) cross-check of `edgebench dequantize`
/ `--dequantize`: on tf2_mobilenet_v2_1.0_224_ptq.tflite both give the same
top-1/top-5 over the 400 evaluation images and the same PTQ SQNR table.

    python tools/dequantize_tflite.py IN.tflite OUT.tflite
"""
import sys

import flatbuffers
import numpy as np
from tensorflow.lite.python import schema_py_generated as schema

NUMPY_OF = {schema.TensorType.INT8: np.int8, schema.TensorType.UINT8: np.uint8,
            schema.TensorType.INT32: np.int32}


def opcode(model, op):
    c = model.operatorCodes[op.opcodeIndex]
    return max(c.builtinCode, c.deprecatedBuiltinCode)


def dequantize(model):
    sg = model.subgraphs[0]
    quantized = lambda t: t.quantization is not None and t.quantization.scale is not None \
        and len(t.quantization.scale) > 0
    for t in sg.tensors:
        if not quantized(t) or t.type not in NUMPY_OF:
            continue
        q = t.quantization
        buf = model.buffers[t.buffer]
        if buf.data is not None and len(buf.data) > 0:
            v = np.frombuffer(bytes(buf.data), dtype=NUMPY_OF[t.type]).astype(np.float64)
            v = v.reshape(t.shape)
            scale = np.asarray(q.scale, dtype=np.float64)
            zp = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0], dtype=np.float64)
            if len(scale) > 1:  # per channel along quantizedDimension
                shape = [1] * v.ndim
                shape[q.quantizedDimension] = len(scale)
                scale, zp = scale.reshape(shape), zp.reshape(shape)
            buf.data = np.ascontiguousarray((scale * (v - zp)).astype(np.float32)).reshape(-1).view(np.uint8)
        t.type = schema.TensorType.FLOAT32
        t.quantization = None

    # QUANTIZE / DEQUANTIZE are identities in float: rewire their consumers.
    alias = {}
    kept = []
    for op in sg.operators:
        if opcode(model, op) in (schema.BuiltinOperator.QUANTIZE, schema.BuiltinOperator.DEQUANTIZE):
            alias[op.outputs[0]] = alias.get(op.inputs[0], op.inputs[0])
        else:
            kept.append(op)
    for op in kept:
        op.inputs = [alias.get(i, i) for i in op.inputs]
    sg.operators = kept
    sg.inputs = [alias.get(i, i) for i in sg.inputs]
    sg.outputs = [alias.get(i, i) for i in sg.outputs]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    buf = open(sys.argv[1], "rb").read()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))
    dequantize(model)
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    open(sys.argv[2], "wb").write(b.Output())


if __name__ == "__main__":
    main()
