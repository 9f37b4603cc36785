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

std::string kernel_of(const Graph& g, int threads) {
  return testing::cpu_kernel_names(g, threads).at(0);
}

class DepthwiseF32 : public ::testing::TestWithParam<int> {};

TEST_P(DepthwiseF32, MatchesTheReferenceOnEveryShapeItTakes) {
  const FusedActivation none, relu = make_activation(ActivationKind::kRelu),
                              relu6 = make_activation(ActivationKind::kRelu6);
  const std::vector<Case> cases = {
      {1, 17, 19, 32, 1, {1, 1, 1, 1}, true, relu6},
      {1, 18, 20, 20, 2, {0, 0, 1, 1}, true, relu},  // SAME at stride 2: pad after
      {1, 17, 19, 3, 2, {1, 1, 1, 1}, false, none},
      {2, 9, 7, 33, 1, {0, 0, 0, 0}, true, none},
      {1, 3, 3, 48, 1, {1, 1, 1, 1}, true, relu6},
      {1, 2, 1, 16, 1, {1, 1, 1, 1}, true, relu},    // narrower than the window
      {1, 5, 6, 17, 2, {2, 2, 2, 2}, true, relu6},   // padding past the window's reach
      {1, 30, 29, 96, 2, {1, 0, 0, 1}, true, none},  // lopsided
      {1, 28, 28, 144, 1, {1, 1, 1, 1}, true, relu6}};
  const bool ours = depthwise3x3_f32_kernel() != nullptr;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) +
                 "x" + std::to_string(c.c) + " stride " + std::to_string(c.stride));
    const Graph g = depthwise_graph(c);
    EXPECT_EQ(kernel_of(g, GetParam()).find("cpu:depthwise3x3_f32") != std::string::npos, ours);
    expect_matches_reference(g, 1e-5, GetParam());
  }
}

TEST_P(DepthwiseF32, OtherShapesStayOnOneDnn) {
  for (const Case& c : {Case{1, 14, 14, 256, 1, {1, 1, 1, 1}, true, {}},
                        Case{1, 10, 10, 8, 1, {1, 1, 1, 1}, true, {}, 3, 2},
                        Case{1, 12, 12, 16, 1, {2, 2, 2, 2}, true, {}, 5}}) {
    const Graph g = depthwise_graph(c);
    const std::string kernel = kernel_of(g, GetParam());
    EXPECT_EQ(kernel.find("cpu:depthwise3x3_f32"), std::string::npos);
    // oneDNN ranks its brgemm depthwise kernel first; lower_conv_f32 takes jit_dw.
    EXPECT_EQ(kernel.find("brdgmm"), std::string::npos) << kernel;
    expect_matches_reference(g, 1e-5, GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, DepthwiseF32, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return std::to_string(p.param) + "_threads";
                         });

}  // namespace
}  // namespace edgebench::cpu
