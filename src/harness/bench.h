// `edgebench bench`: latency on synthetic input, like TFLite's benchmark_model.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/ptq.h"
#include "ir/graph.h"

namespace edgebench {

struct BenchOptions {
  std::string model;  // a file or builtin:<zoo name>
  int warmup = 5;
  int iterations = 0;     // 0: run until min_time
  double min_time_s = 2;  // used when iterations == 0
  int threads = 0;        // 0: all cores
  std::string backend = "cpu";
  std::string precision = "fp32";
  bool dequantize = false;  // run the float equivalent of a quantized model
  std::string cache_dir;    // SessionOptions::cache_dir
  bool op_profile = false;
  bool quiet = false;
  PtqOptions ptq;  // non-empty calib_dir: benchmark the int8 PTQ of the float model
};

struct OpProfileRow {
  size_t node = 0;
  std::string op, name, kernel;
  double mean_ms = 0, p50_ms = 0, min_ms = 0, share = 0;
};

struct BenchResult {
  BenchOptions options;
  std::string backend;
  std::string precision;       // effective (see effective_precision)
  std::string precision_mode;  // how it was computed (CompiledModel::precision_mode)
  int threads = 1;
  int runs = 0;
  double load_s = 0;
  std::vector<std::pair<std::string, double>> load_phases;  // Session::load_phases
  double first_run_ms = 0;  // the first warm-up run (cold caches, first touch of the arena)
  double mean_ms = 0, min_ms = 0, max_ms = 0, std_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0;
  double peak_rss_mib = 0, model_mib = 0;
  int64_t macs = 0, params = 0;
  std::vector<OpProfileRow> op_profile;  // ranked, slowest first
  std::string ptq_text;                  // with --ptq: what the quantization did
  nlohmann::json ptq;                    // the same as JSON (null without --ptq)
};

BenchResult run_bench(const BenchOptions& opt);
// Benchmarks an in-memory graph (built-in zoo models).
BenchResult run_bench_graph(Graph g, const BenchOptions& opt);

nlohmann::json bench_json(const BenchResult& r);
std::string bench_text(const BenchResult& r);

}  // namespace edgebench
