#include "harness/metrics.h"

#include <gtest/gtest.h>

namespace edgebench {
namespace {

TEST(Percentile, InterpolatesLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], [0, 50, 90, 100]) = 1, 2.5, 3.7, 4
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_NEAR(percentile(v, 90), 3.7, 1e-12);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  EXPECT_DOUBLE_EQ(percentile({}, 50), 0);
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7);
}

// Four images on a fake clock: load 2 s, P = 0.1 s each, I = 0.01/0.02/0.03/0.04 s.
TEST(Metrics, StudyEquationsOnFakeClock) {
  RunRecord r;
  r.images = 4;
  r.failed_images = 1;
  r.top1_correct = 3;
  r.top5_correct = 4;
  r.load_s = 2.0;
  r.pre_s = {0.1, 0.1, 0.1, 0.1};
  r.inf_s = {0.01, 0.02, 0.03, 0.04};
  r.loop_wall_s = 0.2;
  r.total_s = 2.5;
  Metrics m = compute_metrics(r);
  EXPECT_DOUBLE_EQ(m.top1, 0.75);
  EXPECT_DOUBLE_EQ(m.top5, 1.0);
  EXPECT_EQ(m.failed_images, 1);
  // Eq. 4: N / sum(I) = 4 / 0.1
  EXPECT_NEAR(m.fps_inf, 40.0, 1e-9);
  // Eq. 3: N / (M + sum(P + I)) = 4 / (2 + 0.4 + 0.1)
  EXPECT_NEAR(m.fps, 4.0 / 2.5, 1e-9);
  EXPECT_NEAR(m.fps_wall, 20.0, 1e-9);
  EXPECT_NEAR(m.avg_inf_ms, 25.0, 1e-9);
  EXPECT_NEAR(m.avg_pre_ms, 100.0, 1e-9);
  EXPECT_NEAR(m.p50_ms, 25.0, 1e-9);
  EXPECT_NEAR(m.p90_ms, 37.0, 1e-9);
  EXPECT_DOUBLE_EQ(m.load_s, 2.0);
  EXPECT_DOUBLE_EQ(m.time_s, 2.5);
}

TEST(Metrics, EmptyRunHasNoDivisionByZero) {
  Metrics m = compute_metrics(RunRecord{});
  EXPECT_EQ(m.images, 0);
  EXPECT_EQ(m.fps, 0);
  EXPECT_EQ(m.fps_inf, 0);
  EXPECT_EQ(m.top1, 0);
}

TEST(Metrics, RssIsReadable) {
  EXPECT_GT(peak_rss_mib(), 0);
  EXPECT_GE(peak_rss_mib(), current_rss_mib() - 1e-9);
}

}  // namespace
}  // namespace edgebench
