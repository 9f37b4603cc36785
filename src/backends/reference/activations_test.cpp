#include "backends/reference/activations.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph act_graph(OpType op, DType t, Shape s, QuantParams qx = {}, QuantParams qy = {},
                Attrs attrs = NoAttrs{}) {
  GraphBuilder b;
  const int x = b.input(t, s, std::move(qx));
  const int y = b.tensor(t, s, std::move(qy));
  b.node(op, {x}, y, std::move(attrs));
  return b.build({y});
}

TEST(Activations, F32) {
  EXPECT_EQ(run<float>(act_graph(OpType::kRelu, DType::kF32, {3}), std::vector<float>{-1, 0, 2}),
            (std::vector<float>{0, 0, 2}));
  EXPECT_EQ(run<float>(act_graph(OpType::kRelu6, DType::kF32, {3}), std::vector<float>{7, -1, 3}),
            (std::vector<float>{6, 0, 3}));
  ClipAttrs clip;
  clip.min = -1;
  clip.max = 1;
  EXPECT_EQ(run<float>(act_graph(OpType::kClip, DType::kF32, {3}, {}, {}, clip),
                       std::vector<float>{-2, 0.5f, 3}),
            (std::vector<float>{-1, 0.5f, 1}));
}

TEST(Activations, QuantizedRelu6SameQuantization) {
  // Scale 0.05, zero point 10: [0, 6] is [10, 130].
  const Graph g =
      act_graph(OpType::kRelu6, DType::kU8, {3}, per_tensor(0.05f, 10), per_tensor(0.05f, 10));
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{0, 200, 50})),
            (std::vector<int>{10, 130, 50}));
}

TEST(Activations, QuantizedReluRequantizes) {
  // i8 scale 0.1 -> scale 0.2, zero point -128 (multiplier 0.5, shift 0):
  // 5 -> 2.5 -> 3 (the high multiply's tie goes up) -> -125; -5 -> clamped at
  // the zero point; 127 -> 63.5 -> 64 -> -64.
  const Graph g =
      act_graph(OpType::kRelu, DType::kI8, {3}, per_tensor(0.1f, 0), per_tensor(0.2f, -128));
  EXPECT_EQ(ints(run<int8_t>(g, std::vector<int8_t>{5, -5, 127})),
            (std::vector<int>{-125, -128, -64}));
}

}  // namespace
}  // namespace edgebench::ref
