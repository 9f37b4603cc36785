#include "passes/fuse_conv_add.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;

constexpr auto kF32 = DType::kF32;

struct Options {
  bool depthwise = false;
  bool residual_used_later = false;  // the residual is read after the Add: no in-place
  bool residual_is_input = false;    // the residual is the graph input itself
  ActivationKind conv_act = ActivationKind::kNone;
  ActivationKind add_act = ActivationKind::kNone;
};

// x -> conv0 (r) -> conv1 -> Add(conv1, r) [-> more uses of r].
Graph residual_block(const Options& o) {
  GraphBuilder b;
  const int c = 20;
  const int x = b.input(kF32, {1, 6, 7, c});
  int r = x;
  if (!o.residual_is_input) {
    r = b.tensor(kF32, {1, 6, 7, c});
    Conv2DAttrs a;
    a.act = make_activation(ActivationKind::kRelu);
    b.node(OpType::kConv2D,
           {x, b.constant(kF32, {c, 1, 1, c}, random_values<float>(c * c, -0.5, 0.5, 1)), -1}, r,
           a);
  }
  const int y = b.tensor(kF32, {1, 6, 7, c});
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  a.act = make_activation(o.conv_act);
  const Shape ws = o.depthwise ? Shape{1, 3, 3, c} : Shape{c, 3, 3, c};
  b.node(o.depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D,
         {r,
          b.constant(kF32, ws,
                     random_values<float>(static_cast<size_t>(shape_elements(ws)), -0.3, 0.3, 2)),
          b.constant(kF32, {c}, random_values<float>(c, -0.1, 0.1, 3))},
         y, a);
  const int s = b.tensor(kF32, {1, 6, 7, c});
  BinaryAttrs ba;
  ba.act = make_activation(o.add_act);
  b.node(OpType::kAdd, {y, r}, s, ba);
  if (!o.residual_used_later) return b.build({s});
  const int t = b.tensor(kF32, {1, 6, 7, c});
  b.node(OpType::kMul, {s, r}, t, BinaryAttrs{});
  return b.build({t});
}

TEST(FuseConvAdd, FindsTheResidualPattern) {
  const Graph g = residual_block({});
  const auto f = find_conv_add_fusions(g);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].conv, 1u);
  EXPECT_EQ(f[0].add, 2u);
  EXPECT_EQ(f[0].residual, g.nodes[0].outputs[0]);
}

TEST(FuseConvAdd, IgnoresConvOutputsWithOtherUses) {
  Graph g = residual_block({});
  g.outputs.push_back(g.nodes[1].outputs[0]);  // the conv's output is visible
  EXPECT_TRUE(find_conv_add_fusions(g).empty());
}

TEST(FuseConvAdd, CpuBackendMatchesUnfusedReference) {
  std::vector<Options> cases(6);
  cases[1].depthwise = true;
  cases[2].residual_used_later = true;
  cases[3].residual_is_input = true;
  cases[4].add_act = ActivationKind::kRelu;
  cases[5].conv_act = ActivationKind::kRelu6;
  cases[5].add_act = ActivationKind::kRelu;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const Graph g = residual_block(cases[i]);
    EXPECT_EQ(find_conv_add_fusions(g).size(), 1u);
    for (int threads : {1, 2}) cpu::testing::expect_matches_reference(g, 1e-4, threads);
  }
}

}  // namespace
}  // namespace edgebench::passes
