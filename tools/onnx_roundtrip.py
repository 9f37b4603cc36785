#!/usr/bin/env python3
"""Round trip through ONNX Runtime: our exporter's models run by another runtime.

1. Each shared TFLite model ($EDGEBENCH_SHARED/models/*.tflite, default ../shared) is
   exported with `build/edgebench export` in both quantized forms (QDQ, QLinear) and run
   by ONNX Runtime on the committed fixtures (tests/fixtures/tflite/<model>/input_XX.npy);
   the outputs are compared with `build/edgebench infer` (reference backend) on the
   original .tflite: largest difference in quantization steps, and top-1 equality per
   fixture (inputs 00-03 are images, 04-11 uniform random tensors).
2. Each zoo model ($EDGEBENCH_SHARED/zoo/<m>/model.onnx, PyTorch exports) is exported
   (float) and run by ONNX Runtime on test_data_set_0/input_0.pb; the output is compared
   with PyTorch's output_0.pb (issue bar: relative error <= 1e-4). ONNX Runtime on the
   original model is shown for scale.

Usage:  /work/main/.venv/bin/python tools/onnx_roundtrip.py [--build build] [--shared DIR]
        [--models NAME ...] [--skip-zoo] [--ort-opt all|none]
Needs onnxruntime, onnx and numpy; the product itself never does.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parent.parent


def ort_session(path, opt_level):
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if opt_level == "all"
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr}")
    return r


def tflite_logits(model, inputs):
    """The quantized input of the final softmax, from LiteRT's reference kernels (which our
    reference backend matches byte for byte, tests/fixtures)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(model), experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    softmax = [o for o in it._get_ops_details() if o["op_name"] == "SOFTMAX"][-1]
    index = softmax["inputs"][0]
    feed = it.get_input_details()[0]["index"]
    out = []
    for x in inputs:
        it.set_tensor(feed, np.load(x))
        it.invoke()
        out.append(it.get_tensor(index).copy())
    return out


def with_logits_output(path, out_path):
    """The exported model with the quantized softmax input as a second output."""
    m = onnx.load(str(path))
    g = m.graph
    softmax = [n for n in g.node if n.op_type == "Softmax"][-1]
    dq = next(n for n in g.node if softmax.input[0] in n.output)
    assert dq.op_type == "DequantizeLinear", dq.op_type
    zp = next(i for i in g.initializer if i.name == dq.input[2])
    g.output.append(helper.make_tensor_value_info(dq.input[0], zp.data_type, None))
    onnx.save(m, str(out_path))
    return out_path


def tflite_round_trip(exe, shared, model_stem, forms, opt_level, tmp):
    model = shared / "models" / f"{model_stem}.tflite"
    fixtures = REPO_ROOT / "tests" / "fixtures" / "tflite" / model_stem
    meta = json.loads((fixtures / "meta.json").read_text())
    inputs = sorted(fixtures.glob("input_*.npy"))
    ours = []
    for x in inputs:
        out = tmp / f"{model_stem}_{x.stem}_ours.npy"
        run([exe, "infer", model, "--input", x, "--output", out])
        ours.append(np.load(out))
    logits = tflite_logits(model, inputs)
    rows = []
    for form in forms:
        onnx_path = tmp / f"{model_stem}.{form}.onnx"
        run([exe, "export", model, "-o", onnx_path, "--quant-form", form])
        sess = ort_session(with_logits_output(onnx_path, tmp / f"{model_stem}.{form}.logits.onnx"),
                           opt_level)
        name = sess.get_inputs()[0].name
        steps, logit_steps, top1_same, per_fixture, vs_opt = 0, 0, 0, [], 0
        for x, want, want_logits in zip(inputs, ours, logits):
            got, got_logits = sess.run(None, {name: np.load(x)})
            # TFLite's default interpreter (optimized kernels, XNNPACK) for comparison.
            opt = np.load(fixtures / x.name.replace("input_", "opt_output_"))
            vs_opt = max(vs_opt, int(np.max(np.abs(got.astype(np.int64) - opt.astype(np.int64)))))
            d = int(np.max(np.abs(got.astype(np.int64) - want.astype(np.int64))))
            dl = int(np.max(np.abs(got_logits.astype(np.int64).ravel() -
                                   want_logits.astype(np.int64).ravel())))
            same = int(np.argmax(got)) == int(np.argmax(want))
            steps, logit_steps = max(steps, d), max(logit_steps, dl)
            top1_same += same
            per_fixture.append((x.stem, d, same, int(np.sum(got != want)), dl))
        rows.append((form, steps, top1_same, len(inputs), per_fixture, logit_steps, vs_opt))
    ref_vs_opt = max(int(np.max(np.abs(np.load(fixtures / x.name.replace("input_", "opt_output_"))
                                       .astype(np.int64) - w.astype(np.int64))))
                     for x, w in zip(inputs, ours))
    rows = [r + (ref_vs_opt,) for r in rows]
    return meta["output"]["dtype"], rows


