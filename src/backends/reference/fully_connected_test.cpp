// FullyConnected against hand-computed cases and a direct evaluation.
#include "backends/reference/fully_connected.h"

#include <gtest/gtest.h>

#include "backends/quant_arith.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(FullyConnected, F32HandComputed) {
  // x = [[1, 2, 3], [-1, 0, 1]], w = [[1, 0, -1], [2, 2, 2]], bias = [0.5, -6]
  //   row 0: 1 - 3 + 0.5 = -1.5,   2 + 4 + 6 - 6 = 6
  //   row 1: -1 - 1 + 0.5 = -1.5,  -2 + 0 + 2 - 6 = -6    then relu.
  GraphBuilder b;
  const int x = b.input(DType::kF32, {2, 3});
  const int w = b.constant(DType::kF32, {2, 3}, std::vector<float>{1, 0, -1, 2, 2, 2});
  const int bias = b.constant(DType::kF32, {2}, std::vector<float>{0.5f, -6});
  const int y = b.tensor(DType::kF32, {2, 2});
  FullyConnectedAttrs a;
  a.act = make_activation(ActivationKind::kRelu);
  b.node(OpType::kFullyConnected, {x, w, bias}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 3, -1, 0, 1}), (std::vector<float>{0, 6, 0, 0}));
}

TEST(FullyConnected, KeepNumDimsFlattensLeadingAxes) {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {2, 1, 2});
  const int w = b.constant(DType::kF32, {1, 2}, std::vector<float>{1, 10});
  const int y = b.tensor(DType::kF32, {2, 1, 1});
  FullyConnectedAttrs a;
  a.keep_num_dims = true;
  b.node(OpType::kFullyConnected, {x, w, -1}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 3, 4}), (std::vector<float>{21, 43}));
}

TEST(FullyConnected, U8HandComputed) {
  // Reals x = (1, -2) (scale 0.5, zero point 4 -> q 6, 0), w = (3, 1) (scale 1,
  // zero point 2 -> q 5, 3), bias -1 (scale 0.5): 3 - 2 - 0.5 = 0.5; output
  // scale 0.25, zero point 7 -> 2 + 7 = 9.
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 2}, per_tensor(0.5f, 4));
  const int w = b.constant(DType::kU8, {1, 2}, std::vector<uint8_t>{5, 3}, per_tensor(1.0f, 2));
  const int bias = b.constant(DType::kI32, {1}, std::vector<int32_t>{-1});
  const int y = b.tensor(DType::kU8, {1, 1}, per_tensor(0.25f, 7));
  b.node(OpType::kFullyConnected, {x, w, bias}, y, FullyConnectedAttrs{});
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{6, 0})), std::vector<int>{9});
}

// uint8 activations with int8 per-channel weights: Conv2D's
// Uint8ActivationsWithInt8Weights as a fully-connected layer.
TEST(FullyConnected, Uint8ActivationsWithInt8Weights) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 2}, per_tensor(0.5f, 128));
  const int w = b.constant(DType::kI8, {2, 2}, std::vector<int8_t>{4, -2, -3, 8},
                           per_channel({0.25f, 0.5f}, 0));
  const int y = b.tensor(DType::kU8, {1, 2}, per_tensor(0.5f, 100));
  b.node(OpType::kFullyConnected, {x, w, -1}, y, FullyConnectedAttrs{});
  Graph g = b.build({y});
  g.requantization = Requantization::kFloat;
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{130, 120})), (std::vector<int>{106, 65}));
}

TEST(FullyConnected, I8PerChannelAgainstDirectSum) {
  const int rows = 3, depth = 37, out = 5;
  const auto xv = random_values<int8_t>(rows * depth, -128, 127, 21);
  const auto wv = random_values<int8_t>(out * depth, -127, 127, 22);
  const auto bv = random_values<int32_t>(out, -5000, 5000, 23);
  const QuantParams xq = per_tensor(0.1f, -3), yq = per_tensor(0.7f, 11);
  const QuantParams wq = per_channel({0.01f, 0.002f, 0.03f, 0.004f, 0.05f}, 0);
  GraphBuilder b;
  const int x = b.input(DType::kI8, {rows, depth}, xq);
  const int w = b.constant(DType::kI8, {out, depth}, wv, wq);
  const int bias = b.constant(DType::kI32, {out}, bv);
  const int y = b.tensor(DType::kI8, {rows, out}, yq);
  b.node(OpType::kFullyConnected, {x, w, bias}, y, FullyConnectedAttrs{});
  const Graph g = b.build({y});
  const auto got = run<int8_t>(g, xv);
  for (int r = 0; r < rows; ++r)
    for (int o = 0; o < out; ++o) {
      int32_t acc = bv[o];
      for (int k = 0; k < depth; ++k) acc += (xv[r * depth + k] + 3) * wv[o * depth + k];
      const auto m = quant::quantize_multiplier(double(0.1f) * double(wq.scale(o)) / double(0.7f));
      const int32_t want =
          std::clamp(quant::multiply_by_quantized_multiplier(acc, m) + 11, -128, 127);
      EXPECT_EQ(int(got[r * out + o]), want) << r << "," << o;
    }
}

}  // namespace
}  // namespace edgebench::ref
