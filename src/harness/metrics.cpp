#include "harness/metrics.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <string>

namespace edgebench {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

Metrics compute_metrics(const RunRecord& r) {
  Metrics m;
  m.images = r.images;
  m.failed_images = r.failed_images;
  const double n = static_cast<double>(r.images);
  if (r.images > 0) {
    m.top1 = static_cast<double>(r.top1_correct) / n;
    m.top5 = static_cast<double>(r.top5_correct) / n;
  }
  m.memory_mib = r.peak_rss_mib;
  m.model_mib = r.model_mib;
  m.load_s = r.load_s;
  m.time_s = r.total_s;
  const double sum_inf = std::accumulate(r.inf_s.begin(), r.inf_s.end(), 0.0);
  const double sum_pre = std::accumulate(r.pre_s.begin(), r.pre_s.end(), 0.0);
  if (!r.inf_s.empty()) m.avg_inf_ms = 1e3 * sum_inf / static_cast<double>(r.inf_s.size());
  if (!r.pre_s.empty()) m.avg_pre_ms = 1e3 * sum_pre / static_cast<double>(r.pre_s.size());
  m.p50_ms = 1e3 * percentile(r.inf_s, 50);
  m.p90_ms = 1e3 * percentile(r.inf_s, 90);
  m.p99_ms = 1e3 * percentile(r.inf_s, 99);
  if (sum_inf > 0) m.fps_inf = n / sum_inf;
  if (r.load_s + sum_pre + sum_inf > 0) m.fps = n / (r.load_s + sum_pre + sum_inf);
  if (r.loop_wall_s > 0) m.fps_wall = n / r.loop_wall_s;
  return m;
}

namespace {
double status_field_mib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = key;
  while (std::getline(f, line)) {
    if (line.compare(0, k.size(), k) == 0) return std::stod(line.substr(k.size())) / 1024.0;  // kB
  }
  return 0;
}
}  // namespace

double peak_rss_mib() { return status_field_mib("VmHWM:"); }
double current_rss_mib() { return status_field_mib("VmRSS:"); }

}  // namespace edgebench