def zoo_round_trip(exe, shared, name, opt_level, tmp):
    case = shared / "zoo" / name
    x = numpy_helper.to_array(onnx.load_tensor(str(case / "test_data_set_0" / "input_0.pb")))
    want = numpy_helper.to_array(onnx.load_tensor(str(case / "test_data_set_0" / "output_0.pb")))
    exported = tmp / f"{name}.onnx"
    run([exe, "export", case / "model.onnx", "-o", exported])
    res, outs = {}, {}
    for label, path in (("exported", exported), ("original", case / "model.onnx")):
        sess = ort_session(path, opt_level)
        got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        outs[label] = got
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        res[label] = (float(err.max()), float(err.max() / np.abs(want).max()),
                      float(np.max(err / np.maximum(np.abs(want), 1e-30))),
                      bool(np.allclose(got, want, rtol=1e-4, atol=1e-5)),
                      int(np.argmax(got)) == int(np.argmax(want)))
    between = float(np.abs(outs["exported"].astype(np.float64) - outs["original"]).max())
    return res, between


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(REPO_ROOT / "build"))
    ap.add_argument("--shared", default=os.environ.get("EDGEBENCH_SHARED",
                                                       str(REPO_ROOT.parent / "shared")))
    ap.add_argument("--models", nargs="*", help="TFLite model stems (default: all)")
    ap.add_argument("--forms", nargs="*", default=["qdq", "qlinear"])
    ap.add_argument("--skip-zoo", action="store_true")
    ap.add_argument("--ort-opt", choices=["all", "none"], default="all",
                    help="ONNX Runtime graph optimizations (all = its default)")
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per fixture")
    a = ap.parse_args()
    exe = Path(a.build) / "edgebench"
    shared = Path(a.shared)
    stems = a.models or sorted(p.stem for p in (shared / "models").glob("*.tflite"))
    print(f"onnxruntime {ort.__version__}, graph optimizations: {a.ort_opt}")
    ok = True
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        print("\nTFLite -> export -> ONNX Runtime vs edgebench infer (reference backend)")
        print("| model | form | output: max diff (steps) | logits: max diff (steps) |"
              " top-1 same (images) | top-1 same (random) | fixtures with any difference |"
              " ORT vs TFLite optimized (steps) | ours vs TFLite optimized (steps) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for stem in stems:
            dtype, rows = tflite_round_trip(exe, shared, stem, a.forms, a.ort_opt, tmp)
            for form, steps, top1, n, per, logit_steps, vs_opt, ref_vs_opt in rows:
                img = sum(s for f, _, s, _, _ in per if int(f[-2:]) < 4)
                rnd = sum(s for f, _, s, _, _ in per if int(f[-2:]) >= 4)
                differing = sum(1 for _, d, _, _, _ in per if d > 0)
                print(f"| {stem} | {form} | {steps} | {logit_steps} | {img}/4 | {rnd}/{n - 4} |"
                      f" {differing}/{n} | {vs_opt} | {ref_vs_opt} |")
                if a.verbose:
                    for f, d, s, cnt, dl in per:
                        print(f"|   {f} | | {d} | {dl} | {'same' if s else 'DIFFERENT'} | |"
                              f" {cnt} elements differ |")
                ok = ok and steps <= 1 and top1 == n
        if not a.skip_zoo:
            print("\nzoo -> export -> ONNX Runtime vs PyTorch (test_data_set_0); bar: max abs err /"
                  " max |expected| <= 1e-4 (ORT on the original model shown for scale)")
            print("| model | run | max abs err | max abs err / max abs | max elementwise rel err |"
                  " allclose(rtol 1e-4, atol 1e-5) | top-1 same |")
            print("|---|---|---:|---:|---:|---|---|")
            for name in ("mobilenet_v1", "mobilenet_v2", "inception_v3"):
                if not (shared / "zoo" / name / "model.onnx").exists():
                    continue
                res, between = zoo_round_trip(exe, shared, name, a.ort_opt, tmp)
                for label, (mx, rel, erel, close, top1) in res.items():
                    print(f"| {name} | {label} | {mx:.3g} | {rel:.3g} | {erel:.3g} | {close} | {top1} |")
                print(f"| {name} | exported vs original (ORT) | {between:.3g} | | | | |")
                ok = ok and res["exported"][1] <= 1e-4
    print("\nbar met" if ok else "\nbar NOT met (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
