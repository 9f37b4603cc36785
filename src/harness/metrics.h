// The study's metrics (../shared/PAPER.md), one definition each. Everything
// here is computed from recorded durations, so it is unit-tested on a fake clock.
#pragma once

#include <cstdint>
#include <vector>

namespace edgebench {

// What a run recorded. Durations are in seconds.
struct RunRecord {
  int64_t images = 0;         // images evaluated (decoded and classified)
  int64_t failed_images = 0;  // unreadable or corrupt, excluded from everything below
  int64_t top1_correct = 0;
  int64_t top5_correct = 0;
  double load_s = 0;               // M: model file -> ready to run
  double total_s = 0;              // whole run: load + every image, wall clock
  double loop_wall_s = 0;          // wall time of the (pipelined) image loop alone
  std::vector<double> pre_s;       // P_n: decode + preprocess of image n
  std::vector<double> inf_s;       // I_n: inference of image n
  double peak_rss_mib = 0;         // process peak resident set
  double model_mib = 0;            // weights + activation memory of the session
};

struct Metrics {
  int64_t images = 0, failed_images = 0;
  double top1 = 0, top5 = 0;  // fractions in [0, 1]
  double memory_mib = 0, model_mib = 0;
  double load_s = 0, time_s = 0;
  double avg_inf_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, avg_pre_ms = 0;
  double fps_inf = 0;   // study's Eq. 4: N / sum(I_n)
  double fps = 0;       // study's Eq. 3: N / (M + sum(P_n + I_n))
  double fps_wall = 0;  // N / wall time of the pipelined image loop
};

Metrics compute_metrics(const RunRecord& r);

// Percentile p in [0, 100] by linear interpolation between closest ranks
// (NumPy's default), so figures compare directly with Python tooling. 0 for empty input.
double percentile(std::vector<double> values, double p);

// Peak resident set size of this process in MiB (VmHWM), 0 where unknown.
double peak_rss_mib();
// Current resident set size in MiB (VmRSS).
double current_rss_mib();

}  // namespace edgebench
