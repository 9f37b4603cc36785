#include "passes/quantize/range_methods.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "util/error.h"

namespace edgebench::passes::quantize {
namespace {

TensorObserver observe(const std::vector<float>& x, bool histogram = true) {
  TensorObserver o;
  o.observe_range(x.data(), x.size());
  if (histogram) {
    o.start_histogram();
    o.observe_histogram(x.data(), x.size());
  }
  return o;
}

TEST(RangeMethods, MinMaxIsWhatWasSeenWidenedToZero) {
  RealRange r = choose_range(observe({-2.f, 0.5f, 3.f}, false), CalibMethod::kMinMax);
  EXPECT_EQ(r.min, -2.f);
  EXPECT_EQ(r.max, 3.f);
  // A strictly positive tensor still represents 0 exactly (TFLite's zero point).
  r = choose_range(observe({1.f, 2.f}, false), CalibMethod::kMinMax);
  EXPECT_EQ(r.min, 0.f);
  EXPECT_EQ(r.max, 2.f);
}

TEST(RangeMethods, NonFiniteValuesAreIgnored) {
  const TensorObserver o = observe({1.f, INFINITY, -1.f, NAN});
  EXPECT_EQ(o.min(), -1.f);
  EXPECT_EQ(o.max(), 1.f);
}

TEST(RangeMethods, PercentileBinsCountFromTheLowEnd) {
  std::vector<uint64_t> h(10, 0);
  h[0] = 50;
  h[4] = 49;
  h[9] = 1;
  EXPECT_EQ(percentile_bins(h, 50), 1);
  EXPECT_EQ(percentile_bins(h, 99), 5);
  EXPECT_EQ(percentile_bins(h, 100), 10);
}

TEST(RangeMethods, PercentileClipsARareOutlier) {
  // 10000 values in [0, 1] and one at 100: 99.9 % ignores the outlier.
  std::vector<float> x;
  for (int i = 0; i < 10000; ++i) x.push_back(i / 10000.f);
  x.push_back(100.f);
  const RealRange r = choose_range(observe(x), CalibMethod::kPercentile, 99.9);
  EXPECT_EQ(r.min, 0.f);
  EXPECT_GT(r.max, 0.9f);
  EXPECT_LT(r.max, 1.2f);
  // Signed tensors clip |x| symmetrically, then keep what was seen.
  x.push_back(-0.5f);
  const RealRange s = choose_range(observe(x), CalibMethod::kPercentile, 99.9);
  EXPECT_EQ(s.min, -0.5f);
  EXPECT_LT(s.max, 1.2f);
}

TEST(RangeMethods, EntropyKeepsAUniformRange) {
  // Uniform data has no tail to cut: the threshold stays near the maximum.
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(0.f, 4.f);
  std::vector<float> x(100000);
  for (float& v : x) v = d(rng);
  const RealRange r = choose_range(observe(x), CalibMethod::kEntropy);
  EXPECT_GT(r.max, 3.8f);
  EXPECT_LE(r.max, 4.f);
}

// 200000 draws of N(0, 1) and five outliers at `outlier`.
std::vector<float> gaussian_with_outliers(unsigned seed, float outlier) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> x(200000);
  for (float& v : x) v = d(rng);
  for (int i = 0; i < 5; ++i) x.push_back(outlier);
  return x;
}

TEST(RangeMethods, EntropyCutsALongTail) {
  // Gaussian bulk (sigma 1) plus a few far outliers at 50: quantizing up to
  // 50 would leave the bulk a handful of levels, so KL picks a much smaller T.
  const std::vector<float> x = gaussian_with_outliers(2, 50.f);
  const RealRange r = choose_range(observe(x), CalibMethod::kEntropy);
  EXPECT_GT(r.max, 2.5f);
  EXPECT_LT(r.max, 25.f);
  EXPECT_LT(r.min, -2.5f);
  EXPECT_GE(r.min, -25.f);
}

TEST(RangeMethods, EntropyIgnoresReluZeros) {
  // Half the values exactly 0 (ReLU), the rest exponential, clamped at 6
  // (ReLU6): the zeros must not pull the threshold down to a fraction of 6.
  std::mt19937 rng(3);
  std::exponential_distribution<float> d(2.f);
  std::vector<float> x(200000, 0.f);
  for (size_t i = 0; i < x.size(); i += 2) x[i] = std::min(6.f, d(rng));
  const TensorObserver o = observe(x);
  EXPECT_EQ(o.zeros(), 100000u);
  const RealRange r = choose_range(o, CalibMethod::kEntropy);
  EXPECT_GT(r.max, 3.f);
  EXPECT_EQ(r.min, 0.f);
}

TEST(RangeMethods, EntropyBinsOfAPointMass) {
  std::vector<uint64_t> h(2048, 0);
  h[10] = 1000;
  EXPECT_EQ(entropy_bins(h, 128), 2048);  // nothing above the first 128 bins
}

TEST(RangeMethods, MseBinsHandComputed) {
  // Bins of width 1, centres 0.5 .. 3.5; 100 values in bin 0, one in bin 3.
  // One step over [0, i]: error(i) = inside * i^2 / 12 + (3.5 - i)^2 when clipped:
  // i=1: 8.33 + 6.25, i=2: 33.3 + 2.25, i=3: 75 + 0.25, i=4: 134.7.
  const std::vector<uint64_t> h = {100, 0, 0, 1};
  EXPECT_EQ(mse_bins(h, 1.0), 1);
  // With 100 steps rounding noise is negligible: keeping the outlier wins.
  EXPECT_EQ(mse_bins(h, 100.0), 4);
  EXPECT_EQ(mse_bins(std::vector<uint64_t>(8, 0), 255.0), 8);  // nothing seen
}

// Mean squared error of quantizing x with `steps` steps over [0, t]
// (non-negative) or 2 * steps over [-t, t], clipping outside: the measured
// answer the histogram's model of it should agree with.
double quantization_mse(const std::vector<float>& x, double t, double steps) {
  const double step = t / steps;
  double e = 0;
  for (float v : x) {
    const double c = std::clamp<double>(v, -t, t);
    const double q = std::round(c / step) * step;
    e += (q - v) * (q - v);
  }
  return e / static_cast<double>(x.size());
}

TEST(RangeMethods, MseThresholdOfALaplacian) {
  // Laplace(b = 1), 8 bits over [-T, T]: Banner et al. 2019 (ACIQ, table 1)
  // give the MSE-optimal clipping T = 9.89 b. The chosen threshold is near it,
  // and its measured error within a few percent of a brute-force scan's best.
  std::mt19937 rng(4);
  std::exponential_distribution<float> e(1.f);
  std::vector<float> x(400000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 2 ? 1.f : -1.f) * e(rng);
  const RealRange r = choose_range(observe(x), CalibMethod::kMse);
  const double t = r.max;
  EXPECT_GT(t, 8.5);
  EXPECT_LT(t, 11.5);
  EXPECT_LT(r.min, -8.5f);
  double best = INFINITY;
  for (double s = 4.0; s <= 14.0; s += 0.05) best = std::min(best, quantization_mse(x, s, 127.5));
  EXPECT_LE(quantization_mse(x, t, 127.5), best * 1.05) << "threshold " << t;
}

TEST(RangeMethods, MseKeepsLargeOutliersThatCostMoreClipped) {
  // Unlike entropy, MSE weighs an outlier by its squared distance: five values
  // at 40 among 200000 N(0, 1) cost more clipped (5 * 36^2) than the rounding
  // noise they add, so the range stays wide.
  EXPECT_GT(choose_range(observe(gaussian_with_outliers(6, 40.f)), CalibMethod::kMse).max, 30.f);
}

TEST(RangeMethods, MseKeepsAUniformRangeAndIgnoresReluZeros) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.f, 4.f);
  std::vector<float> x(200000, 0.f);
  for (size_t i = 0; i < x.size(); i += 2) x[i] = u(rng);
  const RealRange r = choose_range(observe(x), CalibMethod::kMse);
  EXPECT_EQ(r.min, 0.f);
  EXPECT_GT(r.max, 3.9f);
  EXPECT_LE(r.max, 4.f);
}

TEST(RangeMethods, ParseMethod) {
  EXPECT_EQ(parse_calib_method("entropy"), CalibMethod::kEntropy);
  EXPECT_EQ(calib_method_name(parse_calib_method("percentile")), "percentile");
  EXPECT_EQ(parse_calib_method("mse"), CalibMethod::kMse);
  EXPECT_EQ(calib_method_name(CalibMethod::kMse), "mse");
  try {
    parse_calib_method("kl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
  }
}

}  // namespace
}  // namespace edgebench::passes::quantize
