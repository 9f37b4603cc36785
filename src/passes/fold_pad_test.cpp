#include "passes/fold_pad.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::count_ops;
using testing::expect_same_function;

constexpr auto kF32 = DType::kF32;

// x [1,6,7,5] -> Pad (H: 1/2, W: 2/1, or as given) -> consumer.
Graph pad_then(OpType consumer, PadAttrs pa = {}, bool pool_padded = false) {
  if (pa.before.empty()) {
    pa.before = {0, 1, 2, 0};
    pa.after = {0, 2, 1, 0};
  }
  GraphBuilder b;
  const int x = b.input(kF32, {1, 6, 7, 5});
  Shape ps = {1, 6 + pa.before[1] + pa.after[1], 7 + pa.before[2] + pa.after[2],
              5 + pa.before[3] + pa.after[3]};
  const int p = b.tensor(kF32, ps);
  b.node(OpType::kPad, {x}, p, pa);
  int y;
  if (consumer == OpType::kConv2D || consumer == OpType::kDepthwiseConv2D) {
    const bool dw = consumer == OpType::kDepthwiseConv2D;
    const Shape ws = dw ? Shape{1, 3, 3, ps[3]} : Shape{4, 3, 3, ps[3]};
    y = b.tensor(kF32, {1, ps[1] - 2, ps[2] - 2, dw ? ps[3] : 4});
    b.node(consumer,
           {p,
            b.constant(kF32, ws,
                       random_values<float>(static_cast<size_t>(shape_elements(ws)), -1, 1, 3)),
            -1},
           y, Conv2DAttrs{});
  } else {
    Pool2DAttrs a;
    a.filter_h = a.filter_w = 3;
    if (pool_padded) a.pad = {1, 1, 1, 1};
    const int grow = pool_padded ? 2 : 0;
    y = b.tensor(kF32, {1, ps[1] - 2 + grow, ps[2] - 2 + grow, ps[3]});
    b.node(consumer, {p}, y, a);
  }
  return b.build({y});
}

TEST(FoldPad, FoldsIntoConvolutionsAndAveragePooling) {
  for (OpType op : {OpType::kConv2D, OpType::kDepthwiseConv2D, OpType::kAveragePool2D}) {
    SCOPED_TRACE(std::string(op_name(op)));
    const Graph before = pad_then(op);
    Graph after = before;
    EXPECT_EQ(fold_pad(after), 1);
    verify(after);
    EXPECT_EQ(count_ops(after, OpType::kPad), 0u);
    expect_same_function(before, after);
    cpu::testing::expect_matches_reference(before);
  }
}

TEST(FoldPad, LeavesWhatItCannotFold) {
  Graph max_pool = pad_then(OpType::kMaxPool2D);  // zero padding is not max pooling's
  EXPECT_EQ(fold_pad(max_pool), 0);
  Graph padded_pool = pad_then(OpType::kAveragePool2D, {}, /*pool_padded=*/true);
  EXPECT_EQ(fold_pad(padded_pool), 0);  // its own padding excludes padded cells
  PadAttrs channels;
  channels.before = {0, 1, 1, 1};
  channels.after = {0, 1, 1, 0};
  Graph channel_pad = pad_then(OpType::kAveragePool2D, channels);
  EXPECT_EQ(fold_pad(channel_pad), 0);
  PadAttrs nonzero;
  nonzero.before = {0, 1, 1, 0};
  nonzero.after = {0, 1, 1, 0};
  nonzero.value = 1.0f;
  Graph nonzero_pad = pad_then(OpType::kConv2D, nonzero);
  EXPECT_EQ(fold_pad(nonzero_pad), 0);
}

}  // namespace
}  // namespace edgebench::passes
