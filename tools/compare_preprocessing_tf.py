#!/usr/bin/env python3
"""Compare edgebench's "inception" preprocessing with TensorFlow's own, and their accuracy.

For each image, TF-slim's inception_preprocessing.preprocess_for_eval is run exactly
(decode_jpeg(channels=3), convert_image_dtype(float32), central_crop(0.875), expand_dims,
compat.v1 resize_bilinear(align_corners=False), squeeze, -0.5, *2.0), then quantized with
the model's input quantization (q = round_half_away(real/scale) + zp, saturated), and compared
with the tensor `edgebench run --dump-inputs DIR` wrote: mean and max |difference| in
quantization steps. Both tensors are also fed to TFLite's reference kernels (BUILTIN_REF) to
give top-1 / top-5 for each preprocessing and the images whose top-1 differs.

Usage (from the repository root, after `edgebench run ... --json r.json --dump-inputs DIR`):
  .venv/bin/python tools/compare_preprocessing_tf.py --inputs DIR --model M \
      --images ../shared/imagenet-sample [--count 500] [--json r.json] [--worst 10]
Labels come from the WNID prefix of each file name, via --synsets (default
<images>/../synsets.tsv). --json adds r.json's own top-1/top-5 for comparison.
Exit status 0 when mean of means <= 0.5 step, max of maxes <= 2 steps and the top-1 counts
differ by <= 3 images.
"""

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter, OpResolverType

tf.get_logger().setLevel("ERROR")  # resize_bilinear's deprecation notice


def tf_preprocess(path, height, width):
    """TF-slim preprocess_for_eval(image, height, width, central_fraction=0.875)."""
    image = tf.io.decode_jpeg(tf.io.read_file(str(path)), channels=3)
    image = tf.image.convert_image_dtype(image, dtype=tf.float32)
    image = tf.image.central_crop(image, central_fraction=0.875)
    image = tf.expand_dims(image, 0)
    image = tf.compat.v1.image.resize_bilinear(image, [height, width], align_corners=False)
    image = tf.squeeze(image, [0])
    image = tf.subtract(image, 0.5)
    image = tf.multiply(image, 2.0)
    return image.numpy()


def quantize(real, scale, zp, dtype):
    """round half away from zero (as TFLite's Quantize and our C++), computed in double."""
    v = real.astype(np.float64) / scale
    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + zp
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)


def top5(interp, x):
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    out = interp.get_tensor(interp.get_output_details()[0]["index"])[0].astype(np.int64)
    return [int(i) for i in np.argsort(-out, kind="stable")[:5]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", required=True, help="edgebench run --dump-inputs folder")
    ap.add_argument("--model", required=True, help=".tflite model")
    ap.add_argument("--images", required=True, help="folder of WNID_name.JPEG images")
    ap.add_argument("--count", type=int, default=500, help="first N images (sorted by name)")
    ap.add_argument("--synsets", help="index<TAB>wnid file (default <images>/../synsets.tsv)")
    ap.add_argument("--json", help="edgebench run --json output, for its own top-1/top-5")
    ap.add_argument("--worst", type=int, default=5, help="list the N images with largest max")
    args = ap.parse_args()

    images = Path(args.images)
    synsets = Path(args.synsets) if args.synsets else images.parent / "synsets.tsv"
    wnid_class = {l.split("\t")[1]: int(l.split("\t")[0]) for l in open(synsets) if l.strip()}
    interp = Interpreter(model_path=args.model,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    _, height, width, _ = inp["shape"]
    scale, zp = inp["quantization"]
    print(f"input {inp['shape'].tolist()} {np.dtype(inp['dtype']).name} scale {scale!r} zp {zp}")

    files = sorted(p for p in images.iterdir() if p.suffix.lower() in (".jpeg", ".jpg"))
    files = files[: args.count]
    rows = []  # (name, mean, max, frac_differing, size, label, ours_top5, tf_top5)
    for f in files:
        ours = np.load(Path(args.inputs) / (f.stem + ".npy"))
        try:
            real = tf_preprocess(f, height, width)
        except tf.errors.OpError as e:
            print(f"  {f.name}: TF cannot decode: {e.message}")
            continue
        theirs = quantize(real, scale, zp, inp["dtype"])[None]
        d = np.abs(ours.astype(np.int32) - theirs.astype(np.int32))
        size = tf.io.extract_jpeg_shape(tf.io.read_file(str(f))).numpy().tolist()
        label = wnid_class[f.name.split("_")[0]] + 1  # output index of the true class
        rows.append((f.name, d.mean(), d.max(), (d > 0).mean(), size, label,
                     top5(interp, ours), top5(interp, theirs)))

    n = len(rows)
    means = np.array([r[1] for r in rows]); maxes = np.array([r[2] for r in rows])
    print(f"images compared: {n}")
    print(f"|ours - TF| in steps: mean of means {means.mean():.4f} (worst image {means.max():.4f}),"
          f" max of maxes {maxes.max()}, images with max > 2: {(maxes > 2).sum()},"
          f" elements differing: {np.mean([r[3] for r in rows]):.4%}")
    for r in sorted(rows, key=lambda r: (-r[2], -r[1]))[: args.worst]:
        print(f"  {r[0]}: mean {r[1]:.4f} max {r[2]} differing {r[3]:.2%} size HxW {r[4][:2]}")
    acc = {}
    for k, name in ((6, "ours (dumped) -> BUILTIN_REF"), (7, "TF preprocessing -> BUILTIN_REF")):
        acc[name] = (sum(r[k][0] == r[5] for r in rows), sum(r[5] in r[k] for r in rows))
    if args.json:
        preds = {p["image"]: p for p in json.load(open(args.json))["predictions"]}
        got = [preds[r[0]] for r in rows if r[0] in preds]
        acc["ours (r.json)"] = (sum(p["top5"][0] == p["label"] + 1 for p in got),
                                sum(p["label"] + 1 in p["top5"] for p in got))
    for name, (t1, t5) in acc.items():
        print(f"{name:32s} top-1 {t1 / n:.3f} ({t1}/{n})  top-5 {t5 / n:.3f} ({t5}/{n})")
    differ = [r for r in rows if r[6][0] != r[7][0]]
    print(f"images whose top-1 differs (ours vs TF preprocessing): {len(differ)}")
    for r in differ:
        print(f"  {r[0]} (true {r[5]}): ours {r[6]}  TF {r[7]}  max diff {r[2]} size {r[4][:2]}")
    t1_gap = abs(acc["ours (dumped) -> BUILTIN_REF"][0] - acc["TF preprocessing -> BUILTIN_REF"][0])
    ok = means.mean() <= 0.5 and maxes.max() <= 2 and t1_gap <= 3
    print("PASS" if ok else "FAIL", f"(top-1 count gap {t1_gap})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
