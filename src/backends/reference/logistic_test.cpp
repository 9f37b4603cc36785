#include "backends/reference/logistic.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph logistic_graph(DType t, Shape s, QuantParams qx = {}, QuantParams qy = {}) {
  GraphBuilder b;
  const int x = b.input(t, s, std::move(qx));
  const int y = b.tensor(t, s, std::move(qy));
  b.node(OpType::kLogistic, {x}, y);
  return b.build({y});
}

TEST(Logistic, F32WithCutoffs) {
  const auto got =
      run<float>(logistic_graph(DType::kF32, {5}), std::vector<float>{0, 1, -1, 20, -10});
  EXPECT_EQ(got[0], 0.5f);
  EXPECT_FLOAT_EQ(got[1], 1.0f / (1.0f + std::exp(-1.0f)));
  EXPECT_FLOAT_EQ(got[2], 1.0f / (1.0f + std::exp(1.0f)));
  EXPECT_EQ(got[3], 1.0f);              // above 16.619: exactly 1
  EXPECT_EQ(got[4], std::exp(-10.0f));  // below -9: exp(x)
}

TEST(Logistic, QuantizedLookupTable) {
  // Input scale 0.1; output 1/256. sigmoid(1) * 256 = 187.15 -> 187;
  // sigmoid(12.7) * 256 = 255.9992 -> 256 saturates; sigmoid(-12.8) * 256 -> 0.
  const Graph u8 =
      logistic_graph(DType::kU8, {4}, per_tensor(0.1f, 128), per_tensor(1.0f / 256, 0));
  EXPECT_EQ(ints(run<uint8_t>(u8, std::vector<uint8_t>{128, 138, 0, 255})),
            (std::vector<int>{128, 187, 0, 255}));
  const Graph i8 =
      logistic_graph(DType::kI8, {4}, per_tensor(0.1f, 0), per_tensor(1.0f / 256, -128));
  EXPECT_EQ(ints(run<int8_t>(i8, std::vector<int8_t>{0, 10, -128, 127})),
            (std::vector<int>{0, 59, -128, 127}));
}

}  // namespace
}  // namespace edgebench::ref
