// Add/Sub/Mul/Div: broadcasting and TFLite's (and ONNX's) quantized rounding, by hand.
#include "backends/reference/binary.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"
#include "util/error.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph binary_graph(OpType op, DType t, Shape a, Shape b, Shape out, QuantParams qa = {},
                   QuantParams qb = {}, QuantParams qy = {},
                   ActivationKind act = ActivationKind::kNone) {
  GraphBuilder g;
  const int x1 = g.input(t, std::move(a), std::move(qa));
  const int x2 = g.input(t, std::move(b), std::move(qb));
  const int y = g.tensor(t, std::move(out), std::move(qy));
  BinaryAttrs attrs;
  attrs.act = make_activation(act);
  g.node(op, {x1, x2}, y, attrs);
  return g.build({y});
}

TEST(Binary, F32Broadcasting) {
  // [2,3] + [3]: each row plus (10, 20, 30).
  EXPECT_EQ(run<float>(binary_graph(OpType::kAdd, DType::kF32, {2, 3}, {3}, {2, 3}),
                       std::vector<float>{1, 2, 3, 4, 5, 6}, std::vector<float>{10, 20, 30}),
            (std::vector<float>{11, 22, 33, 14, 25, 36}));
  // [2,1,3] - [4,1]: out[i][j][k] = a[i][0][k] - b[j][0].
  const auto got = run<float>(binary_graph(OpType::kSub, DType::kF32, {2, 1, 3}, {4, 1}, {2, 4, 3}),
                              std::vector<float>{1, 2, 3, 4, 5, 6}, std::vector<float>{0, 1, 2, 3});
  ASSERT_EQ(got.size(), 24u);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) EXPECT_EQ(got[(i * 4 + j) * 3 + k], float(i * 3 + k + 1 - j));
  // Scalar-like [1] * [2,2] and division with a relu.
  EXPECT_EQ(run<float>(binary_graph(OpType::kMul, DType::kF32, {1}, {2, 2}, {2, 2}),
                       std::vector<float>{3}, std::vector<float>{1, -2, 0.5f, 4}),
            (std::vector<float>{3, -6, 1.5f, 12}));
  EXPECT_EQ(run<float>(binary_graph(OpType::kDiv, DType::kF32, {4}, {4}, {4}, {}, {}, {},
                                    ActivationKind::kRelu),
                       std::vector<float>{1, -2, 3, 8}, std::vector<float>{2, 2, -3, 4}),
            (std::vector<float>{0.5f, 0, 0, 2}));
}

TEST(Binary, QuantizedAddRoundsHalfAwayFromZero) {
  // a: scale 0.5, b: scale 0.25, output scale 1, all zero points 0.
  // 3 * 0.5 + 0 = 1.5 -> 2 and -1.5 -> -2: inputs are shifted left 20 bits and
  // scaled by 0.5 and 0.25 (exact), the output multiplier 2^-20 ends with a
  // rounding right shift of 19 bits after the high multiply (786432 / 2^19).
  const Graph g = binary_graph(OpType::kAdd, DType::kI8, {4}, {4}, {4}, per_tensor(0.5f, 0),
                               per_tensor(0.25f, 0), per_tensor(1.0f, 0));
  EXPECT_EQ(
      ints(run<int8_t>(g, std::vector<int8_t>{3, -3, 2, 100}, std::vector<int8_t>{0, 0, 2, 100})),
      // 1.5, -1.5, 1 + 0.5 = 1.5, 50 + 25 = 75
      (std::vector<int>{2, -2, 2, 75}));
}

