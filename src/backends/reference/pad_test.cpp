#include "backends/reference/pad.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph pad_graph(DType t, Shape in, Shape out, std::vector<int64_t> before,
                std::vector<int64_t> after, float value, QuantParams q = {}) {
  GraphBuilder b;
  const int x = b.input(t, std::move(in), q);
  const int y = b.tensor(t, std::move(out), q);
  PadAttrs a;
  a.before = std::move(before);
  a.after = std::move(after);
  a.value = value;
  b.node(OpType::kPad, {x}, y, a);
  return b.build({y});
}

TEST(Pad, F32ByHand) {
  // [[1, 2]] padded by one row above, one column left and two right, with 9.
  const Graph g = pad_graph(DType::kF32, {1, 2}, {2, 5}, {1, 1}, {0, 2}, 9.0f);
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2}),
            (std::vector<float>{9, 9, 9, 9, 9, 9, 1, 2, 9, 9}));
}

TEST(Pad, QuantizedPadsWithTheZeroPoint) {
  // NHWC spatial padding of a u8 tensor: 0.0 is the zero point 128.
  const Graph g = pad_graph(DType::kU8, {1, 1, 2, 1}, {1, 2, 3, 1}, {0, 1, 0, 0}, {0, 0, 1, 0},
                            0.0f, per_tensor(0.1f, 128));
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{7, 8})),
            (std::vector<int>{128, 128, 128, 7, 8, 128}));
  // i8 scale 0.25 zero point -3: 0.5 -> -3 + 2 = -1.
  const Graph h = pad_graph(DType::kI8, {2}, {4}, {1}, {1}, 0.5f, per_tensor(0.25f, -3));
  EXPECT_EQ(ints(run<int8_t>(h, std::vector<int8_t>{5, 6})), (std::vector<int>{-1, 5, 6, -1}));
}

}  // namespace
}  // namespace edgebench::ref
