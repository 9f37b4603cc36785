#include "passes/fold_batch_norm.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::count_ops;
using testing::expect_same_function;

constexpr auto kF32 = DType::kF32;

// x -> layer -> BatchNorm (-> Relu); returns the graph.
Graph layer_then_bn(OpType op, bool bias, bool extra_use = false) {
  GraphBuilder b;
  const int c = 6;
  const int x = b.input(kF32, {1, 5, 5, op == OpType::kDepthwiseConv2D ? c : 4});
  int y;
  if (op == OpType::kFullyConnected) {
    const int w = b.constant(kF32, {c, 4}, random_values<float>(c * 4, -1, 1, 1));
    y = b.tensor(kF32, {1, 5, 5, c});
    FullyConnectedAttrs a;
    a.keep_num_dims = true;
    b.node(op, {x, w, bias ? b.constant(kF32, {c}, random_values<float>(c, -1, 1, 2)) : -1}, y, a);
  } else {
    const bool dw = op == OpType::kDepthwiseConv2D;
    const Shape ws = dw ? Shape{1, 3, 3, c} : Shape{c, 3, 3, 4};
    const int w = b.constant(
        kF32, ws, random_values<float>(static_cast<size_t>(shape_elements(ws)), -1, 1, 1));
    y = b.tensor(kF32, {1, 5, 5, c});
    Conv2DAttrs a;
    a.pad = {1, 1, 1, 1};
    b.node(op, {x, w, bias ? b.constant(kF32, {c}, random_values<float>(c, -1, 1, 2)) : -1}, y, a);
  }
  const int bn = b.tensor(kF32, {1, 5, 5, c});
  b.node(OpType::kBatchNorm,
         {y, b.constant(kF32, {c}, random_values<float>(c, 0.5, 2, 3)),
          b.constant(kF32, {c}, random_values<float>(c, -1, 1, 4)),
          b.constant(kF32, {c}, random_values<float>(c, -1, 1, 5)),
          b.constant(kF32, {c}, random_values<float>(c, 0.1, 2, 6))},
         bn, BatchNormAttrs{1e-3f});
  std::vector<int> outputs = {bn};
  if (extra_use) outputs.push_back(y);
  return b.build(outputs);
}

TEST(FoldBatchNorm, FoldsIntoConvDepthwiseAndFullyConnected) {
  for (OpType op : {OpType::kConv2D, OpType::kDepthwiseConv2D, OpType::kFullyConnected}) {
    for (bool bias : {true, false}) {
      SCOPED_TRACE(std::string(op_name(op)) + (bias ? " with bias" : " without bias"));
      const Graph before = layer_then_bn(op, bias);
      Graph after = before;
      EXPECT_EQ(fold_batch_norm(after), 1);
      verify(after);
      EXPECT_EQ(count_ops(after, OpType::kBatchNorm), 0u);
      EXPECT_EQ(after.nodes.size(), 1u);
      expect_same_function(before, after);
    }
  }
}

TEST(FoldBatchNorm, LeavesSharedLayerOutputAlone) {
  Graph g = layer_then_bn(OpType::kConv2D, true, /*extra_use=*/true);
  EXPECT_EQ(fold_batch_norm(g), 0);
  EXPECT_EQ(count_ops(g, OpType::kBatchNorm), 1u);
}

}  // namespace
}  // namespace edgebench::passes
