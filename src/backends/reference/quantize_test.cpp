#include "backends/reference/quantize.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph unary(OpType op, DType tx, DType ty, Shape s, QuantParams qx, QuantParams qy) {
  GraphBuilder b;
  const int x = b.input(tx, s, std::move(qx));
  const int y = b.tensor(ty, s, std::move(qy));
  b.node(op, {x}, y);
  return b.build({y});
}

TEST(Quantize, FloatToU8AndI8) {
  // Scale 0.5, zero point 10: 0.25 / 0.5 = 0.5 -> 1 and -0.5 -> -1 (ties away
  // from zero); out-of-range values saturate.
  const Graph u8 = unary(OpType::kQuantize, DType::kF32, DType::kU8, {5}, {}, per_tensor(0.5f, 10));
  EXPECT_EQ(ints(run<uint8_t>(u8, std::vector<float>{0, 0.25f, -0.25f, 1000, -1000})),
            (std::vector<int>{10, 11, 9, 255, 0}));
  const Graph i8 = unary(OpType::kQuantize, DType::kF32, DType::kI8, {2}, {}, per_tensor(0.5f, -1));
  EXPECT_EQ(ints(run<int8_t>(i8, std::vector<float>{0.75f, -0.75f})), (std::vector<int>{1, -3}));
}

TEST(Quantize, Requantize) {
  // u8 -> i8 with equal scales and zero points 128 apart: a shift by 128.
  EXPECT_EQ(ints(run<int8_t>(unary(OpType::kQuantize, DType::kU8, DType::kI8, {3},
                                   per_tensor(0.1f, 128), per_tensor(0.1f, 0)),
                             std::vector<uint8_t>{0, 128, 255})),
            (std::vector<int>{-128, 0, 127}));
  // u8 scale 0.5 zp 10 -> u8 scale 0.25 zp 20: (q - 10) * 2 + 20, saturated.
  EXPECT_EQ(ints(run<uint8_t>(unary(OpType::kQuantize, DType::kU8, DType::kU8, {3},
                                    per_tensor(0.5f, 10), per_tensor(0.25f, 20)),
                              std::vector<uint8_t>{11, 9, 200})),
            (std::vector<int>{22, 18, 255}));
  // i8 scale 0.5 -> 1: 1.5 -> 2, -1.5 -> -1 (shift 0: the high multiply's tie
  // goes toward +infinity), 2.5 -> 3.
  EXPECT_EQ(ints(run<int8_t>(unary(OpType::kQuantize, DType::kI8, DType::kI8, {3},
                                   per_tensor(0.5f, 0), per_tensor(1.0f, 0)),
                             std::vector<int8_t>{3, -3, 5})),
            (std::vector<int>{2, -1, 3}));
}

TEST(Dequantize, U8AndI8) {
  EXPECT_EQ(
      run<float>(unary(OpType::kDequantize, DType::kU8, DType::kF32, {4}, per_tensor(0.5f, 10), {}),
                 std::vector<uint8_t>{10, 11, 0, 255}),
      (std::vector<float>{0, 0.5f, -5, 122.5f}));
  EXPECT_EQ(run<float>(unary(OpType::kDequantize, DType::kI8, DType::kF32, {2},
                             per_tensor(0.25f, -128), {}),
                       std::vector<int8_t>{-128, 127}),
            (std::vector<float>{0, 63.75f}));
}

}  // namespace
}  // namespace edgebench::ref
