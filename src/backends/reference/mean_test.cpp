// Mean over axes, by hand, including TFLite's quantized rounding.
#include "backends/reference/mean.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph mean_graph(DType t, Shape in, Shape out, std::vector<int> axes, bool keep,
                 QuantParams qx = {}, QuantParams qy = {}) {
  GraphBuilder b;
  const int x = b.input(t, std::move(in), std::move(qx));
  const int y = b.tensor(t, std::move(out), std::move(qy));
  ReduceAttrs a;
  a.axes = std::move(axes);
  a.keep_dims = keep;
  b.node(OpType::kMean, {x}, y, a);
  return b.build({y});
}

TEST(Mean, F32Axes) {
  // x[2][3] = {{1, 2, 3}, {4, 5, 9}}.
  const std::vector<float> x = {1, 2, 3, 4, 5, 9};
  EXPECT_EQ(run<float>(mean_graph(DType::kF32, {2, 3}, {3}, {0}, false), x),
            (std::vector<float>{2.5f, 3.5f, 6}));
  EXPECT_EQ(run<float>(mean_graph(DType::kF32, {2, 3}, {2, 1}, {1}, true), x),
            (std::vector<float>{2, 6}));
  EXPECT_EQ(run<float>(mean_graph(DType::kF32, {2, 3}, {}, {0, 1}, false), x),
            std::vector<float>{4});
}

TEST(Mean, F32SpatialOfNhwc) {
  // [1, 2, 2, 2] over H and W (global average pooling): channel 0 = 1, 2, 3, 4;
  // channel 1 = 10, 20, 30, 40.
  EXPECT_EQ(run<float>(mean_graph(DType::kF32, {1, 2, 2, 2}, {1, 2}, {1, 2}, false),
                       std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}),
            (std::vector<float>{2.5f, 25}));
  // Reducing the middle of three axes: out[i][k] = mean_j x[i][j][k].
  EXPECT_EQ(run<float>(mean_graph(DType::kF32, {2, 2, 2}, {2, 1, 2}, {1}, true),
                       std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}),
            (std::vector<float>{2, 3, 6, 7}));
}

TEST(Mean, QuantizedRescaleAndTies) {
  // u8 scale 0.5 zero point 10, reals 0, 1, 2, 3.5 (q 10, 12, 14, 17): mean
  // 1.625 -> output scale 0.25 = 6.5. The multiplier 2 (= 0.5 / 0.25) absorbs
  // 1/4: M' = 0.5 with shift 0, so the only rounding is the high multiply's,
  // whose tie goes up: 13 * 0.5 = 6.5 -> 7.
  EXPECT_EQ(ints(run<uint8_t>(mean_graph(DType::kU8, {1, 4}, {1}, {1}, false, per_tensor(0.5f, 10),
                                         per_tensor(0.25f, 0)),
                              std::vector<uint8_t>{10, 12, 14, 17})),
            std::vector<int>{7});
  // The mirrored i8 case: -6.5 -> -6 (TFLite's tie toward +infinity here).
  EXPECT_EQ(ints(run<int8_t>(mean_graph(DType::kI8, {1, 4}, {1}, {1}, false, per_tensor(0.5f, 0),
                                        per_tensor(0.25f, 0)),
                             std::vector<int8_t>{0, -2, -4, -7})),
            std::vector<int>{-6});
  // Saturation: mean 127 * 0.5 = 63.5 at scale 0.1 does not fit in int8.
  EXPECT_EQ(ints(run<int8_t>(mean_graph(DType::kI8, {2}, {}, {0}, false, per_tensor(0.5f, 0),
                                        per_tensor(0.1f, 0)),
                             std::vector<int8_t>{127, 127})),
            std::vector<int>{127});
}

TEST(Mean, QuantizedSameScaleIsIntegerMean) {
  // Same quantization in and out, 3 elements: the count 3 is not a power of
  // two: M = 1 = {2^30, 1}, M' = (2^30 << 1) / 3 = 715827882 with shift 0
  // (a little below 1/3).
  // Sums: 10 + 11 + 12 = 33 -> 11; 0 + 0 + 1 = 1 -> 0.33 -> 0; 2 + 2 + 1 = 5 -> 1.67 -> 2.
  EXPECT_EQ(ints(run<uint8_t>(mean_graph(DType::kU8, {3, 3}, {3}, {1}, false, per_tensor(1.0f, 0),
                                         per_tensor(1.0f, 0)),
                              std::vector<uint8_t>{10, 11, 12, 0, 0, 1, 2, 2, 1})),
            (std::vector<int>{11, 0, 2}));
}

TEST(Mean, QuantMeanParamsFoldTheCount) {
  // M = 0.5 / 0.25 = 2 = {2^30, 2}; count 49 (7x7): k = floor(log2 49) = 5,
  // M' = (2^30 << 5) / 49 = 701219150, shift 2 - 5 = -3.
  const QuantMeanParams p = make_quant_mean_params(0.5f, 0, 0.25f, 0, 49);
  EXPECT_EQ(p.multiplier, 701219150);
  EXPECT_EQ(p.shift, -3);
}

}  // namespace
}  // namespace edgebench::ref
