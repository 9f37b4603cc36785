#include "passes/pool_below_pointwise.h"

#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::expect_same_function;

constexpr auto kF32 = DType::kF32;

struct Case {
  int cin = 24, cout = 8;
  bool include_pad = true, bias = true;
  ActivationKind act = ActivationKind::kRelu;
};

// x [1,7,6,cin] -> 3x3 average (stride 1, padding 1) -> 1x1 conv to cout -> y.
Graph pool_then_pointwise(const Case& c) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 7, 6, c.cin});
  const int p = b.tensor(kF32, {1, 7, 6, c.cin});
  Pool2DAttrs pa;
  pa.filter_h = pa.filter_w = 3;
  pa.pad = {1, 1, 1, 1};
  pa.count_include_pad = c.include_pad;
  b.node(OpType::kAveragePool2D, {x}, p, pa);
  const int w = b.constant(kF32, {c.cout, 1, 1, c.cin},
                           random_values<float>(static_cast<size_t>(c.cout * c.cin), -1, 1, 5));
  const int bias = c.bias
                       ? b.constant(kF32, {c.cout},
                                    random_values<float>(static_cast<size_t>(c.cout), -0.5, 0.5, 6))
                       : -1;
  const int y = b.tensor(kF32, {1, 7, 6, c.cout});
  Conv2DAttrs ca;
  ca.act = make_activation(c.act);
  b.node(OpType::kConv2D, {p, w, bias}, y, ca);
  return b.build({y});
}

TEST(PoolBelowPointwise, ConvolutionFirstThenThePoolWithBiasAndActivation) {
  for (const Case& c : {Case{}, Case{24, 8, false, true, ActivationKind::kRelu6},
                        Case{24, 8, true, false, ActivationKind::kNone}}) {
    SCOPED_TRACE(std::string(c.include_pad ? "counting" : "excluding") + " padding, " +
                 (c.bias ? "bias" : "no bias"));
    const Graph before = pool_then_pointwise(c);
    Graph after = before;
    ASSERT_EQ(pool_below_pointwise(after), 1);
    verify(after);
    ASSERT_EQ(after.nodes[0].op, OpType::kConv2D);
    ASSERT_EQ(after.nodes[1].op, OpType::kAveragePool2D);
    EXPECT_EQ(after.nodes[0].inputs[0], before.inputs[0]);
    EXPECT_EQ(after.tensor(after.nodes[0].outputs[0]).shape[3], c.cout);  // the pool reads cout
    EXPECT_EQ(after.nodes[1].outputs[0], before.outputs[0]);
    EXPECT_EQ(after.nodes[1].attr<Pool2DAttrs>().act.kind, c.act);
    EXPECT_EQ(after.nodes[0].attr<Conv2DAttrs>().act.kind, ActivationKind::kNone);
    expect_same_function(before, after);
    // The cpu backend (its binary post-op) against the reference, both forms.
    cpu::testing::expect_matches_reference(after);
  }
}

TEST(PoolBelowPointwise, LeavesWhatItCannotMoveOrWouldNotGain) {
  Case wider;
  wider.cout = 32;  // more channels after the convolution: pooling first is cheaper
  Graph g = pool_then_pointwise(wider);
  EXPECT_EQ(pool_below_pointwise(g), 0);
  Graph with_act = pool_then_pointwise(Case{});  // an activation on the pool itself
  with_act.nodes[0].attr<Pool2DAttrs>().act = make_activation(ActivationKind::kRelu);
  EXPECT_EQ(pool_below_pointwise(with_act), 0);
  Graph also_output = pool_then_pointwise(Case{});  // the pooled tensor is read elsewhere too
  also_output.outputs.push_back(also_output.nodes[0].outputs[0]);
  EXPECT_EQ(pool_below_pointwise(also_output), 0);
}

}  // namespace
}  // namespace edgebench::passes
