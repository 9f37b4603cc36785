#!/usr/bin/env python3
"""Our INT8 PTQ export (QDQ ONNX) run by ONNX Runtime against edgebench on the same inputs.

Quantizes the dequantized shared MobileNetV2 (`edgebench quantize --dequantize`, calibration
on the first 100 shared sample images), preprocesses the shared test images with edgebench's
own pipeline (`run --dump-inputs`), then runs the exported model on each input with
`edgebench infer` and with ONNX Runtime, printing both top-1 classes, the largest logit
difference and whether the top-1 agree (the precision issue's bar: identical on all 4).

Usage:  bench/.venv/bin/python tools/ptq_export_in_ort.py [--build build] [--shared DIR]
        [--method percentile|entropy|minmax|mse] [--no-bias-correction]
Needs onnxruntime and numpy; the product itself never does.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

REPO_ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(REPO_ROOT / "build"))
    ap.add_argument("--shared", default=os.environ.get("EDGEBENCH_SHARED",
                                                       str(REPO_ROOT.parent / "shared")))
    ap.add_argument("--model", default="mobilenet_v2_1.0_224_quant.tflite")
    ap.add_argument("--method", default="percentile")
    ap.add_argument("--no-bias-correction", dest="bias_correction", action="store_false")
    args = ap.parse_args()
    exe = Path(args.build) / "edgebench"
    shared = Path(args.shared)
    images = sorted((shared / "images").glob("*.bmp"))
    if not images:
        sys.exit(f"no test images in {shared / 'images'}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        onnx_path = tmp / "ptq.onnx"
        cmd = [str(exe), "quantize", str(shared / "models" / args.model), "--dequantize",
               "--calib", str(shared / "imagenet-sample"), "--method", args.method, "-q",
               "-o", str(onnx_path)]
        if args.bias_correction:
            cmd.append("--bias-correction")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        # The images as a labelled set (labels are irrelevant here), to dump edgebench's
        # preprocessed inputs for this model.
        data = tmp / "images"
        data.mkdir()
        for im in images:
            (data / im.name).symlink_to(im)
        (tmp / "labels.txt").write_text("".join("0\n" for _ in images))
        dump = tmp / "inputs"
        subprocess.run([str(exe), "run", "--model", str(onnx_path), "--dataset", str(data),
                        "--ground-truth", str(tmp / "labels.txt"), "--dump-inputs", str(dump),
                        "-q"], check=True, stdout=subprocess.DEVNULL)
        inputs = sorted(dump.glob("*.npy"))
        if len(inputs) != len(images):
            sys.exit(f"expected {len(images)} dumped inputs, found {len(inputs)}")
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        agree = 0
        print("| image | edgebench top-1 | ORT top-1 | max abs logit diff |")
        print("|---|---:|---:|---:|")
        for im, x in zip(images, inputs):
            ours_path = tmp / (x.stem + "_ours.npy")
            subprocess.run([str(exe), "infer", str(onnx_path), "-i", str(x), "-o", str(ours_path)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ours = np.load(ours_path).astype(np.float32).reshape(-1)
            theirs = sess.run(None, {name: np.load(x)})[0].astype(np.float32).reshape(-1)
            a, b = int(ours.argmax()), int(theirs.argmax())
            agree += a == b
            print(f"| {im.name} | {a} | {b} | {float(np.abs(ours - theirs).max()):.4f} |")
        print(f"top-1 identical on {agree} of {len(images)} images")
        return 0 if agree == len(images) else 1


if __name__ == "__main__":
    sys.exit(main())
