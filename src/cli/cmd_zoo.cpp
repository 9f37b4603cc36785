// `edgebench zoo`: the README's main job. Builds the study's three
// architectures in code, benchmarks each here, and prints our rows beside the
// study's Jetson / Edge TPU rows. Needs no files.
#include <fmt/core.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "backends/cpu/cpu_backend.h"
#include "cli/commands.h"
#include "harness/bench.h"
#include "harness/machine.h"
#include "models/zoo.h"
#include "passes/quantize/calibrate.h"
#include "passes/quantize/quantize_graph.h"
#include "report/run_report.h"
#include "report/study.h"
#include "util/error.h"

namespace edgebench::cli {
namespace {

struct ZooArgs {
  std::string backend = "cpu";
  std::vector<std::string> precisions;  // empty: every one this machine runs fast
  std::vector<std::string> models;
  double seconds = 2;  // timed seconds per configuration
  int threads = 0;
  std::string json;
};

// fp32, bf16 where the CPU computes it natively, int8. fp16 is storage only
// here (oneDNN 2.6 has no fp16 convolution): asked for, not a default.
std::vector<std::string> default_precisions(const std::string& backend) {
  if (backend != "cpu") return {"fp32"};
  std::vector<std::string> p = {"fp32"};
  if (cpu_supports_bf16()) p.push_back("bf16");
  p.push_back("int8");
  return p;
}

// The built-in models have random weights, so their int8 versions are
// calibrated (min/max) on random inputs in the [-1, 1] range of their float
// input: the figures are about speed, not accuracy.
Graph quantized_for_speed(const Graph& g, int threads) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const Tensor& in = g.tensor(g.inputs.at(0));
  std::vector<std::vector<std::byte>> inputs(4, std::vector<std::byte>(in.bytes()));
  for (auto& b : inputs) {
    auto* f = reinterpret_cast<float*>(b.data());
    for (int64_t i = 0; i < in.elements(); ++i) f[i] = uniform(rng);
  }
  passes::quantize::CalibrateOptions co;
  co.method = passes::quantize::CalibMethod::kMinMax;
  co.threads = threads > 0 ? threads : 1;
  return passes::quantize::quantize_graph(g, passes::quantize::calibrate(g, inputs, co)).graph;
}

void run_zoo(const ZooArgs& a) {
  const std::vector<std::string> precisions =
      a.precisions.empty() ? default_precisions(a.backend) : a.precisions;
  MachineInfo mi = machine_info();
  const std::string here = mi.cpu_model.empty() ? "this CPU" : mi.cpu_model;
  nlohmann::json rows = nlohmann::json::array();
  std::string table =
      "| model | device | bits | top-1 | MiB | load s | avg inf ms | p50 ms | p99 ms | FPS(inf) | "
      "FPS |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& entry : zoo_models()) {
    if (!a.models.empty() &&
        std::find(a.models.begin(), a.models.end(), entry.name) == a.models.end())
      continue;
    for (const auto& precision : precisions) {
      BenchOptions o;
      o.model = "builtin:" + entry.name;
      o.backend = a.backend;
      o.precision = precision;
      o.threads = a.threads;
      o.warmup = 1;
      o.min_time_s = a.seconds;
      o.quiet = true;
      fmt::print(stderr, "zoo: {} {} on {} ...\n", entry.display, precision, a.backend);
      BenchResult r = run_bench_graph(
          precision == "int8" ? quantized_for_speed(entry.build(), a.threads) : entry.build(), o);
      const int bits = precision == "int8" ? 8 : (precision == "fp32" ? 32 : 16);
      // Eq. 3 over the timed runs with synthetic input (P = 0): N / (M + sum I).
      const double fps = r.runs / (r.load_s + r.runs * r.mean_ms / 1e3);
      table += fmt::format(
          "| {} | {} ({}, {} thr, {}) | {} | n/a | {:.1f} | {:.3f} | {:.2f} | {:.2f} | {:.2f} | "
          "{:.2f} | {:.2f} |\n",
          entry.display, here, r.backend, r.threads, r.precision_mode, bits, r.peak_rss_mib,
          r.load_s, r.mean_ms, r.p50_ms, r.p99_ms, 1e3 / r.mean_ms, fps);
      nlohmann::json j = bench_json(r);
      j["model"] = entry.name;
      j["fps_inf"] = 1e3 / r.mean_ms;
      j["fps"] = fps;
      rows.push_back(j);
    }
    for (const auto& s : study_rows()) {
      if (s.model != entry.display) continue;
      table += fmt::format(
          "| {} | {} (study) | {} | {:.5f} | {:.1f} | {:.2f} | {:.2f} | | | {:.2f} | {:.2f} |\n",
          s.model, s.device, s.bits, s.top1, s.mib, s.load_s, s.avg_inf_ms, s.fps_inf, s.fps);
    }
  }
  fmt::print("{}", table);
  fmt::print(
      "\nOur rows: built-in models with random weights (top-1 n/a), synthetic input, so FPS is\n"
      "Eq. 3 with P = 0 over the timed runs; MiB is this process's peak RSS so far; int8 rows\n"
      "are our post-training quantization (min/max on random inputs: speed, not accuracy).\n"
      "Study rows: ImageNet val (N = 50,000) as published.\n");
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    if (!f) fail(ErrorCode::kUsage, a.json, "cannot write");
    f << nlohmann::json{{"machine", machine_json()}, {"rows", rows}}.dump(2) << "\n";
  }
}

}  // namespace

void add_zoo(CLI::App& app) {
  auto a = std::make_shared<ZooArgs>();
  auto* sub = app.add_subcommand(
      "zoo", "Benchmark the study's three architectures (built in) beside the study's figures");
  sub->add_option("--backend", a->backend, "reference | cpu");
  sub->add_option("--precision", a->precisions,
                  "Precisions to run (default: fp32, bf16 where the CPU has it, int8)")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16", "int8"}));
  sub->add_option("--model", a->models,
                  "mobilenet_v1 | mobilenet_v2 | inception_v3 (default: all)");
  sub->add_option("--seconds", a->seconds, "Timed seconds per configuration")
      ->check(CLI::PositiveNumber);
  sub->add_option("--threads", a->threads, "Threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--json", a->json, "Write the rows as JSON");
  sub->callback([a] { run_zoo(*a); });
}

}  // namespace edgebench::cli
