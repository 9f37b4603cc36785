#include "passes/quantize/quantize_graph.h"

#include <gtest/gtest.h>

#include <cmath>

#include "passes/pass_test_util.h"
#include "util/error.h"

namespace edgebench::passes::quantize {
namespace {

using cpu::testing::as_floats;
using cpu::testing::relative_error;
using cpu::testing::run_backend;
using ref::testing::GraphBuilder;
using ref::testing::random_values;
using ref::testing::to_bytes;
using testing::count_ops;

constexpr auto kF32 = DType::kF32;

// The tensors of the tiny network, by role.
struct Tiny {
  Graph g;
  int conv, dw, add, pool, side, concat, mean, fc, softmax;
};

// x -> Conv(3x3, ReLU6) -> Depthwise -> Add(conv, dw) -> MaxPool
//   -> Concat(pool, Conv1x1(pool)) -> Mean -> FullyConnected -> Softmax
Tiny tiny_network(OpType middle = OpType::kAdd) {
  GraphBuilder b;
  Tiny t;
  const int x = b.input(kF32, {1, 6, 6, 3});
  Conv2DAttrs c3;
  c3.pad = {1, 1, 1, 1};
  c3.act = make_activation(ActivationKind::kRelu6);
  t.conv = b.tensor(kF32, {1, 6, 6, 4});
  b.node(OpType::kConv2D,
         {x, b.constant(kF32, {4, 3, 3, 3}, random_values<float>(108, -0.5, 0.5, 1)),
          b.constant(kF32, {4}, random_values<float>(4, -0.2, 0.2, 2))},
         t.conv, c3);
  Conv2DAttrs dw;
  dw.pad = {1, 1, 1, 1};
  t.dw = b.tensor(kF32, {1, 6, 6, 4});
  b.node(OpType::kDepthwiseConv2D,
         {t.conv, b.constant(kF32, {1, 3, 3, 4}, random_values<float>(36, -1, 1, 3)),
          b.constant(kF32, {4}, random_values<float>(4, -0.2, 0.2, 4))},
         t.dw, dw);
  t.add = b.tensor(kF32, {1, 6, 6, 4});
  b.node(middle, {t.conv, t.dw}, t.add, BinaryAttrs{});
  Pool2DAttrs p;
  p.filter_h = p.filter_w = p.stride_h = p.stride_w = 2;
  t.pool = b.tensor(kF32, {1, 3, 3, 4});
  b.node(OpType::kMaxPool2D, {t.add}, t.pool, p);
  t.side = b.tensor(kF32, {1, 3, 3, 2});
  b.node(OpType::kConv2D,
         {t.pool, b.constant(kF32, {2, 1, 1, 4}, random_values<float>(8, -1, 1, 5)), -1}, t.side,
         Conv2DAttrs{});
  ConcatAttrs ca;
  ca.axis = 3;
  t.concat = b.tensor(kF32, {1, 3, 3, 6});
  b.node(OpType::kConcat, {t.pool, t.side}, t.concat, ca);
  ReduceAttrs r;
  r.axes = {1, 2};
  t.mean = b.tensor(kF32, {1, 6});
  b.node(OpType::kMean, {t.concat}, t.mean, r);
  t.fc = b.tensor(kF32, {1, 5});
  b.node(OpType::kFullyConnected,
         {t.mean, b.constant(kF32, {5, 6}, random_values<float>(30, -1, 1, 6)),
          b.constant(kF32, {5}, random_values<float>(5, -0.1, 0.1, 7))},
         t.fc, FullyConnectedAttrs{});
  t.softmax = b.tensor(kF32, {1, 5});
  b.node(OpType::kSoftmax, {t.fc}, t.softmax, SoftmaxAttrs{});
  t.g = b.build({t.softmax, t.fc});
  return t;
}

std::vector<std::vector<std::byte>> sample_inputs(size_t n) {
  std::vector<std::vector<std::byte>> in;
  for (size_t i = 0; i < n; ++i)
    in.push_back(to_bytes(random_values<float>(108, -1, 1, 100 + static_cast<unsigned>(i))));
  return in;
}

RangeTable minmax_ranges(const Graph& g) {
  CalibrateOptions opt;
  opt.method = CalibMethod::kMinMax;
  opt.backend = "reference";
  return calibrate(g, sample_inputs(8), opt);
}

// The int8 tensor that replaced float tensor `id`.
const Tensor& int8_of(const QuantizeResult& q, int id) {
  for (const auto& l : q.layers)
    if (l.float_tensor == id) return q.graph.tensor(l.quant_tensor);
  ADD_FAILURE() << "tensor " << id << " was not quantized";
  return q.graph.tensor(0);
}

const Node& node_named(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  return g.nodes.front();
}

TEST(QuantizeGraph, Int8ParamsCoverTheRangeWithZeroExact) {
  QuantParams q = int8_params({-1.f, 3.f});
  EXPECT_FLOAT_EQ(q.scale(), 4.f / 255.f);
  EXPECT_EQ(q.zero_point(), -64);  // round(-128 + 1 / (4/255)) = round(-64.25)
  q = int8_params({0.f, 6.f});
  EXPECT_EQ(q.zero_point(), -128);  // ReLU outputs use all 256 levels
  EXPECT_EQ(int8_params({0.f, 0.f}).scale(), 1.f);
}

TEST(QuantizeGraph, TfliteInt8Form) {
  const Tiny t = tiny_network();
  QuantizeOptions opt;
  opt.activations = DType::kI8;
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g), opt);
  const Graph& g = q.graph;
  EXPECT_TRUE(q.float_nodes.empty());
  EXPECT_EQ(q.layers.size(), t.g.nodes.size());
  // Float in, float out: one Quantize after the input, a Dequantize per output.
  EXPECT_EQ(g.nodes.front().op, OpType::kQuantize);
  EXPECT_EQ(g.tensor(g.inputs[0]).dtype, kF32);
  EXPECT_EQ(count_ops(g, OpType::kQuantize), 1u);
  EXPECT_EQ(count_ops(g, OpType::kDequantize), 2u);
  for (int id : g.outputs) EXPECT_EQ(g.tensor(id).dtype, kF32);

