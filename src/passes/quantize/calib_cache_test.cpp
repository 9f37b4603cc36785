#include "passes/quantize/calib_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace edgebench::passes::quantize {
namespace {
namespace fs = std::filesystem;

class CalibCache : public ::testing::Test {
 protected:
  void SetUp() override {
    // Per process and test: checkouts testing at the same time must not share it.
    dir_ = fs::temp_directory_path() /
           ("edgebench_calib_cache_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    key_ = {"abc123", "percentile", 99.99, 100, "def456", "torchvision"};
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  CalibKey key_;
};

TEST_F(CalibCache, RoundTripsExactly) {
  const RangeTable t = {{"conv_1", {-1.25f, 3.1f}}, {"input", {0.f, 0.123456789f}}};
  const std::string path = cache_path(dir_.string(), key_);
  save_ranges(path, key_, t);
  RangeTable back;
  ASSERT_TRUE(load_ranges(path, key_, back));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.at("conv_1").min, -1.25f);
  EXPECT_EQ(back.at("input").max, 0.123456789f);
}

TEST_F(CalibCache, EveryKeyFieldMatters) {
  const std::string path = cache_path(dir_.string(), key_);
  save_ranges(path, key_, {{"x", {0.f, 1.f}}});
  RangeTable out;
  for (int field = 0; field < 5; ++field) {
    CalibKey k = key_;
    if (field == 0) k.model_sha256 = "other";
    if (field == 1) k.method = "entropy";
    if (field == 2) k.count = 99;
    if (field == 3) k.images_hash = "other";
    if (field == 4) k.percentile = 99.9;
    EXPECT_NE(cache_path(dir_.string(), k), path) << field;
    EXPECT_FALSE(load_ranges(path, k, out)) << field;  // even at the same path
  }
}

TEST_F(CalibCache, MissingOrDamagedFileIsAMiss) {
  RangeTable out;
  EXPECT_FALSE(load_ranges((dir_ / "none.json").string(), key_, out));
  fs::create_directories(dir_);
  std::ofstream(dir_ / "bad.json") << "{\"key\": ";
  EXPECT_FALSE(load_ranges((dir_ / "bad.json").string(), key_, out));
}

TEST_F(CalibCache, DefaultDirFollowsXdg) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(default_cache_dir(), "/tmp/xdg-test/edgebench");
  if (old)
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace edgebench::passes::quantize
