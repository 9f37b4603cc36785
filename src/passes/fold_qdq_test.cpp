#include "passes/fold_qdq.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::per_channel;
using ref::testing::per_tensor;
using ref::testing::random_values;
using testing::count_ops;

constexpr auto kF32 = DType::kF32;

struct ConvCase {
  DType t;  // activations and weights
  bool depthwise;
  bool per_channel_w;  // int8 only
};

QuantParams weight_quant(const ConvCase& c, int channels, int axis) {
  if (!c.per_channel_w) return per_tensor(0.02f, c.t == DType::kU8 ? 120 : 0);
  std::vector<float> s;
  for (int i = 0; i < channels; ++i) s.push_back(0.01f + 0.003f * static_cast<float>(i));
  return per_channel(s, axis);
}

// The quantized convolution as TFLite states it, and the same computation in ONNX's
// QDQ spelling: Dequantize(x), Dequantize(w), Dequantize(b) -> f32 conv -> Relu6 ->
// Quantize.
std::pair<Graph, Graph> conv_graphs(const ConvCase& c) {
  const int ch = 4;
  const QuantParams xq = per_tensor(0.05f, c.t == DType::kU8 ? 128 : -3);
  const QuantParams yq = per_tensor(0.03f, c.t == DType::kU8 ? 5 : -120);
  const Shape ws = c.depthwise ? Shape{1, 3, 3, ch} : Shape{ch, 3, 3, ch};
  const QuantParams wq = weight_quant(c, ch, c.depthwise ? 3 : 0);
  const size_t wn = static_cast<size_t>(shape_elements(ws));
  std::vector<uint8_t> wu = random_values<uint8_t>(wn, 0, 255, 3);
  std::vector<int8_t> wi = random_values<int8_t>(wn, -127, 127, 3);
  QuantParams bq = wq;
  for (float& s : bq.scales) s *= xq.scale();
  bq.zero_points.assign(bq.scales.size(), 0);
  bq.axis = wq.per_channel() ? 0 : -1;
  const std::vector<int32_t> bias = random_values<int32_t>(ch, -2000, 2000, 4);
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  const OpType op = c.depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D;
  auto weights = [&](GraphBuilder& b) {
    return c.t == DType::kU8 ? b.constant(c.t, ws, wu, wq) : b.constant(c.t, ws, wi, wq);
  };

  GraphBuilder q;
  const int qx = q.input(c.t, {1, 5, 5, ch}, xq);
  const int qy = q.tensor(c.t, {1, 5, 5, ch}, yq);
  Conv2DAttrs qa = a;
  qa.act = make_activation(ActivationKind::kRelu6);
  q.node(op, {qx, weights(q), q.constant(DType::kI32, {ch}, bias, bq)}, qy, qa);
  Graph quantized = q.build({qy});

  GraphBuilder d;
  const int x = d.input(c.t, {1, 5, 5, ch}, xq);
  const int xf = d.tensor(kF32, {1, 5, 5, ch});
  d.node(OpType::kDequantize, {x}, xf);
  const int wf = d.tensor(kF32, ws);
  d.node(OpType::kDequantize, {weights(d)}, wf);
  const int bf = d.tensor(kF32, {ch});
  d.node(OpType::kDequantize, {d.constant(DType::kI32, {ch}, bias, bq)}, bf);
  const int yf = d.tensor(kF32, {1, 5, 5, ch});
  d.node(op, {xf, wf, bf}, yf, a);
  const int yr = d.tensor(kF32, {1, 5, 5, ch});
  d.node(OpType::kRelu6, {yf}, yr);
  const int y = d.tensor(c.t, {1, 5, 5, ch}, yq);
  d.node(OpType::kQuantize, {yr}, y);
  return {std::move(quantized), d.build({y})};
}

TEST(FoldQdq, ConvolutionsBecomeTheQuantizedOperator) {
  for (const ConvCase& c : {ConvCase{DType::kU8, false, false}, ConvCase{DType::kU8, true, false},
                            ConvCase{DType::kI8, false, true}, ConvCase{DType::kI8, true, true}}) {
    SCOPED_TRACE(std::string(dtype_name(c.t)) + (c.depthwise ? " depthwise" : " conv"));
    auto [quantized, qdq] = conv_graphs(c);
    Graph g = qdq;
    EXPECT_GE(fold_qdq(g), 1);
    verify(g);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& n = g.nodes[0];
    EXPECT_EQ(g.tensor(n.inputs[0]).dtype, c.t);
    EXPECT_EQ(g.tensor(n.inputs[1]).dtype, c.t);
    EXPECT_EQ(g.tensor(n.inputs[2]).dtype, DType::kI32);
    EXPECT_EQ(n.attr<Conv2DAttrs>().act.kind, ActivationKind::kRelu6);
    // Bit for bit what the quantized operator computes.
    const auto in = cpu::testing::make_inputs(quantized);
    EXPECT_EQ(cpu::testing::run_backend(g, "reference", in),
              cpu::testing::run_backend(quantized, "reference", in));
  }
}

