#include "harness/bench.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "harness/machine.h"
#include "harness/metrics.h"
#include "harness/progress.h"
#include "ir/cost.h"
#include "passes/dequantize.h"
#include "report/run_report.h"
#include "runtime/session.h"

namespace edgebench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Deterministic synthetic input: uniform over [-1, 1] for floats, over the full
// range for integers.
std::vector<std::byte> synthetic_input(const Tensor& t, uint32_t seed) {
  std::vector<std::byte> buf(t.bytes());
  std::mt19937 rng(seed);
  const size_t n = static_cast<size_t>(t.elements());
  switch (t.dtype) {
    case DType::kF32: {
      std::uniform_real_distribution<float> d(-1.f, 1.f);
      float* p = reinterpret_cast<float*>(buf.data());
      for (size_t i = 0; i < n; ++i) p[i] = d(rng);
      break;
    }
    default:
      for (auto& b : buf) b = static_cast<std::byte>(rng() & 0xff);
  }
  return buf;
}

BenchResult bench_session(Session& s, const BenchOptions& opt, BenchResult r) {
  std::vector<std::vector<std::byte>> inputs;
  std::vector<const void*> in_ptrs;
  for (size_t i = 0; i < s.num_inputs(); ++i)
    inputs.push_back(synthetic_input(s.input(i), 1234 + i));
  for (auto& b : inputs) in_ptrs.push_back(b.data());
  auto outputs = s.make_output_buffers();
  r.load_phases = s.load_phases();
  for (int i = 0; i < opt.warmup; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    s.run(in_ptrs, outputs);
    if (i == 0) r.first_run_ms = 1e3 * seconds_since(t0);
  }

  std::vector<double> ms;
  const auto start = std::chrono::steady_clock::now();
  Progress progress("runs", opt.iterations > 0 ? opt.iterations : 0,
                    opt.quiet || opt.iterations == 0);
  while (opt.iterations > 0 ? static_cast<int>(ms.size()) < opt.iterations
                            : (seconds_since(start) < opt.min_time_s || ms.size() < 3)) {
    auto t0 = std::chrono::steady_clock::now();
    s.run(in_ptrs, outputs);
    ms.push_back(1e3 * seconds_since(t0));
    progress.update(static_cast<int64_t>(ms.size()));
  }
  r.runs = static_cast<int>(ms.size());
  r.mean_ms = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  r.min_ms = *std::min_element(ms.begin(), ms.end());
  r.max_ms = *std::max_element(ms.begin(), ms.end());
  double var = 0;
  for (double v : ms) var += (v - r.mean_ms) * (v - r.mean_ms);
  r.std_ms = std::sqrt(var / ms.size());
  r.p50_ms = percentile(ms, 50);
  r.p90_ms = percentile(ms, 90);
  r.p99_ms = percentile(ms, 99);

  if (opt.op_profile) {
    const Graph& g = s.compiled().graph();  // the nodes the backend runs, after its passes
    // Per node, every run's time: the median and the minimum resist a busy
    // machine better than the mean.
    std::vector<std::vector<double>> per_node(g.nodes.size());
    std::vector<NodeTiming> timings;
    std::vector<void*> out_ptrs;
    for (auto& o : outputs) out_ptrs.push_back(o.data());
    const int profile_runs = std::max(1, std::min(r.runs, 100));
    for (int i = 0; i < profile_runs; ++i) {
      timings.clear();
      s.compiled().run_profiled(in_ptrs, out_ptrs, timings);
      std::vector<double> run(g.nodes.size(), 0.0);
      for (const auto& t : timings)
        if (t.node < run.size()) run[t.node] += t.ms;
      for (size_t n = 0; n < run.size(); ++n) per_node[n].push_back(run[n]);
    }
    auto kernels = s.compiled().kernel_names();
    double sum = 0;
    for (const auto& v : per_node) sum += std::accumulate(v.begin(), v.end(), 0.0);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const std::vector<double>& v = per_node[i];
      const double total = std::accumulate(v.begin(), v.end(), 0.0);
      OpProfileRow row;
      row.node = i;
      row.op = std::string(op_name(g.nodes[i].op));
      row.name = g.nodes[i].name;
      row.kernel = i < kernels.size() ? kernels[i] : "";
      row.mean_ms = total / profile_runs;
      row.p50_ms = percentile(v, 50);
      row.min_ms = *std::min_element(v.begin(), v.end());
      row.share = sum > 0 ? total / sum : 0;
      r.op_profile.push_back(row);
    }
    std::stable_sort(
        r.op_profile.begin(), r.op_profile.end(),
        [](const OpProfileRow& a, const OpProfileRow& b) { return a.mean_ms > b.mean_ms; });
  }
  r.peak_rss_mib = peak_rss_mib();
  NodeCost c = graph_cost(s.graph());
  r.macs = c.macs;
  r.params = c.params;
  r.model_mib =
      static_cast<double>(s.compiled().arena_bytes() + static_cast<size_t>(c.weight_bytes)) /
      (1024.0 * 1024.0);
  return r;
}

BenchResult prepare_result(const BenchOptions& opt, SessionOptions& so) {
  BenchResult r;
  r.options = opt;
  r.threads = opt.threads > 0 ? opt.threads : std::max(1, machine_info().cores);
  so.backend = opt.backend;
  so.backend_options.threads = r.threads;
  so.backend_options.precision = opt.precision;
  so.dequantize = opt.dequantize;
  so.cache_dir = opt.cache_dir;
  return r;
}

}  // namespace

