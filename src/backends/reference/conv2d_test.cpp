// Conv2D against hand-computed cases and a direct evaluation of the
// convolution sum written independently of the kernel (real-valued for f32,
// integer accumulator + MultiplyByQuantizedMultiplier for quantized types).
#include "backends/reference/conv2d.h"

#include <gtest/gtest.h>

#include "backends/quant_arith.h"
#include "backends/reference/test_graph_util.h"
#include "util/error.h"

namespace edgebench::ref {
namespace {

using namespace testing;

Conv2DAttrs conv_attrs(int sh, int sw, int dh, int dw, Padding2D pad, int groups,
                       ActivationKind act = ActivationKind::kNone) {
  Conv2DAttrs a;
  a.stride_h = sh;
  a.stride_w = sw;
  a.dilation_h = dh;
  a.dilation_w = dw;
  a.pad = pad;
  a.groups = groups;
  a.act = make_activation(act);
  return a;
}

TEST(Conv2D, F32HandComputed) {
  // 3x3 image 1..9, 2x2 filter of ones, no padding:
  //   1 2 3     1+2+4+5 = 12   2+3+5+6 = 16
  //   4 5 6  -> 4+5+7+8 = 24   5+6+8+9 = 28
  //   7 8 9
  // plus bias 0.5.
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 3, 3, 1});
  const int w = b.constant(DType::kF32, {1, 2, 2, 1}, std::vector<float>{1, 1, 1, 1});
  const int bias = b.constant(DType::kF32, {1}, std::vector<float>{0.5f});
  const int y = b.tensor(DType::kF32, {1, 2, 2, 1});
  b.node(OpType::kConv2D, {x, w, bias}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  const Graph g = b.build({y});
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
            (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(Conv2D, F32PaddingAndRelu6) {
  // Same image, 3x3 filter of ones, padding 1 on every side, stride 2: each
  // output sees one 2x2 corner block of the image.
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 3, 3, 1});
  const int w = b.constant(DType::kF32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  const int y = b.tensor(DType::kF32, {1, 2, 2, 1});
  b.node(OpType::kConv2D, {x, w, -1}, y,
         conv_attrs(2, 2, 1, 1, {1, 1, 1, 1}, 1, ActivationKind::kRelu6));
  const Graph g = b.build({y});
  // Sums 12, 16, 24, 28 (the padded cells add nothing), all clamped to 6;
  // a negated image gives 0.
  EXPECT_EQ(run<float>(g, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
            (std::vector<float>{6, 6, 6, 6}));
  EXPECT_EQ(run<float>(g, std::vector<float>{-1, -2, -3, -4, -5, -6, -7, -8, -9}),
            (std::vector<float>{0, 0, 0, 0}));
}

// The geometry shared by the randomized tests: every feature at once.
struct Case {
  int n = 2, h = 7, w = 6, cin = 4, cout = 6, kh = 3, kw = 2;
  Conv2DAttrs a = conv_attrs(2, 1, 1, 2, {1, 0, 2, 1}, 2);
  int oh() const {
    return (h + a.pad.top + a.pad.bottom - ((kh - 1) * a.dilation_h + 1)) / a.stride_h + 1;
  }
  int ow() const {
    return (w + a.pad.left + a.pad.right - ((kw - 1) * a.dilation_w + 1)) / a.stride_w + 1;
  }
};

// sum over (c, fy, fx) of f(x[n, oy*s + fy*d - pad, ...], w[oc, fy, fx, c]).
template <typename F>
void direct_conv(const Case& c, F&& tap_sum) {
  const int cin_g = c.cin / c.a.groups, cout_g = c.cout / c.a.groups;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < c.oh(); ++oy)
      for (int ox = 0; ox < c.ow(); ++ox)
        for (int oc = 0; oc < c.cout; ++oc)
          for (int ky = 0; ky < c.kh; ++ky)
            for (int kx = 0; kx < c.kw; ++kx) {
              const int iy = oy * c.a.stride_h + ky * c.a.dilation_h - c.a.pad.top;
              const int ix = ox * c.a.stride_w + kx * c.a.dilation_w - c.a.pad.left;
              if (iy < 0 || ix < 0 || iy >= c.h || ix >= c.w) continue;
              for (int k = 0; k < cin_g; ++k) {
                const int ic = (oc / cout_g) * cin_g + k;
                const size_t xi = ((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.cin + ic;
                const size_t wi = ((static_cast<size_t>(oc) * c.kh + ky) * c.kw + kx) * cin_g + k;
                const size_t yi =
                    ((static_cast<size_t>(n) * c.oh() + oy) * c.ow() + ox) * c.cout + oc;
                tap_sum(yi, xi, wi);
              }
            }
}

TEST(Conv2D, F32StrideDilationPaddingGroups) {
  const Case c;
  const auto xv = random_values<float>(static_cast<size_t>(c.n * c.h * c.w * c.cin), -1, 1, 1);
  const auto wv =
      random_values<float>(static_cast<size_t>(c.cout * c.kh * c.kw * c.cin / 2), -1, 1, 2);
  const auto bv = random_values<float>(static_cast<size_t>(c.cout), -1, 1, 3);
  GraphBuilder b;
  const int x = b.input(DType::kF32, {c.n, c.h, c.w, c.cin});
  const int w = b.constant(DType::kF32, {c.cout, c.kh, c.kw, c.cin / 2}, wv);
  const int bias = b.constant(DType::kF32, {c.cout}, bv);
  const int y = b.tensor(DType::kF32, {c.n, c.oh(), c.ow(), c.cout});
  b.node(OpType::kConv2D, {x, w, bias}, y, c.a);
  const Graph g = b.build({y});
  const auto got = run<float>(g, xv);

  std::vector<double> want(got.size(), 0.0);
  direct_conv(c, [&](size_t yi, size_t xi, size_t wi) { want[yi] += double(xv[xi]) * wv[wi]; });
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i] + bv[i % c.cout], 1e-5) << i;
}

TEST(Conv2D, U8HandComputedRounding) {
  // Reals as in F32HandComputed: input zero point 10, filter zero point 3
  // (q = 4 is 1.0), output scale 8, zero point 5.
  // 12/8 = 1.5 -> 2, 16/8 = 2, 24/8 = 3, 28/8 = 3.5 -> 4 (ties away from zero), + 5.
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 3, 3, 1}, per_tensor(1.0f, 10));
  const int w =
      b.constant(DType::kU8, {1, 2, 2, 1}, std::vector<uint8_t>{4, 4, 4, 4}, per_tensor(1.0f, 3));
  const int y = b.tensor(DType::kU8, {1, 2, 2, 1}, per_tensor(8.0f, 5));
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{11, 12, 13, 14, 15, 16, 17, 18, 19})),
            (std::vector<int>{7, 7, 8, 9}));
}