TEST(FoldQdq, LeftoverDequantizedWeightsBecomeFloatConstants) {
  // Weight-only quantization: f32 activations, Dequantize(int8 weights) -> conv.
  GraphBuilder b;
  const int x = b.input(kF32, {1, 4, 4, 2});
  const std::vector<int8_t> w = random_values<int8_t>(2 * 2 * 2 * 2, -100, 100, 9);
  const int wq = b.constant(DType::kI8, {2, 2, 2, 2}, w, per_channel({0.5f, 0.25f}, 0));
  const int wf = b.tensor(kF32, {2, 2, 2, 2});
  b.node(OpType::kDequantize, {wq}, wf);
  const int y = b.tensor(kF32, {1, 3, 3, 2});
  b.node(OpType::kConv2D, {x, wf, -1}, y, Conv2DAttrs{});
  Graph g = b.build({y});
  EXPECT_EQ(fold_qdq(g), 1);
  verify(g);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Tensor& filter = g.tensor(g.nodes[0].inputs[1]);
  ASSERT_TRUE(filter.is_const());
  ASSERT_EQ(filter.dtype, kF32);
  // (q - 0) * scale of the weight's output channel (axis 0, 8 values per channel).
  EXPECT_EQ(filter.const_span<float>()[0], static_cast<float>(w[0]) * 0.5f);
  EXPECT_EQ(filter.const_span<float>()[15], static_cast<float>(w[15]) * 0.25f);
}

TEST(FoldQdq, PoolWithChangedParametersStaysFloat) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 4, 4, 2}, per_tensor(0.1f, 10));
  const int xf = b.tensor(kF32, {1, 4, 4, 2});
  b.node(OpType::kDequantize, {x}, xf);
  Pool2DAttrs a;
  a.filter_h = a.filter_w = 2;
  a.stride_h = a.stride_w = 2;
  const int p = b.tensor(kF32, {1, 2, 2, 2});
  b.node(OpType::kMaxPool2D, {xf}, p, a);
  const int y = b.tensor(DType::kU8, {1, 2, 2, 2}, per_tensor(0.2f, 10));
  b.node(OpType::kQuantize, {p}, y);
  Graph g = b.build({y});
  EXPECT_EQ(fold_qdq(g), 0);
  EXPECT_EQ(count_ops(g, OpType::kDequantize), 1u);
  // The same parameters on both sides fold.
  Graph same = g;
  same.tensor(y).quant = per_tensor(0.1f, 10);
  EXPECT_EQ(fold_qdq(same), 1);
  verify(same);
  ASSERT_EQ(same.nodes.size(), 1u);
  EXPECT_EQ(same.tensor(same.nodes[0].inputs[0]).dtype, DType::kU8);
}

TEST(FoldQdq, RequantizesQuantizeOfDequantize) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {8}, per_tensor(0.1f, 10));
  const int xf = b.tensor(kF32, {8});
  b.node(OpType::kDequantize, {x}, xf);
  const int y = b.tensor(DType::kI8, {8}, per_tensor(0.3f, -5));
  b.node(OpType::kQuantize, {xf}, y);
  Graph before = b.build({y});
  Graph g = before;
  EXPECT_EQ(fold_qdq(g), 1);
  verify(g);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs[0], x);
}

TEST(FoldQdq, FoldsThroughALayoutTransposeAfterTheDequantize) {
  // The ONNX importer's NCHW -> NHWC Transpose between a model input's
  // Dequantize and the first convolution: the Transpose moves to the integers
  // and the convolution folds; bit for bit the quantized graph.
  const QuantParams xq = per_tensor(0.05f, -3), yq = per_tensor(0.03f, -120);
  const QuantParams wq = per_channel({0.01f, 0.02f}, 0);
  const std::vector<int8_t> w = random_values<int8_t>(2 * 3 * 3 * 3, -127, 127, 5);
  TransposeAttrs ta;
  ta.perm = {0, 2, 3, 1};
  Conv2DAttrs ca;
  ca.pad = {1, 1, 1, 1};
  ca.act = make_activation(ActivationKind::kRelu);

  GraphBuilder q;
  const int qx = q.input(DType::kI8, {1, 3, 5, 5}, xq);
  const int qt = q.tensor(DType::kI8, {1, 5, 5, 3}, xq);
  q.node(OpType::kTranspose, {qx}, qt, ta);
  const int qy = q.tensor(DType::kI8, {1, 5, 5, 2}, yq);
  q.node(OpType::kConv2D, {qt, q.constant(DType::kI8, {2, 3, 3, 3}, w, wq), -1}, qy, ca);
  const Graph quantized = q.build({qy});

  GraphBuilder d;
  const int x = d.input(DType::kI8, {1, 3, 5, 5}, xq);
  const int xf = d.tensor(kF32, {1, 3, 5, 5});
  d.node(OpType::kDequantize, {x}, xf);
  const int xt = d.tensor(kF32, {1, 5, 5, 3});
  d.node(OpType::kTranspose, {xf}, xt, ta);
  const int wf = d.tensor(kF32, {2, 3, 3, 3});
  d.node(OpType::kDequantize, {d.constant(DType::kI8, {2, 3, 3, 3}, w, wq)}, wf);
  Conv2DAttrs fa = ca;
  fa.act = {};
  const int yf = d.tensor(kF32, {1, 5, 5, 2});
  d.node(OpType::kConv2D, {xt, wf, -1}, yf, fa);
  const int yr = d.tensor(kF32, {1, 5, 5, 2});
  d.node(OpType::kRelu, {yf}, yr);
  const int y = d.tensor(DType::kI8, {1, 5, 5, 2}, yq);
  d.node(OpType::kQuantize, {yr}, y);
  Graph g = d.build({y});

  EXPECT_GE(fold_qdq(g), 2);
  verify(g);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, OpType::kTranspose);
  EXPECT_EQ(g.tensor(g.nodes[0].outputs[0]).dtype, DType::kI8);
  EXPECT_EQ(g.nodes[1].op, OpType::kConv2D);
  EXPECT_EQ(g.tensor(g.nodes[1].inputs[0]).dtype, DType::kI8);
  const auto in = cpu::testing::make_inputs(quantized);
  EXPECT_EQ(cpu::testing::run_backend(g, "reference", in),
            cpu::testing::run_backend(quantized, "reference", in));
}

}  // namespace
}  // namespace edgebench::passes
