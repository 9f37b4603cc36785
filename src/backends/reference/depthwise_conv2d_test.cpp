// DepthwiseConv2D against hand-computed cases and a direct evaluation.
#include "backends/reference/depthwise_conv2d.h"

#include <gtest/gtest.h>

#include "backends/quant_arith.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(DepthwiseConv2D, F32HandComputedMultiplier) {
  // 2x2 image with 2 channels, depth multiplier 2, 2x2 filter, no padding:
  // output channel oc = c * 2 + m sums channel c times filter[.., oc].
  //   channel 0: 1 2 / 3 4, channel 1: 10 20 / 30 40
  //   filter oc0: 1 1 1 1 -> 10, oc1: 1 0 0 0 -> 1, oc2: 0 0 0 1 -> 40, oc3: 1 -1 0 0 -> -10
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 2, 2, 2});
  const int w = b.constant(DType::kF32, {1, 2, 2, 4},
                           std::vector<float>{1, 1, 0, 1,    // tap (0,0): oc0..oc3
                                              1, 0, 0, -1,   // tap (0,1)
                                              1, 0, 0, 0,    // tap (1,0)
                                              1, 0, 1, 0});  // tap (1,1)
  const int bias = b.constant(DType::kF32, {4}, std::vector<float>{0, 0.5f, 0, 0});
  const int y = b.tensor(DType::kF32, {1, 1, 1, 4});
  Conv2DAttrs a;
  a.depth_multiplier = 2;
  b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, a);
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}),
            (std::vector<float>{10, 1.5f, 40, -10}));
}

struct Case {
  int n = 2, h = 6, w = 7, cin = 3, mult = 2, kh = 3, kw = 3;
  Conv2DAttrs a;
  Case() {
    a.stride_h = 2;
    a.stride_w = 1;
    a.dilation_h = 1;
    a.dilation_w = 2;
    a.pad = {1, 2, 1, 2};
    a.depth_multiplier = mult;
  }
  int cout() const { return cin * mult; }
  int oh() const {
    return (h + a.pad.top + a.pad.bottom - ((kh - 1) * a.dilation_h + 1)) / a.stride_h + 1;
  }
  int ow() const {
    return (w + a.pad.left + a.pad.right - ((kw - 1) * a.dilation_w + 1)) / a.stride_w + 1;
  }
};

template <typename F>
void direct_depthwise(const Case& c, F&& tap) {
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < c.oh(); ++oy)
      for (int ox = 0; ox < c.ow(); ++ox)
        for (int oc = 0; oc < c.cout(); ++oc)
          for (int ky = 0; ky < c.kh; ++ky)
            for (int kx = 0; kx < c.kw; ++kx) {
              const int iy = oy * c.a.stride_h + ky * c.a.dilation_h - c.a.pad.top;
              const int ix = ox * c.a.stride_w + kx * c.a.dilation_w - c.a.pad.left;
              if (iy < 0 || ix < 0 || iy >= c.h || ix >= c.w) continue;
              const size_t xi = ((size_t(n) * c.h + iy) * c.w + ix) * c.cin + oc / c.mult;
              const size_t wi = (size_t(ky) * c.kw + kx) * c.cout() + oc;
              const size_t yi = ((size_t(n) * c.oh() + oy) * c.ow() + ox) * c.cout() + oc;
              tap(yi, xi, wi);
            }
}

TEST(DepthwiseConv2D, F32StrideDilationPadding) {
  const Case c;
  const auto xv = random_values<float>(size_t(c.n * c.h * c.w * c.cin), -1, 1, 11);
  const auto wv = random_values<float>(size_t(c.kh * c.kw * c.cout()), -1, 1, 12);
  GraphBuilder b;
  const int x = b.input(DType::kF32, {c.n, c.h, c.w, c.cin});
  const int w = b.constant(DType::kF32, {1, c.kh, c.kw, c.cout()}, wv);
  const int y = b.tensor(DType::kF32, {c.n, c.oh(), c.ow(), c.cout()});
  b.node(OpType::kDepthwiseConv2D, {x, w, -1}, y, c.a);
  const Graph g = b.build({y});
  const auto got = run<float>(g, xv);
  std::vector<double> want(got.size(), 0.0);
  direct_depthwise(c,
                   [&](size_t yi, size_t xi, size_t wi) { want[yi] += double(xv[xi]) * wv[wi]; });
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

TEST(DepthwiseConv2D, U8HandComputed) {
  // One channel, 1x3 image (reals 1, 2, 3 with zero point 100), 1x2 filter of
  // reals (2, -1) (zero point 128, scale 0.5), output scale 0.5, zero point 10:
  //   2*1 - 2 = 0 -> 10,   2*2 - 3 = 1 -> 1/0.5 + 10 = 12.
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 3, 1}, per_tensor(1.0f, 100));
  const int w =
      b.constant(DType::kU8, {1, 1, 2, 1}, std::vector<uint8_t>{132, 126}, per_tensor(0.5f, 128));
  const int y = b.tensor(DType::kU8, {1, 1, 2, 1}, per_tensor(0.5f, 10));
  b.node(OpType::kDepthwiseConv2D, {x, w, -1}, y, Conv2DAttrs{});
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{101, 102, 103})), (std::vector<int>{10, 12}));
  // Reals (-5, 3, 1): 2*(-5) - 3 = -13 -> -26 + 10 saturates at 0; 2*3 - 1 = 5 -> 20.
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{95, 103, 101})), (std::vector<int>{0, 20}));
}