TEST(Conv2D, U8BiasAndSaturation) {
  // Bias 4 (scale 1 = input scale * filter scale): 16/8 = 2, 20/8 = 2.5 -> 3,
  // 28/8 = 3.5 -> 4, 32/8 = 4; + 5. With the output scale 0.05 everything
  // saturates at 255 (16 / 0.05 = 320); a relu with a zero point of 200 clamps below at 200.
  for (float out_scale : {8.0f, 0.05f}) {
    GraphBuilder b;
    const int x = b.input(DType::kU8, {1, 3, 3, 1}, per_tensor(1.0f, 10));
    const int w =
        b.constant(DType::kU8, {1, 2, 2, 1}, std::vector<uint8_t>{4, 4, 4, 4}, per_tensor(1.0f, 3));
    const int bias = b.constant(DType::kI32, {1}, std::vector<int32_t>{4});
    const int y = b.tensor(DType::kU8, {1, 2, 2, 1}, per_tensor(out_scale, 5));
    b.node(OpType::kConv2D, {x, w, bias}, y, conv_attrs(1, 1, 1, 1, {}, 1));
    const Graph g = b.build({y});
    const auto got =
        ints(run<uint8_t>(g, std::vector<uint8_t>{11, 12, 13, 14, 15, 16, 17, 18, 19}));
    const std::vector<int> want =
        out_scale == 8.0f ? std::vector<int>{7, 8, 9, 9} : std::vector<int>{255, 255, 255, 255};
    EXPECT_EQ(got, want);
  }
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 1, 1}, per_tensor(1.0f, 0));
  const int w = b.constant(DType::kU8, {1, 1, 1, 1}, std::vector<uint8_t>{0}, per_tensor(1.0f, 1));
  const int y = b.tensor(DType::kU8, {1, 1, 1, 1}, per_tensor(1.0f, 200));
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1, ActivationKind::kRelu));
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{50})), std::vector<int>{200});  // -50 -> relu
}

