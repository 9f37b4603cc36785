// `edgebench bench --model M ...`: latency on synthetic input.
#include <fmt/core.h>

#include <cstdlib>
#include <fstream>

#include "cli/commands.h"
#include "harness/bench.h"
#include "util/error.h"

namespace edgebench::cli {

void add_cache_flag(CLI::App& sub, std::string& dir) {
  if (const char* env = std::getenv("EDGEBENCH_CACHE_DIR")) dir = env;
  sub.add_option("--cache-dir", dir,
                 "Keep packed weights in DIR between loads of the same model file (cpu backend; "
                 "default: $EDGEBENCH_CACHE_DIR, else none)");
}

void add_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto json = std::make_shared<std::string>();
  auto* sub =
      app.add_subcommand("bench", "Latency on synthetic input (p50/p90/p99, load time, peak RSS)");
  sub->add_option("--model,-m", o->model,
                  "Model file, or builtin:mobilenet_v1|mobilenet_v2|inception_v3")
      ->required();
  sub->add_option("--warmup", o->warmup, "Warm-up runs")->check(CLI::Range(0, 100000));
  auto* it =
      sub->add_option("--iterations", o->iterations, "Timed runs")->check(CLI::Range(1, 10000000));
  sub->add_option("--min-time", o->min_time_s, "Run for at least this many seconds (default 2)")
      ->check(CLI::PositiveNumber)
      ->excludes(it);
  sub->add_option("--threads", o->threads, "Threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--backend", o->backend, "reference | cpu");
  sub->add_option("--precision", o->precision, "fp32 | bf16 | fp16 | int8")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16", "int8"}));
  sub->add_flag("--dequantize", o->dequantize,
                "Run the float equivalent of a quantized model (weights dequantized at load)");
  sub->add_flag("--op-profile", o->op_profile, "Time per layer, ranked");
  sub->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
  sub->add_option("--json", *json, "Write the result as JSON");
  add_ptq_flags(*sub, o->ptq);
  add_cache_flag(*sub, o->cache_dir);
  sub->callback([o, json] {
    BenchResult r = run_bench(*o);
    if (!json->empty()) {
      std::ofstream f(*json);
      if (!f) fail(ErrorCode::kUsage, *json, "cannot write");
      f << bench_json(r).dump(2) << "\n";
    }
    fmt::print("{}", bench_text(r));
  });
}

}  // namespace edgebench::cli
