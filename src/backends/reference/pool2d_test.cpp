// Average and max pooling, by hand.
#include "backends/reference/pool2d.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph pool_graph(OpType op, DType t, Shape in, Shape out, Pool2DAttrs a, QuantParams q = {}) {
  GraphBuilder b;
  const int x = b.input(t, std::move(in), q);
  const int y = b.tensor(t, std::move(out), q);
  b.node(op, {x}, y, a);
  return b.build({y});
}

Pool2DAttrs attrs(int k, int s, Padding2D pad, bool include_pad = false,
                  ActivationKind act = ActivationKind::kNone) {
  Pool2DAttrs a;
  a.filter_h = a.filter_w = k;
  a.stride_h = a.stride_w = s;
  a.pad = pad;
  a.count_include_pad = include_pad;
  a.act = make_activation(act);
  return a;
}

const std::vector<float> kImage = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // 3x3

TEST(Pool2D, F32AverageExcludesPadding) {
  // 2x2 windows, stride 1, padding bottom/right 1 -> 3x3:
  //   (1+2+4+5)/4 = 3   (2+3+5+6)/4 = 4   (3+6)/2 = 4.5
  //   (4+5+7+8)/4 = 6   7                 (6+9)/2 = 7.5
  //   (7+8)/2 = 7.5     8.5               9
  const Graph g = pool_graph(OpType::kAveragePool2D, DType::kF32, {1, 3, 3, 1}, {1, 3, 3, 1},
                             attrs(2, 1, {0, 0, 1, 1}));
  EXPECT_EQ(run<float>(g, kImage), (std::vector<float>{3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9}));
}

TEST(Pool2D, F32AverageIncludesPadding) {
  // Same with the padded cells counted: the right column and bottom row divide by 4.
  const Graph g = pool_graph(OpType::kAveragePool2D, DType::kF32, {1, 3, 3, 1}, {1, 3, 3, 1},
                             attrs(2, 1, {0, 0, 1, 1}, true));
  EXPECT_EQ(run<float>(g, kImage),
            (std::vector<float>{3, 4, 2.25f, 6, 7, 3.75f, 3.75f, 4.25f, 2.25f}));
}

TEST(Pool2D, F32MaxWithStrideAndPadding) {
  // 3x3 windows, stride 2, padding 1: maxima of the 2x2 corners 5, 6, 8, 9.
  const Graph g = pool_graph(OpType::kMaxPool2D, DType::kF32, {1, 3, 3, 1}, {1, 2, 2, 1},
                             attrs(3, 2, {1, 1, 1, 1}));
  EXPECT_EQ(run<float>(g, kImage), (std::vector<float>{5, 6, 8, 9}));
  std::vector<float> negative(kImage);
  for (float& v : negative) v = -v;
  EXPECT_EQ(run<float>(g, negative), (std::vector<float>{-1, -2, -4, -5}));
}

TEST(Pool2D, QuantizedAverageRounding) {
  // Two channels, a 1x2 image, one 1x2 window: u8 sums (1+2) -> 3/2 = 1.5 -> 2,
  // (4+4) -> 4.
  const Graph u8 = pool_graph(
      OpType::kAveragePool2D, DType::kU8, {1, 1, 2, 2}, {1, 1, 1, 2},
      [] {
        Pool2DAttrs a;
        a.filter_w = 2;
        return a;
      }(),
      per_tensor(0.5f, 0));
  EXPECT_EQ(ints(run<uint8_t>(u8, std::vector<uint8_t>{1, 4, 2, 4})), (std::vector<int>{2, 4}));
  // i8: negative sums round half away from zero too: -3/2 = -1.5 -> -2; -5/4
  // over a 2x2 window = -1.25 -> -1.
  const Graph i8 = pool_graph(
      OpType::kAveragePool2D, DType::kI8, {1, 1, 2, 2}, {1, 1, 1, 2},
      [] {
        Pool2DAttrs a;
        a.filter_w = 2;
        return a;
      }(),
      per_tensor(0.5f, 0));
  EXPECT_EQ(ints(run<int8_t>(i8, std::vector<int8_t>{-1, 3, -2, 4})), (std::vector<int>{-2, 4}));
  const Graph i8b = pool_graph(OpType::kAveragePool2D, DType::kI8, {1, 2, 2, 1}, {1, 1, 1, 1},
                               attrs(2, 1, {}), per_tensor(0.5f, 0));
  EXPECT_EQ(ints(run<int8_t>(i8b, std::vector<int8_t>{-1, -1, -1, -2})), std::vector<int>{-1});
  EXPECT_EQ(ints(run<int8_t>(i8b, std::vector<int8_t>{-1, -1, -2, -2})), std::vector<int>{-2});
}

TEST(Pool2D, QuantizedAverageIncludingPaddingCountsTheZeroPoint) {
  // A 2x2 image of reals 4, 8, 12, 16 (zero point 100, scale 1), a 3x3 window
  // with padding 1 counting the padded cells: every window holds the 4 cells
  // and 5 padded reals 0, so 40 / 9 = 4.44 -> 104 (the sum of the raw values
  // alone, 440 / 9, would give 49). Excluding the padding: 40 / 4 -> 110.
  for (bool include_pad : {true, false}) {
    const Graph g = pool_graph(OpType::kAveragePool2D, DType::kU8, {1, 2, 2, 1}, {1, 2, 2, 1},
                               attrs(3, 1, {1, 1, 1, 1}, include_pad), per_tensor(1.0f, 100));
    EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{104, 108, 112, 116})),
              std::vector<int>(4, include_pad ? 104 : 110));
  }
  // int8, zero point -20, reals -6, -2, 2, 6 and 5 zeros: 0 / 9 -> -20.
  const Graph i8 = pool_graph(OpType::kAveragePool2D, DType::kI8, {1, 2, 2, 1}, {1, 2, 2, 1},
                              attrs(3, 1, {1, 1, 1, 1}, true), per_tensor(1.0f, -20));
  EXPECT_EQ(ints(run<int8_t>(i8, std::vector<int8_t>{-26, -22, -18, -14})),
            std::vector<int>(4, -20));
}

TEST(Pool2D, QuantizedMaxWithRelu6) {
  // Scale 0.05, zero point 10: relu6 keeps [10, 130].
  const Graph g = pool_graph(OpType::kMaxPool2D, DType::kU8, {1, 2, 2, 2}, {1, 1, 1, 2},
                             attrs(2, 2, {}, false, ActivationKind::kRelu6), per_tensor(0.05f, 10));
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{0, 0, 5, 250, 3, 7, 9, 200})),
            (std::vector<int>{10, 130}));
  const Graph h = pool_graph(OpType::kMaxPool2D, DType::kI8, {1, 2, 2, 1}, {1, 1, 1, 1},
                             attrs(2, 2, {}), per_tensor(0.05f, 0));
  EXPECT_EQ(ints(run<int8_t>(h, std::vector<int8_t>{-128, -100, -7, -128})), std::vector<int>{-7});
}

}  // namespace
}  // namespace edgebench::ref
