// --precision bf16 / fp16 on the cpu backend against the fp32 reference
// backend (the oracle), one parameterised test over (graph, precision): the
// study's three architectures (built in code, with their logits) and each
// pattern the cpu backend fuses. bf16 is skipped, with a message, on CPUs
// without AVX512-BF16.
//
// Tolerances (max |got - want| relative to the output's largest magnitude),
// written down here and in the README:
//  - bf16 (8-bit significand, f32 accumulation): 1.5e-2 for one fused
//    pattern, 4e-2 for a whole network (errors compound over 20-100 layers);
//  - fp16 storage / fp32 compute (11-bit significand): 2e-3 for a pattern,
//    5e-3 for a whole network.
// Measured on Zen 4: bf16 <= 3.6e-3 (patterns), 1.1e-2 (InceptionV3's
// softmax); fp16 <= 6.8e-4 (patterns), 8.1e-4 (networks).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <tuple>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"
#include "models/zoo.h"
#include "util/error.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::as_floats;
using testing::make_inputs;
using testing::relative_error;
using testing::run_backend;

constexpr auto kF32 = DType::kF32;

int conv(GraphBuilder& b, int x, const Shape& xs, int cout, int k, int stride, FusedActivation act,
         unsigned seed, bool depthwise = false) {
  const int cin = static_cast<int>(xs[3]);
  const int pad = k / 2;
  const int oh = static_cast<int>((xs[1] + 2 * pad - k) / stride + 1);
  const int ow = static_cast<int>((xs[2] + 2 * pad - k) / stride + 1);
  Conv2DAttrs a;
  a.stride_h = a.stride_w = stride;
  a.pad = {pad, pad, pad, pad};
  a.act = act;
  const Shape ws = depthwise ? Shape{1, k, k, cin} : Shape{cout, k, k, cin};
  const double range = 1.5 / std::sqrt(static_cast<double>(depthwise ? k * k : k * k * cin));
  const int w = b.constant(
      kF32, ws, random_values<float>(static_cast<size_t>(shape_elements(ws)), -range, range, seed));
  const int out_c = depthwise ? cin : cout;
  const int bias = b.constant(
      kF32, {out_c}, random_values<float>(static_cast<size_t>(out_c), -0.1, 0.1, seed + 1));
  const int y = b.tensor(kF32, {xs[0], oh, ow, out_c});
  b.node(depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D, {x, w, bias}, y, a);
  return y;
}

const FusedActivation kRelu = make_activation(ActivationKind::kRelu);
const FusedActivation kRelu6 = make_activation(ActivationKind::kRelu6);

Graph conv_relu6() {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 17, 17, 19});
  return b.build({conv(b, x, {1, 17, 17, 19}, 35, 3, 1, kRelu6, 1)});
}

// MobileNetV2's inverted residual: expand, depthwise, project, residual add
// (fused into the projecting convolution as a sum post-op).
Graph inverted_residual() {
  GraphBuilder b;
  const Shape xs = {1, 14, 14, 24};
  const int x = b.input(kF32, xs);
  const int e = conv(b, x, xs, 96, 1, 1, kRelu6, 2);
  const int d = conv(b, e, {1, 14, 14, 96}, 96, 3, 1, kRelu6, 4, true);
  const int p = conv(b, d, {1, 14, 14, 96}, 24, 1, 1, FusedActivation{}, 6);
  const int y = b.tensor(kF32, xs);
  b.node(OpType::kAdd, {p, x}, y, BinaryAttrs{});
  return b.build({y});
}

