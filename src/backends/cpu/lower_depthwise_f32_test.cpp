// The cpu backend's own float depthwise kernel (lower_depthwise_f32.cpp)
// against the reference backend, at 1 and 2 threads: strides 1 and 2, every
// kind of padding (none, symmetric, TensorFlow's SAME with the extra row and
// column at the end, more than the window reaches), channel counts with and
// without a 16-lane tail, maps as small as the window or smaller, a batch of
// 2, with and without bias, each fused clamp. The kernel names say which
// kernel ran: ours where the CPU has AVX-512 (and oneDNN may use it), oneDNN's
// otherwise and where ours is not taken (256 channels, multiplier 2, 5x5),
// there its JIT kernel rather than the brgemm one it ranks first.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "backends/cpu/cpu_test_util.h"
#include "backends/cpu/depthwise_f32.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::expect_matches_reference;
using testing::out_dim;

constexpr auto kF32 = DType::kF32;

struct Case {
  int batch = 1, h = 0, w = 0, c = 0, stride = 1;
  Padding2D pad;
  bool bias = true;
  FusedActivation act;
  int k = 3, multiplier = 1;
};

Graph depthwise_graph(const Case& c) {
  GraphBuilder b;
  const int x = b.input(kF32, {c.batch, c.h, c.w, c.c});
  const int cout = c.c * c.multiplier;
  const int w = b.constant(kF32, {1, c.k, c.k, cout},
                           random_values<float>(static_cast<size_t>(c.k * c.k * cout), -1, 1, 3));
  const int bias =
      c.bias ? b.constant(kF32, {cout}, random_values<float>(static_cast<size_t>(cout), -1, 1, 4))
             : -1;
  const int y = b.tensor(kF32, {c.batch, out_dim(c.h, c.k, c.stride, c.pad.top, c.pad.bottom),
                                out_dim(c.w, c.k, c.stride, c.pad.left, c.pad.right), cout});
  Conv2DAttrs a;
  a.stride_h = a.stride_w = c.stride;
  a.pad = c.pad;
  a.act = c.act;
  a.depth_multiplier = c.multiplier;
  b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, a);
  return b.build({y});
}

// Threads, and the float layout asked of the backend (nhwc, or nChw16c where
// the CPU has AVX-512: "blocked" is ignored below it).
using Param = std::tuple<int, std::string>;

class DepthwiseF32 : public ::testing::TestWithParam<Param> {
 protected:
  int threads() const { return std::get<0>(GetParam()); }
  const std::string& layout() const { return std::get<1>(GetParam()); }
  std::string kernel_of(const Graph& g) const {
    return testing::cpu_kernel_names(g, threads(), layout()).at(0);
  }
  void expect_matches(const Graph& g) const {
    expect_matches_reference(g, 1e-5, threads(), layout());
  }
};

TEST_P(DepthwiseF32, MatchesTheReferenceOnEveryShapeItTakes) {
  const FusedActivation none, relu = make_activation(ActivationKind::kRelu),
                              relu6 = make_activation(ActivationKind::kRelu6);
  const std::vector<Case> cases = {
      {1, 17, 19, 32, 1, {1, 1, 1, 1}, true, relu6},
      {1, 18, 20, 20, 2, {0, 0, 1, 1}, true, relu},  // SAME at stride 2: pad after
      {1, 17, 19, 3, 2, {1, 1, 1, 1}, false, none},
      {2, 9, 7, 33, 1, {0, 0, 0, 0}, true, none},
      {2, 9, 7, 32, 2, {1, 1, 1, 1}, true, none},
      {1, 3, 3, 48, 1, {1, 1, 1, 1}, true, relu6},
      {1, 2, 1, 16, 1, {1, 1, 1, 1}, true, relu},   // narrower than the window
      {1, 5, 6, 17, 2, {2, 2, 2, 2}, true, relu6},  // padding past the window's reach
      {1, 5, 6, 32, 2, {2, 2, 2, 2}, true, relu6},
      {1, 30, 29, 96, 2, {1, 0, 0, 1}, true, none},  // lopsided
      {1, 28, 28, 144, 1, {1, 1, 1, 1}, true, relu6}};
  const bool ours = depthwise3x3_f32_kernel() != nullptr;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) +
                 "x" + std::to_string(c.c) + " stride " + std::to_string(c.stride));
    const Graph g = depthwise_graph(c);
    const std::string kernel = kernel_of(g);
    EXPECT_EQ(kernel.find("cpu:depthwise3x3_f32") != std::string::npos, ours);
    // Blocked exactly where asked for, 16 | channels and the CPU has AVX-512.
    EXPECT_EQ(kernel.find("nChw16c") != std::string::npos,
              ours && layout() == "blocked" && c.c % 16 == 0)
        << kernel;
    expect_matches(g);
  }
}

