#include "backends/reference/batch_norm.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(BatchNorm, F32ByHand) {
  // (1 - 0.5) * 2 / sqrt(0.25) + 0 = 2;  (2 - 1) * 1 / sqrt(4) - 1 = -0.5; per row.
  GraphBuilder b;
  const int x = b.input(DType::kF32, {2, 2});
  const int scale = b.constant(DType::kF32, {2}, std::vector<float>{2, 1});
  const int bias = b.constant(DType::kF32, {2}, std::vector<float>{0, -1});
  const int mean = b.constant(DType::kF32, {2}, std::vector<float>{0.5f, 1});
  const int var = b.constant(DType::kF32, {2}, std::vector<float>{0.25f, 4});
  const int y = b.tensor(DType::kF32, {2, 2});
  BatchNormAttrs a;
  a.epsilon = 0;
  b.node(OpType::kBatchNorm, {x, scale, bias, mean, var}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 0.5f, 3}), (std::vector<float>{2, -0.5f, 0, 0}));
}

}  // namespace
}  // namespace edgebench::ref