// Inception's branches: conv, max and average pooling, concatenation, then a
// classifier head (mean, FC, softmax) with the logits as a second output.
Graph branches_and_head() {
  GraphBuilder b;
  const Shape xs = {1, 15, 15, 16};
  const int x = b.input(kF32, xs);
  const int a = conv(b, x, xs, 32, 3, 1, kRelu, 8);
  Pool2DAttrs mp;
  mp.filter_h = mp.filter_w = 3;
  mp.stride_h = mp.stride_w = 1;
  mp.pad = {1, 1, 1, 1};
  const int m = b.tensor(kF32, {1, 15, 15, 32});
  b.node(OpType::kMaxPool2D, {a}, m, mp);
  const int av = b.tensor(kF32, {1, 15, 15, 32});
  b.node(OpType::kAveragePool2D, {a}, av, mp);
  const int c = conv(b, a, {1, 15, 15, 32}, 48, 1, 1, kRelu, 10);
  ConcatAttrs ca;
  ca.axis = 3;
  const int cat = b.tensor(kF32, {1, 15, 15, 112});
  b.node(OpType::kConcat, {m, av, c}, cat, ca);
  ReduceAttrs ra;
  ra.axes = {1, 2};
  const int mean = b.tensor(kF32, {1, 112});
  b.node(OpType::kMean, {cat}, mean, ra);
  const int fw = b.constant(kF32, {10, 112}, random_values<float>(1120, -0.3, 0.3, 12));
  const int fb = b.constant(kF32, {10}, random_values<float>(10, -0.1, 0.1, 13));
  const int logits = b.tensor(kF32, {1, 10});
  b.node(OpType::kFullyConnected, {mean, fw, fb}, logits, FullyConnectedAttrs{});
  const int s = b.tensor(kF32, {1, 10});
  b.node(OpType::kSoftmax, {logits}, s, SoftmaxAttrs{});
  return b.build({s, logits});
}

// The graph with the softmax's input as a second output (a random-weight
// network's softmax is nearly flat: the logits show the error).
Graph with_logits(Graph g) {
  for (const Node& n : g.nodes)
    if (n.op == OpType::kSoftmax) g.outputs.push_back(n.inputs[0]);
  return g;
}

Graph build(const std::string& name) {
  if (name == "conv_relu6") return conv_relu6();
  if (name == "inverted_residual") return inverted_residual();
  if (name == "branches_and_head") return branches_and_head();
  for (const auto& e : zoo_models())
    if (e.name == name) return with_logits(e.build());
  ADD_FAILURE() << "unknown graph " << name;
  return {};
}

bool is_zoo(const std::string& name) {
  for (const auto& e : zoo_models())
    if (e.name == name) return true;
  return false;
}

double tolerance(const std::string& graph, const std::string& precision) {
  const bool net = is_zoo(graph);
  if (precision == "bf16") return net ? 4e-2 : 1.5e-2;
  return net ? 5e-3 : 2e-3;
}

using Case = std::tuple<std::string, std::string>;  // graph, precision

class CpuPrecision : public ::testing::TestWithParam<Case> {};

