// One test body per operator pattern x {1, 2 threads}: tiny f32 graphs with
// awkward sizes (channels not a multiple of the vector width, asymmetric
// padding, dilation, groups, multipliers) run on the cpu backend and compared
// with the reference backend (relative error <= 1e-4 of the output's scale).
#include "backends/cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::expect_matches_reference;
using testing::out_dim;

constexpr auto kF32 = DType::kF32;

struct ConvCase {
  int n = 1, h = 9, w = 9, cin = 3, cout = 5, kh = 3, kw = 3;
  int stride = 1, dilation = 1, groups = 1;
  Padding2D pad{1, 1, 1, 1};
  FusedActivation act;
  bool bias = true;
};

// Adds a Conv2D on `x` with random weights; returns its output tensor.
int add_conv(GraphBuilder& b, int x, const Shape& xs, const ConvCase& c, unsigned seed) {
  const int cin_g = c.cin / c.groups;
  const int w = b.constant(
      kF32, {c.cout, c.kh, c.kw, cin_g},
      random_values<float>(static_cast<size_t>(c.cout * c.kh * c.kw * cin_g), -0.5, 0.5, seed));
  const int bias =
      c.bias ? b.constant(kF32, {c.cout},
                          random_values<float>(static_cast<size_t>(c.cout), -0.2, 0.2, seed + 1))
             : -1;
  const int y =
      b.tensor(kF32, {xs[0], out_dim(xs[1], c.kh, c.stride, c.pad.top, c.pad.bottom, c.dilation),
                      out_dim(xs[2], c.kw, c.stride, c.pad.left, c.pad.right, c.dilation), c.cout});
  Conv2DAttrs a;
  a.stride_h = a.stride_w = c.stride;
  a.dilation_h = a.dilation_w = c.dilation;
  a.pad = c.pad;
  a.groups = c.groups;
  a.act = c.act;
  b.node(OpType::kConv2D, {x, w, bias}, y, a);
  return y;
}

class CpuOps : public ::testing::TestWithParam<int> {};

TEST_P(CpuOps, Conv2D) {
  std::vector<ConvCase> cases;
  cases.push_back({});  // 3 -> 5 channels, 3x3, pad 1
  ConvCase c1;
  c1.cin = 17, c1.cout = 33, c1.kh = c1.kw = 1, c1.pad = {},
  c1.act = make_activation(ActivationKind::kRelu);
  cases.push_back(c1);
  ConvCase c2;
  c2.cin = 16, c2.cout = 32, c2.stride = 2, c2.pad = {0, 0, 1, 1}, c2.h = 10, c2.w = 11,
  c2.act = make_activation(ActivationKind::kRelu6);
  cases.push_back(c2);
  ConvCase c3;
  c3.cin = 8, c3.cout = 12, c3.groups = 2, c3.dilation = 2, c3.pad = {2, 1, 2, 0}, c3.bias = false,
  c3.act = make_activation(ActivationKind::kClip, -0.25f, 0.5f);
  cases.push_back(c3);
  ConvCase c4;
  c4.n = 2, c4.cin = 24, c4.cout = 20, c4.kh = 1, c4.kw = 7, c4.pad = {0, 3, 0, 3};
  cases.push_back(c4);
  unsigned seed = 1;
  for (const ConvCase& c : cases) {
    GraphBuilder b;
    const Shape xs = {c.n, c.h, c.w, c.cin};
    const int x = b.input(kF32, xs);
    const int y = add_conv(b, x, xs, c, seed += 10);
    SCOPED_TRACE("case cin " + std::to_string(c.cin) + " cout " + std::to_string(c.cout));
    expect_matches_reference(b.build({y}), 1e-4, GetParam());
  }
}

TEST_P(CpuOps, DepthwiseConv2D) {
  struct Case {
    int c, m, stride;
    Padding2D pad;
    ActivationKind act;
  };
  for (const Case& k : {Case{7, 1, 1, {1, 1, 1, 1}, ActivationKind::kRelu6},
                        Case{32, 1, 2, {0, 0, 1, 1}, ActivationKind::kNone},
                        Case{5, 2, 1, {1, 0, 1, 2}, ActivationKind::kRelu}}) {
    GraphBuilder b;
    const int x = b.input(kF32, {1, 8, 9, k.c});
    const int co = k.c * k.m;
    const int w = b.constant(kF32, {1, 3, 3, co}, random_values<float>(9 * co, -1, 1, 3));
    const int bias = b.constant(kF32, {co}, random_values<float>(co, -0.1, 0.1, 4));
    const int y = b.tensor(kF32, {1, out_dim(8, 3, k.stride, k.pad.top, k.pad.bottom),
                                  out_dim(9, 3, k.stride, k.pad.left, k.pad.right), co});
    Conv2DAttrs a;
    a.stride_h = a.stride_w = k.stride;
    a.pad = k.pad;
    a.depth_multiplier = k.m;
    a.act = make_activation(k.act);
    b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, a);
    expect_matches_reference(b.build({y}), 1e-4, GetParam());
  }
}

