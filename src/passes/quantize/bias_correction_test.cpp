#include "passes/quantize/bias_correction.h"

#include <gtest/gtest.h>

#include <cstring>

#include "passes/pass_test_util.h"

namespace edgebench::passes::quantize {
namespace {

using cpu::testing::run_backend;
using ref::testing::GraphBuilder;
using ref::testing::random_values;
using ref::testing::to_bytes;

constexpr auto kF32 = DType::kF32;

// x [1,16,16,1] in [0, 1] -> 1x1 Conv2D, two channels: y0 = x + 0.1,
// y1 = 0.2 - 0.5 x, with fused activation `act`.
Graph one_by_one(ActivationKind act) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 16, 16, 1});
  const int y = b.tensor(kF32, {1, 16, 16, 2});
  Conv2DAttrs c;
  c.act = make_activation(act);
  b.node(OpType::kConv2D,
         {x, b.constant(kF32, {2, 1, 1, 1}, std::vector<float>{1.0f, -0.5f}),
          b.constant(kF32, {2}, std::vector<float>{0.1f, 0.2f})},
         y, c);
  return b.build({y});
}

std::vector<std::vector<std::byte>> uniform_inputs(size_t n) {
  std::vector<std::vector<std::byte>> in;
  for (size_t i = 0; i < n; ++i)
    in.push_back(to_bytes(random_values<float>(256, 0, 1, 10 + static_cast<unsigned>(i))));
  return in;
}

// The input's range clipped at 0.5 (x itself spans [0, 1]): the int8 input is
// min(x, 0.5), so E[x_q - x] = -E[(x - 0.5)+] = -1/8 for x ~ U(0, 1), and the
// channels' outputs are shifted by w * (-1/8): -0.125 and +0.0625.
QuantizeResult clipped_input(const Graph& g) {
  const auto keys = activation_keys(g);
  RangeTable ranges;
  ranges[keys[static_cast<size_t>(g.inputs[0])]] = {0.f, 0.5f};
  ranges[keys[static_cast<size_t>(g.outputs[0])]] = {-0.3f, 1.1f};
  return quantize_graph(g, ranges);
}

std::vector<float> real_bias(const QuantizeResult& q) {
  for (const Node& n : q.graph.nodes) {
    if (n.op != OpType::kConv2D) continue;
    const Tensor& b = q.graph.tensor(n.inputs[2]);
    std::vector<float> v;
    const auto ints = b.const_span<int32_t>();
    for (size_t c = 0; c < ints.size(); ++c)
      v.push_back(static_cast<float>(ints[c]) * b.quant.scale(c));
    return v;
  }
  ADD_FAILURE() << "no Conv2D";
  return {};
}

TEST(BiasCorrection, RemovesTheShiftOfAClippedInput) {
  const Graph g = one_by_one(ActivationKind::kNone);
  QuantizeResult q = clipped_input(g);
  const std::vector<float> before = real_bias(q);
  EXPECT_NEAR(before[0], 0.1f, 1e-4);
  EXPECT_NEAR(before[1], 0.2f, 1e-4);
  for (const std::string backend : {"reference", "cpu"}) {
    QuantizeResult c = q;
    EXPECT_EQ(correct_biases(g, c, uniform_inputs(40), {backend, 1}), 1) << backend;
    const std::vector<float> after = real_bias(c);
    // Hand-computed: the bias takes back the shift, 0.1 + 1/8 and 0.2 - 1/16
    // (40 x 256 samples: the sample mean is within ~0.005 of 1/8).
    EXPECT_NEAR(after[0], 0.225f, 0.01f) << backend;
    EXPECT_NEAR(after[1], 0.1375f, 0.01f) << backend;
  }
}

TEST(BiasCorrection, MeasuresBeforeTheFusedActivation) {
  // With a ReLU, channel 1 (0.2 - 0.5 x) is 0 wherever its input is clipped
  // (x > 0.5): after the ReLU no error is visible, but the layer is still
  // shifted before it, and so are its outputs near zero.
  const Graph g = one_by_one(ActivationKind::kRelu);
  QuantizeResult q = clipped_input(g);
  EXPECT_EQ(correct_biases(g, q, uniform_inputs(40), {"reference", 1}), 1);
  const std::vector<float> after = real_bias(q);
  EXPECT_NEAR(after[0], 0.225f, 0.01f);
  EXPECT_NEAR(after[1], 0.1375f, 0.01f);
}

TEST(BiasCorrection, CorrectedGraphIsBitExactAcrossBackends) {
  const Graph g = one_by_one(ActivationKind::kRelu6);
  QuantizeResult q = clipped_input(g);
  correct_biases(g, q, uniform_inputs(8), {"cpu", 1});
  for (const auto& in : uniform_inputs(3)) {
    const auto want = run_backend(q.graph, "reference", {in});
    const auto got = run_backend(q.graph, "cpu", {in});
    ASSERT_EQ(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(want[i], got[i]);
  }
}

TEST(BiasCorrection, ExactLayerIsLeftAlone) {
  // Nothing clipped and inputs on the int8 grid: no shift to correct.
  const Graph g = one_by_one(ActivationKind::kNone);
  const auto keys = activation_keys(g);
  RangeTable ranges;
  ranges[keys[static_cast<size_t>(g.inputs[0])]] = {0.f, 1.f};
  ranges[keys[static_cast<size_t>(g.outputs[0])]] = {-0.3f, 1.1f};
  QuantizeResult q = quantize_graph(g, ranges);
  const std::vector<float> before = real_bias(q);
  std::vector<std::vector<std::byte>> in;
  for (int i = 0; i < 4; ++i) {
    std::vector<float> x(256);
    for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>((k + i) % 256) / 255.0f;
    in.push_back(to_bytes(x));
  }
  correct_biases(g, q, in, {"reference", 1});
  const std::vector<float> after = real_bias(q);
  // At most a rounding of the output's mean: far below one output step (1.4/255).
  EXPECT_NEAR(after[0], before[0], 1e-3);
  EXPECT_NEAR(after[1], before[1], 1e-3);
}

}  // namespace
}  // namespace edgebench::passes::quantize
