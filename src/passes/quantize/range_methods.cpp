#include "passes/quantize/range_methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"

namespace edgebench::passes::quantize {

CalibMethod parse_calib_method(const std::string& name) {
  if (name == "minmax") return CalibMethod::kMinMax;
  if (name == "percentile") return CalibMethod::kPercentile;
  if (name == "entropy") return CalibMethod::kEntropy;
  if (name == "mse") return CalibMethod::kMse;
  fail(ErrorCode::kUsage, "--method",
       "unknown calibration method '" + name + "' (minmax, percentile, entropy or mse)");
}

std::string calib_method_name(CalibMethod m) {
  switch (m) {
    case CalibMethod::kMinMax: return "minmax";
    case CalibMethod::kPercentile: return "percentile";
    case CalibMethod::kEntropy: return "entropy";
    case CalibMethod::kMse: return "mse";
  }
  return "?";
}

void TensorObserver::observe_range(const float* x, size_t n) {
  float lo = seen_ ? min_ : std::numeric_limits<float>::infinity();
  float hi = seen_ ? max_ : -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;  // an overflow must not stretch the range to infinity
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (n > 0 && lo <= hi) {
    min_ = lo;
    max_ = hi;
    seen_ = true;
  }
}

void TensorObserver::start_histogram() {
  hist_.assign(kBins, 0);
  zeros_ = 0;
}

void TensorObserver::observe_histogram(const float* x, size_t n) {
  const float b = bound();
  if (!(b > 0)) {
    zeros_ += n;
    return;
  }
  const float per_bin = kBins / b;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    if (x[i] == 0) {
      ++zeros_;
      continue;
    }
    const float v = std::fabs(x[i]);
    const int bin = std::min(kBins - 1, static_cast<int>(v * per_bin));
    ++hist_[static_cast<size_t>(bin)];
  }
}

int percentile_bins(const std::vector<uint64_t>& hist, double percent) {
  uint64_t total = 0;
  for (uint64_t c : hist) total += c;
  if (total == 0) return static_cast<int>(hist.size());
  const double want = total * std::clamp(percent, 0.0, 100.0) / 100.0;
  uint64_t sum = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    sum += hist[i];
    if (static_cast<double>(sum) >= want) return static_cast<int>(i) + 1;
  }
  return static_cast<int>(hist.size());
}

namespace {

// MXNet/ORT's _smooth_distribution: zero bins get eps, taken from the non-zero
// ones, so KL(P || Q) stays finite where Q is empty but P is not.
bool smooth(std::vector<double>& p, double eps = 1e-4) {
  size_t zeros = 0;
  for (double v : p) zeros += v == 0 ? 1 : 0;
  const size_t nonzeros = p.size() - zeros;
  if (nonzeros == 0) return false;
  const double take = eps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
  for (double& v : p) v = v == 0 ? eps : v - take;
  return true;
}

double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    sp += p[i];
    sq += q[i];
  }
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) kl += p[i] / sp * std::log((p[i] / sp) / (q[i] / sq));
  return kl;
}

}  // namespace

int entropy_bins(const std::vector<uint64_t>& hist, int levels) {
  const int size = static_cast<int>(hist.size());
  if (size <= levels) return size;
  // Nothing above the first `levels` bins: no clipping can help.
  uint64_t tail = 0;
  for (int i = levels; i < size; ++i) tail += hist[static_cast<size_t>(i)];
  if (tail == 0) return size;

  int best = size;
  double best_kl = std::numeric_limits<double>::infinity();
  std::vector<double> p, q;
  for (int i = levels; i <= size; ++i) {
    p.assign(hist.begin(), hist.begin() + i);
    double outliers = 0;
    for (int k = i; k < size; ++k) outliers += static_cast<double>(hist[static_cast<size_t>(k)]);
    p[static_cast<size_t>(i - 1)] += outliers;

    // Q: the first i bins merged into `levels` levels, each level's mass spread
    // over its non-empty bins (empty bins stay empty, as in TensorRT).
    q.assign(static_cast<size_t>(i), 0.0);
    for (int j = 0; j < levels; ++j) {
      const int begin = static_cast<int>(static_cast<int64_t>(j) * i / levels);
      const int end = static_cast<int>(static_cast<int64_t>(j + 1) * i / levels);
      double mass = 0;
      int nonzero = 0;
      for (int k = begin; k < end; ++k) {
        mass += static_cast<double>(hist[static_cast<size_t>(k)]);
        nonzero += hist[static_cast<size_t>(k)] != 0 ? 1 : 0;
      }
      if (nonzero == 0) continue;
      for (int k = begin; k < end; ++k)
        if (hist[static_cast<size_t>(k)] != 0) q[static_cast<size_t>(k)] = mass / nonzero;
    }
    if (!smooth(p) || !smooth(q)) continue;
    const double kl = kl_divergence(p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return best;
}

int mse_bins(const std::vector<uint64_t>& hist, double steps) {
  const int size = static_cast<int>(hist.size());
  // In units of one bin's width; bin k's values are taken at its centre k + 1/2.
  // Sums over the bins above i of n, n c and n c^2 give the clipping error
  // sum n (c - i)^2 in O(1) per candidate.
  std::vector<double> n(static_cast<size_t>(size) + 1, 0.0), nc(n), ncc(n);
  for (int k = size - 1; k >= 0; --k) {
    const double cnt = static_cast<double>(hist[static_cast<size_t>(k)]);
    const double c = k + 0.5;
    n[static_cast<size_t>(k)] = n[static_cast<size_t>(k) + 1] + cnt;
    nc[static_cast<size_t>(k)] = nc[static_cast<size_t>(k) + 1] + cnt * c;
    ncc[static_cast<size_t>(k)] = ncc[static_cast<size_t>(k) + 1] + cnt * c * c;
  }
  if (n[0] == 0) return size;
  int best = size;
  double best_err = std::numeric_limits<double>::infinity();
  for (int i = 1; i <= size; ++i) {
    const size_t u = static_cast<size_t>(i);
    const double step = i / steps;
    const double inside = (n[0] - n[u]) * step * step / 12.0;
    const double clipped = ncc[u] - 2.0 * i * nc[u] + static_cast<double>(i) * i * n[u];
    const double err = inside + clipped;
    if (err < best_err) {  // strict: ties keep the smaller threshold
      best_err = err;
      best = i;
    }
  }
  return best;
}

RealRange choose_range(const TensorObserver& o, CalibMethod m, double percentile) {
  RealRange r{o.min(), o.max()};
  if (m != CalibMethod::kMinMax && !o.histogram().empty() && o.bound() > 0) {
    int bins = 0;
    if (m == CalibMethod::kPercentile) {
      std::vector<uint64_t> all = o.histogram();  // a percentile of every value, zeros too
      all[0] += o.zeros();
      bins = percentile_bins(all, percentile);
    } else if (m == CalibMethod::kEntropy) {
      bins = entropy_bins(o.histogram(), o.non_negative() ? 256 : 128);
    } else {
      bins = mse_bins(o.histogram(), o.non_negative() ? 255.0 : 127.5);
    }
    const float threshold = o.bound() * static_cast<float>(bins) / TensorObserver::kBins;
    r.min = std::max(r.min, -threshold);
    r.max = std::min(r.max, threshold);
  }
  r.min = std::min(r.min, 0.0f);
  r.max = std::max(r.max, 0.0f);
  return r;
}

}  // namespace edgebench::passes::quantize
