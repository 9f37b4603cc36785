#!/usr/bin/env python3
"""Write oracle fixtures from TFLite's (LiteRT's) own interpreter.

For every model in $EDGEBENCH_SHARED/models/*.tflite (default: ../shared relative to
the repository root) this writes tests/fixtures/tflite/<model_stem>/:

  input_00.npy .. input_03.npy   the four test images (sorted by name), preprocessed
  input_04.npy .. input_11.npy   uniform random tensors over the input dtype's range (seed = index)
  ref_output_XX.npy              output of the reference kernels (OpResolverType.BUILTIN_REF)
  opt_output_XX.npy              output of the default interpreter (AUTO: optimized kernels
                                 plus the default XNNPACK delegate)
  meta.json                      model, tensor, quantization and operator details

Usage:  .venv/bin/python tools/make_tflite_fixtures.py [--out DIR] [--shared DIR]
Environment: see tools/requirements-fixtures.txt.
"""

import argparse
import collections
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter, OpResolverType

REPO_ROOT = Path(__file__).resolve().parent.parent
NUM_IMAGES = 4
NUM_RANDOM = 8
CENTRAL_FRACTION = 0.875


def central_crop(img: np.ndarray, fraction: float) -> np.ndarray:
    """tf.image.central_crop: same offset arithmetic (int truncation)."""
    h, w = img.shape[:2]
    top = int((h - h * fraction) / 2)
    left = int((w - w * fraction) / 2)
    return img[top:h - top, left:w - left]


