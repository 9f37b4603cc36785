#include "util/load_phases.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace edgebench {
namespace {

void busy(std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

double seconds_of(const LoadPhases& p, const std::string& name) {
  for (const auto& [n, s] : p.seconds())
    if (n == name) return s;
  return -1;
}

TEST(LoadPhases, InnerSpansPauseOuterOnesAndRepeatsAddUp) {
  const LoadPhases phases;
  {
    const LoadPhase outer("outer");
    busy(std::chrono::milliseconds(20));
    for (int i = 0; i < 2; ++i) {
      const LoadPhase inner("inner");
      busy(std::chrono::milliseconds(30));
    }
  }
  ASSERT_EQ(phases.seconds().size(), 2u);
  EXPECT_EQ(phases.seconds()[0].first, "outer");  // in the order they first ran
  // Exclusive: the outer span counts its own 20 ms, not the inner 60 ms.
  EXPECT_GE(seconds_of(phases, "outer"), 0.019);
  EXPECT_LT(seconds_of(phases, "outer"), 0.050);
  EXPECT_GE(seconds_of(phases, "inner"), 0.059);
}

TEST(LoadPhases, SpansWithoutACollectorRecordNothing) {
  { const LoadPhase orphan("orphan"); }
  const LoadPhases phases;
  EXPECT_TRUE(phases.seconds().empty());
}

TEST(LoadPhases, ACollectorSeesOnlyItsOwnThread) {
  const LoadPhases phases;
  std::thread([] { const LoadPhase elsewhere("elsewhere"); }).join();
  { const LoadPhase here("here"); }
  ASSERT_EQ(phases.seconds().size(), 1u);
  EXPECT_EQ(phases.seconds()[0].first, "here");
}

TEST(LoadPhases, NestedCollectorsRestoreTheOuterOne) {
  const LoadPhases outer;
  {
    const LoadPhases inner;
    const LoadPhase a("a");
  }
  { const LoadPhase b("b"); }
  ASSERT_EQ(outer.seconds().size(), 1u);
  EXPECT_EQ(outer.seconds()[0].first, "b");
}

}  // namespace
}  // namespace edgebench
