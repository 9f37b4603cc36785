#!/usr/bin/env python3
"""Write small ONNX Runtime-quantized models with ONNX Runtime's outputs, as test fixtures.

`quantize_static` (per-channel) writes uint8 activations with int8 weights, the form most int8
ONNX models in the wild come in, in two formats: QDQ (QuantizeLinear/DequantizeLinear around float
operators) and QOperator (QLinearConv plus ONNX Runtime's com.microsoft QLinearAdd, QLinearMul,
QLinearAveragePool, QLinearConcat, QLinearGlobalAveragePool, QGemm). The float model: a strided
3x3 convolution with ReLU6, a depthwise 3x3 with ReLU6, pointwise convolutions, a residual Add,
an average pool, a Mul, a Concat of tensors with different ranges, global average pooling and a
Gemm. Writes tests/fixtures/onnx_qdq/ and tests/fixtures/onnx_qop/, each with:
  model.onnx              the quantized model
  input_XX.npy            float inputs, NCHW 1x3x32x32 (the same in both)
  ort_output_XX.npy       ONNX Runtime's output for each (CPU provider, graph optimizations on)
  meta.json               versions and settings

Usage:  bench/.venv/bin/python tools/make_ort_quant_fixtures.py [--out DIR]
Needs onnx, onnxruntime and numpy; the product and its tests never do.
"""

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

REPO_ROOT = Path(__file__).resolve().parent.parent


def float_model(rng) -> onnx.ModelProto:
    inits = []

    def weight(name, shape, scale):
        inits.append(numpy_helper.from_array(
            rng.normal(0, scale, shape).astype(np.float32), name))
        return name

    def conv(x, y, cin, cout, k, stride=1, group=1):
        w = weight(y + "_w", [cout, cin // group, k, k], (2.0 / (cin // group * k * k)) ** 0.5)
        b = weight(y + "_b", [cout], 0.1)
        pad = k // 2
        return helper.make_node("Conv", [x, w, b], [y], kernel_shape=[k, k],
                                strides=[stride, stride], pads=[pad] * 4, group=group)

    def relu6(x, y):
        lo = helper.make_tensor(y + "_lo", TensorProto.FLOAT, [], [0.0])
        hi = helper.make_tensor(y + "_hi", TensorProto.FLOAT, [], [6.0])
        inits.extend([lo, hi])
        return helper.make_node("Clip", [x, y + "_lo", y + "_hi"], [y])

    nodes = [
        conv("input", "c1", 3, 16, 3, stride=2), relu6("c1", "r1"),
        conv("r1", "dw", 16, 16, 3, group=16), relu6("dw", "r2"),
        conv("r2", "pw", 16, 24, 1),
        conv("pw", "ex", 24, 24, 1), relu6("ex", "r3"),
        conv("r3", "pj", 24, 24, 1),
        helper.make_node("Add", ["pw", "pj"], ["sum"]),
        helper.make_node("AveragePool", ["sum"], ["pool"], kernel_shape=[3, 3], pads=[1] * 4,
                         count_include_pad=1),
        helper.make_node("Mul", ["sum", "pool"], ["prod"]),
        helper.make_node("Concat", ["sum", "prod"], ["cat"], axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"]),
        helper.make_node("Gemm", ["flat", weight("fc_w", [10, 48], 0.3), weight("fc_b", [10], 0.1)],
                         ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "qdq_fixture",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class Calibration(CalibrationDataReader):
    def __init__(self, inputs):
        self.it = iter(inputs)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {"input": x}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO_ROOT / "tests" / "fixtures"))
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    model = float_model(rng)
    calib = [rng.normal(0, 1, (1, 3, 32, 32)).astype(np.float32) for _ in range(32)]
    inputs = [rng.normal(0, 1, (1, 3, 32, 32)).astype(np.float32) for _ in range(6)]
    for fmt, folder in ((QuantFormat.QDQ, "onnx_qdq"), (QuantFormat.QOperator, "onnx_qop")):
        out = Path(args.out) / folder
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            fp = Path(tmp) / "float.onnx"
            onnx.save(model, fp)
            quantize_static(str(fp), str(out / "model.onnx"), Calibration(calib),
                            quant_format=fmt, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(out / "model.onnx"), so,
                                    providers=["CPUExecutionProvider"])
        for i, x in enumerate(inputs):
            np.save(out / f"input_{i:02d}.npy", x)
            np.save(out / f"ort_output_{i:02d}.npy", sess.run(None, {"input": x})[0])
        ops = sorted({n.op_type for n in onnx.load(out / "model.onnx").graph.node})
        (out / "meta.json").write_text(json.dumps({
            "onnxruntime": ort.__version__, "onnx": onnx.__version__,
            "quantize_static": {"quant_format": fmt.name, "per_channel": True,
                                "activation_type": "QUInt8", "weight_type": "QInt8",
                                "calibration": "32 standard normal inputs, seed 2026"},
            "operators": ops}, indent=2) + "\n")
        print(f"wrote {out}: {', '.join(ops)}")


if __name__ == "__main__":
    main()
