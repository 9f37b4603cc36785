#include "passes/quantize/range_methods.h"

#include <gtest/gtest.h>

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

TEST(RangeMethods, EntropyCutsALongTail) {
  // Gaussian bulk (sigma 1) plus a few far outliers at 50: quantizing up to
  // 50 would leave the bulk a handful of levels, so KL picks a much smaller T.
  std::mt19937 rng(2);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> x(200000);
  for (float& v : x) v = d(rng);
  for (int i = 0; i < 5; ++i) x.push_back(50.f);
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

TEST(RangeMethods, ParseMethod) {
  EXPECT_EQ(parse_calib_method("entropy"), CalibMethod::kEntropy);
  EXPECT_EQ(calib_method_name(parse_calib_method("percentile")), "percentile");
  try {
    parse_calib_method("kl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
  }
}

}  // namespace
}  // namespace edgebench::passes::quantize
