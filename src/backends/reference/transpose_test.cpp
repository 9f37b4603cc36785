#include "backends/reference/transpose.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(Transpose, MatrixByHand) {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {2, 3});
  const int y = b.tensor(DType::kF32, {3, 2});
  TransposeAttrs a;
  a.perm = {1, 0};
  b.node(OpType::kTranspose, {x}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 3, 4, 5, 6}),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Transpose, Rank4NhwcToNchw) {
  // y[n][c][h][w] = x[n][h][w][c], for every index.
  const int N = 2, H = 3, W = 4, C = 5;
  std::vector<int8_t> xv(N * H * W * C);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<int8_t>(i * 7 % 251 - 120);
  GraphBuilder b;
  const int x = b.input(DType::kI8, {N, H, W, C}, per_tensor(1.0f, 0));
  const int y = b.tensor(DType::kI8, {N, C, H, W}, per_tensor(1.0f, 0));
  TransposeAttrs a;
  a.perm = {0, 3, 1, 2};
  b.node(OpType::kTranspose, {x}, y, a);
  const Graph g = b.build({y});
  const auto got = run<int8_t>(g, xv);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w)
          ASSERT_EQ(got[((n * C + c) * H + h) * W + w], xv[((n * H + h) * W + w) * C + c]);
}

}  // namespace
}  // namespace edgebench::ref
