// Concatenation: copies, and uint8 requantization of mismatched inputs.
#include "backends/reference/concat.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(Concat, F32Axes) {
  for (int axis : {0, 1}) {
    GraphBuilder b;
    const int x1 = b.input(DType::kF32, {2, 2});
    const int x2 = b.input(DType::kF32, {2, 2});
    const int y = b.tensor(DType::kF32, axis == 0 ? Shape{4, 2} : Shape{2, 4});
    ConcatAttrs a;
    a.axis = axis;
    b.node(OpType::kConcat, {x1, x2}, y, a);
    const Graph g = b.build({y});
    const auto got = run<float>(g, std::vector<float>{1, 2, 3, 4}, std::vector<float>{5, 6, 7, 8});
    const std::vector<float> want = axis == 0 ? std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}
                                              : std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8};
    EXPECT_EQ(got, want);
  }
}

TEST(Concat, U8RequantizesMismatchedInputs) {
  // Output scale 1 zero point 0. Input 1 matches (copied); input 2 has scale
  // 0.5 zero point 4: q 4 -> 0, 9 -> 2.5 -> 3 (std::round), 0 -> -2 -> 0 (saturated).
  GraphBuilder b;
  const int x1 = b.input(DType::kU8, {1, 2}, per_tensor(1.0f, 0));
  const int x2 = b.input(DType::kU8, {1, 3}, per_tensor(0.5f, 4));
  const int y = b.tensor(DType::kU8, {1, 5}, per_tensor(1.0f, 0));
  ConcatAttrs a;
  a.axis = 1;
  b.node(OpType::kConcat, {x1, x2}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{10, 20}, std::vector<uint8_t>{4, 9, 0})),
            (std::vector<int>{10, 20, 0, 3, 0}));
}

TEST(Concat, I8SameQuantizationCopies) {
  GraphBuilder b;
  const int x1 = b.input(DType::kI8, {1, 1, 2}, per_tensor(0.1f, -5));
  const int x2 = b.input(DType::kI8, {1, 1, 1}, per_tensor(0.1f, -5));
  const int y = b.tensor(DType::kI8, {1, 1, 3}, per_tensor(0.1f, -5));
  ConcatAttrs a;
  a.axis = 2;
  b.node(OpType::kConcat, {x1, x2}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<int8_t>(g, std::vector<int8_t>{-128, 127}, std::vector<int8_t>{3})),
            (std::vector<int>{-128, 127, 3}));
}

}  // namespace
}  // namespace edgebench::ref