// uint8 activations with int8 per-channel weights (ONNX Runtime's QDQ):
// x - 128 = (2, -8), w = (4 at 0.25, -3 at 0.5): 8 x 0.125 and -(-24) x 0.25
// real 1 and 6, i.e. 2 and 12 output steps above zero point 100.
TEST(DepthwiseConv2D, Uint8ActivationsWithInt8Weights) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 1, 2}, per_tensor(0.5f, 128));
  const int w = b.constant(DType::kI8, {1, 1, 1, 2}, std::vector<int8_t>{4, -3},
                           per_channel({0.25f, 0.5f}, 3));
  const int y = b.tensor(DType::kU8, {1, 1, 1, 2}, per_tensor(0.5f, 100));
  b.node(OpType::kDepthwiseConv2D, {x, w, -1}, y, Conv2DAttrs{});
  Graph g = b.build({y});
  g.requantization = Requantization::kFloat;
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{130, 120})), (std::vector<int>{102, 112}));
}

template <typename T>
void quantized_random_case(DType t, bool per_channel_weights) {
  const Case c;
  const double lo = t == DType::kU8 ? 0 : -128, hi = t == DType::kU8 ? 255 : 127;
  const auto xv = random_values<T>(size_t(c.n * c.h * c.w * c.cin), lo, hi, 13);
  const auto wv = random_values<T>(size_t(c.kh * c.kw * c.cout()), lo, hi, 14);
  const auto bv = random_values<int32_t>(size_t(c.cout()), -2000, 2000, 15);
  const QuantParams xq = per_tensor(0.03f, t == DType::kU8 ? 128 : 5);
  const QuantParams wq = per_channel_weights
                             ? per_channel({0.01f, 0.02f, 0.005f, 0.03f, 0.011f, 0.004f}, 3)
                             : per_tensor(0.01f, t == DType::kU8 ? 120 : 0);
  const QuantParams yq = per_tensor(0.04f, t == DType::kU8 ? 90 : -20);
  GraphBuilder b;
  const int x = b.input(t, {c.n, c.h, c.w, c.cin}, xq);
  const int w = b.constant(t, {1, c.kh, c.kw, c.cout()}, wv, wq);
  const int bias = b.constant(DType::kI32, {c.cout()}, bv);
  const int y = b.tensor(t, {c.n, c.oh(), c.ow(), c.cout()}, yq);
  b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, c.a);
  const Graph g = b.build({y});
  const auto got = run<T>(g, xv);

  std::vector<int32_t> acc(got.size(), 0);
  direct_depthwise(c, [&](size_t yi, size_t xi, size_t wi) {
    acc[yi] +=
        (int32_t(xv[xi]) - int32_t(xq.zero_point())) * (int32_t(wv[wi]) - int32_t(wq.zero_point()));
  });
  int saturated = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t oc = i % size_t(c.cout());
    const double m = t == DType::kU8 ? double(xq.scale() * wq.scale(oc)) / yq.scale()
                                     : double(xq.scale()) * wq.scale(oc) / yq.scale();
    const int32_t q =
        quant::multiply_by_quantized_multiplier(acc[i] + bv[oc], quant::quantize_multiplier(m)) +
        int32_t(yq.zero_point());
    const int32_t want = std::clamp(q, quant::qmin(t), quant::qmax(t));
    saturated += q != want;
    ASSERT_EQ(int(got[i]), want) << i;
  }
  EXPECT_GT(saturated, 0);
}

TEST(DepthwiseConv2D, U8RandomAgainstDirectSum) {
  quantized_random_case<uint8_t>(DType::kU8, false);
}
TEST(DepthwiseConv2D, I8PerChannelAgainstDirectSum) {
  quantized_random_case<int8_t>(DType::kI8, true);
}

}  // namespace
}  // namespace edgebench::ref