def resize_bilinear(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Bilinear resize with half-pixel centers, no antialiasing (tf.image.resize default).

    img: HxWxC float32. Returns out_h x out_w x C float32.
    """
    in_h, in_w = img.shape[:2]

    def axis(in_size, out_size):
        src = (np.arange(out_size, dtype=np.float64) + 0.5) * (in_size / out_size) - 0.5
        src = np.clip(src, 0.0, in_size - 1)
        lo = np.floor(src).astype(np.int64)
        hi = np.minimum(lo + 1, in_size - 1)
        frac = (src - lo).astype(np.float32)
        return lo, hi, frac

    y0, y1, fy = axis(in_h, out_h)
    x0, x1, fx = axis(in_w, out_w)
    top = img[y0][:, x0] * (1 - fx)[None, :, None] + img[y0][:, x1] * fx[None, :, None]
    bot = img[y1][:, x0] * (1 - fx)[None, :, None] + img[y1][:, x1] * fx[None, :, None]
    return top * (1 - fy)[:, None, None] + bot * fy[:, None, None]


def image_to_input(path: Path, detail: dict) -> np.ndarray:
    shape = tuple(int(d) for d in detail["shape"])
    dtype = np.dtype(detail["dtype"])
    _, h, w, c = shape
    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    assert img.shape[2] == c, (path, img.shape, shape)
    img = resize_bilinear(central_crop(img, CENTRAL_FRACTION), h, w)
    if dtype == np.uint8:
        # The uint8 models take the pixel values directly.
        q = np.clip(np.round(img), 0, 255)
    elif dtype == np.int8:
        scale, zero_point = detail["quantization"]
        f = (img - 127.5) / 127.5
        q = np.clip(np.round(f / scale + zero_point), -128, 127)
    elif dtype == np.float32:
        q = (img - 127.5) / 127.5
    else:
        raise ValueError(f"unsupported input dtype {dtype}")
    return np.ascontiguousarray(q.astype(dtype).reshape(shape))


def random_input(seed: int, detail: dict) -> np.ndarray:
    shape = tuple(int(d) for d in detail["shape"])
    dtype = np.dtype(detail["dtype"])
    rng = np.random.default_rng(seed)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, int(info.max) + 1, size=shape, dtype=dtype)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def run(interp: Interpreter, x: np.ndarray) -> np.ndarray:
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return np.ascontiguousarray(interp.get_tensor(interp.get_output_details()[0]["index"]))


def tensor_meta(detail: dict) -> dict:
    qp = detail.get("quantization_parameters", {})
    scales = np.asarray(qp.get("scales", []))
    zero_points = np.asarray(qp.get("zero_points", []))
    return {
        "name": detail["name"],
        "index": int(detail["index"]),
        "shape": [int(d) for d in detail["shape"]],
        "dtype": np.dtype(detail["dtype"]).name,
        "quant": {
            "scale": float(detail["quantization"][0]),
            "zero_point": int(detail["quantization"][1]),
            "scales": [float(s) for s in scales],
            "zero_points": [int(z) for z in zero_points],
            "quantized_dimension": int(qp.get("quantized_dimension", 0)),
        },
    }


def op_counts(ops: list) -> dict:
    counts = collections.Counter(d["op_name"] for d in ops if d["op_name"] != "DELEGATE")
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def delegated_op_counts(ops: list) -> dict:
    """Which original operators each DELEGATE node of the AUTO interpreter replaced.

    Walk back from a delegate's outputs through producer ops, stopping at the delegate's inputs.
    """
    producer = {}
    for d in ops:
        if d["op_name"] != "DELEGATE":
            for t in d["outputs"]:
                producer[int(t)] = d
    covered = collections.Counter()
    for d in ops:
        if d["op_name"] != "DELEGATE":
            continue
        stop = {int(t) for t in d["inputs"]}
        seen, todo = set(), [int(t) for t in d["outputs"]]
        while todo:
            t = todo.pop()
            op = producer.get(t)
            if op is None or op["index"] in seen:
                continue
            seen.add(op["index"])
            covered[op["op_name"]] += 1
            todo.extend(int(i) for i in op["inputs"] if int(i) >= 0 and int(i) not in stop)
    return dict(sorted(covered.items(), key=lambda kv: (-kv[1], kv[0])))


def make_model_fixtures(model: Path, images: list, out_dir: Path, version: str) -> dict:
    ref = Interpreter(model_path=str(model),
                      experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    opt = Interpreter(model_path=str(model), experimental_op_resolver_type=OpResolverType.AUTO)
    ref.allocate_tensors()
    opt.allocate_tensors()
    assert len(ref.get_input_details()) == 1 and len(ref.get_output_details()) == 1
    in_detail = ref.get_input_details()[0]
    out_detail = ref.get_output_details()[0]

    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = [image_to_input(p, in_detail) for p in images]
    inputs += [random_input(i, in_detail) for i in range(len(inputs), len(inputs) + NUM_RANDOM)]

    max_diff_steps = 0
    fixtures = []
    for i, x in enumerate(inputs):
        y_ref = run(ref, x)
        y_opt = run(opt, x)
        assert y_ref.shape == tuple(out_detail["shape"]) and y_ref.dtype == out_detail["dtype"]
        diff = int(np.max(np.abs(y_ref.astype(np.int64) - y_opt.astype(np.int64))))
        max_diff_steps = max(max_diff_steps, diff)
        np.save(out_dir / f"input_{i:02d}.npy", x)
        np.save(out_dir / f"ref_output_{i:02d}.npy", y_ref)
        np.save(out_dir / f"opt_output_{i:02d}.npy", y_opt)
        fixtures.append({
            "index": i,
            "source": images[i].name if i < len(images) else f"uniform_random(seed={i})",
            "ref_top1": int(np.argmax(y_ref.reshape(-1))),
            "opt_top1": int(np.argmax(y_opt.reshape(-1))),
            "max_abs_diff_ref_vs_opt": diff,
        })

    meta = {
        "model_file": model.name,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "ai_edge_litert_version": version,
        "input": tensor_meta(in_detail),
        "output": tensor_meta(out_detail),
        "operators": op_counts(ref._get_ops_details()),
        "opt_xnnpack_delegated_operators": delegated_op_counts(opt._get_ops_details()),
        "preprocessing": ("images: central crop 87.5% (tf.image.central_crop), bilinear resize "
                          "with half-pixel centers to HxW, uint8: round+clip pixel values; "
                          "int8: quantize (x-127.5)/127.5 with the input's scale/zero point. "
                          "random: numpy default_rng(seed=index).integers over the dtype range"),
        "ref_interpreter": "Interpreter(experimental_op_resolver_type=OpResolverType.BUILTIN_REF)",
        "opt_interpreter": "Interpreter(experimental_op_resolver_type=OpResolverType.AUTO)",
        "max_abs_diff_ref_vs_opt_steps": max_diff_steps,
        "fixtures": fixtures,
    }
    with open(out_dir / "meta.json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("EDGEBENCH_SHARED", REPO_ROOT.parent / "shared")))
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "tests" / "fixtures" / "tflite")
    args = ap.parse_args()

    models = sorted((args.shared / "models").glob("*.tflite"))
    images = sorted((args.shared / "images").glob("*.bmp"))
    if not models or len(images) != NUM_IMAGES:
        print(f"expected models and {NUM_IMAGES} images under {args.shared}", file=sys.stderr)
        return 1
    version = metadata.version("ai-edge-litert")
    for model in models:
        meta = make_model_fixtures(model, images, args.out / model.stem, version)
        print(f"{model.stem}: ops={meta['operators']} "
              f"max|ref-opt|={meta['max_abs_diff_ref_vs_opt_steps']} "
              f"top1={[f['ref_top1'] for f in meta['fixtures'][:NUM_IMAGES]]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