TEST(Conv2D, FloatRequantizationRoundsHalfToEven) {
  // U8HandComputedRounding's sums (12, 16, 24, 28; output scale 8) under ONNX's
  // requantization: 1.5 -> 2, 2, 3, 3.5 -> 4 as before, and with output scale 16,
  // 0.75 -> 1, 1, 1.5 -> 2, 1.75 -> 2; with 4 taps of weight 2 and scale 16,
  // 24/16 = 1.5 -> 2 and 40/16 = 2.5 -> 2 (TFLite: 3).
  for (float out_scale : {8.0f, 16.0f}) {
    GraphBuilder b;
    const int x = b.input(DType::kU8, {1, 3, 3, 1}, per_tensor(1.0f, 10));
    const int w =
        b.constant(DType::kU8, {1, 2, 2, 1}, std::vector<uint8_t>{4, 4, 4, 4}, per_tensor(1.0f, 3));
    const int y = b.tensor(DType::kU8, {1, 2, 2, 1}, per_tensor(out_scale, 5));
    b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
    Graph g = b.build({y});
    g.requantization = Requantization::kFloat;
    const auto got =
        ints(run<uint8_t>(g, std::vector<uint8_t>{11, 12, 13, 14, 15, 16, 17, 18, 19}));
    EXPECT_EQ(got,
              out_scale == 8.0f ? (std::vector<int>{7, 7, 8, 9}) : (std::vector<int>{6, 6, 7, 7}));
  }
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 2, 1}, per_tensor(1.0f, 0));
  const int w = b.constant(DType::kU8, {1, 1, 1, 1}, std::vector<uint8_t>{2}, per_tensor(1.0f, 0));
  const int y = b.tensor(DType::kU8, {1, 1, 2, 1}, per_tensor(16.0f, 0));
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{12, 20})), (std::vector<int>{2, 3}));
  g.requantization = Requantization::kFloat;
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{12, 20})), (std::vector<int>{2, 2}));
}

template <typename T>
void quantized_random_case(DType t, bool per_channel_weights) {
  const Case c;
  const double lo = t == DType::kU8 ? 0 : -128, hi = t == DType::kU8 ? 255 : 127;
  const auto xv = random_values<T>(static_cast<size_t>(c.n * c.h * c.w * c.cin), lo, hi, 4);
  const auto wv =
      random_values<T>(static_cast<size_t>(c.cout * c.kh * c.kw * c.cin / 2), lo, hi, 5);
  const auto bv = random_values<int32_t>(static_cast<size_t>(c.cout), -3000, 3000, 6);
  const QuantParams xq = per_tensor(0.02f, t == DType::kU8 ? 120 : -7);
  std::vector<float> wscales = {0.011f, 0.007f, 0.013f, 0.0031f, 0.02f, 0.009f};
  const QuantParams wq =
      per_channel_weights ? per_channel(wscales, 0) : per_tensor(0.011f, t == DType::kU8 ? 131 : 0);
  const QuantParams yq = per_tensor(0.05f, t == DType::kU8 ? 100 : 3);
  const FusedActivation act = make_activation(ActivationKind::kRelu6);

  GraphBuilder b;
  const int x = b.input(t, {c.n, c.h, c.w, c.cin}, xq);
  const int w = b.constant(t, {c.cout, c.kh, c.kw, c.cin / 2}, wv, wq);
  const int bias = b.constant(DType::kI32, {c.cout}, bv);
  const int y = b.tensor(t, {c.n, c.oh(), c.ow(), c.cout}, yq);
  Conv2DAttrs a = c.a;
  a.act = act;
  b.node(OpType::kConv2D, {x, w, bias}, y, a);
  const Graph g = b.build({y});
  const auto got = run<T>(g, xv);

  const int32_t xz = static_cast<int32_t>(xq.zero_point()),
                wz = static_cast<int32_t>(wq.zero_point());
  std::vector<int64_t> acc(got.size(), 0);
  direct_conv(c, [&](size_t yi, size_t xi, size_t wi) {
    acc[yi] += int64_t(int32_t(xv[xi]) - xz) * (int32_t(wv[wi]) - wz);
  });
  const auto range =
      quant::quantized_activation_range(act, t, yq.scale(), int32_t(yq.zero_point()));
  int changed = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t oc = i % static_cast<size_t>(c.cout);
    // uint8: TFLite's single multiplier multiplies the float scales in float.
    const double m = t == DType::kU8 ? double(xq.scale() * wq.scale(oc)) / yq.scale()
                                     : double(xq.scale()) * wq.scale(oc) / yq.scale();
    const int32_t total = static_cast<int32_t>(acc[i]) + bv[oc];
    const int32_t q =
        quant::multiply_by_quantized_multiplier(total, quant::quantize_multiplier(m)) +
        int32_t(yq.zero_point());
    const int32_t want = std::clamp(q, range.min, range.max);
    ASSERT_EQ(int(got[i]), want) << "element " << i;
    // And within half a step of the real-valued result, plus what rounding
    // twice can add (half a unit of the first rounding, scaled down).
    const double real = total * m + yq.zero_point();
    if (q > range.min && q < range.max) {
      EXPECT_NEAR(q, real, 0.51) << i;
    }
    changed += q != want;
  }
  EXPECT_GT(changed, 0);  // the activation clamp was exercised
}