TEST_P(CpuOps, ConvChainPoolConcatMeanFullyConnectedSoftmax) {
  // A miniature classifier: blocked layouts flow conv -> pool -> concat -> mean,
  // then plain through reshape -> FC -> softmax.
  GraphBuilder b;
  const Shape xs = {1, 15, 15, 3};
  const int x = b.input(kF32, xs);
  ConvCase c;
  c.cout = 21, c.act = make_activation(ActivationKind::kRelu);
  const int a = add_conv(b, x, xs, c, 5);
  Pool2DAttrs mp;
  mp.filter_h = mp.filter_w = 3;
  mp.stride_h = mp.stride_w = 2;
  const int p = b.tensor(kF32, {1, 7, 7, 21});
  b.node(OpType::kMaxPool2D, {a}, p, mp);
  Pool2DAttrs ap = mp;
  ap.stride_h = ap.stride_w = 1;
  ap.pad = {1, 1, 1, 1};
  const int q1 = b.tensor(kF32, {1, 7, 7, 21});
  b.node(OpType::kAveragePool2D, {p}, q1, ap);
  ap.count_include_pad = true;
  const int q2 = b.tensor(kF32, {1, 7, 7, 21});
  b.node(OpType::kAveragePool2D, {p}, q2, ap);
  ConvCase c2;
  c2.cin = 21, c2.cout = 16, c2.kh = c2.kw = 1, c2.pad = {};
  const int r = add_conv(b, p, {1, 7, 7, 21}, c2, 6);
  ConcatAttrs ca;
  ca.axis = 3;
  const int cat = b.tensor(kF32, {1, 7, 7, 58});
  b.node(OpType::kConcat, {q1, q2, r}, cat, ca);
  ReduceAttrs ra;
  ra.axes = {1, 2};
  const int m = b.tensor(kF32, {1, 58});
  b.node(OpType::kMean, {cat}, m, ra);
  const int fw = b.constant(kF32, {10, 58}, random_values<float>(580, -0.3, 0.3, 8));
  const int fb = b.constant(kF32, {10}, random_values<float>(10, -0.1, 0.1, 9));
  const int f = b.tensor(kF32, {1, 10});
  b.node(OpType::kFullyConnected, {m, fw, fb}, f, FullyConnectedAttrs{});
  const int s = b.tensor(kF32, {1, 10});
  b.node(OpType::kSoftmax, {f}, s, SoftmaxAttrs{});
  // Several outputs, one of them an intermediate also consumed later.
  expect_matches_reference(b.build({s, cat, p}), 1e-4, GetParam());
}

TEST_P(CpuOps, BinaryAndReshape) {
  GraphBuilder b;
  const int x = b.input(kF32, {2, 5, 6, 7});
  const int z = b.input(kF32, {2, 5, 6, 7});
  const int sum = b.tensor(kF32, {2, 5, 6, 7});
  BinaryAttrs relu;
  relu.act = make_activation(ActivationKind::kRelu);
  b.node(OpType::kAdd, {x, z}, sum, relu);
  const int prod = b.tensor(kF32, {2, 5, 6, 7});
  b.node(OpType::kMul, {sum, x}, prod, BinaryAttrs{});
  const int bias = b.constant(kF32, {7}, random_values<float>(7, -1, 1, 2));
  const int bc = b.tensor(kF32, {2, 5, 6, 7});
  b.node(OpType::kSub, {prod, bias}, bc, BinaryAttrs{});  // broadcast: reference kernel
  const int flat = b.tensor(kF32, {60, 7});
  b.node(OpType::kReshape, {bc}, flat);
  expect_matches_reference(b.build({flat}), 1e-4, GetParam());
}

TEST_P(CpuOps, FallbackOperatorsOnBlockedProducers) {
  GraphBuilder b;
  const Shape xs = {1, 6, 6, 4};
  const int x = b.input(kF32, xs);
  ConvCase c;
  c.cin = 4, c.cout = 19;
  const int y = add_conv(b, x, xs, c, 11);
  const int t = b.tensor(kF32, {1, 19, 6, 6});
  TransposeAttrs ta;
  ta.perm = {0, 3, 1, 2};
  b.node(OpType::kTranspose, {y}, t, ta);
  const int l = b.tensor(kF32, {1, 19, 6, 6});
  b.node(OpType::kLogistic, {t}, l);
  PadAttrs pa;
  pa.before = {0, 1, 0, 2};
  pa.after = {0, 0, 1, 0};
  const int p = b.tensor(kF32, {1, 20, 7, 8});
  b.node(OpType::kPad, {l}, p, pa);
  expect_matches_reference(b.build({p}), 1e-4, GetParam());
}

