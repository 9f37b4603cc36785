#!/usr/bin/env python3
"""edgebench beside ONNX Runtime, OpenVINO and TFLite (LiteRT), measured in one run.

Usage (from the repository root, after building; bench/run.sh installs the runtimes first):
  bench/.venv/bin/python bench/compare_runtimes.py [--threads 1 2] [--rounds 3] [--runs 50]
      [--models mobilenet_v1 mobilenet_v2 inception_v3] [--json bench/out/compare.json]

Every runtime runs in its own process (bench/runtime_worker.py; edgebench through
`build/edgebench bench --json`), batch 1, same model file and thread count, >= 50 timed runs
after warm-up. The runtimes take turns, round after round, and each figure is the median of
the rounds' p50s, so a burst of load on a shared machine hits them all alike.

Groups and the reference each ratio is against:
  fp32 <zoo model>   ORT, OpenVINO (INFERENCE_PRECISION_HINT=f32), edgebench fp32;
                     ratio vs the faster of ORT and OpenVINO; GFLOP/s vs the sgemm peak
  bf16 <zoo model>   OpenVINO bf16, edgebench bf16 (only on CPUs with AVX512-BF16)
  int8 <zoo model>   ORT on its own quantize_static model (QDQ, per-channel, u8 activations /
                     s8 weights, calibrated on the first 100 shared images) and edgebench on
                     that same file, edgebench on its PTQ (`edgebench quantize`), ORT on
                     edgebench's QDQ export; ratios vs the fp32 peer and vs ORT's own int8
  int8 tflite        LiteRT (default XNNPACK delegate) and edgebench on the shared MobileNetV2
                     quant model, ORT and edgebench on its ONNX export; ratio vs LiteRT
Pieces whose command does not exist yet (export, quantize) are reported as skipped.
Each edgebench row also has its load with a packed-weight cache: one `bench --cache-dir D
--iterations 1` writes it, the next one is measured (cached load s, cached/ORT).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDGEBENCH = ROOT / "build" / "edgebench"
PEAK = ROOT / "build" / "edgebench_gemm_peak"
WORKER = Path(__file__).resolve().parent / "runtime_worker.py"
ZOO_MODELS = ["mobilenet_v1", "mobilenet_v2", "inception_v3"]
QUANT_TFLITE = "mobilenet_v2_1.0_224_quant.tflite"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def has_subcommand(name):
    out = subprocess.run([str(EDGEBENCH), "--help"], capture_output=True, text=True).stdout
    listed = out.split("Subcommands:", 1)[-1].split()
    return name in listed


def edgebench_json(model, threads, precision, warmup, runs, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = [str(EDGEBENCH), "bench", "--model", str(model), "--threads", str(threads),
               "--warmup", str(warmup), "--iterations", str(runs), "--json", f.name, "--quiet",
               *extra]
        if precision:
            cmd += ["--precision", precision]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return {"error": (r.stderr.strip() or r.stdout.strip()).splitlines()[-1]}
        return json.load(open(f.name))


def run_edgebench(model, threads, precision, warmup, runs):
    """Latency and load with no cache; then the load again with a packed-weight cache
    (--cache-dir): one load writes it, the next one, measured, maps it."""
    j = edgebench_json(model, threads, precision, warmup, runs)
    if "error" in j:
        return j
    r = {"runtime": "edgebench", "version": j.get("version", "?"), "load_s": j["load_s"],
         "first_run_ms": j.get("first_run_ms"),
         "p50_ms": j["p50_ms"], "min_ms": j.get("min_ms"), "peak_rss_mib": j["peak_rss_mib"],
         "macs": j.get("macs"), "precision_used": j.get("precision")}
    with tempfile.TemporaryDirectory() as cache:
        for _ in range(2):
            c = edgebench_json(model, threads, precision, 0, 1, ["--cache-dir", cache])
        if "error" not in c:
            r["load_cached_s"] = c["load_s"]
            r["peak_rss_cached_mib"] = c["peak_rss_mib"]
    return r


def run_worker(runtime, model, threads, precision, warmup, runs):
    cmd = [sys.executable, str(WORKER), runtime, str(model), "--threads", str(threads),
           "--warmup", str(warmup), "--runs", str(runs)]
    if precision:
        cmd += ["--precision", precision]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()
        return {"error": tail[-1] if tail else f"exit {r.returncode}"}
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- preparation

def gemm_peak():
    r = subprocess.run([str(PEAK), "1", "0.5"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def calibration_images(shared, count=100):
    """The first `count` shared sample images sorted by name (the precision issue's calibration set)."""
    return sorted((shared / "imagenet-sample").glob("*.JPEG"))[:count]


def torchvision_tensor(path, size):
    import numpy as np
    from PIL import Image
    img = Image.open(path).convert("RGB")
    short = round(size / 0.875)
    w, h = img.size
    if w <= h:
        img = img.resize((short, int(short * h / w)), Image.BILINEAR)
    else:
        img = img.resize((int(short * w / h), short), Image.BILINEAR)
    w, h = img.size
    left, top = int(round((w - size) / 2.0)), int(round((h - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def ort_quantize_static(src, dst, shared):
    """ONNX Runtime's own static INT8 quantization: QDQ, per-channel, u8 activations, s8 weights."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    model = onnx.load(str(src))
    inp = model.graph.input[0]
    size = inp.type.tensor_type.shape.dim[2].dim_value
    paths = calibration_images(shared)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(paths)

        def get_next(self):
            p = next(self.it, None)
            return None if p is None else {inp.name: torchvision_tensor(p, size)}

    pre = dst.with_suffix(".pre.onnx")
    quant_pre_process(str(src), str(pre))
    quantize_static(str(pre), str(dst), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    pre.unlink()


def prepare(args, out):
    shared = args.shared
    made = {"ort_int8": {}, "ptq": {}, "export": None, "notes": []}
    quantize_ok, export_ok = has_subcommand("quantize"), has_subcommand("export")
    for m in args.models:
        src = shared / "zoo" / m / "model.onnx"
        dst = out / "ort_int8" / f"{m}.onnx"
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            log(f"prepare: ORT quantize_static {m}")
            ort_quantize_static(src, dst, shared)
        made["ort_int8"][m] = dst
        if quantize_ok:
            ptq = out / "ptq" / f"{m}.onnx"
            if not ptq.exists():
                ptq.parent.mkdir(parents=True, exist_ok=True)
                log(f"prepare: edgebench quantize {m}")
                subprocess.run([str(EDGEBENCH), "quantize", str(src), "--calib",
                                str(shared / "imagenet-sample"), "--calib-count", "100",
                                "--method", args.ptq_method, "--per-channel", "-o", str(ptq)],
                               check=True, stdout=subprocess.DEVNULL)
            made["ptq"][m] = ptq
    if not quantize_ok:
        made["notes"].append("edgebench quantize not available: INT8 PTQ rows skipped")
    if export_ok:
        exp = out / "export" / "mobilenet_v2_quant.onnx"
        exp.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(EDGEBENCH), "export", str(shared / "models" / QUANT_TFLITE), "-o",
                        str(exp)], check=True, stdout=subprocess.DEVNULL)
        made["export"] = exp
    else:
        made["notes"].append("edgebench export not available: ONNX-export rows skipped")
    return made


# ---------------------------------------------------------------- cases

def build_cases(args, made, bf16):
    """(group, label, runtime, model, precision) per measured row."""
    shared = args.shared
    cases = []
    for m in args.models:
        onnx = shared / "zoo" / m / "model.onnx"
        g = f"fp32 {m}"
        cases += [(g, "ONNX Runtime", "ort", onnx, None),
                  (g, "OpenVINO f32", "openvino", onnx, "f32"),
                  (g, "edgebench", "edgebench", onnx, "fp32")]
        if bf16:
            g = f"bf16 {m}"
            cases += [(g, "OpenVINO bf16", "openvino", onnx, "bf16"),
                      (g, "edgebench bf16", "edgebench", onnx, "bf16")]
        g = f"int8 {m}"
        cases += [(g, "ORT quantize_static", "ort", made["ort_int8"][m], None),
                  (g, "edgebench on ORT quantize_static", "edgebench", made["ort_int8"][m], None)]
        if m in made["ptq"]:
            cases += [(g, "edgebench PTQ", "edgebench", made["ptq"][m], None),
                      (g, "ORT on edgebench PTQ", "ort", made["ptq"][m], None)]
    if args.tflite:
        g = "int8 mobilenet_v2 quant (TFLite)"
        tfl = shared / "models" / QUANT_TFLITE
        cases += [(g, "LiteRT (XNNPACK)", "litert", tfl, None),
                  (g, "edgebench", "edgebench", tfl, None)]
        if made["export"]:
            cases += [(g, "ORT on edgebench export", "ort", made["export"], None),
                      (g, "edgebench on its export", "edgebench", made["export"], None)]
    return cases


def measure(case, threads, args):
    group, label, runtime, model, precision = case
    if runtime == "edgebench":
        return run_edgebench(model, threads, precision, args.warmup, args.runs)
    return run_worker(runtime, model, threads, precision, args.warmup, args.runs)


def aggregate(samples):
    ok = [s for s in samples if "error" not in s]
    if not ok:
        return samples[-1]
    r = dict(ok[-1])
    r["p50_ms"] = statistics.median(s["p50_ms"] for s in ok)
    r["p50_rounds"] = [round(s["p50_ms"], 3) for s in ok]
    r["load_s"] = statistics.median(s["load_s"] for s in ok)
    if all(s.get("first_run_ms") is not None for s in ok):
        r["first_run_ms"] = statistics.median(s["first_run_ms"] for s in ok)
    r["peak_rss_mib"] = max(s["peak_rss_mib"] for s in ok)
    if all("load_cached_s" in s for s in ok):
        r["load_cached_s"] = statistics.median(s["load_cached_s"] for s in ok)
        r["peak_rss_cached_mib"] = max(s["peak_rss_cached_mib"] for s in ok)
    return r


def add_ratios(rows, peak):
    by = {}
    for r in rows:
        by.setdefault((r["group"], r["threads"]), []).append(r)
    for (group, threads), rs in by.items():
        def p50(label):
            return next((x["p50_ms"] for x in rs if x["label"] == label and "p50_ms" in x), None)

        def rounds_of(p50_ms):
            return next((x.get("p50_rounds") for x in rs if x.get("p50_ms") == p50_ms), None)
        macs = next((x.get("macs") for x in rs if x.get("macs")), None)
        if group.startswith("fp32"):
            peers = [v for v in (p50("ONNX Runtime"), p50("OpenVINO f32")) if v]
            ref = min(peers) if peers else None
            ref_name = "faster of ORT / OpenVINO f32"
        elif group.startswith("bf16"):
            ref, ref_name = p50("OpenVINO bf16"), "OpenVINO bf16"
        elif group.startswith("int8 mobilenet_v2 quant"):
            ref, ref_name = p50("LiteRT (XNNPACK)"), "LiteRT"
        else:
            ref, ref_name = p50("ORT quantize_static"), "ORT quantize_static"
            fp32 = [x for x in rows if x["group"] == "fp32 " + group.split()[1] and
                    x["threads"] == threads and x["label"] in ("ONNX Runtime", "OpenVINO f32")
                    and "p50_ms" in x]
            if fp32:
                best = min(x["p50_ms"] for x in fp32)
                for x in rs:
                    if "p50_ms" in x:
                        x["vs_fp32_peer"] = x["p50_ms"] / best
        ort_load = next((x["load_s"] for x in rs if x["runtime"] == "ort" and "load_s" in x), None)
        for x in rs:
            if "p50_ms" not in x:
                continue
            x["reference"] = ref_name
            if ref:
                x["ratio"] = x["p50_ms"] / ref
                # The same ratio round by round (runtimes take turns within a round, so
                # both saw the same state of a shared host), then the median of those.
                mine, theirs = x.get("p50_rounds"), rounds_of(ref)
                if mine and theirs and len(mine) == len(theirs):
                    x["paired_ratio"] = statistics.median(a / b for a, b in zip(mine, theirs))
            if ort_load:
                x["load_vs_ort"] = x["load_s"] / ort_load
                if "load_cached_s" in x:
                    x["load_cached_vs_ort"] = x["load_cached_s"] / ort_load
            if macs and group.startswith("fp32"):
                x["gflops"] = 2.0 * macs / (x["p50_ms"] * 1e-3) / 1e9
                x["of_peak"] = x["gflops"] / (peak["fp32_gflops"] * threads)


def markdown(rows, peak, meta):
    out = [f"Machine: {meta['cpu']} | cores {meta['cores']} | edgebench {meta['edgebench']} | "
           f"single-core GEMM peak (oneDNN): fp32 {peak['fp32_gflops']:.1f} GFLOP/s, int8 "
           f"{peak['int8_gops']:.1f} GOP/s", "",
           "| group | thr | runtime | p50 ms | ratio | paired | vs fp32 peer | load s | load/ORT | "
           "cached load s | cached/ORT | first run ms | peak RSS MiB | GFLOP/s (% peak) |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['group']} | {r['threads']} | {r['label']} | error: {r['error']} "
                       "| | | | | | | | | | |")
            continue
        f = lambda k, fmt: (fmt % r[k]) if k in r else ""
        gf = f"{r['gflops']:.1f} ({100 * r['of_peak']:.0f} %)" if "gflops" in r else ""
        rss = f"{r['peak_rss_mib']:.0f}"
        if "peak_rss_cached_mib" in r:
            rss += f" (cached {r['peak_rss_cached_mib']:.0f})"
        if "base_rss_mib" in r:
            rss += f" (Python {r['base_rss_mib']:.0f})"
        out.append(f"| {r['group']} | {r['threads']} | {r['label']} | {r['p50_ms']:.2f} | "
                   f"{f('ratio', '%.2f')} | {f('paired_ratio', '%.2f')} | "
                   f"{f('vs_fp32_peer', '%.2f')} | {r['load_s']:.3f} | "
                   f"{f('load_vs_ort', '%.2f')} | {f('load_cached_s', '%.3f')} | "
                   f"{f('load_cached_vs_ort', '%.2f')} | {f('first_run_ms', '%.2f')} | {rss} | "
                   f"{gf} |")
    out.append("")
    out.append("ratio: p50 / the group's reference (fp32: faster of ORT and OpenVINO f32; bf16: "
               "OpenVINO bf16; int8 zoo: ORT quantize_static; TFLite: LiteRT); p50 is the median of "
               "the rounds' p50s. paired: the median over rounds of each round's p50 / the "
               "reference's p50 in that round. load: file -> ready session, median over rounds "
               "(edgebench: with no cache; cached: its next load with --cache-dir, after one "
               "load wrote the packed weights there). first run: the first inference after the "
               "load, timed apart (median over rounds; what each runtime leaves to it, such as "
               "faulting in activation memory, shows there). Peak RSS (VmHWM) of "
               "the Python runtimes includes the interpreter and the runtime's import, shown in "
               "brackets as measured before the model was loaded.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("EDGEBENCH_SHARED",
                                                                       ROOT.parent / "shared")))
    ap.add_argument("--models", nargs="+", default=ZOO_MODELS, choices=ZOO_MODELS)
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--ptq-method", default="entropy")
    ap.add_argument("--no-tflite", dest="tflite", action="store_false")
    ap.add_argument("--groups", nargs="+", default=None,
                    help="only the groups starting with these words (e.g. fp32 bf16)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if not EDGEBENCH.exists() or not PEAK.exists():
        sys.exit(f"error: build first ({EDGEBENCH}, {PEAK} missing)")
    if not (args.shared / "zoo").is_dir():
        sys.exit(f"error: shared data not found at {args.shared} (set EDGEBENCH_SHARED)")
    args.out.mkdir(parents=True, exist_ok=True)

    bf16 = "avx512_bf16" in cpu_flags() or "amx_bf16" in cpu_flags()
    peak = gemm_peak()
    made = prepare(args, args.out)
    if not bf16:
        made["notes"].append("CPU without AVX512-BF16: bf16 rows skipped")
    cases = build_cases(args, made, bf16)
    if args.groups:
        cases = [c for c in cases if any(c[0].startswith(g) for g in args.groups)]
    samples = {}
    total = args.rounds * len(args.threads) * len(cases)
    done = 0
    for rnd in range(args.rounds):
        for threads in args.threads:
            for case in cases:
                done += 1
                log(f"[{done}/{total}] round {rnd + 1} {case[0]} | {case[1]} | {threads} thr")
                samples.setdefault((case, threads), []).append(measure(case, threads, args))
    rows = []
    for (case, threads), s in samples.items():
        r = aggregate(s)
        r.update({"group": case[0], "label": case[1], "runtime": case[2], "model": str(case[3]),
                  "threads": threads})
        rows.append(r)
    rows.sort(key=lambda r: (r["group"], r["threads"]))
    add_ratios(rows, peak)
    ver = subprocess.run([str(EDGEBENCH), "--version"], capture_output=True, text=True).stdout
    meta = {"cpu": cpu_model(), "cores": os.cpu_count(), "edgebench": ver.strip() or "?",
            "bf16": bf16, "rounds": args.rounds, "runs": args.runs, "warmup": args.warmup,
            "notes": made["notes"]}
    print(markdown(rows, peak, meta))
    for n in made["notes"]:
        print(f"note: {n}")
    dst = args.json or args.out / "compare.json"
    json.dump({"meta": meta, "gemm_peak": peak, "rows": rows}, open(dst, "w"), indent=2,
              default=str)
    log(f"wrote {dst}")


if __name__ == "__main__":
    main()