TEST(Binary, QuantizedAddInFloatRoundsHalfToEven) {
  // QuantizedAddRoundsHalfAwayFromZero's graph under ONNX's requantization:
  // 1.5 -> 2, -1.5 -> -2, and 2.5 -> 2 where TFLite's arithmetic gives 3.
  Graph g = binary_graph(OpType::kAdd, DType::kI8, {4}, {4}, {4}, per_tensor(0.5f, 0),
                         per_tensor(0.25f, 0), per_tensor(1.0f, 0));
  const std::vector<int8_t> a{3, -3, 5, 100}, b{0, 0, 0, 100};
  EXPECT_EQ(ints(run<int8_t>(g, a, b)), (std::vector<int>{2, -2, 3, 75}));
  g.requantization = Requantization::kFloat;
  EXPECT_EQ(ints(run<int8_t>(g, a, b)), (std::vector<int>{2, -2, 2, 75}));
}

TEST(Binary, QuantizedAddZeroPointsBroadcastAndSaturation) {
  // u8: a scale 0.1 zero point 100, b scale 0.1 zero point 50, output scale 0.2
  // zero point 10, b broadcast over rows.
  //   a = (110, 120) -> (1, 2), b = (70) -> 2: sums 3, 4 -> 15 + 10, 20 + 10.
  //   a = (0, 255) -> (-10, 15.5): -8 -> -40 + 10 saturates at 0; 17.5 -> 97.5 -> 98 (tie away).
  const Graph g = binary_graph(OpType::kAdd, DType::kU8, {2, 2}, {1}, {2, 2}, per_tensor(0.1f, 100),
                               per_tensor(0.1f, 50), per_tensor(0.2f, 10));
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{110, 120, 0, 255}, std::vector<uint8_t>{70})),
            (std::vector<int>{25, 30, 0, 98}));
}

TEST(Binary, QuantizedAddWithRelu6) {
  // Output scale 0.05, zero point 10: relu6 clamps to [10, 130].
  const Graph g = binary_graph(OpType::kAdd, DType::kU8, {3}, {3}, {3}, per_tensor(1.0f, 0),
                               per_tensor(1.0f, 0), per_tensor(0.05f, 10), ActivationKind::kRelu6);
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{0, 1, 4}, std::vector<uint8_t>{0, 1, 4})),
            (std::vector<int>{10, 50, 130}));  // 0, 2 -> 40 + 10, 8 -> 170 clamps to 130
}

TEST(Binary, QuantizedMul) {
  // i8: a scale 0.5 zero point 1, b scale 0.5 zero point -1, output 0.25 / 0:
  // (5 - 1) * (3 + 1) = 16 units of 0.25, i.e. 2 * 2 = 4 -> 16.
  // Saturation: (127 - 1) * (127 + 1) * 0.25 / 0.25 -> 127; negative -> -128.
  const Graph g = binary_graph(OpType::kMul, DType::kI8, {3}, {3}, {3}, per_tensor(0.5f, 1),
                               per_tensor(0.5f, -1), per_tensor(0.25f, 0));
  EXPECT_EQ(
      ints(run<int8_t>(g, std::vector<int8_t>{5, 127, -128}, std::vector<int8_t>{3, 127, 127})),
      (std::vector<int>{16, 127, -128}));
  // Multiplier 0.5 * 0.5 / 0.5 = 0.5 with zero offsets: 3 * 1 * 0.5 = 1.5 -> 2,
  // -1.5 -> -1 (shift 0: the high multiply's tie goes toward +infinity).
  const Graph h = binary_graph(OpType::kMul, DType::kI8, {2}, {2}, {2}, per_tensor(0.5f, 0),
                               per_tensor(0.5f, 0), per_tensor(0.5f, 0));
  EXPECT_EQ(ints(run<int8_t>(h, std::vector<int8_t>{3, -3}, std::vector<int8_t>{1, 1})),
            (std::vector<int>{2, -1}));
}

TEST(Binary, QuantizedSubIsUnsupported) {
  const Graph g = binary_graph(OpType::kSub, DType::kU8, {2}, {2}, {2}, per_tensor(1.0f, 0),
                               per_tensor(1.0f, 0), per_tensor(1.0f, 0));
  try {
    make_reference_backend()->compile(g, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_STREQ(e.what(), "test: node #0 Sub 'Sub_0': u8 not supported by the reference backend");
  }
}

}  // namespace
}  // namespace edgebench::ref