TEST_P(CpuOps, TransposeAnyPermutationAndType) {
  // Byte-exact against the reference: f32 (also under --precision bf16) and
  // uint8, ranks 2 to 5.
  const std::vector<std::pair<Shape, std::vector<int>>> cases = {
      {{7, 5}, {1, 0}},
      {{2, 3, 4}, {2, 0, 1}},
      {{1, 3, 9, 11}, {0, 2, 3, 1}},
      {{2, 3, 1, 4, 5}, {4, 1, 3, 0, 2}},
      // Matrix transposes on the backend's own loop: batched, past one tile,
      // with axes of size 1 between the moved ones, NCHW images to NHWC (3
      // planes interleaved), large enough to be split across threads.
      {{3, 4, 5}, {0, 2, 1}},
      {{2, 1, 37, 45}, {0, 3, 2, 1}},
      {{1, 3, 40, 50}, {0, 2, 3, 1}},
      {{2, 3, 5, 7}, {0, 2, 3, 1}},
      {{1, 3, 160, 170}, {0, 2, 3, 1}},
      {{1, 8, 100, 90}, {0, 2, 3, 1}}};
  for (const DType dt : {kF32, DType::kU8})
    for (const auto& [shape, perm] : cases) {
      GraphBuilder b;
      const QuantParams q = dt == kF32 ? QuantParams{} : ref::testing::per_tensor(0.5f, 3);
      const int x = b.input(dt, shape, q);
      Shape out(shape.size());
      for (size_t i = 0; i < perm.size(); ++i) out[i] = shape[static_cast<size_t>(perm[i])];
      const int t = b.tensor(dt, out, q);
      TransposeAttrs ta;
      ta.perm = perm;
      b.node(OpType::kTranspose, {x}, t, ta);
      const Graph g = b.build({t});
      const auto in = testing::make_inputs(g);
      const auto want = testing::run_backend(g, "reference", in);
      EXPECT_EQ(testing::run_backend(g, "cpu", in, GetParam()), want) << "rank " << shape.size();
      // Under --precision bf16 a transpose still moves f32 values, untouched.
      if (dt == kF32 && cpu_supports_bf16())
        EXPECT_EQ(testing::run_backend(g, "cpu", in, GetParam(), "bf16"), want)
            << "bf16, rank " << shape.size();
    }
}

TEST_P(CpuOps, QuantizedConcat) {
  // Byte-exact against the reference, on the cpu backend's own kernel: same
  // quantization everywhere (copies) and two inputs quantized differently
  // (requantized through tables), uint8 and int8, on the channel axis and
  // another; 3 channels (tails only) and 70 (whole 64-byte blocks, and enough
  // elements to split across threads).
  for (const DType dt : {DType::kU8, DType::kI8})
    for (const bool same : {true, false})
      for (const int axis : {3, 1})
        for (const Shape& xs : {Shape{1, 4, 5, 3}, Shape{1, 10, 9, 70}}) {
          GraphBuilder b;
          const QuantParams q = ref::testing::per_tensor(0.1f, dt == DType::kU8 ? 100 : -5);
          const QuantParams other = same ? q : ref::testing::per_tensor(0.07f, 3);
          const QuantParams third = same ? q : ref::testing::per_tensor(0.25f, -20);
          const int x0 = b.input(dt, xs, q);
          const int x1 = b.input(dt, xs, other);
          const int x2 = b.input(dt, xs, third);
          Shape out = xs;
          out[static_cast<size_t>(axis)] *= 3;
          const int y = b.tensor(dt, out, q);
          ConcatAttrs ca;
          ca.axis = axis;
          b.node(OpType::kConcat, {x0, x1, x2}, y, ca);
          const Graph g = b.build({y});
          const auto in = testing::make_inputs(g);
          const std::string what = std::string(same ? "same" : "mixed") + " quantization, axis " +
                                   std::to_string(axis) + ", " + std::to_string(xs[3]) +
                                   " channels, " + std::string(dtype_name(dt));
          EXPECT_EQ(testing::run_backend(g, "cpu", in, GetParam()),
                    testing::run_backend(g, "reference", in))
              << what;
          BackendOptions opt;
          opt.threads = GetParam();
          const auto kernels = make_backend("cpu")->compile(g, opt)->kernel_names();
          ASSERT_EQ(kernels.size(), 1u);
          EXPECT_EQ(kernels[0].rfind("cpu:concat_", 0), 0u) << kernels[0] << ", " << what;
          EXPECT_EQ(kernels[0].find("+requantize") != std::string::npos, !same) << what;
        }
}

INSTANTIATE_TEST_SUITE_P(Threads, CpuOps, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::to_string(i.param) + "thread";
                         });

}  // namespace
}  // namespace edgebench::cpu
