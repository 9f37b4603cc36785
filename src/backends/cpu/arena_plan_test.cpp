#include "backends/cpu/arena_plan.h"

#include <gtest/gtest.h>

#include <random>

namespace edgebench::cpu {
namespace {

// No two buffers whose lifetimes intersect may share bytes.
void expect_valid(const std::vector<BufferLife>& b, const ArenaPlan& p, size_t alignment) {
  ASSERT_EQ(p.offsets.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % alignment, 0u);
    EXPECT_LE(p.offsets[i] + b[i].bytes, p.total);
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool live_together = !(b[i].last < b[j].first || b[j].last < b[i].first);
      const bool disjoint =
          p.offsets[i] + b[i].bytes <= p.offsets[j] || p.offsets[j] + b[j].bytes <= p.offsets[i];
      if (live_together && b[i].bytes > 0 && b[j].bytes > 0) {
        EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j;
      }
    }
  }
}

TEST(ArenaPlan, ChainReusesMemory) {
  // A chain a -> b -> c -> d: each buffer lives two steps, so two slots suffice.
  const std::vector<BufferLife> b = {{100, 0, 1}, {100, 1, 2}, {100, 2, 3}, {100, 3, 4}};
  const ArenaPlan p = plan_arena(b, 64);
  expect_valid(b, p, 64);
  EXPECT_EQ(p.total, 256u);
}

TEST(ArenaPlan, FillsGapsBetweenLiveBuffers) {
  // A large long-lived buffer, then small ones that can share the space of a freed one.
  const std::vector<BufferLife> b = {{1000, 0, 10}, {500, 0, 2}, {200, 3, 5}, {300, 4, 6}};
  const ArenaPlan p = plan_arena(b, 1);
  expect_valid(b, p, 1);
  EXPECT_EQ(p.total, 1500u);
}

TEST(ArenaPlan, AChainOfSimilarSizesLeavesNoHole) {
  // InceptionV3's first layers, in hundredths of a MiB: largest first puts the
  // 130 at 0 and pushes a 163 above the 264, 665 in all; the peak of what is
  // live at once is 535 (steps 2 and 6), which the second order reaches.
  const std::vector<BufferLife> b = {{369, 6, 7}, {271, 1, 2}, {264, 2, 3},
                                     {163, 4, 5}, {163, 5, 6}, {130, 3, 4}};
  const ArenaPlan p = plan_arena(b, 1);
  expect_valid(b, p, 1);
  EXPECT_EQ(p.total, 535u);
}

TEST(ArenaPlan, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferLife> b(40);
    size_t sum = 0;
    for (auto& x : b) {
      x.bytes = rng() % 5000;
      x.first = static_cast<int>(rng() % 30);
      x.last = x.first + static_cast<int>(rng() % 8);
      sum += (x.bytes + 63) / 64 * 64;
    }
    const ArenaPlan p = plan_arena(b, 64);
    expect_valid(b, p, 64);
    EXPECT_LE(p.total, sum);
  }
}

}  // namespace
}  // namespace edgebench::cpu
