#include "passes/fuse_activation.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::count_ops;
using testing::expect_same_function;

constexpr auto kF32 = DType::kF32;

// x -> producer -> activation; the producer is a conv, an add, a pool or a concat.
Graph producer_then_activation(OpType producer, OpType act, bool output_producer = false) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 4, 4, 3});
  int y = b.tensor(kF32, {1, 4, 4, 3});
  switch (producer) {
    case OpType::kConv2D: {
      Conv2DAttrs a;
      a.pad = {1, 1, 1, 1};
      b.node(producer, {x, b.constant(kF32, {3, 3, 3, 3}, random_values<float>(81, -1, 1, 1)), -1},
             y, a);
      break;
    }
    case OpType::kAdd: b.node(producer, {x, x}, y, BinaryAttrs{}); break;
    case OpType::kMaxPool2D: {
      Pool2DAttrs a;
      a.filter_h = a.filter_w = 3;
      a.pad = {1, 1, 1, 1};
      b.node(producer, {x}, y, a);
      break;
    }
    default: {
      y = b.tensor(kF32, {1, 4, 4, 6});
      ConcatAttrs a;
      a.axis = 3;
      b.node(OpType::kConcat, {x, x}, y, a);
    }
  }
  const int z = b.tensor(kF32, {1, 4, 4, producer == OpType::kConcat ? 6 : 3});
  b.node(act, {y}, z, act == OpType::kClip ? Attrs{ClipAttrs{-0.3f, 0.4f}} : Attrs{NoAttrs{}});
  std::vector<int> outputs = {z};
  if (output_producer) outputs.push_back(y);
  return b.build(outputs);
}

TEST(FuseActivation, FusesIntoEveryProducerKind) {
  for (OpType p : {OpType::kConv2D, OpType::kAdd, OpType::kMaxPool2D, OpType::kConcat}) {
    for (OpType a : {OpType::kRelu, OpType::kRelu6, OpType::kClip}) {
      SCOPED_TRACE(std::string(op_name(p)) + " + " + std::string(op_name(a)));
      const Graph before = producer_then_activation(p, a);
      Graph after = before;
      EXPECT_EQ(fuse_activation(after), 1);
      verify(after);
      EXPECT_EQ(after.nodes.size(), 1u);
      expect_same_function(before, after, 0.0);
      // And the cpu backend runs the fused form like the reference runs the unfused one.
      cpu::testing::expect_matches_reference(before);
    }
  }
}

TEST(FuseActivation, IntersectsWithAnExistingActivation) {
  Graph before = producer_then_activation(OpType::kConv2D, OpType::kClip);
  before.nodes[0].attr<Conv2DAttrs>().act = make_activation(ActivationKind::kRelu);
  Graph after = before;
  EXPECT_EQ(fuse_activation(after), 1);
  const FusedActivation& act = after.nodes[0].attr<Conv2DAttrs>().act;
  EXPECT_EQ(act.min, 0.0f);
  EXPECT_EQ(act.max, 0.4f);
  expect_same_function(before, after, 0.0);
}

TEST(FuseActivation, LeavesVisibleProducerOutputAlone) {
  Graph g = producer_then_activation(OpType::kConv2D, OpType::kRelu, /*output_producer=*/true);
  EXPECT_EQ(fuse_activation(g), 0);
  EXPECT_EQ(count_ops(g, OpType::kRelu), 1u);
}

}  // namespace
}  // namespace edgebench::passes
