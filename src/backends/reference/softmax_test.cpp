// Softmax: float against the formula, quantized by hand and within one step
// of the real-valued result.
#include "backends/reference/softmax.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backends/reference/test_graph_util.h"
#include "util/error.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Graph softmax_graph(DType t, Shape s, float beta, QuantParams qx = {}, QuantParams qy = {}) {
  GraphBuilder b;
  const int x = b.input(t, s, std::move(qx));
  const int y = b.tensor(t, s, std::move(qy));
  SoftmaxAttrs a;
  a.beta = beta;
  b.node(OpType::kSoftmax, {x}, y, a);
  return b.build({y});
}

TEST(Softmax, F32MatchesTheFormula) {
  const std::vector<float> x = {1, 2, 3, 4, -1, 0, 0, 1000};
  const auto got = run<float>(softmax_graph(DType::kF32, {2, 4}, 0.5f), x);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    float mx = -1e30f;
    for (int c = 0; c < 4; ++c) mx = std::max(mx, x[r * 4 + c]);
    for (int c = 0; c < 4; ++c) sum += std::exp(0.5 * (x[r * 4 + c] - mx));
    for (int c = 0; c < 4; ++c)
      EXPECT_NEAR(got[r * 4 + c], std::exp(0.5 * (x[r * 4 + c] - mx)) / sum, 1e-6);
  }
}

TEST(Softmax, QuantizedUniformAndOneHot) {
  // Four equal inputs: 1/4 = 64/256 (u8), 64 - 128 (i8).
  const Graph u8 =
      softmax_graph(DType::kU8, {1, 4}, 1.0f, per_tensor(0.1f, 0), per_tensor(1.0f / 256, 0));
  EXPECT_EQ(ints(run<uint8_t>(u8, std::vector<uint8_t>{7, 7, 7, 7})),
            (std::vector<int>{64, 64, 64, 64}));
  const Graph i8 =
      softmax_graph(DType::kI8, {1, 4}, 1.0f, per_tensor(0.1f, 0), per_tensor(1.0f / 256, -128));
  EXPECT_EQ(ints(run<int8_t>(i8, std::vector<int8_t>{-7, -7, -7, -7})),
            (std::vector<int>{-64, -64, -64, -64}));
  // Input scale 1: the multiplier is 2^26 (shift 27) and diff_min = -15, so
  // differences of -255 contribute nothing: 1.0 = 256/256 saturates at 255.
  const Graph hot =
      softmax_graph(DType::kU8, {1, 4}, 1.0f, per_tensor(1.0f, 0), per_tensor(1.0f / 256, 0));
  EXPECT_EQ(ints(run<uint8_t>(hot, std::vector<uint8_t>{0, 255, 0, 0})),
            (std::vector<int>{0, 255, 0, 0}));
  const QuantSoftmaxParams p = make_quant_softmax_params(1.0f, 1.0f);
  EXPECT_EQ(p.input_left_shift, 27);
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.diff_min, -15);
}

TEST(Softmax, QuantizedWithinOneStepOfReal) {
  // MobileNet's logits: u8 scale ~0.1, 1001 classes, several rows; beta 1 and 0.7.
  for (float beta : {1.0f, 0.7f}) {
    const int rows = 3, depth = 1001;
    const float scale = 0.0983f;
    const auto x = random_values<uint8_t>(rows * depth, 0, 255, 31);
    const Graph g = softmax_graph(DType::kU8, {rows, depth}, beta, per_tensor(scale, 58),
                                  per_tensor(1.0f / 256, 0));
    const auto got = run<uint8_t>(g, x);
    for (int r = 0; r < rows; ++r) {
      int mx = 0;
      for (int c = 0; c < depth; ++c) mx = std::max(mx, int(x[r * depth + c]));
      double sum = 0;
      for (int c = 0; c < depth; ++c) sum += std::exp(beta * scale * (x[r * depth + c] - mx));
      for (int c = 0; c < depth; ++c) {
        const double p = std::exp(beta * scale * (x[r * depth + c] - mx)) / sum;
        EXPECT_NEAR(got[r * depth + c], std::min(255.0, p * 256), 1.0) << r << "," << c;
      }
    }
  }
}

TEST(Softmax, QuantizedOutputMustBeOneOver256) {
  const Graph g =
      softmax_graph(DType::kU8, {1, 4}, 1.0f, per_tensor(0.1f, 0), per_tensor(0.01f, 0));
  EXPECT_THROW(make_reference_backend()->compile(g, {}), Error);
}

}  // namespace
}  // namespace edgebench::ref
