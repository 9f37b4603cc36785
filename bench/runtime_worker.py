#!/usr/bin/env python3
"""Times one model in one other runtime, in its own process, and prints one JSON line.

  runtime_worker.py {ort|openvino|litert} MODEL --threads T [--precision f32|bf16]
                    [--warmup W] [--runs N]

load_s: file -> ready session (ORT InferenceSession, OpenVINO read_model + compile_model,
LiteRT Interpreter + allocate_tensors); first_run_ms: the first run after it, timed
apart (each runtime leaves some work to it: activation memory, first-touch pages). Latencies: batch 1, random input of the model's
shape and dtype, one call each. peak_rss_mib is this process's peak (Python included);
base_rss_mib is the peak after importing the runtime, before loading the model.
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np


def rss_mib():
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries that across
    exec, so a worker started by a big parent would report the parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def random_input(shape, dtype):
    rng = np.random.default_rng(0)
    # Symbolic or unknown dimensions (strings, None, -1) become 1: batch 1.
    shape = [int(d) if isinstance(d, (int, np.integer)) and d > 0 else 1 for d in shape]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, size=shape, dtype=dtype)
    return rng.standard_normal(shape).astype(dtype)


def ort_runner(model, threads, precision):
    import onnxruntime as ort
    base = rss_mib()
    t0 = time.perf_counter()
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    load = time.perf_counter() - t0
    types = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}
    feeds = {i.name: random_input(i.shape, types[i.type]) for i in sess.get_inputs()}
    return base, load, lambda: sess.run(None, feeds), ort.__version__


def openvino_runner(model, threads, precision):
    import openvino as ov
    base = rss_mib()
    t0 = time.perf_counter()
    core = ov.Core()
    m = core.read_model(model)
    if m.inputs[0].get_partial_shape().is_dynamic:
        m.reshape({m.inputs[0]: [d.get_length() if d.is_static else 1
                                 for d in m.inputs[0].get_partial_shape()]})
    # Without the hint, OpenVINO computes in bf16 on AVX512-BF16 CPUs: say which precision.
    config = {"INFERENCE_PRECISION_HINT": precision, "INFERENCE_NUM_THREADS": threads,
              "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
    compiled = core.compile_model(m, "CPU", config)
    req = compiled.create_infer_request()
    load = time.perf_counter() - t0
    inp = compiled.inputs[0]
    x = random_input(list(inp.shape), inp.element_type.to_dtype())
    got = str(compiled.get_property("INFERENCE_PRECISION_HINT"))
    return base, load, lambda: req.infer({0: x}), f"{ov.__version__} ({got})"


def litert_runner(model, threads, precision):
    import ai_edge_litert
    from ai_edge_litert.interpreter import Interpreter
    base = rss_mib()
    t0 = time.perf_counter()
    it = Interpreter(model_path=model, num_threads=threads)  # default: XNNPACK delegate
    it.allocate_tensors()
    load = time.perf_counter() - t0
    d = it.get_input_details()[0]
    x = random_input(list(d["shape"]), d["dtype"])

    def run():
        it.set_tensor(d["index"], x)
        it.invoke()
    version = getattr(ai_edge_litert, "__version__", "?")
    return base, load, run, version


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runtime", choices=["ort", "openvino", "litert"])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", default="f32")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    make = {"ort": ort_runner, "openvino": openvino_runner, "litert": litert_runner}[a.runtime]
    base, load, run, version = make(a.model, a.threads, a.precision)
    t0 = time.perf_counter()
    run()  # the first run: lazy allocations, first-touch pages, one-time setup
    first = (time.perf_counter() - t0) * 1e3
    for _ in range(a.warmup):
        run()
    ms = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        run()
        ms.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"runtime": a.runtime, "version": version, "load_s": load,
                      "first_run_ms": first,
                      "p50_ms": statistics.median(ms), "min_ms": min(ms), "runs": len(ms),
                      "peak_rss_mib": rss_mib(), "base_rss_mib": base}))


if __name__ == "__main__":
    main()