TEST(Conv2D, U8RandomAgainstDirectSum) {
  quantized_random_case<uint8_t>(DType::kU8, false);
}
TEST(Conv2D, I8PerTensorAgainstDirectSum) {
  quantized_random_case<int8_t>(DType::kI8, false);
}
TEST(Conv2D, I8PerChannelAgainstDirectSum) {
  quantized_random_case<int8_t>(DType::kI8, true);
}

TEST(Conv2D, MultiplierRuleMatchesTflite) {
  // Scales of MobileNet v1 0.75/192's 17th convolution. In float,
  // input * filter rounds so that M = 1879520705 * 2^-38; in double
  // M = 1879520768 * 2^-38. For the accumulator 7385 the first gives
  // 7385 * M = 50.49... -> 50, the second 50.50... -> 51. TFLite's uint8
  // kernel (and LiteRT's reference interpreter on that model) gives 50; the
  // int8 per-channel path computes in double and gives 51.
  const float s_in = 0x1.817d96p-6f, s_w = 0x1.c01cd8p-8f;
  for (DType t : {DType::kU8, DType::kI8}) {
    const bool u8 = t == DType::kU8;
    GraphBuilder b;
    const int x = b.input(t, {1, 1, 1, 1}, per_tensor(s_in, 0));
    const int w = u8 ? b.constant(t, {1, 1, 1, 1}, std::vector<uint8_t>{140}, per_tensor(s_w, 139))
                     : b.constant(t, {1, 1, 1, 1}, std::vector<int8_t>{1}, per_channel({s_w}, 0));
    const int bias = b.constant(DType::kI32, {1}, std::vector<int32_t>{7384});
    const int y = b.tensor(t, {1, 1, 1, 1}, per_tensor(s_in, 0));
    b.node(OpType::kConv2D, {x, w, bias}, y, conv_attrs(1, 1, 1, 1, {}, 1));
    const Graph g = b.build({y});
    const int got = u8 ? int(run<uint8_t>(g, std::vector<uint8_t>{1})[0])
                       : int(run<int8_t>(g, std::vector<int8_t>{1})[0]);
    EXPECT_EQ(got, u8 ? 50 : 51);
  }
}

TEST(Conv2D, UnsupportedTypeNamesTheNode) {
  GraphBuilder b;
  const int x = b.input(DType::kI32, {1, 2, 2, 1});
  const int w = b.constant(DType::kI32, {1, 1, 1, 1}, std::vector<int32_t>{1});
  const int y = b.tensor(DType::kI32, {1, 2, 2, 1});
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  const Graph g = b.build({y});
  try {
    make_reference_backend()->compile(g, {});
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_STREQ(e.what(),
                 "test: node #0 Conv2D 'Conv2D_0': i32 not supported by the reference backend");
  }
}

// ONNX Runtime's quantize_static: uint8 activations, int8 per-channel weights.
// x - 128 = (2, -8); w = (4, -2) at scale 0.25 and (-3, 8) at 0.5;
// sums 24 and -70, times 0.5 x w_scale / 0.5 = 6 and -35 steps, + zero point 100.
TEST(Conv2D, Uint8ActivationsWithInt8Weights) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 1, 2}, per_tensor(0.5f, 128));
  const int w = b.constant(DType::kI8, {2, 1, 1, 2}, std::vector<int8_t>{4, -2, -3, 8},
                           per_channel({0.25f, 0.5f}, 0));
  const int y = b.tensor(DType::kU8, {1, 1, 1, 2}, per_tensor(0.5f, 100));
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  Graph g = b.build({y});
  g.requantization = Requantization::kFloat;
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{130, 120})), (std::vector<int>{106, 65}));
}

TEST(Conv2D, InputAndOutputOfDifferentTypesAreRejected) {
  GraphBuilder b;
  const int x = b.input(DType::kI8, {1, 2, 2, 1}, per_tensor(1.0f, 0));
  const int w = b.constant(DType::kI8, {1, 1, 1, 1}, std::vector<int8_t>{1}, per_tensor(1.0f, 0));
  const int y = b.tensor(DType::kU8, {1, 2, 2, 1}, per_tensor(1.0f, 0));
  b.node(OpType::kConv2D, {x, w, -1}, y, conv_attrs(1, 1, 1, 1, {}, 1));
  const Graph g = b.build({y});
  EXPECT_THROW(make_reference_backend()->compile(g, {}), Error);
}

}  // namespace
}  // namespace edgebench::ref