  // Weights: int8, symmetric, per output channel (conv/FC axis 0, depthwise axis 3).
  const Node& conv = node_named(g, t.g.nodes[0].name);
  const Tensor& w = g.tensor(conv.inputs[1]);
  EXPECT_EQ(w.dtype, DType::kI8);
  EXPECT_EQ(w.quant.axis, 0);
  ASSERT_EQ(w.quant.scales.size(), 4u);
  for (int64_t z : w.quant.zero_points) EXPECT_EQ(z, 0);
  const auto wq = w.const_span<int8_t>();
  for (int c = 0; c < 4; ++c) {  // each channel's largest weight maps to +-127
    int m = 0;
    for (int k = 0; k < 27; ++k) m = std::max(m, std::abs(static_cast<int>(wq[c * 27 + k])));
    EXPECT_EQ(m, 127) << "channel " << c;
  }
  EXPECT_EQ(g.tensor(node_named(g, t.g.nodes[1].name).inputs[1]).quant.axis, 3);
  EXPECT_EQ(g.tensor(node_named(g, t.g.nodes[7].name).inputs[1]).quant.axis, 0);

  // Bias: int32, scale s_in * s_w[c], zero point 0.
  const Tensor& bias = g.tensor(conv.inputs[2]);
  EXPECT_EQ(bias.dtype, DType::kI32);
  const float s_in = g.tensor(conv.inputs[0]).quant.scale();
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(bias.quant.scale(c), s_in * w.quant.scale(c));
  for (int64_t z : bias.quant.zero_points) EXPECT_EQ(z, 0);

  // Activations: int8 per tensor; a fused ReLU6 output starts at zero point -128.
  const Tensor& conv_out = int8_of(q, t.conv);
  EXPECT_EQ(conv_out.dtype, DType::kI8);
  EXPECT_FALSE(conv_out.quant.per_channel());
  EXPECT_EQ(conv_out.quant.zero_point(), -128);
  EXPECT_LE(conv_out.quant.scale(), 6.f / 255.f + 1e-7f);
  // TFLite's constraints: pooling keeps its input's parameters, softmax writes
  // 1/256 steps from -128, a concat input produced for it shares its scale.
  EXPECT_EQ(int8_of(q, t.pool).quant.scales, int8_of(q, t.add).quant.scales);
  EXPECT_EQ(int8_of(q, t.pool).quant.zero_points, int8_of(q, t.add).quant.zero_points);
  EXPECT_EQ(int8_of(q, t.softmax).quant.scale(), 1.f / 256.f);
  EXPECT_EQ(int8_of(q, t.softmax).quant.zero_point(), -128);
  EXPECT_EQ(int8_of(q, t.side).quant.scales, int8_of(q, t.concat).quant.scales);
}

TEST(QuantizeGraph, CloseToFloatOnTheReferenceBackend) {
  const Tiny t = tiny_network();
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g));
  const auto in = sample_inputs(3);
  for (const auto& x : in) {
    const auto want = run_backend(t.g, "reference", {x});
    const auto got = run_backend(q.graph, "reference", {x});
    // Softmax: 1/256 steps; logits: a few int8 steps of accumulated error.
    EXPECT_LE(relative_error(as_floats(got[0]), as_floats(want[0])), 0.05);
    EXPECT_LE(relative_error(as_floats(got[1]), as_floats(want[1])), 0.05);
  }
}