BenchResult run_bench(const BenchOptions& opt) {
  if (!opt.ptq.calib_dir.empty() || opt.model.rfind("builtin:", 0) == 0) {
    Graph g = load_model_graph(opt.model);
    if (opt.ptq.calib_dir.empty()) return run_bench_graph(std::move(g), opt);
    PtqOptions po = opt.ptq;
    if (po.threads == 0) po.threads = opt.threads;
    po.quiet = po.quiet || opt.quiet;
    // --dequantize --ptq: quantize the float equivalent of a quantized model;
    // the int8 result is then benchmarked as it is, not dequantized again.
    if (opt.dequantize) passes::dequantize_graph(g);
    PtqResult p = post_training_quantize(g, model_sha256(opt.model, g), po);
    BenchOptions as_is = opt;
    as_is.dequantize = false;
    BenchResult r = run_bench_graph(std::move(p.graph), as_is);
    r.options.dequantize = opt.dequantize;
    r.ptq_text = ptq_text(p);
    r.ptq = ptq_json(p);
    return r;
  }
  SessionOptions so;
  BenchResult r = prepare_result(opt, so);
  const auto t0 = std::chrono::steady_clock::now();
  auto s = Session::load(opt.model, so);
  r.load_s = seconds_since(t0);
  r.backend = s->backend_name();
  r.precision = effective_precision(s->graph(), opt.precision);
  r.precision_mode = s->compiled().precision_mode();
  return bench_session(*s, opt, r);
}

BenchResult run_bench_graph(Graph g, const BenchOptions& opt) {
  SessionOptions so;
  BenchResult r = prepare_result(opt, so);
  const auto t0 = std::chrono::steady_clock::now();
  auto s = Session::from_graph(std::move(g), so);
  r.load_s = seconds_since(t0);
  r.backend = s->backend_name();
  r.precision = effective_precision(s->graph(), opt.precision);
  r.precision_mode = s->compiled().precision_mode();
  return bench_session(*s, opt, r);
}

nlohmann::json bench_json(const BenchResult& r) {
  nlohmann::json j = {{"model", r.options.model},
                      {"backend", r.backend},
                      {"precision", r.precision},
                      {"precision_mode", r.precision_mode},
                      {"dequantized", r.options.dequantize},
                      {"threads", r.threads},
                      {"runs", r.runs},
                      {"warmup", r.options.warmup},
                      {"load_s", r.load_s},
                      {"mean_ms", r.mean_ms},
                      {"min_ms", r.min_ms},
                      {"max_ms", r.max_ms},
                      {"std_ms", r.std_ms},
                      {"p50_ms", r.p50_ms},
                      {"p90_ms", r.p90_ms},
                      {"p99_ms", r.p99_ms},
                      {"peak_rss_mib", r.peak_rss_mib},
                      {"model_mib", r.model_mib},
                      {"macs", r.macs},
                      {"params", r.params},
                      {"machine", machine_json()},
                      {"version", EDGEBENCH_VERSION}};
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [name, s] : r.load_phases) phases[name] = s;
  j["load_phases_s"] = phases;
  if (r.options.warmup > 0) j["first_run_ms"] = r.first_run_ms;
  if (!r.op_profile.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : r.op_profile)
      rows.push_back({{"node", p.node},
                      {"op", p.op},
                      {"name", p.name},
                      {"kernel", p.kernel},
                      {"mean_ms", p.mean_ms},
                      {"p50_ms", p.p50_ms},
                      {"min_ms", p.min_ms},
                      {"share", p.share}});
    j["op_profile"] = rows;
  }
  if (!r.ptq.is_null()) j["ptq"] = r.ptq;
  return j;
}

std::string bench_text(const BenchResult& r) {
  std::string s =
      r.ptq_text +
      fmt::format(
          "{}{}: backend {}, {} thread(s), precision {} ({}), {} runs after {} warm-up\n"
          "load {:.3f} s | p50 {:.3f} ms | p90 {:.3f} | p99 {:.3f} | mean {:.3f} | min {:.3f} | "
          "std "
          "{:.3f} "
          "| peak RSS {:.1f} MiB | {:.1f} M MACs\n",
          r.options.model, r.options.dequantize ? " (dequantized)" : "", r.backend, r.threads,
          r.precision, r.precision_mode, r.runs, r.options.warmup, r.load_s, r.p50_ms, r.p90_ms,
          r.p99_ms, r.mean_ms, r.min_ms, r.std_ms, r.peak_rss_mib, r.macs / 1e6);
  if (!r.load_phases.empty()) {
    std::string phases;
    for (const auto& [name, sec] : r.load_phases)
      phases += fmt::format("{}{} {:.1f}", phases.empty() ? "" : " | ", name, 1e3 * sec);
    s +=
        fmt::format("load (ms): {}{}\n", phases,
                    r.options.warmup > 0 ? fmt::format(" | first run {:.1f}", r.first_run_ms) : "");
  }
  if (!r.op_profile.empty()) {
    s += "\n| rank | node | operator | kernel | name | mean ms | p50 ms | min ms | share "
         "|\n|---:|---:|---|---|---|---:|---:|---:|---:|\n";
    int rank = 1;
    for (const auto& p : r.op_profile)
      s +=
          fmt::format("| {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.1f}% |\n", rank++,
                      p.node, p.op, p.kernel, p.name, p.mean_ms, p.p50_ms, p.min_ms, 100 * p.share);
  }
  return s;
}

}  // namespace edgebench
