#!/usr/bin/env python3
"""Check `edgebench run` predictions against TFLite's own interpreter, image for image.

Feeds every input tensor that `edgebench run --dump-inputs DIR` wrote (DIR/<stem>.npy) to
TFLite's interpreter twice -- the reference kernels (OpResolverType.BUILTIN_REF, which our
engine is meant to match bit for bit) and the default optimized interpreter (AUTO, may differ
on near-ties) -- and compares their top-1 (and top-5 indices) with the predictions in r.json.
It also checks our five scores against TFLite's dequantized outputs at the same indices
(bit-exactness: a top-1 match alone can hide outputs that are a few steps off).

Usage (from the repository root):
  build/edgebench run --model M --dataset ../shared/imagenet-sample \
      --labels ../shared/models/imagenet_labels.txt --json r.json --dump-inputs DIR --quiet
  .venv/bin/python tools/check_run_vs_tflite.py --json r.json --inputs DIR --model M

Exit status 0 when every image's top-1 equals BUILTIN_REF's, 1 otherwise.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def run(interp, x):
    """Top-5 output indices (ties broken by lower index, as ours) and dequantized outputs."""
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    det = interp.get_output_details()[0]
    out = interp.get_tensor(det["index"])[0]
    scale, zp = det["quantization"]
    real = (out.astype(np.float64) - zp) * scale if scale else out.astype(np.float64)
    return [int(i) for i in np.argsort(-out.astype(np.int64), kind="stable")[:5]], real


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", required=True, help="edgebench run --json output")
    ap.add_argument("--inputs", required=True, help="edgebench run --dump-inputs folder")
    ap.add_argument("--model", required=True, help=".tflite model")
    args = ap.parse_args()

    preds = json.load(open(args.json))["predictions"]
    kinds = {"BUILTIN_REF": OpResolverType.BUILTIN_REF, "default": OpResolverType.AUTO}
    interps = {}
    for name, kind in kinds.items():
        interps[name] = Interpreter(model_path=args.model, experimental_op_resolver_type=kind)
        interps[name].allocate_tensors()
    top1_eq = {k: 0 for k in kinds}
    top5_eq = {k: 0 for k in kinds}
    scores_eq = {k: 0 for k in kinds}  # our five scores == TFLite's outputs at our five indices
    max_step = {k: 0.0 for k in kinds}
    mismatches = {k: [] for k in kinds}
    for p in preds:
        x = np.load(Path(args.inputs) / (Path(p["image"]).stem + ".npy"))
        for name, interp in interps.items():
            theirs, real = run(interp, x)
            err = np.abs(real[p["top5"]] - np.array(p["scores"]))
            scores_eq[name] += bool(err.max() < 1e-6)
            step = interp.get_output_details()[0]["quantization"][0] or 1.0
            max_step[name] = max(max_step[name], err.max() / step)
            top1_eq[name] += theirs[0] == p["top5"][0]
            top5_eq[name] += theirs == p["top5"]
            if theirs[0] != p["top5"][0]:
                mismatches[name].append((p["image"], p["top5"], p["scores"], theirs))
    n = len(preds)
    for name in kinds:
        print(f"vs {name:11s}: top-1 equal {top1_eq[name]}/{n}, top-5 lists equal {top5_eq[name]}/{n},"
              f" top-5 scores equal {scores_eq[name]}/{n} (largest score gap"
              f" {max_step[name]:.0f} output steps)")
        for image, ours, scores, theirs in mismatches[name]:
            print(f"  {image}: ours top5 {ours} scores {scores}; tflite top5 {theirs}")
    return 0 if top1_eq["BUILTIN_REF"] == n else 1


if __name__ == "__main__":
    sys.exit(main())
