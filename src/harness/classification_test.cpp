#include "harness/classification.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace edgebench {
namespace {

TEST(Classification, DequantizesScores) {
  Tensor t;
  t.dtype = DType::kU8;
  t.shape = {1, 3};
  t.quant.scales = {0.5f};
  t.quant.zero_points = {10};
  const uint8_t q[3] = {10, 12, 0};
  auto s = output_scores(t, reinterpret_cast<const std::byte*>(q));
  EXPECT_FLOAT_EQ(s[0], 0.0f);
  EXPECT_FLOAT_EQ(s[1], 1.0f);
  EXPECT_FLOAT_EQ(s[2], -5.0f);
}

TEST(Classification, TopKBreaksTiesByLowerIndex) {
  EXPECT_EQ(top_k({0.1f, 0.5f, 0.5f, 0.2f}, 3), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(top_k({1.0f}, 5), (std::vector<int>{0}));
  EXPECT_EQ(top_k(std::vector<float>(1001, 0.0f), 5).capacity(), 5u);  // stored per image: no slack
}

TEST(Classification, OutputOffsets) {
  EXPECT_EQ(imagenet_output_offset(1000, "m"), 0);
  EXPECT_EQ(imagenet_output_offset(1001, "m"), 1);
  EXPECT_THROW(imagenet_output_offset(10, "m"), Error);
}

TEST(Classification, LabelsWithAndWithoutBackground) {
  std::vector<std::string> with_bg = {"background", "tench", "goldfish"};
  EXPECT_EQ(label_of_output(with_bg, 3, 1), "tench");
  std::vector<std::string> l1001(1001, "x"), l1000(1000, "y");
  l1001[1] = "tench";
  l1000[0] = "tench";
  EXPECT_EQ(label_of_output(l1001, 1000, 0), "tench");
  EXPECT_EQ(label_of_output(l1000, 1001, 1), "tench");
  EXPECT_EQ(label_of_output(l1000, 1001, 0), "background");
}

}  // namespace
}  // namespace edgebench