// uint8 activations (the default) are the int8 grid moved up by 128: the same
// scales, every zero point 128 higher, the same float results.
TEST(QuantizeGraph, Uint8ActivationsAreTheInt8GridShifted) {
  const Tiny t = tiny_network();
  const RangeTable ranges = minmax_ranges(t.g);
  QuantizeOptions i8;
  i8.activations = DType::kI8;
  const QuantizeResult a = quantize_graph(t.g, ranges, i8);
  const QuantizeResult b = quantize_graph(t.g, ranges);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Tensor& x = a.graph.tensor(a.layers[i].quant_tensor);
    const Tensor& y = b.graph.tensor(b.layers[i].quant_tensor);
    EXPECT_EQ(x.dtype, DType::kI8) << a.layers[i].node;
    EXPECT_EQ(y.dtype, DType::kU8) << b.layers[i].node;
    EXPECT_EQ(x.quant.scales, y.quant.scales) << a.layers[i].node;
    EXPECT_EQ(x.quant.zero_point() + 128, y.quant.zero_point()) << a.layers[i].node;
  }
  for (const auto& x : sample_inputs(3))
    for (const char* backend : {"reference", "cpu"})
      EXPECT_EQ(run_backend(a.graph, backend, {x}), run_backend(b.graph, backend, {x})) << backend;
}

TEST(QuantizeGraph, CpuInt8KernelsMatchTheReference) {
  const Tiny t = tiny_network();
  for (DType at : {DType::kU8, DType::kI8}) {
    QuantizeOptions opt;
    opt.activations = at;
    const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g), opt);
    cpu::testing::expect_matches_reference(q.graph, 0.0);
  }
}

TEST(QuantizeGraph, PerTensorWeights) {
  const Tiny t = tiny_network();
  QuantizeOptions opt;
  opt.per_channel = false;
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g), opt);
  const Tensor& w = q.graph.tensor(node_named(q.graph, t.g.nodes[0].name).inputs[1]);
  EXPECT_EQ(w.quant.axis, -1);
  EXPECT_EQ(w.quant.scales.size(), 1u);
  const auto got = run_backend(q.graph, "reference", sample_inputs(1));
  const auto want = run_backend(t.g, "reference", sample_inputs(1));
  EXPECT_LE(relative_error(as_floats(got[1]), as_floats(want[1])), 0.1);
}

TEST(QuantizeGraph, KeepFloatPutsDequantizeBeforeAndQuantizeAfter) {
  const Tiny t = tiny_network();
  QuantizeOptions opt;
  const std::string kept = t.g.nodes[1].name;  // the depthwise convolution
  opt.keep_float = {kept};
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g), opt);
  EXPECT_EQ(q.float_nodes, std::vector<std::string>{kept});
  const Node& dw = node_named(q.graph, kept);
  EXPECT_EQ(q.graph.tensor(dw.inputs[0]).dtype, kF32);
  EXPECT_EQ(q.graph.tensor(dw.inputs[1]).dtype, kF32);
  EXPECT_EQ(q.graph.tensor(dw.outputs[0]).dtype, kF32);
  EXPECT_EQ(count_ops(q.graph, OpType::kQuantize), 2u);    // input, after the depthwise
  EXPECT_EQ(count_ops(q.graph, OpType::kDequantize), 3u);  // before it, two outputs
  const auto in = sample_inputs(1);
  EXPECT_LE(relative_error(as_floats(run_backend(q.graph, "reference", in)[1]),
                           as_floats(run_backend(t.g, "reference", in)[1])),
            0.05);
}

TEST(QuantizeGraph, OperatorWithoutInt8KernelStaysFloat) {
  const Tiny t = tiny_network(OpType::kSub);
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g));
  EXPECT_EQ(q.float_nodes, std::vector<std::string>{t.g.nodes[2].name});
  const auto in = sample_inputs(1);
  EXPECT_LE(relative_error(as_floats(run_backend(q.graph, "reference", in)[1]),
                           as_floats(run_backend(t.g, "reference", in)[1])),
            0.05);
}

TEST(QuantizeGraph, RejectsQuantizedModelsAndMissingRanges) {
  const Tiny t = tiny_network();
  const QuantizeResult q = quantize_graph(t.g, minmax_ranges(t.g));
  try {
    quantize_graph(q.graph, minmax_ranges(t.g));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
  EXPECT_THROW(quantize_graph(t.g, RangeTable{}), Error);
}

}  // namespace
}  // namespace edgebench::passes::quantize