TEST_P(DepthwiseF32, PowerOfTwoChannelCountsTakeOursOnlyBlocked) {
  const Graph g = depthwise_graph(Case{1, 14, 14, 256, 1, {1, 1, 1, 1}, true, {}});
  const std::string kernel = kernel_of(g);
  EXPECT_EQ(kernel.find("cpu:depthwise3x3_f32") != std::string::npos,
            depthwise3x3_f32_kernel() != nullptr && layout() == "blocked")
      << kernel;
  // oneDNN ranks its brgemm depthwise kernel first; lower_conv_f32 takes jit_dw.
  EXPECT_EQ(kernel.find("brdgmm"), std::string::npos) << kernel;
  expect_matches(g);
}

TEST_P(DepthwiseF32, OtherShapesStayOnOneDnn) {
  for (const Case& c : {Case{1, 10, 10, 8, 1, {1, 1, 1, 1}, true, {}, 3, 2},
                        Case{1, 12, 12, 16, 1, {2, 2, 2, 2}, true, {}, 5}}) {
    const Graph g = depthwise_graph(c);
    const std::string kernel = kernel_of(g);
    EXPECT_EQ(kernel.find("cpu:depthwise3x3_f32"), std::string::npos);
    EXPECT_EQ(kernel.find("brdgmm"), std::string::npos) << kernel;
    expect_matches(g);
  }
}

TEST_P(DepthwiseF32, DepthwiseSeparableStack) {
  // conv 3x3 -> depthwise -> 1x1 -> depthwise/2 -> 1x1 -> global mean, as
  // MobileNet: in nChw16c throughout (no reorder between the layers) when
  // blocked; the mean on oneDNN's JIT pooling in either layout.
  GraphBuilder b;
  const int x = b.input(kF32, {1, 15, 13, 16});
  int h = x;
  Shape s = {1, 15, 13, 16};
  unsigned seed = 20;
  const auto conv = [&](OpType op, int k, int stride, int cout) {
    const int64_t cin = s[3];
    const Shape ws = op == OpType::kDepthwiseConv2D ? Shape{1, k, k, cin} : Shape{cout, k, k, cin};
    const int w = b.constant(
        kF32, ws, random_values<float>(static_cast<size_t>(shape_elements(ws)), -0.3, 0.3, seed++));
    const int64_t co = op == OpType::kDepthwiseConv2D ? cin : cout;
    const int bias =
        b.constant(kF32, {co}, random_values<float>(static_cast<size_t>(co), -0.5, 0.5, seed++));
    Conv2DAttrs a;
    a.stride_h = a.stride_w = stride;
    const int p = k / 2;
    a.pad = {p, p, p, p};
    a.act = make_activation(ActivationKind::kRelu6);
    s = {1, out_dim(s[1], k, stride, p, p), out_dim(s[2], k, stride, p, p), co};
    const int y = b.tensor(kF32, s);
    b.node(op, {h, w, bias}, y, a);
    h = y;
  };
  conv(OpType::kConv2D, 3, 1, 32);
  conv(OpType::kDepthwiseConv2D, 3, 1, 0);
  conv(OpType::kConv2D, 1, 1, 48);
  conv(OpType::kDepthwiseConv2D, 3, 2, 0);
  conv(OpType::kConv2D, 1, 1, 64);
  ReduceAttrs mean;
  mean.axes = {1, 2};
  const int m = b.tensor(kF32, {1, 64});
  b.node(OpType::kMean, {h}, m, mean);
  const Graph g = b.build({m});
  const std::vector<std::string> kernels = testing::cpu_kernel_names(g, threads(), layout());
  const bool blocked = depthwise3x3_f32_kernel() != nullptr && layout() == "blocked";
  for (size_t i = 1; i < kernels.size(); ++i) {
    SCOPED_TRACE(kernels[i]);
    if (blocked) EXPECT_EQ(kernels[i].find("reorder"), std::string::npos);
    EXPECT_EQ(kernels[i].find("ref:"), std::string::npos) << i;
  }
  EXPECT_EQ(kernels[1].find("nChw16c") != std::string::npos, blocked) << kernels[1];
  expect_matches_reference(g, 1e-4, threads(), layout());
}

INSTANTIATE_TEST_SUITE_P(ThreadsLayouts, DepthwiseF32,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Values(std::string("nhwc"),
                                                              std::string("blocked"))),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return std::to_string(std::get<0>(p.param)) + "_threads_" +
                                  std::get<1>(p.param);
                         });

}  // namespace
}  // namespace edgebench::cpu