TEST_P(CpuPrecision, WithinToleranceOfFp32Reference) {
  const auto& [name, precision] = GetParam();
  if (precision == "bf16" && !cpu_supports_bf16())
    GTEST_SKIP() << "this CPU has no AVX512-BF16 (or ONEDNN_MAX_CPU_ISA caps it): bf16 not tested";
  const Graph g = build(name);
  const auto in = make_inputs(g);
  // The reference output, once per graph (InceptionV3 takes seconds).
  static std::map<std::string, std::vector<std::vector<std::byte>>> oracle;
  if (!oracle.count(name)) oracle[name] = run_backend(g, "reference", in);
  const auto& want = oracle[name];
  for (int threads : {1, 2}) {
    const auto got = run_backend(g, "cpu", in, threads, precision);
    for (size_t i = 0; i < want.size(); ++i) {
      const double err = relative_error(as_floats(got[i]), as_floats(want[i]));
      EXPECT_LE(err, tolerance(name, precision)) << "output " << i << ", " << threads << " threads";
      std::printf("[ %-8s ] %s output %zu, %d threads: relative error %.2e (tolerance %.1e)\n",
                  precision.c_str(), name.c_str(), i, threads, err, tolerance(name, precision));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(GraphsAndPrecisions, CpuPrecision,
                         ::testing::Combine(::testing::Values("conv_relu6", "inverted_residual",
                                                              "branches_and_head", "mobilenet_v1",
                                                              "mobilenet_v2", "inception_v3"),
                                            ::testing::Values("bf16", "fp16")),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

// The kernels say what ran: bf16 primitives under bf16, fp16 rounding steps
// under fp16, and the model reports its precision mode.
TEST(CpuPrecisionModes, KernelsAndModeSayWhatRan) {
  const Graph g = inverted_residual();
  BackendOptions opt;
  opt.precision = "fp16";
  auto fp16 = make_backend("cpu")->compile(g, opt);
  EXPECT_EQ(fp16->precision_mode(), "fp16-storage/fp32-compute");
  bool rounds = false;
  for (const auto& k : fp16->kernel_names()) rounds |= k.find("round:fp16") != std::string::npos;
  EXPECT_TRUE(rounds);
  opt.precision = "fp32";
  EXPECT_EQ(make_backend("cpu")->compile(g, opt)->precision_mode(), "fp32");
  if (!cpu_supports_bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16: bf16 kernels not checked";
  opt.precision = "bf16";
  auto bf16 = make_backend("cpu")->compile(g, opt);
  EXPECT_EQ(bf16->precision_mode(), "bf16");
  bool any_bf16 = false;
  for (const auto& k : bf16->kernel_names()) any_bf16 |= k.find("bf16") != std::string::npos;
  EXPECT_TRUE(any_bf16);
}

// A 1x1 convolution (16 channels, a 2x2 map: the blocked kernels MobileNet's
// layers run, not the f32 path kept for 1x1 maps) with weights w[o][i] and bias.
int pointwise(GraphBuilder& b, int x, const std::vector<float>& w, const std::vector<float>& bias) {
  const int y = b.tensor(kF32, {1, 2, 2, 16});
  b.node(OpType::kConv2D, {x, b.constant(kF32, {16, 1, 1, 16}, w), b.constant(kF32, {16}, bias)}, y,
         Conv2DAttrs{});
  return y;
}

std::vector<float> identity16() {
  std::vector<float> w(16 * 16, 0.0f);
  for (size_t c = 0; c < 16; ++c) w[c * 16 + c] = 1.0f;
  return w;
}

std::vector<std::byte> bytes_of(const std::vector<float>& v) {
  std::vector<std::byte> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Biases are f32 under every precision (added to the f32 accumulator): a bias
// that neither fp16 nor bf16 can hold comes out exactly, for a zero input.
TEST(CpuPrecisionModes, BiasStaysF32) {
  const float bias = 1.0f + std::ldexp(1.0f, -13);  // fp16 and bf16 would round it to 1
  GraphBuilder b;
  const int x = b.input(kF32, {1, 2, 2, 16});
  const int conv_y = pointwise(b, x, random_values<float>(256, -1, 1, 5), std::vector(16, bias));
  const int flat = b.input(kF32, {1, 16});
  const int fc_y = b.tensor(kF32, {1, 8});
  b.node(OpType::kFullyConnected,
         {flat, b.constant(kF32, {8, 16}, random_values<float>(128, -1, 1, 6)),
          b.constant(kF32, {8}, std::vector(8, bias))},
         fc_y, FullyConnectedAttrs{});
  const Graph g = b.build({conv_y, fc_y});
  const std::vector<std::vector<std::byte>> zeros = {std::vector<std::byte>(64 * 4),
                                                     std::vector<std::byte>(16 * 4)};
  for (const std::string precision : {"fp16", "bf16"}) {
    if (precision == "bf16" && !cpu_supports_bf16()) continue;
    const auto got = run_backend(g, "cpu", zeros, 1, precision);
    for (const auto& out : got)
      for (float v : as_floats(out)) EXPECT_EQ(v, bias) << precision;
  }
}

// bf16 values are rounded to nearest, ties to even (never truncated), where
// the graph's f32 input becomes bf16 and where a kernel writes bf16. Two
// identity convolutions: the first's source is the rounded input plus its f32
// bias, its bf16 destination is the second's source, whose f32 output shows it.
// bf16 holds 1 + k * 2^-7 near 1 and 1 - k * 2^-8 just below.
TEST(CpuPrecisionModes, Bf16RoundsToNearestEven) {
  if (!cpu_supports_bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16: bf16 not tested";
  const float u = std::ldexp(1.0f, -8), e = std::ldexp(1.0f, -12);
  // Channel by channel: input, bias, expected output.
  const std::vector<std::array<float, 3>> cases = {
      // The input's conversion (bias 0).
      {1 + u, 0, 1},                    // tie: to even (truncation agrees)
      {1 + 3 * u, 0, 1 + 4 * u},        // tie: to even, up (truncation: 1 + 2u)
      {1 + u + e, 0, 1 + 2 * u},        // above the tie: up (truncation: 1)
      {-(1 + 3 * u), 0, -(1 + 4 * u)},  // negative tie: to even, away from zero
      {2 - u, 0, 2},                    // tie: to even, carrying into the exponent
      {1 + 2 * u, 0, 1 + 2 * u},        // exact
      // The destination's conversion (input 1, exact).
      {1, u, 1},               // tie: to even
      {1, 3 * u, 1 + 4 * u},   // tie: to even, up (truncation: 1 + 2u)
      {1, u + e, 1 + 2 * u},   // above the tie (truncation: 1)
      {1, -u / 2, 1},          // 1 - 2^-9: tie below 1, to even (truncation: 1 - u)
      {1, -u / 2 - e, 1 - u},  // below that tie: down
      {1, 0, 1},
      {0.5f, 0, 0.5f},
      {-1, 0, -1},
      {0, 0, 0},
      {1, 2 * u, 1 + 2 * u},
  };
  std::vector<float> bias(16), in(64), want(64);
  for (size_t c = 0; c < 16; ++c) {
    bias[c] = cases[c][1];
    for (size_t p = 0; p < 4; ++p) {
      in[p * 16 + c] = cases[c][0];
      want[p * 16 + c] = cases[c][2];
    }
  }
  GraphBuilder b;
  const int x = b.input(kF32, {1, 2, 2, 16});
  const int mid = pointwise(b, x, identity16(), bias);
  const Graph g = b.build({pointwise(b, mid, identity16(), std::vector(16, 0.0f))});
  for (int threads : {1, 2}) {
    const std::vector<float> got =
        as_floats(run_backend(g, "cpu", {bytes_of(in)}, threads, "bf16")[0]);
    for (size_t i = 0; i < 64; ++i)
      EXPECT_EQ(got[i], want[i]) << "channel " << i % 16 << ", " << threads << " threads";
  }
}

std::string compile_error(const Graph& g, const std::string& precision) {
  BackendOptions opt;
  opt.precision = precision;
  try {
    make_backend("cpu")->compile(g, opt);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A precision the model cannot take is an error naming what to do, never a
// silent fallback.
TEST(CpuPrecisionModes, ImpossibleRequestsAreErrors) {
  const Graph f = conv_relu6();
  EXPECT_NE(compile_error(f, "int8").find("edgebench quantize"), std::string::npos);
  EXPECT_NE(compile_error(f, "fp8").find("unknown precision"), std::string::npos);

  GraphBuilder b;  // a quantized graph
  const int x = b.input(DType::kU8, {1, 4, 4, 2}, ref::testing::per_tensor(0.5f, 128));
  const int y = b.tensor(DType::kU8, {1, 2, 2, 2}, ref::testing::per_tensor(0.5f, 128));
  Pool2DAttrs p;
  p.filter_h = p.filter_w = p.stride_h = p.stride_w = 2;
  b.node(OpType::kMaxPool2D, {x}, y, p);
  const int w = b.constant(DType::kU8, {3, 1, 1, 2}, std::vector<uint8_t>{1, 2, 3, 4, 5, 6},
                           ref::testing::per_tensor(0.1f, 0));
  const int z = b.tensor(DType::kU8, {1, 2, 2, 3}, ref::testing::per_tensor(1.0f, 0));
  Conv2DAttrs ca;
  b.node(OpType::kConv2D, {y, w, -1}, z, ca);
  const Graph q = b.build({z});
  EXPECT_NE(compile_error(q, "bf16").find("dequantize"), std::string::npos);
  EXPECT_NE(compile_error(q, "fp16").find("dequantize"), std::string::npos);
  EXPECT_EQ(compile_error(q, "int8"), "");  // runs as it is
}

}  // namespace
}  // namespace edgebench::cpu
